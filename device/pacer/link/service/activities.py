"""Recorded activities: list, chunked download (built off the loop), ack, delete."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import zlib
from pathlib import Path
from typing import Any

from pacer.link.args import Args
from pacer.link.ops import Op
from pacer.link.protocol import ErrorCode, Request
from pacer.link.service.base import Context, Handler, Requests, SessionPort
from pacer.storage.store import ActivityStatus, read_activity_payload


class ActivityRequests(Requests):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._payload: tuple[int, bytes, str] | None = None  # activity id, bytes, sha256

    def handlers(self) -> dict[Op, Handler]:
        return {
            Op.ACTIVITY_LIST: self.list,
            Op.ACTIVITY_GET: self.get,
            Op.ACTIVITY_ACK: self.ack,
            Op.ACTIVITY_DELETE: self.delete,
        }

    async def list(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        args.done()
        return {"activities": [a.to_json() for a in self.ctx.store.list_activities()]}

    def _activity(self, args: Args, key: str = "id") -> tuple[int, ActivityStatus]:
        activity = args.integer(key, minimum=1, maximum=2**53)
        info = self.ctx.store.get_activity(activity)
        if info is None:
            raise args.error(key, f"no activity {activity}", ErrorCode.NOT_FOUND)
        return activity, info.status

    async def _payload_of(self, activity: int) -> tuple[bytes, str]:
        """The activity's bytes and sha256, built once per activity in a worker thread (a
        long run takes a while on a Pi Zero; the loop keeps serving the workout)."""
        if self._payload is None or self._payload[0] != activity:
            data, sha = await asyncio.to_thread(_export, self.ctx.store.path, activity)
            self._payload = (activity, data, sha)
        return self._payload[1], self._payload[2]

    async def get(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        limits = self.ctx.limits
        activity, status = self._activity(args)
        offset = args.integer("offset", minimum=0, maximum=2**53, default=0)
        length = args.integer(
            "length",
            minimum=1,
            maximum=limits.max_chunk_bytes,
            default=limits.default_chunk_bytes,
        )
        args.done()
        if status is ActivityStatus.RECORDING:
            raise args.error("id", f"activity {activity} is still recording", ErrorCode.CONFLICT)
        data, sha = await self._payload_of(activity)
        if offset > len(data):
            raise args.error("offset", f"offset {offset} is past the end ({len(data)} bytes)")
        chunk = data[offset : offset + length]
        return {
            "id": activity,
            "offset": offset,
            "length": len(chunk),
            "size": len(data),
            "data": base64.b64encode(chunk).decode("ascii"),
            "crc32": zlib.crc32(chunk),
            "sha256": sha,
            "eof": offset + len(chunk) >= len(data),
        }

    async def ack(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        activity, status = self._activity(args)
        sha = args.text("sha256", max_bytes=64)
        args.done()
        if status is ActivityStatus.RECORDING:
            raise args.error("id", f"activity {activity} is still recording", ErrorCode.CONFLICT)
        _, expected = await self._payload_of(activity)
        if sha != expected:
            raise args.error("sha256", "does not match the activity; download it again")
        self.ctx.store.mark_downloaded(activity)
        self.ctx.changed("activities")
        return {"id": activity, "downloaded": True}

    async def delete(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        activity, status = self._activity(args)
        force = args.boolean("force")
        args.done()
        if status is ActivityStatus.RECORDING:
            raise args.error("id", f"activity {activity} is still recording", ErrorCode.CONFLICT)
        info = self.ctx.store.get_activity(activity)
        if info is not None and not info.downloaded and not force:
            raise args.error(
                "id",
                f"activity {activity} was never downloaded; pass force to delete it anyway",
                ErrorCode.CONFLICT,
            )
        self.ctx.store.delete_activity(activity)
        if self._payload is not None and self._payload[0] == activity:
            self._payload = None
        self.ctx.changed("activities")
        return {"id": activity}


def _export(path: Path, activity: int) -> tuple[bytes, str]:
    data = read_activity_payload(path, activity)
    return data, hashlib.sha256(data).hexdigest()
