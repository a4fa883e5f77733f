"""Running a workout and watching it: start, stop, and the live status."""

from __future__ import annotations

from typing import Any

from pacer.core.errors import ProtocolError
from pacer.link.args import Args
from pacer.link.ops import Op
from pacer.link.protocol import ErrorCode, Request
from pacer.link.service.base import Handler, Requests, SessionPort
from pacer.link.service.texts import check_workout


class RunRequests(Requests):
    def handlers(self) -> dict[Op, Handler]:
        return {
            Op.WORKOUT_START: self.start,
            Op.WORKOUT_STOP: self.stop,
            Op.STATUS_GET: self.status_get,
            Op.STATUS_SUBSCRIBE: self.subscribe,
            Op.STATUS_UNSUBSCRIBE: self.unsubscribe,
        }

    async def start(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        name = args.name(required=False)
        args.done()
        store, engine = self.ctx.store, self.ctx.engine
        if name is None:
            name = store.selected_workout()
            if name is None:
                raise args.error("name", "no workout selected: name one")
        running = engine.running()
        if running is not None:
            raise ProtocolError(
                ErrorCode.CONFLICT, f"{running!r} is already running; stop it first"
            )
        stored = store.get_workout(name)
        if stored is None:
            raise args.error("name", f"no workout named {name!r}", ErrorCode.NOT_FOUND)
        # the profile may have changed since the push: refuse what it can no longer resolve
        profile = store.get_profile()
        await check_workout(
            name, stored.source, profile.source if profile else None, self.ctx.limits.max_text_depth
        )
        if store.selected_workout() != name:
            store.select_workout(name)
            engine.select(name)
            self.ctx.changed("selection")
        await engine.start(name, stored.source)
        return {"running": name}

    async def stop(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        args.done()
        running = self.ctx.engine.running()
        if running is None:
            raise ProtocolError(ErrorCode.CONFLICT, "no workout is running")
        await self.ctx.engine.stop()
        return {"stopped": running}

    async def status_get(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        args.done()
        return {"status": self.ctx.engine.status()}

    async def subscribe(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        args.done()
        session.subscribe(self.ctx.engine)
        return {"subscribed": True, "status": self.ctx.engine.status()}

    async def unsubscribe(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        args.done()
        session.unsubscribe()
        return {"subscribed": False}
