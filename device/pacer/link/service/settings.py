"""The device's settings (overrides of its config file) and the athlete profile."""

from __future__ import annotations

from typing import Any

from pacer.config.settings import check_update, effective
from pacer.config.validate import SettingError
from pacer.link.args import Args
from pacer.link.ops import Op
from pacer.link.protocol import Request
from pacer.link.service.base import Handler, Requests, SessionPort
from pacer.link.service.texts import check_profile


class SettingsRequests(Requests):
    def handlers(self) -> dict[Op, Handler]:
        return {
            Op.SETTINGS_GET: self.settings_get,
            Op.SETTINGS_SET: self.settings_set,
            Op.PROFILE_GET: self.profile_get,
            Op.PROFILE_PUT: self.profile_put,
        }

    async def settings_get(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        args.done()
        stored = self.ctx.store.get_settings()
        return {"settings": effective(stored, self.ctx.config), "set": sorted(stored)}

    async def settings_set(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        values = args.mapping("values", max_items=self.ctx.limits.max_items)
        args.done()
        try:
            checked = check_update(self.ctx.config, self.ctx.store.get_settings(), values)
        except SettingError as exc:
            raise args.error(f"values.{exc.key}", exc.message) from None
        self.ctx.store.update_settings(checked)
        self.ctx.changed("settings")
        return {"settings": effective(self.ctx.store.get_settings(), self.ctx.config)}

    async def profile_get(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        args.done()
        profile = self.ctx.store.get_profile()
        if profile is None:
            return {"text": None, "updated": None}
        return {"text": profile.source, "updated": profile.updated}

    async def profile_put(self, req: Request, args: Args, session: SessionPort) -> dict[str, Any]:
        text = args.text("text", max_bytes=self.ctx.limits.max_text_bytes)
        args.done()
        assert text is not None
        await check_profile(text, self.ctx.limits.max_text_depth)
        self.ctx.store.put_profile(text, self.ctx.clock.wall())
        self.ctx.changed("profile")
        return {"bytes": len(text.encode())}
