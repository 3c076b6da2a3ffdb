"""Benchmark processes and how the conductor talks to them: one JSON line per command and answer.

Every peer, baseline client and service runs in its own process, so each has its own interpreter
and libtorrent session, and its CPU and memory can be measured alone.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPLY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0

Command = Callable[..., dict[str, Any]]


def serve(hello: dict[str, Any], commands: dict[str, Command]) -> None:
    """Child side: say hello, then answer each stdin line {"cmd": name, ...} until stdin ends."""
    _say(hello)
    for line in sys.stdin:
        request = json.loads(line)
        name = request.pop("cmd")
        try:
            _say({"ok": True, **commands[name](**request)})
        except Exception as exc:  # the conductor reports it; the child stays up for the rest
            _say({"ok": False, "error": f"{type(exc).__name__}: {exc}"})


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class ChildError(RuntimeError):
    """A benchmark process failed, answered an error, or did not answer in time."""


class Child:
    """Parent side: a `python -m <module>` process; `hello` is its first line."""

    def __init__(self, module: str, *args: str) -> None:
        environ = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(ROOT / "service"), str(ROOT), os.environ.get("PYTHONPATH", "")]))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=environ, cwd=ROOT,
        )
        self.name = module
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self._hello: dict[str, Any] | None = None

    @property
    def hello(self) -> dict[str, Any]:
        """Its first line, waited for on first use: processes started together start at once."""
        if self._hello is None:
            self._hello = self._read()
        return self._hello

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr = [*self._stderr[-40:], line]

    def _read(self, timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise ChildError(f"{self.name} did not answer within {timeout:g} s") from None
        if line is None:
            raise ChildError(f"{self.name} exited: {''.join(self._stderr)[-1500:]}")
        return json.loads(line)

    def call(self, cmd: str, timeout: float = REPLY_TIMEOUT, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        _ = self.hello  # the first line is the hello, never an answer
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        reply = self._read(timeout)
        if not reply.pop("ok", False):
            raise ChildError(f"{self.name} {cmd}: {reply.get('error')}")
        return reply

    def stop(self) -> None:
        """Close its stdin (the signal to finish), then wait; kill it if it will not go."""
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
