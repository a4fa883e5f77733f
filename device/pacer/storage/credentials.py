"""The sync credentials: where they live, who may read them, and the environment overrides.

One JSON file, ``sync-credentials.json``, in the user's config directory
(:func:`resolve_config_dir`; on the device, the pacer user's, its state directory
``/var/lib/pacer``, where ``secret.set`` over USB writes it and the ``pacer-sync`` unit
reads it), created owner-only (0600) and replaced atomically, so a crash
mid-write leaves the old file or the new one. A file that others can read is refused until
its mode is fixed. Values never reach an output: the dataclasses leave secrets out of their
``repr`` and :func:`redact` blanks them from any text that is about to be shown.

Environment variables override the file (scripts, tests, the device's own unit):
``PACER_ICU_API_KEY``, ``PACER_ICU_ATHLETE`` (default ``0``: the key's owner),
``PACER_ICU_URL`` and ``PACER_STRAVA_URL`` (base URLs, so a loopback server can stand in).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from pacer.core.errors import ConfigError
from pacer.core.files import write_atomic
from pacer.storage.schema import DEVICE_DATA_DIR, SERVICE_USER

CREDENTIALS_NAME: Final = "sync-credentials.json"
ICU_URL: Final = "https://intervals.icu"
STRAVA_URL: Final = "https://www.strava.com"

#: The longest secret accepted (an intervals.icu key is ~24 characters, a Strava token 40).
MAX_SECRET_CHARS: Final = 512
#: What a key, token, client id or athlete id may hold: printable ASCII without spaces.
SECRET_RE: Final = re.compile(rf"[!-~]{{1,{MAX_SECRET_CHARS}}}")
SECRET_RULE: Final = f"1-{MAX_SECRET_CHARS} printable ASCII characters without spaces"


class Service(StrEnum):
    """The file's sections, one per service (``forget`` and ``secret.set`` name them)."""

    INTERVALS = "intervals.icu"
    STRAVA = "strava"


def check_secret(value: str) -> bool:
    """Whether ``value`` may be stored as a key, token or id (:data:`SECRET_RULE`)."""
    return SECRET_RE.fullmatch(value) is not None


def resolve_config_dir(env: Mapping[str, str], user: str, home: Path) -> Path:
    """``PACER_CONFIG_DIR``; ``/var/lib/pacer`` for the device's service user;
    ``$XDG_CONFIG_HOME/pacer`` when absolute; ``~/.config/pacer``."""
    explicit = env.get("PACER_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    if user == SERVICE_USER:
        return DEVICE_DATA_DIR
    xdg = env.get("XDG_CONFIG_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "pacer"
    return home / ".config" / "pacer"


def default_config_dir() -> Path:
    import getpass

    return resolve_config_dir(os.environ, getpass.getuser(), Path.home())


@dataclass(frozen=True, slots=True)
class IcuCredentials:
    api_key: str = field(repr=False)
    athlete: str = "0"


@dataclass(frozen=True, slots=True)
class StravaCredentials:
    client_id: str
    client_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    #: when the access token expires (seconds since the epoch)
    expires_at: float = 0.0


class CredentialStore:
    """The credentials file; every read goes back to the file (another process may have
    rotated Strava's tokens meanwhile)."""

    def __init__(self, config_dir: Path, env: Mapping[str, str] | None = None) -> None:
        self.path = config_dir / CREDENTIALS_NAME
        self.env = dict(os.environ if env is None else env)

    def _load(self) -> dict[str, Any]:
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return {}
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"{self.path}: readable by others (mode {stat.S_IMODE(mode):o}); "
                f"run 'chmod 600 {self.path}' (and change the keys if others saw them)"
            )
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise ConfigError(
                f"{self.path}: not a credentials file pacer wrote; delete it and log in again"
            ) from None
        return data if isinstance(data, dict) else {}

    def _save(self, data: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # the daemon (secret.set) and the sync (a rotated Strava token) may both write:
        # each write has its own temporary file
        text = json.dumps(data, indent=1).encode("utf-8")
        write_atomic(self.path, text, mode=0o600, durable=True)

    # --- intervals.icu -------------------------------------------------------------------

    def icu(self) -> IcuCredentials | None:
        key = self.env.get("PACER_ICU_API_KEY")
        stored = self._load().get("intervals.icu") or {}
        athlete = self.env.get("PACER_ICU_ATHLETE") or str(stored.get("athlete") or "0")
        if key:
            return IcuCredentials(key, athlete)
        if stored.get("api_key"):
            return IcuCredentials(str(stored["api_key"]), athlete)
        return None

    def save_icu(self, creds: IcuCredentials) -> None:
        data = self._load()
        data["intervals.icu"] = asdict(creds)
        self._save(data)

    def icu_url(self) -> str:
        return self.env.get("PACER_ICU_URL") or ICU_URL

    # --- Strava --------------------------------------------------------------------------

    def strava(self) -> StravaCredentials | None:
        stored = self._load().get("strava")
        if not isinstance(stored, dict):
            return None
        try:
            return StravaCredentials(
                str(stored["client_id"]),
                str(stored["client_secret"]),
                str(stored["access_token"]),
                str(stored["refresh_token"]),
                float(stored.get("expires_at", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def save_strava(self, creds: StravaCredentials) -> None:
        data = self._load()
        data["strava"] = asdict(creds)
        self._save(data)

    def rotate_strava(self, access_token: str, refresh_token: str, expires_at: float) -> None:
        """Keep the tokens a refresh returned (the old refresh token no longer works)."""
        current = self.strava()
        if current is None:
            raise ConfigError("no Strava login to refresh: run 'pacer sync login strava'")
        self.save_strava(
            replace(
                current,
                access_token=access_token,
                refresh_token=refresh_token,
                expires_at=expires_at,
            )
        )

    def strava_url(self) -> str:
        return self.env.get("PACER_STRAVA_URL") or STRAVA_URL

    def forget(self, section: str) -> bool:
        """Drop a service's stored login ("intervals.icu" or "strava"); True if there was one."""
        data = self._load()
        if section not in data:
            return False
        del data[section]
        self._save(data)
        return True

    def which(self) -> dict[Service, bool]:
        """Which services have a login: never the values."""
        return {
            Service.INTERVALS: self.icu() is not None,
            Service.STRAVA: self.strava() is not None,
        }

    def secrets(self) -> list[str]:
        """Every secret known, for :func:`redact`."""
        out = []
        icu = self.icu()
        if icu is not None:
            out.append(icu.api_key)
        strava = self.strava()
        if strava is not None:
            out += [strava.client_secret, strava.access_token, strava.refresh_token]
        return [s for s in out if len(s) >= 4]


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


__all__ = [
    "CREDENTIALS_NAME",
    "MAX_SECRET_CHARS",
    "SECRET_RULE",
    "CredentialStore",
    "IcuCredentials",
    "Service",
    "StravaCredentials",
    "check_secret",
    "default_config_dir",
    "redact",
    "resolve_config_dir",
]
