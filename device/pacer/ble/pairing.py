"""Which sensors are paired, and as what.

A pairing is an address and a role; at most one sensor per role and one role per address.
The store is deliberately tiny - :func:`load_pairings`, :func:`save_pairings`, :func:`pair`,
:func:`forget` on a data directory - so it can move into the device's SQLite store without
touching its callers. Today it is one file, ``sensors.json``, in the data directory, replaced
atomically on every change.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pacer.ble.parsers import CadenceUnit
from pacer.errors import ConfigError, Location
from pacer.samples import SensorRole

PAIRINGS_FILE = "sensors.json"
_FORMAT_VERSION = 1
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


def pairings_path(data_dir: Path) -> Path:
    return data_dir / PAIRINGS_FILE


def load_pairings(data_dir: Path) -> tuple[Pairing, ...]:
    """The stored pairings (none when the file does not exist yet), in role order."""
    path = pairings_path(data_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(exc.msg, Location(str(path), exc.lineno, exc.colno)) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sensors"), list):
        raise ConfigError(f"{path}: expected an object with a 'sensors' list")
    pairings = [_from_json(path, i, item) for i, item in enumerate(doc["sensors"])]
    _check_unique(pairings, str(path))
    return _ordered(pairings)


def save_pairings(data_dir: Path, pairings: Iterable[Pairing]) -> None:
    """Replace the stored pairings (atomically: a crash leaves the old or the new file)."""
    items = _ordered(pairings)
    _check_unique(items, "pairings")
    data_dir.mkdir(parents=True, exist_ok=True)
    doc = {"version": _FORMAT_VERSION, "sensors": [_to_json(p) for p in items]}
    fd, tmp = tempfile.mkstemp(prefix=".sensors-", suffix=".json", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, pairings_path(data_dir))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pair(data_dir: Path, pairing: Pairing) -> tuple[Pairing, ...]:
    """Store ``pairing``; returns the pairings it replaced (same role or same address)."""
    current = load_pairings(data_dir)
    replaced = tuple(p for p in current if p.role is pairing.role or p.address == pairing.address)
    kept = [p for p in current if p not in replaced]
    save_pairings(data_dir, [*kept, pairing])
    return replaced


def forget(data_dir: Path, address: str | None = None) -> tuple[Pairing, ...]:
    """Forget one address (or every sensor with ``None``); returns what was removed."""
    current = load_pairings(data_dir)
    if address is None:
        removed = current
    else:
        wanted = normalize_address(address)
        removed = tuple(p for p in current if p.address == wanted)
    if removed:
        save_pairings(data_dir, [p for p in current if p not in removed])
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


def _to_json(p: Pairing) -> dict[str, str]:
    item = {"address": p.address, "role": p.role.value, "name": p.name}
    if p.role is SensorRole.POD:
        item["cadence_unit"] = p.cadence_unit.value
    return item


def _from_json(path: Path, index: int, item: Any) -> Pairing:
    where = f"{path}: sensors[{index}]"
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected an object")
    try:
        role = SensorRole(str(item.get("role")))
    except ValueError:
        choices = ", ".join(r.value for r in SensorRole)
        raise ConfigError(f"{where}.role: {item.get('role')!r} is not one of {choices}") from None
    try:
        unit = CadenceUnit(item.get("cadence_unit", CadenceUnit.STEPS.value))
    except ValueError:
        raise ConfigError(
            f"{where}.cadence_unit: {item.get('cadence_unit')!r} is not steps or strides"
        ) from None
    address = item.get("address")
    name = item.get("name", "")
    if not isinstance(address, str) or not isinstance(name, str):
        raise ConfigError(f"{where}: address and name must be strings")
    try:
        return Pairing(address=address, role=role, name=name, cadence_unit=unit)
    except ConfigError as exc:
        raise ConfigError(f"{where}.address: {exc}") from None
