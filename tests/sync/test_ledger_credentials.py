"""The ledger's states and its durability; the credentials file's permissions, overrides and
silence."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pacer.core.errors import ConfigError
from pacer.storage.credentials import (
    CredentialStore,
    IcuCredentials,
    StravaCredentials,
    redact,
    resolve_config_dir,
)
from pacer.sync.ledger import Ledger, State


def add(
    ledger: Ledger, ext: str = "pacer-20260509-070000-1", service: str = "intervals.icu"
) -> None:
    ledger.add(ext, service, activity=1, started=1.0, workout="w", paired_event=7, now=2.0)


def test_a_run_goes_pending_sent_and_a_second_add_keeps_it(tmp_path: Path) -> None:
    with Ledger.open_dir(tmp_path) as ledger:
        add(ledger)
        ledger.begin("pacer-20260509-070000-1", "intervals.icu", 3.0)
        ledger.error("pacer-20260509-070000-1", "intervals.icu", "offline", 4.0, final=False)
        entry = ledger.get("pacer-20260509-070000-1", "intervals.icu")
        assert entry is not None
        assert (entry.state, entry.attempts, entry.last_error) == (State.PENDING, 1, "offline")
        ledger.begin("pacer-20260509-070000-1", "intervals.icu", 5.0)
        ledger.sent("pacer-20260509-070000-1", "intervals.icu", "i9", 6.0)
        add(ledger)  # seen again by the next sync: nothing changes
    with Ledger.open_dir(tmp_path) as again:  # committed: a new process sees it
        (entry,) = again.entries()
        assert (entry.state, entry.remote_id, entry.attempts, entry.last_error) == (
            State.SENT,
            "i9",
            2,
            None,
        )
        assert entry.paired_event == 7


def test_processing_keeps_the_upload_id_and_failed_can_be_retried(tmp_path: Path) -> None:
    with Ledger.open_dir(tmp_path) as ledger:
        add(ledger, service="strava")
        ledger.processing("pacer-20260509-070000-1", "strava", "u55", 1.0)
        entry = ledger.get("pacer-20260509-070000-1", "strava")
        assert entry is not None
        assert (entry.state, entry.upload_id) == (State.PROCESSING, "u55")
        ledger.error("pacer-20260509-070000-1", "strava", "bad file", 2.0, final=True)
        assert ledger.entries()[0].state is State.FAILED
        assert ledger.retry_failed(3.0) == 1
        entry = ledger.get("pacer-20260509-070000-1", "strava")
        assert entry is not None
        assert (entry.state, entry.upload_id) == (State.PENDING, None)


def test_credentials_are_owner_only_and_survive_a_rotation(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path / "cfg", env={})
    assert store.icu() is None
    store.save_icu(IcuCredentials("k" * 20, "0"))
    store.save_strava(StravaCredentials("42", "secret", "a1", "r1", 10.0))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.rotate_strava("acc2", "ref2", 20.0)
    strava = store.strava()
    assert strava is not None
    assert (strava.access_token, strava.refresh_token, strava.expires_at) == ("acc2", "ref2", 20.0)
    icu = store.icu()
    assert icu is not None
    assert icu.api_key == "k" * 20
    assert "k" * 20 not in repr(icu)
    assert "secret" not in repr(strava)
    assert "ref2" not in repr(strava)
    assert redact("key kkkkkkkkkkkkkkkkkkkk and acc2", store.secrets()) == "key *** and ***"
    assert store.forget("strava")
    assert store.strava() is None


def test_a_file_others_can_read_is_refused(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path, env={})
    store.save_icu(IcuCredentials("secret-key", "0"))
    os.chmod(store.path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600") as err:
        store.icu()
    assert "secret-key" not in str(err.value)


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    store = CredentialStore(
        tmp_path,
        env={
            "PACER_ICU_API_KEY": "from-env",
            "PACER_ICU_ATHLETE": "i77",
            "PACER_ICU_URL": "http://127.0.0.1:1",
            "PACER_STRAVA_URL": "http://127.0.0.1:2",
        },
    )
    store.save_icu(IcuCredentials("from-file", "0"))
    assert store.icu() == IcuCredentials("from-env", "i77")
    assert (store.icu_url(), store.strava_url()) == ("http://127.0.0.1:1", "http://127.0.0.1:2")


def test_config_dir_resolution() -> None:
    home = Path("/home/sam")
    assert resolve_config_dir({}, "sam", home) == home / ".config" / "pacer"
    assert resolve_config_dir({"XDG_CONFIG_HOME": "/x"}, "sam", home) == Path("/x/pacer")
    assert resolve_config_dir({"XDG_CONFIG_HOME": "rel"}, "sam", home) == home / ".config" / "pacer"
    assert resolve_config_dir({"PACER_CONFIG_DIR": "/c"}, "sam", home) == Path("/c")
    assert resolve_config_dir({}, "pacer", home) == Path("/var/lib/pacer")
