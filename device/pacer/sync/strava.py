"""The Strava client: OAuth tokens that rotate, FIT uploads, upload polling.

* ``POST /oauth/token`` (``grant_type=authorization_code`` at login, ``refresh_token``
  after): the answer's ``refresh_token`` may be new, and then the old one stops working, so
  it is stored (0600) before anything else happens. An access token lasts 6 hours; it is
  refreshed a minute before it expires, and once more on a 401.
* ``POST /api/v3/uploads`` (multipart ``file``, ``data_type=fit``, ``external_id``,
  ``name``) answers 201 with an upload ``id``; ``GET /api/v3/uploads/{id}``, at least a
  second apart, until it has an ``activity_id`` or an ``error``. An error saying
  "duplicate of ... /activities/N" is success: the run is already there, as activity N.
* Within Strava's windows: 100 requests per 15 minutes and 1,000 a day (the read limits,
  the lower ones, for every call).
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from pacer.storage.credentials import CredentialStore, StravaCredentials
from pacer.sync.http import AuthError, HttpClient, Policy, SyncError, Window

STRAVA_POLICY: Final = Policy(windows=(Window(100, 15 * 60.0), Window(1000, 24 * 3600.0)))
LOGIN_HINT: Final = "pacer sync login strava"
SCOPE: Final = "activity:write,read"
#: Seconds between two polls of one upload (Strava asks for at least one).
POLL_S: Final = 1.0
#: Polls of one upload before giving up for this sync (the next sync polls again).
MAX_POLLS: Final = 30
_DUPLICATE = re.compile(r"duplicate of.*?activities\\?/(\d+)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class UploadState:
    upload_id: str
    #: the activity, once Strava made it (or the existing one, for a duplicate)
    activity_id: str | None = None
    error: str | None = None
    duplicate: bool = False

    @property
    def done(self) -> bool:
        return self.activity_id is not None or self.error is not None


def parse_upload(body: Any) -> UploadState:
    if not isinstance(body, Mapping) or body.get("id") is None:
        raise SyncError("Strava: an upload answer without an upload id")
    upload_id = str(body.get("id_str") or body["id"])
    activity = body.get("activity_id")
    error = body.get("error")
    if error:
        dup = _DUPLICATE.search(str(error))
        if dup:
            return UploadState(upload_id, dup.group(1), None, duplicate=True)
        said = " ".join(str(error).split())[:160]
        return UploadState(upload_id, None, said)
    return UploadState(upload_id, None if activity in (None, "") else str(activity))


def authorize_url(base_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "approval_prompt": "auto",
            "scope": SCOPE,
            "state": state,
        }
    )
    return f"{base_url.rstrip('/')}/oauth/authorize?{query}"


def new_state() -> str:
    return secrets.token_urlsafe(16)


def _tokens(body: Any, wall: float) -> tuple[str, str, float]:
    if not isinstance(body, Mapping) or not body.get("access_token"):
        raise SyncError("Strava: the token answer holds no access token")
    expires_at = body.get("expires_at")
    if not isinstance(expires_at, int | float):
        expires_in = body.get("expires_in")
        expires_at = wall + (float(expires_in) if isinstance(expires_in, int | float) else 0.0)
    return str(body["access_token"]), str(body.get("refresh_token") or ""), float(expires_at)


class StravaClient:
    def __init__(
        self,
        store: CredentialStore,
        base_url: str,
        *,
        policy: Policy = STRAVA_POLICY,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.wall = wall
        self.sleep = sleep
        self.http = HttpClient(
            "Strava",
            base_url,
            policy,
            headers=self._auth,
            login_hint=LOGIN_HINT,
            sleep=sleep,
            wall=wall,
        )

    def close(self) -> None:
        self.http.close()

    def _creds(self) -> StravaCredentials:
        creds = self.store.strava()
        if creds is None:
            raise AuthError(f"Strava: not logged in; run '{LOGIN_HINT}'")
        return creds

    def _auth(self) -> Mapping[str, str]:
        creds = self._creds()
        if creds.expires_at - 60 <= self.wall():
            creds = self.refresh()
        return {"Authorization": f"Bearer {creds.access_token}"}

    def exchange(self, client_id: str, client_secret: str, code: str) -> StravaCredentials:
        """The login's last step: the code from the redirect for the first tokens."""
        response = self.http.request(
            "POST",
            "/oauth/token",
            data={
                "client_id": client_id,
                "client_secret": client_secret,
                "code": code,
                "grant_type": "authorization_code",
            },
            ok=(200,),
            auth=False,
        )
        access, refresh, expires_at = _tokens(response.json(), self.wall())
        creds = StravaCredentials(client_id, client_secret, access, refresh, expires_at)
        self.store.save_strava(creds)
        return creds

    def refresh(self) -> StravaCredentials:
        creds = self._creds()
        response = self.http.request(
            "POST",
            "/oauth/token",
            data={
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "grant_type": "refresh_token",
                "refresh_token": creds.refresh_token,
            },
            ok=(200,),
            auth=False,
        )
        access, refresh, expires_at = _tokens(response.json(), self.wall())
        # Stored before anything else: the old refresh token no longer works.
        self.store.rotate_strava(access, refresh or creds.refresh_token, expires_at)
        return self._creds()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            response = self.http.request(method, path, **kw)
        except AuthError:
            self.refresh()  # a token revoked early: once more with a new one
            response = self.http.request(method, path, **kw)
        try:
            return response.json()
        except ValueError:
            raise SyncError(f"Strava: {method} {path} did not answer JSON") from None

    def create_upload(
        self, fit: bytes, filename: str, *, name: str, external_id: str
    ) -> UploadState:
        body = self._call(
            "POST",
            "/api/v3/uploads",
            data={"data_type": "fit", "external_id": external_id, "name": name},
            files={"file": (filename, fit, "application/vnd.ant.fit")},
            ok=(201, 200),
        )
        return parse_upload(body)

    def poll(self, upload_id: str) -> UploadState:
        return parse_upload(self._call("GET", f"/api/v3/uploads/{upload_id}", ok=(200,)))


__all__ = [
    "MAX_POLLS",
    "POLL_S",
    "STRAVA_POLICY",
    "StravaClient",
    "UploadState",
    "authorize_url",
    "new_state",
    "parse_upload",
]
