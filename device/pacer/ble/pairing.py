"""Which sensors are paired, and as what: the one pairing module.

A pairing is an address and a role; at most one sensor per role and one role per address
(a BLE device gets one connection). Pairings live in the device's SQLite store (the
``pairings`` table of :mod:`pacer.storage.store`). Both ``pacer sensors pair`` (by data
directory: :func:`load_pairings`, :func:`save_pairings`, :func:`pair`, :func:`forget`) and
the serial link's ``sensors.*`` (on the open store: :func:`pair_in`, :func:`forget_in`,
:func:`store_pairings`) go through here, with the one :class:`Pairing` and the one address
check, :func:`normalize_address` (both defined with the table, in
:mod:`pacer.storage.tables`, the lower room).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pacer.core.errors import ConfigError
from pacer.core.samples import SensorRole
from pacer.storage.tables import Pairing, normalize_address

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.storage.store import Store


def store_pairings(
    store: Store, on_bad: Callable[[ConfigError], None] | None = None
) -> tuple[Pairing, ...]:
    """Every pairing in an open store, in role order (``on_bad``: see
    :meth:`Store.list_pairings`; the daemon logs a bad row and starts without it)."""
    return _ordered(store.list_pairings(on_bad))


def pair_in(store: Store, pairing: Pairing) -> tuple[Pairing, ...]:
    """Store ``pairing`` in an open store; returns the pairings it replaced (same role or
    same address), in one transaction."""
    return _ordered(store.pair_exclusive(pairing))


def forget_in(store: Store, address: str) -> tuple[Pairing, ...]:
    """Forget every role paired to ``address`` (checked and normalised first)."""
    return _ordered(store.forget(normalize_address(address)))


def _open(data_dir: Path) -> Store:
    from pacer.storage.store import Store

    return Store.open_dir(data_dir)


def load_pairings(data_dir: Path) -> tuple[Pairing, ...]:
    """The stored pairings (none when there is no store yet), in role order."""
    from pacer.storage.store import DB_NAME

    if not (data_dir / DB_NAME).exists():
        return ()
    with _open(data_dir) as store:
        return store_pairings(store)


def save_pairings(data_dir: Path, pairings: Iterable[Pairing]) -> None:
    """Replace every stored pairing."""
    items = _ordered(pairings)
    _check_unique(items, "pairings")
    with _open(data_dir) as store:
        for old in store.list_pairings():
            store.forget(old.address)
        for p in items:
            store.pair(p)


def pair(data_dir: Path, pairing: Pairing) -> tuple[Pairing, ...]:
    """Store ``pairing``; returns the pairings it replaced (same role or same address)."""
    with _open(data_dir) as store:
        return pair_in(store, pairing)


def forget(data_dir: Path, address: str | None = None) -> tuple[Pairing, ...]:
    """Forget one address (or every sensor with ``None``); returns what was removed."""
    current = load_pairings(data_dir)
    if address is None:
        removed = current
    else:
        wanted = normalize_address(address)
        removed = tuple(p for p in current if p.address == wanted)
    if removed:
        with _open(data_dir) as store:
            for addr in {p.address for p in removed}:
                forget_in(store, addr)
    return removed


def _ordered(pairings: Iterable[Pairing]) -> tuple[Pairing, ...]:
    order = list(SensorRole)
    return tuple(sorted(pairings, key=lambda p: order.index(p.role)))


def _check_unique(pairings: Iterable[Pairing], where: str) -> None:
    seen_roles: set[SensorRole] = set()
    seen_addresses: set[str] = set()
    for p in pairings:
        if p.role in seen_roles:
            raise ConfigError(f"{where}: two sensors paired as {p.role.value}")
        if p.address in seen_addresses:
            raise ConfigError(f"{where}: {p.address} is paired twice")
        seen_roles.add(p.role)
        seen_addresses.add(p.address)


__all__ = [
    "Pairing",
    "forget",
    "forget_in",
    "load_pairings",
    "normalize_address",
    "pair",
    "pair_in",
    "save_pairings",
    "store_pairings",
]
