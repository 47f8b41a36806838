"""The common part of every fake POS: a threaded HTTP server on 127.0.0.1 with routing,
a request log and fault injection (429 with/without Retry-After, 5xx, slow answers,
malformed JSON, dropped connections).

A fake subclasses :class:`FakePOSServer` and registers handlers with ``route``; a handler
takes a :class:`Request` and returns a :class:`Reply`. Faults queued with ``inject`` are
served before the handler runs, one per request, for matching paths.

Three faults let the handler do its work first, as a real POS that got the request would:
``lose_answers`` drops the connection before the answer (the POS applied a push, the client
never heard), ``slow_down`` answers late, and ``stall_answers`` holds answers until
``release()`` (a test can kill a client while the POS is answering it).

``flaky`` fails a share of the matching requests at random (a seeded RNG, so a run can be
repeated), each with one of :data:`FLAKY_KINDS`: a 500, a 429 with and without
``Retry-After``, an HTML page with status 200 (a proxy's), a timeout (the POS does the work,
then holds its answer past the client's patience and hangs up) and truncated JSON (the POS
does the work; its answer is cut in half).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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

#: The fault kinds ``flaky`` chooses from.
FLAKY_KINDS = ("500", "429", "429-bare", "html", "timeout", "truncated")
#: Faults served instead of the answer (the POS did nothing); the others follow the handler.
_FLAKY_BEFORE = frozenset({"500", "429", "429-bare", "html"})


@dataclass
class _Flaky:
    pattern: re.Pattern[str]
    rate: float
    rng: random.Random
    kinds: tuple[str, ...]
    stall: float


class FakePOSServer:
    """Start with ``start()`` (or as a context manager); ``url`` is its base address."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.RLock()
        self.requests: list[Request] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._losses: deque[Fault] = deque()
        self._slow: list[tuple[re.Pattern[str], float]] = []
        self._stall: tuple[re.Pattern[str], int] | None = None
        self._released = threading.Event()
        #: Set while an answer is held by ``stall_answers``.
        self.stalled = threading.Event()
        self._flaky: _Flaky | None = None
        #: (path, kind) of every fault ``flaky`` served, in order.
        self.flaky_served: list[tuple[str, str]] = []

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
        self.release()
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

    def lose_answers(self, path_pattern: str = ".*", times: int = 1) -> None:
        """Handle the next ``times`` matching requests (a push is applied), then drop the
        connection instead of answering."""
        with self._lock:
            self._losses.append(Fault(Reply(), path_pattern, times))

    def slow_down(self, seconds: float, path_pattern: str = ".*") -> None:
        """Answer matching requests ``seconds`` late (after handling them)."""
        with self._lock:
            self._slow.append((re.compile(path_pattern), seconds))

    def stall_answers(self, path_pattern: str = ".*", *, after: int = 0) -> None:
        """Answer ``after`` matching requests normally; handle the ones after them, then hold
        their answers until :meth:`release` (``stalled`` is set meanwhile)."""
        with self._lock:
            self._released.clear()
            self._stall = (re.compile(path_pattern), after)

    def release(self) -> None:
        """Let held answers go, and stop holding new ones."""
        with self._lock:
            self._stall = None
            self._released.set()

    def flaky(
        self,
        rate: float,
        *,
        seed: int = 0,
        kinds: tuple[str, ...] = FLAKY_KINDS,
        path_pattern: str = ".*",
        stall: float = 1.0,
    ) -> None:
        """Fail about ``rate`` of the matching requests, each with a kind drawn from
        ``kinds`` by an RNG seeded with ``seed``; a ``timeout`` holds its answer ``stall``
        seconds (longer than the client waits), then drops the connection."""
        unknown = set(kinds) - set(FLAKY_KINDS)
        assert not unknown, f"unknown fault kinds {unknown}"
        with self._lock:
            self._flaky = _Flaky(re.compile(path_pattern), rate, random.Random(seed), kinds, stall)

    def steady(self) -> None:
        """Stop the faults ``flaky`` started."""
        with self._lock:
            self._flaky = None

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

    def _take_loss(self, path: str) -> bool:
        with self._lock:
            for loss in list(self._losses):
                if re.search(loss.path_pattern, path):
                    loss.times -= 1
                    if loss.times <= 0:
                        self._losses.remove(loss)
                    return True
        return False

    def _hold_if_stalled(self, path: str) -> None:
        with self._lock:
            if self._stall is None or not self._stall[0].search(path):
                return
            pattern, after = self._stall
            if after > 0:
                self._stall = (pattern, after - 1)
                return
        self.stalled.set()
        self._released.wait()

    def _flaky_kind(self, path: str) -> str | None:
        with self._lock:
            flaky = self._flaky
            if flaky is None or not flaky.pattern.search(path):
                return None
            if flaky.rng.random() >= flaky.rate:
                return None
            kind = flaky.rng.choice(flaky.kinds)
            self.flaky_served.append((path, kind))
            return kind

    @staticmethod
    def _flaky_reply(kind: str) -> Reply:
        """The answer of a fault the POS serves without doing the work."""
        if kind == "500":
            return Reply(500, {"error": "Internal server error (injected)"})
        if kind == "429":
            return Reply(429, {"error": "Too many requests"}, headers={"Retry-After": "1"})
        if kind == "429-bare":
            return Reply(429, {"error": "Too many requests"})
        page = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"
        return Reply(200, raw=page, headers={"Content-Type": "text/html; charset=utf-8"})

    def _flaky_answer(self, kind: str, reply: Reply) -> Reply:
        """The POS did the work; what reaches the client of its answer."""
        if kind == "timeout":
            with self._lock:
                stall = self._flaky.stall if self._flaky is not None else 1.0
            return replace(reply, delay=reply.delay + stall, drop=True)
        body = reply.encoded()
        return replace(reply, raw=body[: len(body) // 2])

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
        reply = self._take_fault(parts.path)
        flaky = self._flaky_kind(parts.path) if reply is None else None
        if flaky in _FLAKY_BEFORE:
            reply = self._flaky_reply(flaky)
        if reply is None:  # the POS handles it; the slow-down, loss and stall faults follow
            reply = self._route(request)
            if flaky is not None:
                reply = self._flaky_answer(flaky, reply)
            delay = sum(s for rx, s in self._slow if rx.search(parts.path))
            if delay:
                reply = replace(reply, delay=reply.delay + delay)
            if self._take_loss(parts.path):
                reply = replace(reply, drop=True)
            self._hold_if_stalled(parts.path)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            h.close_connection = True
            h.connection.close()
            return
        payload = reply.encoded()
        try:
            h.send_response(reply.status)
            headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
            for name, value in headers.items():
                h.send_header(name, value)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client went away (or was killed)
            h.close_connection = True

    def _route(self, request: Request) -> Reply:
        for method, rx, handler in self._routes:
            match = rx.match(request.path)
            if match and method == request.method:
                request.match = match
                with self._lock:
                    return handler(request)
        return Reply(404, {"error": f"no route for {request.method} {request.path}"})
