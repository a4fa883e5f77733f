"""Write-only secrets (the sync services' credentials): ``secret.set``, ``secret.list``.

A value goes in and never comes out: ``secret.set`` answers whether one was set before,
``secret.list`` which are set; no reply, error or log line holds a value
(:mod:`pacer.storage.secrets` keeps them, 0600, beside the store).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from pacer.link.args import Args
from pacer.link.ops import Op
from pacer.link.protocol import ErrorCode, Request, json_type
from pacer.link.service.base import Handler, Requests
from pacer.storage.secrets import (
    MAX_SECRET_CHARS,
    SECRET_RULE,
    SecretName,
    SecretStore,
    check_secret,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pacer.link.session import Session


class SecretRequests(Requests):
    def handlers(self) -> dict[Op, Handler]:
        return {Op.SECRET_SET: self.set, Op.SECRET_LIST: self.list}

    @property
    def secrets(self) -> SecretStore:
        return SecretStore(self.ctx.store.path.parent)

    async def set(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        name = args.choice("name", SecretName)
        value = _secret(args)
        args.done()
        assert name is not None
        # a write and two fsyncs: off the loop
        before = await asyncio.to_thread(self.secrets.set, name, value)
        self.ctx.changed("secrets")
        return {"name": name.value, "set": value is not None, "replaced": before}

    async def list(self, req: Request, args: Args, session: Session) -> dict[str, Any]:
        args.done()
        which = await asyncio.to_thread(self.secrets.which)
        return {"secrets": {name.value: is_set for name, is_set in which.items()}}


def _secret(args: Args) -> str | None:
    """``args.value``: a secret, or null to forget it. Its errors never quote it."""
    if not args.has("value"):
        raise args.error("value", "'value' is required (null forgets the secret)")
    raw = args.raw("value")
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise args.error("value", f"'value' must be a string or null, not {json_type(raw)}")
    if len(raw) > MAX_SECRET_CHARS:
        raise args.error(
            "value",
            f"'value' is {len(raw)} characters, over the limit of {MAX_SECRET_CHARS}",
            ErrorCode.TOO_LARGE,
        )
    if not check_secret(raw):
        raise args.error("value", f"'value' must be {SECRET_RULE}")
    return raw
