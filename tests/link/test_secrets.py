"""Write-only secrets over a real serial link (pyserial on both ends of a pty pair): a sync
login goes in with ``secret.set`` (``pacer device sync set-key``), lands 0600 in the sync
credentials file beside the store (where the device's own sync reads it), and never comes
back: not in a reply, an error, ``settings.get``, or a log line."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from pacer.cli import main
from pacer.cli.device_sync import read_values
from pacer.core.errors import ConfigError
from pacer.link.framing import Overlong
from pacer.link.host import DeviceClient
from pacer.link.ops import Op
from pacer.link.protocol import RequestError
from pacer.link.session import Session
from pacer.storage.credentials import CREDENTIALS_NAME, CredentialStore, IcuCredentials
from tests.support.serial_rig import Rig, device_rig

pytestmark = pytest.mark.timeout(60)

#: A key shaped like intervals.icu's; the tests look for it (and its halves) everywhere.
KEY = "4x7pq0icuSECRETk3y9zzt2w"
TOKEN = "0123456789abcdefSTRAVArefreshTOKEN987654"


def credentials(rig: Rig) -> CredentialStore:
    """What the device holds (env={}: no override from this process's environment)."""
    return CredentialStore(rig.store.path.parent, env={})


def icu_key(rig: Rig) -> str | None:
    login = credentials(rig).icu()
    return None if login is None else login.api_key


def client(rig: Rig) -> DeviceClient:
    return DeviceClient(rig.port, timeout=3.0).open()


async def t(fn, *args, **kw):  # type: ignore[no-untyped-def]
    """Run a blocking host call in a thread while the device serves on the loop."""
    return await asyncio.to_thread(fn, *args, **kw)


def tap_replies(rig: Rig) -> list[bytes]:
    """Every line the device answers from now on, as it goes on the wire."""
    lines: list[bytes] = []
    handle: Callable[..., Awaitable[tuple[bytes, Any]]] = rig.service.handle

    async def recording(item: bytes | Overlong, session: Session) -> tuple[bytes, Any]:
        reply, after = await handle(item, session)
        lines.append(reply)
        return reply, after

    rig.service.handle = recording  # type: ignore[method-assign]
    return lines


def leaks(secret: str, *texts: str | bytes) -> list[str]:
    """Where the secret (or a long piece of it) shows in ``texts``."""
    pieces = {secret, secret[: len(secret) // 2], secret[len(secret) // 2 :]}
    found = []
    for text in texts:
        s = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        found += [s for piece in pieces if piece in s]
    return found


async def test_set_key_is_stored_0600_and_never_returned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with device_rig(tmp_path) as rig:
        replies = tap_replies(rig)
        dev = await t(client, rig)
        hello = await t(dev.hello)
        assert {"secret.set", "secret.list"} <= set(hello["capabilities"])
        listed = await t(dev.request, Op.SECRET_LIST)
        assert listed["secrets"] == {"intervals.icu": False, "strava": False}

        login = {"name": "intervals.icu", "value": {"api_key": KEY}}
        result = await t(dev.request, Op.SECRET_SET, login)
        assert result == {"name": "intervals.icu", "set": True, "replaced": False}
        again = await t(dev.request, Op.SECRET_SET, login)
        assert again["replaced"] is True

        path = rig.store.path.parent / CREDENTIALS_NAME
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        stored = credentials(rig).icu()
        assert stored is not None
        assert (stored.api_key, stored.athlete) == (KEY, "0")

        listed = await t(dev.request, Op.SECRET_LIST)
        assert listed["secrets"] == {"intervals.icu": True, "strava": False}
        settings = await t(dev.settings_get)
        keys = settings["settings"]
        assert not any(k.startswith(("intervals", "strava", "secret")) for k in keys)
        # every other request that reads the device's state
        for op in (Op.HELLO, Op.STATUS_GET, Op.WORKOUT_LIST, Op.PROFILE_GET, Op.ACTIVITY_LIST):
            await t(dev.request, op)
        dev.close()
    assert len(replies) >= 10
    assert leaks(KEY, *replies) == []
    assert leaks(KEY, caplog.text, *(r.getMessage() for r in caplog.records)) == []


async def test_bad_values_are_refused_without_quoting_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with device_rig(tmp_path) as rig:
        replies = tap_replies(rig)
        dev = await t(client, rig)
        icu = "intervals.icu"
        await t(dev.request, Op.SECRET_SET, {"name": icu, "value": {"api_key": KEY}})
        bad: list[tuple[dict[str, Any], str, str]] = [
            ({"name": icu, "value": {"api_key": f"{KEY} {KEY}"}}, "args.value.api_key", ""),
            ({"name": icu, "value": {"api_key": KEY * 30}}, "args.value.api_key", "too_large"),
            ({"name": icu, "value": {"api_key": f"{KEY}\n"}}, "args.value.api_key", ""),
            ({"name": icu, "value": {"api_key": 12345}}, "args.value.api_key", ""),
            (
                {"name": icu, "value": {"api_key": KEY, "athlete": "../x"}},
                "args.value.athlete",
                "",
            ),
            ({"name": icu, "value": {"key": KEY}}, "args.value.key", ""),
            ({"name": icu, "value": {}}, "args.value.api_key", ""),
            ({"name": icu, "value": KEY}, "args.value", ""),
            ({"name": icu}, "args.value", ""),
            (
                {"name": "strava", "value": {"refresh_token": KEY}},
                "args.value.client_id",
                "",
            ),
            ({"name": "settings", "value": {"api_key": KEY}}, "args.name", ""),
            ({"name": icu, "value": {"api_key": KEY}, "echo": True}, "args.echo", ""),
        ]
        for args, field, code in bad:
            with pytest.raises(RequestError) as err:
                await t(dev.request, Op.SECRET_SET, args)
            assert err.value.field == field, args
            assert err.value.code == (code or "invalid_field"), (args, err.value.code)
        assert icu_key(rig) == KEY, "a refused value changes nothing"
        assert credentials(rig).strava() is None
        # null forgets it
        result = await t(dev.request, Op.SECRET_SET, {"name": icu, "value": None})
        assert result == {"name": icu, "set": False, "replaced": True}
        assert icu_key(rig) is None
        dev.close()
    assert leaks(KEY, *replies, caplog.text) == []


async def test_cli_set_key_from_stdin_and_status(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with device_rig(tmp_path) as rig:
        replies = tap_replies(rig)
        monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
        code = await t(main, ["device", "--port", rig.port, "sync", "set-key", "--stdin"])
        assert code == 0
        assert icu_key(rig) == KEY

        strava = f"12345\nclientSECRET0123456789abcdef\n{TOKEN}\n"
        monkeypatch.setattr("sys.stdin", io.StringIO(strava))
        argv = ["device", "--port", rig.port, "sync", "set-key", "strava", "--stdin"]
        assert await t(main, argv) == 0
        strava_login = credentials(rig).strava()
        assert strava_login is not None
        assert (strava_login.client_id, strava_login.refresh_token) == ("12345", TOKEN)
        assert strava_login.expires_at == 0, "the first upload refreshes an access token"

        assert await t(main, ["device", "--port", rig.port, "sync", "status"]) == 0
        assert await t(main, ["device", "--port", rig.port, "info"]) == 0
        out = capsys.readouterr()
        assert "intervals.icu: set\nStrava: set" in out.out
        assert "sync keys:   intervals.icu: set; Strava: set" in out.out

        assert await t(main, ["device", "--port", rig.port, "sync", "forget", "strava"]) == 0
        assert credentials(rig).strava() is None
        assert icu_key(rig) == KEY, "only Strava's are forgotten"

        # an empty stdin stores nothing and says what is missing
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        argv = ["device", "--port", rig.port, "sync", "set-key", "strava", "--stdin"]
        assert await t(main, argv) == 2
        assert credentials(rig).strava() is None
        out2 = capsys.readouterr()
    assert "no Strava client id given on stdin" in out2.err
    everything = (out.out, out.err, out2.out, out2.err, caplog.text, *replies)
    assert leaks(KEY, *everything) == []
    assert leaks(TOKEN, *everything) == []


def test_the_prompt_reads_without_echo_and_refuses_a_pipe() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked: list[str] = []

    def ask(prompt: str) -> str:  # getpass's place: it never echoes
        asked.append(prompt)
        return f"  {KEY} "

    assert read_values("intervals", from_stdin=False, stdin=Tty(), ask=ask) == {"api_key": KEY}
    assert asked == ["intervals.icu API key (not shown): "]
    with pytest.raises(ConfigError, match=r"no terminal to ask .* pass --stdin"):
        read_values("intervals", from_stdin=False, stdin=io.StringIO(KEY), ask=ask)


async def test_set_key_from_this_computers_login_and_a_readable_file_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PACER_CONFIG_DIR", str(tmp_path / "laptop"))
    monkeypatch.delenv("PACER_ICU_API_KEY", raising=False)
    async with device_rig(tmp_path) as rig:
        argv = ["device", "--port", rig.port, "sync", "set-key", "--from-login"]
        assert await t(main, argv) == 2
        assert "no intervals.icu login on this computer" in capsys.readouterr().err
        laptop = CredentialStore(tmp_path / "laptop", env={})
        laptop.save_icu(IcuCredentials(KEY, "i4711"))
        old = os.umask(0)
        try:
            assert await t(main, argv) == 0
        finally:
            os.umask(old)
        stored = credentials(rig).icu()
        assert stored is not None
        assert (stored.api_key, stored.athlete) == (KEY, "i4711")
        path = rig.store.path.parent / CREDENTIALS_NAME
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, "whatever the umask"

        path.chmod(0o644)  # a hand-made copy others may read: refused, named, not quoted
        dev = await t(client, rig)
        login = {"name": "intervals.icu", "value": {"api_key": KEY}}
        with pytest.raises(RequestError) as err:
            await t(dev.request, Op.SECRET_SET, login)
        dev.close()
    assert err.value.code == "internal"
    assert "readable by others" in str(err.value)
    assert "chmod 600" in str(err.value)
    assert KEY not in str(err.value)
    out = capsys.readouterr()
    assert leaks(KEY, out.out, out.err) == []
