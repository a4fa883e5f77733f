"""The loopback end of an OAuth login: a one-shot HTTP server on 127.0.0.1 that receives
the browser's redirect (``/callback?code=...&state=...``), checks ``state`` and hands the
code back. Nothing it prints or answers holds the code or a token."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

from pacer.sync.http import SyncError

CALLBACK_PATH = "/callback"


@dataclass
class _Result:
    code: str | None = None
    error: str | None = None


class LoopbackReceiver:
    """``with LoopbackReceiver(port, state) as r: ...; code = r.wait(timeout)``."""

    def __init__(self, port: int, state: str) -> None:
        self.state = state
        self.result = _Result()
        self.done = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != CALLBACK_PATH:
                    self.send_error(404)
                    return
                query = parse_qs(url.query)
                if query.get("state", [""])[0] != receiver.state:
                    receiver.result.error = "the answer's state does not match (a stale tab?)"
                elif "error" in query:
                    receiver.result.error = f"Strava said: {query['error'][0][:80]}"
                elif not query.get("code"):
                    receiver.result.error = "the answer holds no code"
                else:
                    receiver.result.code = query["code"][0]
                ok = receiver.result.code is not None
                body = (
                    "pacer: logged in; you can close this tab."
                    if ok
                    else "pacer: the login did not work; see the terminal."
                ).encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                receiver.done.set()

            def log_message(self, format: str, *args: object) -> None:
                return  # the query holds the code: never logged

        try:
            self.server = HTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise SyncError(
                f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another with "
                "--redirect-port"
            ) from None
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{CALLBACK_PATH}"

    def __enter__(self) -> LoopbackReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, timeout: float) -> str:
        if not self.done.wait(timeout):
            raise SyncError(f"no answer from the browser within {timeout:.0f} s: nothing stored")
        if self.result.code is None:
            raise SyncError(f"login failed: {self.result.error}; nothing stored")
        return self.result.code


__all__ = ["CALLBACK_PATH", "LoopbackReceiver"]
