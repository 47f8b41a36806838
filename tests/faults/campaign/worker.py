"""A fork server for the campaign's child processes: ``python -m tests.faults.campaign.worker``.

Starting a Python process that imports possync costs ~2 s of CPU; twenty kills each of syncs
and postings, and ten load workers, would spend most of the campaign importing. This process
imports everything once, then forks one child per request. Each child is a real process
running the real entry point (``possync_gui.cli.main`` — the ``possync`` command — or the
load worker loop) with its own pid, database connections and sockets, so ``kill -9`` of it
is what it would be to a ``possync`` started from a shell. The server itself has no threads
and opens no connections before forking.

Protocol: one JSON object per line on stdin, one answer per line on stdout.
``{"op": "spawn", "task": "cli"|"load", "args": [...], "log": PATH, "start_at": T?}`` →
``{"pid": N}`` (the child waits until wall time ``T`` before it starts, so several can
start together); ``{"op": "poll", "pid": N}`` → ``{"status": rc | null}`` with ``rc`` as
``subprocess`` gives it (negative: killed by that signal).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]


def _cli(args: list[str]) -> int:
    from possync_gui.cli import main

    return main(args)


def _load(args: list[str]) -> int:
    from tests.faults.campaign.load import worker_main

    return worker_main(args)


TASKS: dict[str, Callable[[list[str]], int]] = {"cli": _cli, "load": _load}


def _child(request: dict[str, Any]) -> None:
    """In the forked child: run the task with its output in ``log``; never returns."""
    rc = 70
    try:
        fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        start_at = request.get("start_at")
        if start_at is not None:
            time.sleep(max(0.0, float(start_at) - time.time()))
        rc = TASKS[request["task"]](list(request.get("args") or []))
    except SystemExit as done:
        rc = done.code if isinstance(done.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(rc)


def _decode(status: int) -> int:
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _warm_up() -> None:
    """Import (and build the caches of) what every child needs before any fork, so no
    child pays for it: the CLI, the facade, Alembic, the keyring backend, the TLS context."""
    import keyring

    import possync_gui.cli
    import possync_gui.services.facade
    import possync_gui.store.migrate  # noqa: F401
    import tests.faults.campaign.load  # noqa: F401
    from possync_gui.pos.http import _tls_context

    keyring.get_keyring()
    _tls_context()
    # Out of the collector's sight: a child's collections would otherwise touch (and so
    # copy) every page of the server's heap.
    gc.collect()
    gc.freeze()


def serve() -> None:
    """Answer requests until stdin closes; children still running are killed then."""
    _warm_up()

    done: dict[int, int] = {}
    running: set[int] = set()
    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                _child(request)
            running.add(pid)
            answer: dict[str, Any] = {"pid": pid}
        else:
            pid = int(request["pid"])
            if pid in running:
                got, status = os.waitpid(pid, os.WNOHANG)
                if got:
                    running.discard(pid)
                    done[pid] = _decode(status)
            answer = {"status": done.get(pid)}
        out.write(json.dumps(answer) + "\n")
        out.flush()
    for pid in running:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


class Zygote:
    """The test's side of the fork server. Not thread-safe: one caller thread."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self._logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.campaign.worker"],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._n = 0

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the fork server died")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def spawn(self, task: str, *args: str, start_at: float | None = None) -> int:
        """Fork a child running ``task`` with ``args``; its pid (output: :meth:`log`)."""
        self._n += 1
        log = self._logs / f"child-{self._n}.log"
        pid = int(self._ask({"op": "spawn", "task": task, "args": list(args),
                             "log": str(log), "start_at": start_at})["pid"])  # fmt: skip
        (self._logs / f"{pid}.name").write_text(log.name)
        return pid

    def cli(self, *argv: str, start_at: float | None = None) -> int:
        """``possync ARGV`` in a forked child."""
        return self.spawn("cli", *argv, start_at=start_at)

    def poll(self, pid: int) -> int | None:
        """The child's exit status (negative: killed by that signal), None while it runs."""
        status = self._ask({"op": "poll", "pid": pid})["status"]
        return None if status is None else int(status)

    def wait(self, pid: int, timeout: float = 120) -> int:
        """Wait for the child (reaped: its lock's owner is then gone); killed on timeout."""
        deadline = time.monotonic() + timeout
        while (status := self.poll(pid)) is None:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                self.wait(pid, 30)
                raise TimeoutError(f"child {pid} still running after {timeout} s")
            time.sleep(0.005)
        return status

    def log(self, pid: int) -> str:
        """What the child printed (stdout and stderr)."""
        name = (self._logs / f"{pid}.name").read_text()
        return (self._logs / name).read_text(errors="replace")

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


if __name__ == "__main__":
    serve()
