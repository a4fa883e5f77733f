"""A polite HTTP client for the services (requests, imported lazily).

* a timeout on every call (connect, read);
* at most N requests in each of a service's windows (intervals.icu: 10 per second;
  Strava: 100 per 15 minutes and 1,000 a day), waiting for room when it is near, refusing
  with a clear error when the wait would be long;
* retries with exponential backoff on a connection failure, a 429 or a 5xx, honouring
  ``Retry-After`` (seconds or an HTTP date), up to a bound;
* one-line errors: :class:`AuthError` (401/403: "log in again"), :class:`OfflineError`
  (no network), :class:`ServiceError` (any other refusal, with the service's own message).

No error text holds a credential: messages name the service, the method and the path only
(never a query string, header or body), and the body's message is cut short. Clock and
sleep are injected, so tests drive time.
"""

from __future__ import annotations

import email.utils
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pacer.core.errors import PacerError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import requests


class SyncError(PacerError):
    """A sync could not go on: the message is one line and holds no credential."""


class AuthError(SyncError):
    """The service refused the credentials (401/403): log in again."""


class OfflineError(SyncError):
    """The service cannot be reached (no network, DNS, refused, timed out)."""


class ServiceError(SyncError):
    """The service answered with an error (after the retries, for a 429 or a 5xx)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Window:
    """At most ``limit`` requests in any ``seconds``."""

    limit: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Policy:
    #: (connect, read) timeouts in seconds, on every request
    timeout: tuple[float, float] = (5.0, 30.0)
    #: tries after the first, on a connection failure, 429 or 5xx
    retries: int = 4
    #: the first backoff; doubled each time, capped at ``max_backoff_s``
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    #: a Retry-After or a rate-limit wait longer than this is an error, not a sleep
    max_wait_s: float = 120.0
    windows: tuple[Window, ...] = field(default_factory=tuple)


class RateLimiter:
    """Sliding windows of request times (monotonic)."""

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self.windows = windows
        size = max((w.limit for w in windows), default=0)
        self._sent: deque[float] = deque(maxlen=size or None)

    def wait_for(self, now: float) -> float:
        """Seconds until one more request fits in every window."""
        wait = 0.0
        sent = list(self._sent)
        for w in self.windows:
            if len(sent) >= w.limit:
                oldest = sent[-w.limit]
                wait = max(wait, oldest + w.seconds - now)
        return wait

    def record(self, now: float) -> None:
        if self.windows:
            self._sent.append(now)


def retry_after(value: str | None, now_wall: float) -> float | None:
    """``Retry-After`` in seconds: a number of seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now_wall)


def _message(response: requests.Response) -> str:
    """The service's own words about an error, one line, short."""
    try:
        body = response.json()
    except ValueError:
        text = response.text
    else:
        text = ""
        if isinstance(body, Mapping):
            text = str(body.get("error") or body.get("message") or "")
        elif isinstance(body, list) and body and isinstance(body[0], Mapping):
            text = str(body[0].get("error") or "")
    text = " ".join(text.split())
    return text[:160] + ("…" if len(text) > 160 else "")


class HttpClient:
    """One service: its base URL, credentials (headers) and manners."""

    def __init__(
        self,
        service: str,
        base_url: str,
        policy: Policy,
        *,
        headers: Callable[[], Mapping[str, str]] = dict,
        login_hint: str = "",
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        session: requests.Session | None = None,
    ) -> None:
        import requests

        self.service = service
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self.headers = headers
        self.login_hint = login_hint
        self.sleep = sleep
        self.monotonic = monotonic
        self.wall = wall
        self.limiter = RateLimiter(policy.windows)
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "pacer-sync"
        #: requests sent, for the progress line and the tests
        self.sent = 0

    def close(self) -> None:
        self.session.close()

    def _pace(self, what: str) -> None:
        wait = self.limiter.wait_for(self.monotonic())
        if wait > self.policy.max_wait_s:
            raise SyncError(
                f"{self.service}: its rate limit is reached; try again in "
                f"{wait / 60:.0f} min (nothing was lost)"
            )
        if wait > 0:
            self.sleep(wait)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        ok: tuple[int, ...] = (200, 201),
        accept: tuple[int, ...] = (),
        auth: bool = True,
    ) -> requests.Response:
        """Send, retrying as the policy says; the response when its status is in ``ok`` or
        ``accept`` (statuses the caller interprets, such as 409), else a SyncError."""
        import requests

        what = f"{self.service}: {method} {path}"
        url = self.base_url + path
        delay = self.policy.backoff_s
        for attempt in range(self.policy.retries + 1):
            last = attempt == self.policy.retries
            self._pace(what)
            self.limiter.record(self.monotonic())
            self.sent += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    files=files,
                    headers=dict(self.headers()) if auth else None,
                    timeout=self.policy.timeout,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    kind = "timed out" if isinstance(exc, requests.Timeout) else "cannot connect"
                    raise OfflineError(
                        f"{self.service} cannot be reached ({kind}): check the network "
                        "and try again (nothing was lost)"
                    ) from None
                self.sleep(min(delay, self.policy.max_backoff_s))
                delay *= 2
                continue
            status = response.status_code
            if status in ok or status in accept:
                return response
            if status in (401, 403):
                raise AuthError(
                    f"{self.service} refused the credentials ({status}): log in again"
                    + (f" ({self.login_hint})" if self.login_hint else "")
                )
            if status == 429 or status >= 500:
                if last:
                    break
                wait = retry_after(response.headers.get("Retry-After"), self.wall())
                if wait is None:
                    wait = min(delay, self.policy.max_backoff_s)
                    delay *= 2
                if wait > self.policy.max_wait_s:
                    raise ServiceError(
                        f"{what} answered {status} and asks to wait {wait / 60:.0f} min; "
                        "try again later (nothing was lost)",
                        status,
                    )
                self.sleep(wait)
                continue
            said = _message(response)
            raise ServiceError(f"{what} answered {status}" + (f": {said}" if said else ""), status)
        raise ServiceError(
            f"{what}: still refused after {self.policy.retries + 1} tries "
            f"({response.status_code}); try again later (nothing was lost)",
            response.status_code,
        )


__all__ = [
    "AuthError",
    "HttpClient",
    "OfflineError",
    "Policy",
    "RateLimiter",
    "ServiceError",
    "SyncError",
    "Window",
    "retry_after",
]
