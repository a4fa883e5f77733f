"""intervals.icu and Strava on a loopback port: a real HTTP server (stdlib ``http.server`` in
a thread) that speaks the subset pacer uses, with the shapes of ../shared/apis/intervals-icu/.

Stands in for the two services, nothing else: pacer's client, its retries and its multipart
bodies go over a real socket. What it does:

* intervals.icu (HTTP Basic ``API_KEY``:key): ``GET /api/v1/athlete/{id}/events`` (the
  events of :attr:`FakeServices.events` within ``oldest``..``newest``), ``GET
  /api/v1/athlete/{id}`` (``sportSettings``), ``POST /api/v1/athlete/{id}/activities``
  (multipart ``file``; 201 new, 200 or 409 (:attr:`duplicate_status`) for a file it holds,
  by hash or ``external_id``, with the existing id);
* Strava: ``POST /oauth/token`` (authorization code and refresh; each refresh rotates the
  refresh token and the old one stops working), ``POST /api/v3/uploads`` and ``GET
  /api/v3/uploads/{id}`` (processing for :attr:`strava_polls` polls, then ready, or the
  duplicate error naming the existing activity);
* faults, each used once in order (:meth:`fail_next`): ``401``, ``429`` with a
  ``Retry-After``, ``500``, ``slow`` (a reply after a delay) and ``hold`` (the request is
  taken, then the reply waits until :attr:`release` is set: a client killed meanwhile);
* every request is logged (:attr:`log`: method, path, query, headers) so tests can look
  for credentials and count calls.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

API_KEY = "icu-test-key-5f0c2b7e9a1d"
STRAVA_CLIENT_ID = "4242"
STRAVA_SECRET = "strava-secret-8d1e6c"


@dataclass
class Fault:
    kind: str  # "401", "429", "500", "slow", "hold"
    prefix: str  # applies to the first request whose path starts with it
    retry_after: str | None = None
    delay_s: float = 0.0


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int = 0


@dataclass
class IcuActivity:
    id: str
    external_id: str | None
    paired_event_id: int | None
    name: str | None
    sha: str
    size: int


@dataclass
class StravaUpload:
    id: int
    external_id: str | None
    sha: str
    polls_left: int
    activity_id: int | None = None
    duplicate_of: int | None = None


@dataclass
class FakeServices:
    port: int = 0
    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    athlete: dict[str, Any] = field(default_factory=dict)
    duplicate_status: int = 200
    #: intervals.icu activities by id
    activities: dict[str, IcuActivity] = field(default_factory=dict)
    strava_access: str = "strava-access-0"
    strava_refresh: str = "strava-refresh-0"
    strava_expires_in: int = 21600
    strava_polls: int = 1
    strava_uploads: dict[int, StravaUpload] = field(default_factory=dict)
    strava_activities: dict[str, int] = field(default_factory=dict)  # sha -> activity id
    refreshes: int = 0
    #: the services' clock, for the tokens' ``expires_at`` (tests drive it)
    clock: Callable[[], float] = time.time
    log: list[Logged] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    #: a ``hold`` fault's request has arrived / may be answered
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(
        self, kind: str, prefix: str = "/", *, retry_after: str | None = None, delay_s: float = 0
    ) -> None:
        self.faults.append(Fault(kind, prefix, retry_after, delay_s))

    def uploads(self) -> list[Logged]:
        return [r for r in self.log if r.method == "POST" and r.path.endswith("/activities")]

    def everything_sent(self) -> str:
        """Every request line and header as text (to look for credentials that leaked into
        a URL, or were sent where they should not be)."""
        return "\n".join(f"{r.method} {r.path} {r.query} {r.headers}" for r in self.log)

    def add_event(self, event_id: int, day: str, name: str, doc: dict[str, Any], **kw: Any) -> None:
        self.events[event_id] = {
            "id": event_id,
            "start_date_local": f"{day}T07:00:00",
            "type": kw.pop("type", "Run"),
            "category": "WORKOUT",
            "name": name,
            "updated": kw.pop("updated", "2026-05-01T10:00:00.000+00:00"),
            "workout_doc": doc,
            **kw,
        }


def _multipart(headers: Any, body: bytes) -> dict[str, bytes]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + body
    )
    parts: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        parts[str(name)] = payload if isinstance(payload, bytes) else b""
    return parts


def _handler(fake: FakeServices) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body in one write (no 40 ms delayed-ACK stall per reply)
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            return

        def _reply(
            self, status: int, body: Any = None, headers: dict[str, str] | None = None
        ) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            fake.log[-1].status = status

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _handle(self, method: str) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            body = self._body()
            with fake._lock:
                fake.log.append(Logged(method, url.path, query, dict(self.headers)))
                fault = next((f for f in fake.faults if url.path.startswith(f.prefix)), None)
                if fault is not None:
                    fake.faults.remove(fault)
            if fault is not None:
                if fault.kind == "401":
                    return self._reply(401, {"status": 401, "error": "Unauthorized"})
                if fault.kind == "429":
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    return self._reply(429, {"error": "Too Many Requests"}, headers)
                if fault.kind == "500":
                    return self._reply(500, {"status": 500, "error": "Internal error"})
                if fault.kind.isdigit():  # any other refusal, e.g. 422
                    return self._reply(
                        int(fault.kind), {"status": int(fault.kind), "error": "Refused"}
                    )
                if fault.kind == "slow":
                    time.sleep(fault.delay_s)
            hold = fault is not None and fault.kind == "hold"
            if url.path.startswith("/api/v1/"):
                return self._icu(method, url.path, query, body, hold)
            return self._strava(method, url.path, query, body)

        # --- intervals.icu ---------------------------------------------------------------

        def _icu_auth(self) -> bool:
            expected = "Basic " + base64.b64encode(f"API_KEY:{API_KEY}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._reply(401, {"status": 401, "error": "Unauthorized"})
                return False
            return True

        def _icu(
            self, method: str, path: str, query: dict[str, list[str]], body: bytes, hold: bool
        ) -> None:
            if not self._icu_auth():
                return
            parts = path.split("/")  # '', api, v1, athlete, {id}, ...
            if len(parts) < 5 or parts[3] != "athlete" or parts[4] not in ("0", "i77"):
                return self._reply(404, {"status": 404, "error": "Not Found", "path": path})
            tail = parts[5:]
            if method == "GET" and tail == []:
                return self._reply(200, {"id": "i77", "name": "Test Athlete", **fake.athlete})
            if method == "GET" and tail == ["events"]:
                oldest = query.get("oldest", ["0000"])[0]
                newest = query.get("newest", ["9999"])[0]
                chosen = [
                    e
                    for e in fake.events.values()
                    if oldest <= e["start_date_local"][:10] <= newest
                    and e.get("category", "WORKOUT")
                    in query.get("category", ["WORKOUT"])[0].split(",")
                ]
                return self._reply(200, sorted(chosen, key=lambda e: e["start_date_local"]))
            if method == "POST" and tail == ["activities"]:
                return self._upload(query, body, hold)
            return self._reply(404, {"status": 404, "error": "Not Found", "path": path})

        def _upload(self, query: dict[str, list[str]], body: bytes, hold: bool) -> None:
            parts = _multipart(self.headers, body)
            data = parts.get("file", b"")
            if not data:
                return self._reply(422, {"status": 422, "error": "No file"})
            sha = hashlib.sha256(data).hexdigest()
            external = query.get("external_id", [None])[0]
            paired = query.get("paired_event_id", [None])[0]
            with fake._lock:
                existing = next(
                    (
                        a
                        for a in fake.activities.values()
                        if a.sha == sha or (external and a.external_id == external)
                    ),
                    None,
                )
                if existing is None:
                    new = IcuActivity(
                        f"i{next(fake._ids)}",
                        external,
                        int(paired) if paired else None,
                        query.get("name", [None])[0],
                        sha,
                        len(data),
                    )
                    fake.activities[new.id] = new
            if hold:
                fake.arrived.set()
                fake.release.wait(30)
            if existing is not None:
                answer = {
                    "icu_athlete_id": "i77",
                    "id": existing.id,
                    "activities": [{"icu_athlete_id": "i77", "id": existing.id}],
                }
                return self._reply(
                    fake.duplicate_status,
                    answer
                    if fake.duplicate_status != 409
                    else {"status": 409, "error": "Duplicate activity"},
                )
            return self._reply(
                201,
                {
                    "icu_athlete_id": "i77",
                    "id": new.id,
                    "activities": [{"icu_athlete_id": "i77", "id": new.id}],
                },
            )

        # --- Strava ----------------------------------------------------------------------

        def _strava(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> None:
            if method == "POST" and path == "/oauth/token":
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                if (
                    form.get("client_id") != STRAVA_CLIENT_ID
                    or form.get("client_secret") != STRAVA_SECRET
                ):
                    return self._reply(
                        401,
                        {
                            "message": "Bad Request",
                            "errors": [
                                {"resource": "Application", "field": "client_id", "code": "invalid"}
                            ],
                        },
                    )
                grant = form.get("grant_type")
                if grant == "refresh_token" and form.get("refresh_token") != fake.strava_refresh:
                    return self._reply(
                        400,
                        {
                            "message": "Bad Request",
                            "errors": [
                                {
                                    "resource": "RefreshToken",
                                    "field": "refresh_token",
                                    "code": "invalid",
                                }
                            ],
                        },
                    )
                if grant == "authorization_code" and form.get("code") != "the-code":
                    return self._reply(
                        400,
                        {
                            "message": "Bad Request",
                            "errors": [
                                {
                                    "resource": "AuthorizationCode",
                                    "field": "code",
                                    "code": "invalid",
                                }
                            ],
                        },
                    )
                with fake._lock:
                    fake.refreshes += grant == "refresh_token"
                    fake.strava_access = f"strava-access-{fake.refreshes + 1}"
                    fake.strava_refresh = f"strava-refresh-{fake.refreshes + 1}"
                return self._reply(
                    200,
                    {
                        "token_type": "Bearer",
                        "access_token": fake.strava_access,
                        "expires_at": int(fake.clock()) + fake.strava_expires_in,
                        "expires_in": fake.strava_expires_in,
                        "refresh_token": fake.strava_refresh,
                    },
                )
            if self.headers.get("Authorization") != f"Bearer {fake.strava_access}":
                return self._reply(
                    401,
                    {
                        "message": "Authorization Error",
                        "errors": [
                            {"resource": "Athlete", "field": "access_token", "code": "invalid"}
                        ],
                    },
                )
            if method == "POST" and path == "/api/v3/uploads":
                parts = _multipart(self.headers, body)
                data = parts.get("file", b"")
                if not data:
                    return self._reply(
                        400,
                        {
                            "message": "Bad Request",
                            "errors": [{"resource": "Upload", "field": "data", "code": "empty"}],
                        },
                    )
                upload = StravaUpload(
                    next(fake._ids),
                    parts.get("external_id", b"").decode() or None,
                    hashlib.sha256(data).hexdigest(),
                    fake.strava_polls,
                )
                fake.strava_uploads[upload.id] = upload
                return self._reply(201, self._upload_body(upload, advance=False))
            if method == "GET" and path.startswith("/api/v3/uploads/"):
                upload_found = fake.strava_uploads.get(int(path.rsplit("/", 1)[1]))
                if upload_found is None:
                    return self._reply(404, {"message": "Record Not Found", "errors": []})
                return self._reply(200, self._upload_body(upload_found, advance=True))
            return self._reply(404, {"message": "Record Not Found", "errors": []})

        def _upload_body(self, upload: StravaUpload, *, advance: bool) -> dict[str, Any]:
            with fake._lock:
                if advance and upload.activity_id is None and upload.duplicate_of is None:
                    upload.polls_left -= 1
                    if upload.polls_left <= 0:
                        if upload.sha in fake.strava_activities:
                            upload.duplicate_of = fake.strava_activities[upload.sha]
                        else:
                            upload.activity_id = next(fake._ids) + 12_000_000_000
                            fake.strava_activities[upload.sha] = upload.activity_id
            body: dict[str, Any] = {
                "id": upload.id,
                "id_str": str(upload.id),
                "external_id": upload.external_id,
                "error": None,
                "status": "Your activity is still being processed.",
                "activity_id": None,
            }
            if upload.activity_id is not None:
                body.update(status="Your activity is ready.", activity_id=upload.activity_id)
            elif upload.duplicate_of is not None:
                body.update(
                    status="There was an error processing your activity.",
                    error=f"{upload.external_id}.fit duplicate of <a href='/activities/"
                    f"{upload.duplicate_of}' target='_blank'>Morning Run</a>",
                )
            return body

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

    return Handler


@contextmanager
def fake_services() -> Iterator[FakeServices]:
    fake = FakeServices()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()


__all__ = ["API_KEY", "STRAVA_CLIENT_ID", "STRAVA_SECRET", "FakeServices", "fake_services"]
