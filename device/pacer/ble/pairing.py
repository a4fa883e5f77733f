"""Which sensors are paired, and as what.

A pairing is an address and a role; at most one sensor per role and one role per address
(a BLE device gets one connection). Pairings live in the device's SQLite store (the
``pairings`` table of :mod:`pacer.storage.store`), the one place both ``pacer sensors pair`` and the
serial link's ``sensors.pair`` write to; :func:`load_pairings`, :func:`save_pairings`,
:func:`pair` and :func:`forget` take the data directory that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pacer.core.errors import ConfigError
from pacer.core.samples import CadenceUnit, SensorRole

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.storage.store import Pairing as StoredPairing
    from pacer.storage.store import Store
_ADDRESS = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")


def normalize_address(address: str) -> str:
    """``aa:bb:cc:dd:ee:ff`` or ``AA-BB-...`` as BlueZ writes it (upper case, colons)."""
    candidate = address.strip().upper().replace("-", ":")
    if not _ADDRESS.match(candidate):
        raise ConfigError(
            f"'{address}' is not a Bluetooth address (six hex pairs, e.g. F0:13:C3:5A:2B:01)"
        )
    return candidate


@dataclass(frozen=True, slots=True)
class Pairing:
    address: str
    role: SensorRole
    name: str = ""
    #: Only foot pods: what their cadence counts (see :class:`pacer.ble.parsers.StepCadence`).
    cadence_unit: CadenceUnit = CadenceUnit.STEPS

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", normalize_address(self.address))


def from_stored(stored: StoredPairing, where: str = "store") -> Pairing:
    """A row of the store's pairings table as a typed pairing (ConfigError if it is bad)."""
    try:
        role = SensorRole(stored.role)
        unit = CadenceUnit(stored.cadence_unit or CadenceUnit.STEPS.value)
    except ValueError:
        raise ConfigError(
            f"{where}: pairing {stored.address} has role {stored.role!r} and cadence "
            f"{stored.cadence_unit!r}; roles are {', '.join(r.value for r in SensorRole)}"
        ) from None
    return Pairing(stored.address, role, stored.name or "", unit)


def to_stored(pairing: Pairing) -> StoredPairing:
    from pacer.storage.store import Pairing as StoredPairing

    unit = pairing.cadence_unit.value if pairing.role is SensorRole.POD else None
    return StoredPairing(pairing.address, pairing.role.value, pairing.name or None, unit)


def store_pairings(store: Store) -> tuple[Pairing, ...]:
    """Every pairing in an open store, in role order."""
    return _ordered(from_stored(p, str(store.path)) for p in store.list_pairings())


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
            store.pair(to_stored(p))


def pair(data_dir: Path, pairing: Pairing) -> tuple[Pairing, ...]:
    """Store ``pairing``; returns the pairings it replaced (same role or same address)."""
    with _open(data_dir) as store:
        replaced = store.pair_exclusive(to_stored(pairing))
        return _ordered(from_stored(p, str(store.path)) for p in replaced)


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
                store.forget(addr)
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
