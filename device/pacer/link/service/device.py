"""Requests about the device itself: ``hello``, the clock, restarting the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from pacer import __version__
from pacer.core.errors import ProtocolError
from pacer.link.args import Args
from pacer.link.ops import Op
from pacer.link.protocol import PROTOCOL_VERSION, ErrorCode, Request
from pacer.link.service.base import Context, Handler, Requests, Result, ServiceControl, SessionPort

#: The earliest and latest wall time ``time.set`` accepts (2017 .. 2103).
MIN_WALL: Final = 1.5e9
MAX_WALL: Final = 4.2e9


class DeviceRequests(Requests):
    def __init__(
        self,
        ctx: Context,
        device_id: str,
        capabilities: Callable[[], list[str]],
        service: ServiceControl | None,
    ) -> None:
        super().__init__(ctx)
        self.device_id = device_id
        self.capabilities = capabilities
        self.service = service

    def handlers(self) -> dict[Op, Handler]:
        out: dict[Op, Handler] = {
            Op.HELLO: self.hello,
            Op.TIME_GET: self.time_get,
            Op.TIME_SET: self.time_set,
        }
        if self.service is not None:
            out[Op.SERVICE_RESTART] = self.restart
            out[Op.SERVICE_SHUTDOWN] = self.shutdown
        return out

    async def hello(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        version = args.integer("protocol", minimum=0, maximum=1_000_000, default=PROTOCOL_VERSION)
        args.text("client", max_bytes=128, required=False)
        args.done()
        if version != PROTOCOL_VERSION:
            raise ProtocolError(
                ErrorCode.UNSUPPORTED_VERSION,
                f"this device speaks protocol {PROTOCOL_VERSION}, not {version}",
                field="args.protocol",
            )
        session.unsubscribe()  # a new host conversation starts clean
        return {
            "protocol": PROTOCOL_VERSION,
            "software": __version__,
            "device_id": self.device_id,
            "capabilities": self.capabilities(),
            "limits": self.ctx.limits.to_json(),
            "time": self.ctx.clock.wall(),
        }

    async def time_get(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        args.done()
        return {"wall": self.ctx.clock.wall()}

    async def time_set(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        wall = args.number("wall", minimum=MIN_WALL, maximum=MAX_WALL)
        args.done()
        previous = self.ctx.clock.wall()
        self.ctx.clock.set_wall(wall)
        self.ctx.changed("time")
        return {"wall": self.ctx.clock.wall(), "previous": previous}

    def _service_action(self, args: Args, what: str) -> None:
        force = args.boolean("force")
        args.done()
        running = self.ctx.engine.running()
        if running is not None and not force:
            raise ProtocolError(
                ErrorCode.CONFLICT, f"{running!r} is running; stop it or pass force to {what}"
            )

    async def restart(self, req: Request, args: Args, session: SessionPort) -> Result:
        self._service_action(args, "restart")
        assert self.service is not None
        return Result({"restarting": True}, self.service.restart)

    async def shutdown(self, req: Request, args: Args, session: SessionPort) -> Result:
        self._service_action(args, "shut down")
        assert self.service is not None
        return Result({"shutting_down": True}, self.service.shutdown)
