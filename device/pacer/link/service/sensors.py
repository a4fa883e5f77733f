"""Sensor pairings: list, pair, forget, and a BLE scan when the device has a scanner."""

from __future__ import annotations

from typing import Any, Final

from pacer.ble.pairing import Pairing, forget_in, pair_in, store_pairings
from pacer.core.errors import ConfigError, ProtocolError
from pacer.core.samples import PodCadenceUnit, SensorRole
from pacer.devices.bundle import SensorScanner
from pacer.link.args import Args
from pacer.link.ops import Op
from pacer.link.protocol import ErrorCode, Request
from pacer.link.service.base import Context, Handler, Requests, SessionPort

MAX_SCAN_S: Final = 30


class SensorRequests(Requests):
    def __init__(self, ctx: Context, scanner: SensorScanner | None) -> None:
        super().__init__(ctx)
        self.scanner = scanner

    def handlers(self) -> dict[Op, Handler]:
        out: dict[Op, Handler] = {
            Op.SENSORS_LIST: self.list,
            Op.SENSORS_PAIR: self.pair,
            Op.SENSORS_FORGET: self.forget,
        }
        if self.scanner is not None:
            out[Op.SENSORS_SCAN] = self.scan
        return out

    async def list(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        args.done()
        return {"sensors": [p.to_json() for p in store_pairings(self.ctx.store)]}

    async def scan(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        seconds = args.integer("seconds", minimum=1, maximum=MAX_SCAN_S, default=5)
        args.done()
        assert self.scanner is not None
        if self.ctx.engine.running() is not None:
            raise ProtocolError(ErrorCode.CONFLICT, "cannot scan during a workout")
        return {"found": await self.scanner.scan(seconds)}

    async def pair(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        address = args.text("address", max_bytes=64)
        role = args.choice("role", SensorRole)
        name = args.text("name", max_bytes=64, required=False)
        unit = args.choice("cadence_unit", PodCadenceUnit, required=False)
        args.done()
        assert address is not None
        assert role is not None
        if unit is not None and role is not SensorRole.POD:
            raise args.error("cadence_unit", "only a foot pod has a cadence unit")
        try:
            pairing = Pairing(address, role, name or "", unit or PodCadenceUnit.STEPS)
        except ConfigError as exc:
            raise args.error("address", exc.message) from None
        # One role per device as well as one device per role: the daemon keeps one BLE
        # connection per address (the same rule as `pacer sensors pair`).
        replaced = pair_in(self.ctx.store, pairing)
        self.ctx.changed("pairings")
        return {"paired": pairing.to_json(), "replaced": [p.to_json() for p in replaced]}

    async def forget(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        address = args.text("address", max_bytes=64)
        args.done()
        assert address is not None
        try:
            removed = forget_in(self.ctx.store, address)
        except ConfigError as exc:
            raise args.error("address", exc.message) from None
        if not removed:
            raise args.error("address", f"no sensor paired at {address}", ErrorCode.NOT_FOUND)
        self.ctx.changed("pairings")
        return {"forgotten": [p.to_json() for p in removed]}
