"""The common part of every fake POS: a threaded HTTP server on 127.0.0.1 with routing,
a request log and fault injection (429 with/without Retry-After, 5xx, slow answers,
malformed JSON, dropped connections).

A fake subclasses :class:`FakePOSServer` and registers handlers with ``route``; a handler
takes a :class:`Request` and returns a :class:`Reply`. Faults queued with ``inject`` are
served before the handler runs, one per request, for matching paths.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    match: re.Match[str] | None = None

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    delay: float = 0.0
    drop: bool = False

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return b"" if self.body is None else json.dumps(self.body).encode()


@dataclass
class Fault:
    reply: Reply
    path_pattern: str = ".*"
    times: int = 1


Handler = Callable[[Request], Reply]


class FakePOSServer:
    """Start with ``start()`` (or as a context manager); ``url`` is its base address."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.RLock()
        self.requests: list[Request] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakePOSServer:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:  # keep test output quiet
                return

            def _serve(self) -> None:
                fake._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePOSServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- configuration -----------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method.upper(), re.compile(f"^{pattern}$"), handler))

    def inject(self, reply: Reply, path_pattern: str = ".*", times: int = 1) -> None:
        """Serve ``reply`` instead of the real answer for the next ``times`` matching requests."""
        with self._lock:
            self._faults.append(Fault(reply, path_pattern, times))

    def requests_to(self, path_pattern: str) -> list[Request]:
        rx = re.compile(path_pattern)
        with self._lock:
            return [r for r in self.requests if rx.search(r.path)]

    # -- serving -------------------------------------------------------------------------------
    def _take_fault(self, path: str) -> Reply | None:
        with self._lock:
            for fault in list(self._faults):
                if re.search(fault.path_pattern, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault.reply
        return None

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        request = Request(
            method=h.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in h.headers.items()},
            body=body,
        )
        with self._lock:
            self.requests.append(request)
        reply = self._take_fault(parts.path) or self._route(request)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            h.close_connection = True
            h.connection.close()
            return
        payload = reply.encoded()
        h.send_response(reply.status)
        headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
        for name, value in headers.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)

    def _route(self, request: Request) -> Reply:
        for method, rx, handler in self._routes:
            match = rx.match(request.path)
            if match and method == request.method:
                request.match = match
                with self._lock:
                    return handler(request)
        return Reply(404, {"error": f"no route for {request.method} {request.path}"})
