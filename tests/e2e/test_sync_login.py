"""``pacer sync login`` as a process: the intervals.icu key read without echo and checked
before it is stored; Strava's OAuth on a loopback redirect; both stored owner-only, and
neither a key, a secret nor a token printed."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.fake_services import (
    API_KEY,
    STRAVA_CLIENT_ID,
    STRAVA_SECRET,
    FakeServices,
    fake_services,
)
from tests.support.sync_rig import pacer_sync, run_sync, sync_env


@pytest.fixture
def fake() -> Iterator[FakeServices]:
    with fake_services() as services:
        yield services


def _env(fake: FakeServices, tmp_path: Path) -> dict[str, str]:
    env = sync_env(fake, tmp_path)
    del env["PACER_ICU_API_KEY"]  # the stored login, not the override
    return env


def test_login_intervals_checks_the_key_stores_it_0600_and_never_shows_it(
    tmp_path: Path, fake: FakeServices
) -> None:
    env = _env(fake, tmp_path)
    wrong = run_sync(env, "login", "intervals", input_text="not-the-key\n")
    assert wrong.returncode == 2
    assert "log in again" in wrong.stderr
    assert "not-the-key" not in wrong.stdout + wrong.stderr
    stored = tmp_path / "laptop-config" / "sync-credentials.json"
    assert not stored.exists()

    right = run_sync(env, "login", "intervals", input_text=API_KEY + "\n")
    assert right.returncode == 0, right.stderr
    assert "the key works" in right.stdout
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert json.loads(stored.read_text())["intervals.icu"]["api_key"] == API_KEY
    status = run_sync(env, "status")
    assert "intervals.icu: logged in (athlete 0)" in status.stdout
    for result in (right, status):
        assert API_KEY not in result.stdout + result.stderr
    help_text = subprocess.run(
        pacer_sync("--help"), env=env, capture_output=True, text=True, check=True
    ).stdout
    assert API_KEY not in help_text


def test_login_strava_on_a_loopback_redirect(tmp_path: Path, fake: FakeServices) -> None:
    env = _env(fake, tmp_path)
    proc = subprocess.Popen(
        pacer_sync("login", "strava", "--client-id", STRAVA_CLIENT_ID, "--redirect-port", "0"),
        env={**env, "BROWSER": "true"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(STRAVA_SECRET + "\n")
    proc.stdin.flush()
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.strip().startswith("http"):
            break
    url = urlparse(lines[-1].strip())
    query = parse_qs(url.query)
    assert query["scope"] == ["activity:write,read"]
    assert query["client_id"] == [STRAVA_CLIENT_ID]
    redirect, state = query["redirect_uri"][0], query["state"][0]
    assert redirect.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(f"{redirect}?state={state}&code=the-code&scope=x") as answer:
        assert b"logged in" in answer.read()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    stored = json.loads((tmp_path / "laptop-config" / "sync-credentials.json").read_text())
    assert stored["strava"]["refresh_token"] == fake.strava_refresh
    assert stored["strava"]["access_token"] == fake.strava_access
    shown = "".join(lines) + out + err
    for secret in (STRAVA_SECRET, fake.strava_access, fake.strava_refresh):
        assert secret not in shown
    assert os.stat(tmp_path / "laptop-config").st_mode & 0o077 == 0
