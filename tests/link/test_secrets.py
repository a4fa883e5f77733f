"""Write-only secrets over a real serial link (pyserial on both ends of a pty pair): a sync
key goes in with ``secret.set`` (``pacer device sync set-key``), lands 0600 beside the store,
and never comes back: not in a reply, an error, ``settings.get``, or a log line."""

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
from pacer.storage.secrets import SECRETS_NAME, SecretError, SecretName, SecretStore
from tests.support.serial_rig import Rig, device_rig

pytestmark = pytest.mark.timeout(60)

#: A key shaped like intervals.icu's; the tests look for it (and its halves) everywhere.
KEY = "4x7pq0icuSECRETk3y9zzt2w"
TOKEN = "0123456789abcdefSTRAVArefreshTOKEN987654"


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
        assert listed["secrets"] == {name.value: False for name in SecretName}

        result = await t(dev.request, Op.SECRET_SET, {"name": "intervals.api_key", "value": KEY})
        assert result == {"name": "intervals.api_key", "set": True, "replaced": False}
        again = await t(dev.request, Op.SECRET_SET, {"name": "intervals.api_key", "value": KEY})
        assert again["replaced"] is True

        path = rig.store.path.parent / SECRETS_NAME
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert SecretStore(rig.store.path.parent).get(SecretName.INTERVALS_API_KEY) == KEY

        listed = await t(dev.request, Op.SECRET_LIST)
        assert listed["secrets"]["intervals.api_key"] is True
        assert listed["secrets"]["strava.refresh_token"] is False
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
        await t(dev.request, Op.SECRET_SET, {"name": "intervals.api_key", "value": KEY})
        bad: list[tuple[dict[str, Any], str, str]] = [
            ({"name": "intervals.api_key", "value": f"{KEY} {KEY}"}, "args.value", "invalid"),
            ({"name": "intervals.api_key", "value": KEY * 30}, "args.value", "too_large"),
            ({"name": "intervals.api_key", "value": f"{KEY}\n"}, "args.value", "invalid"),
            ({"name": "intervals.api_key", "value": 12345}, "args.value", "invalid"),
            ({"name": "intervals.api_key"}, "args.value", "invalid"),
            ({"name": "settings.x", "value": KEY}, "args.name", "invalid"),
            ({"name": "intervals.api_key", "value": KEY, "echo": True}, "args.echo", "invalid"),
        ]
        for args, field, code in bad:
            with pytest.raises(RequestError) as err:
                await t(dev.request, Op.SECRET_SET, args)
            assert err.value.field == field, args
            assert err.value.code.startswith(code), (args, err.value.code)
        store = SecretStore(rig.store.path.parent)
        assert store.get(SecretName.INTERVALS_API_KEY) == KEY, "a refused value changes nothing"
        # null forgets it
        result = await t(dev.request, Op.SECRET_SET, {"name": "intervals.api_key", "value": None})
        assert result == {"name": "intervals.api_key", "set": False, "replaced": True}
        assert store.get(SecretName.INTERVALS_API_KEY) is None
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
        store = SecretStore(rig.store.path.parent)
        monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
        code = await t(main, ["device", "--port", rig.port, "sync", "set-key", "--stdin"])
        assert code == 0
        assert store.get(SecretName.INTERVALS_API_KEY) == KEY

        strava = f"12345\nclientSECRET0123456789abcdef\n{TOKEN}\n"
        monkeypatch.setattr("sys.stdin", io.StringIO(strava))
        argv = ["device", "--port", rig.port, "sync", "set-key", "strava", "--stdin"]
        assert await t(main, argv) == 0
        assert store.get(SecretName.STRAVA_REFRESH_TOKEN) == TOKEN
        assert store.get(SecretName.STRAVA_CLIENT_ID) == "12345"

        assert await t(main, ["device", "--port", rig.port, "sync", "status"]) == 0
        assert await t(main, ["device", "--port", rig.port, "info"]) == 0
        out = capsys.readouterr()
        assert "intervals.icu: set\nStrava: set" in out.out
        assert "sync keys:   intervals.icu: set; Strava: set" in out.out

        assert await t(main, ["device", "--port", rig.port, "sync", "forget", "strava"]) == 0
        assert store.get(SecretName.STRAVA_REFRESH_TOKEN) is None
        assert store.get(SecretName.INTERVALS_API_KEY) == KEY, "only Strava's are forgotten"

        # an empty stdin stores nothing and says what is missing
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        argv = ["device", "--port", rig.port, "sync", "set-key", "strava", "--stdin"]
        assert await t(main, argv) == 2
        assert store.get(SecretName.STRAVA_CLIENT_ID) is None
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

    assert read_values("intervals", from_stdin=False, stdin=Tty(), ask=ask) == {
        "intervals.api_key": KEY
    }
    assert asked == ["intervals.icu API key: "]
    with pytest.raises(ConfigError, match=r"no terminal to ask .* pass --stdin"):
        read_values("intervals", from_stdin=False, stdin=io.StringIO(KEY), ask=ask)


def test_the_file_is_0600_whatever_the_umask_and_a_readable_one_is_refused(
    tmp_path: Path,
) -> None:
    old = os.umask(0)
    try:
        store = SecretStore(tmp_path / "state")
        assert store.which() == {name: False for name in SecretName}
        assert store.set(SecretName.INTERVALS_API_KEY, KEY) is False
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert [p.name for p in store.path.parent.iterdir()] == [SECRETS_NAME], "no temp file left"
    assert KEY not in repr(store)

    with pytest.raises(SecretError) as err:
        store.set(SecretName.STRAVA_CLIENT_SECRET, "has a space")
    assert "has a space" not in str(err.value)

    store.path.chmod(0o644)
    with pytest.raises(SecretError, match=r"others may read it .*chmod 600"):
        store.get(SecretName.INTERVALS_API_KEY)
    store.path.chmod(0o600)
    store.path.write_text("[1, 2]")
    with pytest.raises(SecretError, match="not a secrets file"):
        store.get(SecretName.INTERVALS_API_KEY)
