"""`swarmplayer serve` as a child process, run the way a service manager runs it: a config file,
its URL learnt from its log, SIGTERM to stop. The benchmark and the tests share it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_SERVING = re.compile(r"serving on (http://\S+)")


def write_config(path: Path, settings: Mapping[str, Any]) -> Path:
    """A TOML config file holding `settings`."""
    path.write_text("".join(f"{name} = {_toml(value)}\n" for name, value in settings.items()),
                    encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


class ServeProcess:
    """One `python -m swarmplayer serve --config FILE`, its log kept in memory.

    The environment's SWARMPLAYER_* variables are dropped: the config file alone decides.
    """

    def __init__(self, config_file: Path, cwd: Path | None = None) -> None:
        self.config_file = config_file
        self.cwd = cwd or config_file.parent
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.log: list[str] = []
        self._url_known = threading.Event()
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def launch(self) -> None:
        """Start the process; `wait_url` tells when it serves."""
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "service"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
        env = {k: v for k, v in env.items() if not k.startswith("SWARMPLAYER_")}
        self.url = ""
        self._url_known.clear()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "swarmplayer", "serve", "--config", str(self.config_file)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env=env, cwd=str(self.cwd))
        self._reader = threading.Thread(target=self._read_log, name="serve-log", daemon=True)
        self._reader.start()

    def _read_log(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.log = [*self.log[-199:], line]
            found = _SERVING.search(line)
            if found and not self.url:
                self.url = found.group(1)
                self._url_known.set()
        self._url_known.set()  # the process ended: stop waiting for its URL

    def wait_url(self, timeout: float) -> str:
        """Its URL once it serves; '' if it ended or did not say within `timeout`."""
        self._url_known.wait(timeout)
        return self.url

    def output(self, lines: int = 80) -> str:
        return "".join(self.log[-lines:])

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """Its exit status; subprocess.TimeoutExpired if it runs on."""
        assert self.proc is not None
        code = self.proc.wait(timeout)
        if self._reader is not None:
            self._reader.join(10)
        return code

    def stop(self, timeout: float) -> float:
        """SIGTERM, as a service manager stops it (SIGKILL if it hangs); seconds it took."""
        began = time.monotonic()
        if self.proc is not None and self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return time.monotonic() - began

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to save anything."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        if self._reader is not None:
            self._reader.join(10)
