"""Write-only secrets, the device's own sync credentials: ``secret.set``, ``secret.list``.

A host sends a service's login once (``pacer device sync set-key``); the device keeps it in
the sync credentials file beside its store (:class:`pacer.storage.credentials.CredentialStore`,
0600), where the ``pacer-sync`` unit reads it. It never comes back: ``secret.set`` answers
whether one was set before, ``secret.list`` which services have one; no reply, error or log
line holds a value, and ``settings.get`` never sees it (it is not a setting).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Final

from pacer.core.errors import ConfigError
from pacer.link.args import Args
from pacer.link.ops import Op
from pacer.link.protocol import ErrorCode, Request, json_type
from pacer.link.service.base import Handler, Requests
from pacer.storage.credentials import (
    MAX_SECRET_CHARS,
    SECRET_RULE,
    CredentialStore,
    IcuCredentials,
    Service,
    StravaCredentials,
    check_secret,
)

#: What each service's ``value`` holds: required keys, then optional ones.
FIELDS: Final = {
    Service.INTERVALS: (("api_key",), ("athlete",)),
    Service.STRAVA: (("client_id", "client_secret", "refresh_token"), ()),
}
#: intervals.icu athlete ids: ``0`` (the key's owner) or ``i12345``.
ATHLETE_RE: Final = re.compile(r"[A-Za-z0-9]{1,32}")


class SecretRequests(Requests):
    def handlers(self) -> dict[Op, Handler]:
        return {Op.SECRET_SET: self.set, Op.SECRET_LIST: self.list}

    @property
    def credentials(self) -> CredentialStore:
        # env={}: what the device holds, not what this process's environment says
        return CredentialStore(self.ctx.store.path.parent, env={})

    async def set(self, req: Request, args: Args, session: object) -> dict[str, Any]:
        service = args.choice("name", Service)
        values = _values(args, service)
        args.done()
        assert service is not None
        store = self.credentials
        try:
            before = await asyncio.to_thread(_replace, store, service, values)
        except ConfigError as exc:  # the file's path and its problem, never a value
            raise args.error("name", f"not stored: {exc}", ErrorCode.INTERNAL) from None
        except OSError as exc:
            raise args.error("name", f"not stored: {exc.strerror}", ErrorCode.INTERNAL) from None
        self.ctx.changed("secrets")
        return {"name": service.value, "set": values is not None, "replaced": before}

    async def list(self, req: Request, args: Args, session: object) -> dict[str, Any]:
        args.done()
        which = await asyncio.to_thread(self.credentials.which)
        return {"secrets": {service.value: is_set for service, is_set in which.items()}}


def _replace(store: CredentialStore, service: Service, values: dict[str, str] | None) -> bool:
    """Store (or with None forget) the service's login; whether one was there before."""
    before = store.which()[service]
    if values is None:
        store.forget(service.value)
    elif service is Service.INTERVALS:
        store.save_icu(IcuCredentials(values["api_key"], values.get("athlete", "0")))
    else:
        # no access token yet: the first upload refreshes one (and keeps the rotated token)
        store.save_strava(
            StravaCredentials(
                values["client_id"], values["client_secret"], "", values["refresh_token"], 0.0
            )
        )
    return before


def _values(args: Args, service: Service | None) -> dict[str, str] | None:
    """``args.value``: the service's login (an object of strings), or null to forget it.
    Errors name the field, never quote a value."""
    if not args.has("value"):
        raise args.error("value", "'value' is required (null forgets the service's login)")
    raw = args.raw("value")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise args.error("value", f"'value' must be an object or null, not {json_type(raw)}")
    assert service is not None
    required, optional = FIELDS[service]
    for key in sorted(raw):
        if key not in required + optional:
            allowed = ", ".join(required + optional)
            raise args.error(f"value.{key}", f"unknown key '{key}' for {service}: {allowed}")
    for key in required:
        if key not in raw:
            raise args.error(f"value.{key}", f"'{key}' is required for {service}")
    out: dict[str, str] = {}
    for key, item in raw.items():
        where = f"value.{key}"
        if not isinstance(item, str):
            raise args.error(where, f"'{key}' must be a string, not {json_type(item)}")
        if len(item) > MAX_SECRET_CHARS:
            raise args.error(
                where,
                f"'{key}' is {len(item)} characters, over the limit of {MAX_SECRET_CHARS}",
                ErrorCode.TOO_LARGE,
            )
        if not check_secret(item):
            raise args.error(where, f"'{key}' must be {SECRET_RULE}")
        if key == "athlete" and not ATHLETE_RE.fullmatch(item):
            raise args.error(where, "'athlete' must be 0 (the key's owner) or an id like i12345")
        out[key] = item
    return out
