"""Workouts stored on the device: list, get, put (validated off the loop), delete, select."""

from __future__ import annotations

from typing import Any

from pacer.core.errors import StoreError
from pacer.link.args import Args
from pacer.link.ops import Op
from pacer.link.protocol import ErrorCode, Request
from pacer.link.service.base import Handler, Requests, SessionPort
from pacer.link.service.texts import check_workout
from pacer.storage.store import StoreFull

#: UTF-8 size of a workout's ``origin`` and ``origin_updated`` (a service's event address
#: and its timestamp).
ORIGIN_MAX_BYTES = 256


class WorkoutRequests(Requests):
    def handlers(self) -> dict[Op, Handler]:
        return {
            Op.WORKOUT_LIST: self.list,
            Op.WORKOUT_GET: self.get,
            Op.WORKOUT_PUT: self.put,
            Op.WORKOUT_DELETE: self.delete,
            Op.WORKOUT_SELECT: self.select,
        }

    async def list(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        args.done()
        store = self.ctx.store
        selected = store.selected_workout()
        running = self.ctx.engine.running()
        return {
            "workouts": [
                {
                    "name": w.name,
                    "bytes": w.bytes,
                    "updated": w.updated,
                    "origin": w.origin,
                    "origin_updated": w.origin_updated,
                    "selected": w.name == selected,
                    "running": w.name == running,
                }
                for w in store.list_workouts()
            ],
            "selected": selected,
            "running": running,
            "max": self.ctx.limits.max_workouts,
        }

    async def get(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        name = args.name()
        args.done()
        assert name is not None
        stored = self.ctx.store.get_workout(name)
        if stored is None:
            raise args.error("name", f"no workout named {name!r}", ErrorCode.NOT_FOUND)
        return {"name": stored.name, "text": stored.source, "updated": stored.updated}

    async def put(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        limits = self.ctx.limits
        name = args.name()
        text = args.text("text", max_bytes=limits.max_text_bytes)
        origin = args.text("origin", max_bytes=ORIGIN_MAX_BYTES, required=False)
        origin_updated = args.text("origin_updated", max_bytes=ORIGIN_MAX_BYTES, required=False)
        args.done()
        assert name is not None
        assert text is not None
        if self.ctx.engine.running() == name:
            raise args.error(
                "name", f"{name!r} is running; stop it before replacing it", ErrorCode.CONFLICT
            )
        profile = self.ctx.store.get_profile()
        await check_workout(name, text, profile.source if profile else None, limits.max_text_depth)
        try:
            replaced = self.ctx.store.put_workout(
                name,
                text,
                self.ctx.clock.wall(),
                max_count=limits.max_workouts,
                origin=origin,
                origin_updated=origin_updated,
            )
        except StoreFull as exc:
            raise args.error("name", f"{exc}; delete one first", ErrorCode.FULL) from None
        self.ctx.changed("workouts")
        return {"name": name, "bytes": len(text.encode()), "replaced": replaced}

    async def delete(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        name = args.name()
        args.done()
        assert name is not None
        store = self.ctx.store
        if self.ctx.engine.running() == name:
            raise args.error(
                "name", f"{name!r} is running; stop it before deleting it", ErrorCode.CONFLICT
            )
        was_selected = store.selected_workout() == name
        if not store.delete_workout(name):
            raise args.error("name", f"no workout named {name!r}", ErrorCode.NOT_FOUND)
        if was_selected:
            self.ctx.engine.select(None)
        self.ctx.changed("workouts")
        return {"name": name}

    async def select(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        name = args.name()
        args.done()
        assert name is not None
        try:
            self.ctx.store.select_workout(name)
        except StoreFull:
            raise  # the disk is full: answered "full" by the dispatcher
        except StoreError:
            raise args.error("name", f"no workout named {name!r}", ErrorCode.NOT_FOUND) from None
        self.ctx.engine.select(name)
        self.ctx.changed("selection")
        return {"selected": name}
