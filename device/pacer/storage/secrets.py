"""The device's write-only secrets: the sync services' credentials, beside the store.

A host sends a credential once over the serial link (``secret.set``, ``pacer device sync
set-key``); the device's own sync (the ``pacer-sync`` unit) reads it here. Nothing else
does: no request returns a value (``secret.list`` says only which are set), no log line,
error or ``repr`` holds one, and it is not a setting (``settings.get`` never sees it).

One JSON file, :data:`SECRETS_NAME`, in the store's directory (``/var/lib/pacer`` on the
device), owner read/write only (0600) from the moment it exists: written to a temporary
file created 0600 in the same directory, flushed, renamed over the old one, then the
directory is synced, so a power cut leaves the old secrets or the new ones. A file that
others may read (a hand-made copy) is refused rather than used, naming the file and the
fix, never its content.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Final

from pacer.core.errors import StoreError

#: The file, in the store's directory.
SECRETS_NAME: Final = "secrets.json"
#: The longest secret accepted (an intervals.icu key is ~24 characters, a Strava token 40).
MAX_SECRET_CHARS: Final = 512
#: What a secret may hold: printable ASCII without spaces (keys, tokens, client ids).
SECRET_RE: Final = re.compile(rf"[!-~]{{1,{MAX_SECRET_CHARS}}}")
SECRET_RULE: Final = f"1-{MAX_SECRET_CHARS} printable ASCII characters without spaces"


class SecretName(StrEnum):
    """Every secret the device keeps: ``service.what``."""

    #: intervals.icu's API key (HTTP Basic, user ``API_KEY``), from its settings page
    INTERVALS_API_KEY = "intervals.api_key"
    #: the athlete's Strava API application (their own): client id and secret
    STRAVA_CLIENT_ID = "strava.client_id"
    STRAVA_CLIENT_SECRET = "strava.client_secret"
    #: Strava's refresh token (it rotates: the device's sync stores each new one)
    STRAVA_REFRESH_TOKEN = "strava.refresh_token"


class SecretError(StoreError):
    """The secrets file cannot be read or written; names the file, never a value."""


def check_secret(value: str) -> bool:
    """Whether ``value`` may be stored (:data:`SECRET_RULE`)."""
    return SECRET_RE.fullmatch(value) is not None


class SecretStore:
    """The secrets in ``directory`` (the store's). Every method reads or writes the file
    itself: two processes (the daemon storing a key, the sync storing a rotated token)
    each see the other's last write."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / SECRETS_NAME

    def __repr__(self) -> str:
        return f"SecretStore({str(self.path)!r})"

    def get(self, name: SecretName) -> str | None:
        """The secret, or None when it is not set."""
        return self._read().get(name.value)

    def which(self) -> dict[SecretName, bool]:
        """Which secrets are set: never their values."""
        stored = self._read()
        return {name: name.value in stored for name in SecretName}

    def set(self, name: SecretName, value: str | None) -> bool:
        """Store ``value`` (None forgets it); True when one was set before. A value that
        breaks :data:`SECRET_RULE` is a SecretError that does not quote it."""
        return self.update({name: value})[name]

    def update(self, values: Mapping[SecretName, str | None]) -> dict[SecretName, bool]:
        """Set (or, with None, forget) several secrets in one write; for each, whether one
        was set before."""
        for name, value in values.items():
            if value is not None and not check_secret(value):
                raise SecretError(f"{name.value}: a secret must be {SECRET_RULE}")
        stored = self._read()
        before = {name: name.value in stored for name in values}
        for name, value in values.items():
            if value is None:
                stored.pop(name.value, None)
            else:
                stored[name.value] = value
        self._write(stored)
        return before

    # --- the file -----------------------------------------------------------------------

    def _read(self) -> dict[str, str]:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretError(f"{self.path}: cannot read: {exc.strerror}") from None
        with os.fdopen(fd, "rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise SecretError(f"{self.path}: not a regular file")
            if mode & 0o077:
                raise SecretError(
                    f"{self.path}: others may read it (mode {stat.S_IMODE(mode):04o}); "
                    f"'chmod 600 {self.path}' or set the keys again"
                )
            data = f.read(64 * 1024 + 1)
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            value = None
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise SecretError(f"{self.path}: not a secrets file (a JSON object of strings)")
        known = {n.value for n in SecretName}
        return {k: v for k, v in value.items() if k in known}

    def _write(self, stored: Mapping[str, str]) -> None:
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{SECRETS_NAME}.{os.getpid()}.tmp"
        data = json.dumps(dict(sorted(stored.items())), indent=1).encode() + b"\n"
        try:
            tmp.unlink(missing_ok=True)
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
            )
            try:
                os.fchmod(fd, 0o600)  # whatever the umask
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
            _sync_dir(directory)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise SecretError(f"{self.path}: cannot write: {exc.strerror}") from None


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = [
    "MAX_SECRET_CHARS",
    "SECRETS_NAME",
    "SECRET_RULE",
    "SecretError",
    "SecretName",
    "SecretStore",
    "check_secret",
]
