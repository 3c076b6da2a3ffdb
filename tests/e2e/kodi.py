"""A real Kodi for the end-to-end tests: Xvfb, a private PulseAudio with a null sink, kodi.bin on
a throwaway HOME with the web server (JSON-RPC) on, and the add-on installed from its zip.

Every wait is on a condition with a deadline; a failure shows the end of kodi.log.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from support import wait_until

KODI_BIN = Path("/usr/lib/x86_64-linux-gnu/kodi/kodi.bin")
ADDON_ID = "plugin.video.swarmplayer"
T = TypeVar("T")


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing() -> str:
    """Why the real-Kodi tier cannot run here ("" when it can)."""
    for tool in ("Xvfb", "pulseaudio", "xwd", "convert"):
        if not shutil.which(tool):
            return f"{tool} is not installed (tools/bootstrap.sh installs it)"
    if not KODI_BIN.is_file():
        return f"{KODI_BIN} is missing: apt-get install kodi (tools/bootstrap.sh does)"
    return ""


def wait_for(predicate: Callable[[], T], timeout: float, what: str,
             explain: Callable[[], str] = lambda: "", interval: float = 0.2) -> T:
    """support.wait_until, with Kodi's log (explain()) in the failure."""
    try:
        return wait_until(predicate, timeout, what, interval)
    except pytest.fail.Exception as failed:
        pytest.fail(f"{failed}\n{explain()}")


GUISETTINGS = """<settings version="2">
    <setting id="services.webserver">true</setting>
    <setting id="services.webserverport">{web}</setting>
    <setting id="services.webserverauthentication">false</setting>
    <setting id="services.esenabled">true</setting>
    <setting id="services.esallinterfaces">false</setting>
    <setting id="services.esport">{es}</setting>
    <setting id="services.zeroconf">false</setting>
    <setting id="services.upnp">false</setting>
    <setting id="services.upnpserver">false</setting>
    <setting id="services.upnprenderer">false</setting>
    <setting id="services.airplay">false</setting>
    <setting id="general.addonupdates">2</setting>
    <setting id="general.addonnotifications">false</setting>
    <setting id="addons.unknownsources">true</setting>
    <setting id="audiooutput.audiodevice">PULSE:Default</setting>
</settings>
"""

ADDON_SETTINGS = """<settings version="2">
    <setting id="host">{host}</setting>
    <setting id="port">{port}</setting>
    <setting id="dead_after">120</setting>
    <setting id="timeout">20</setting>
</settings>
"""


class Kodi:
    """Xvfb + PulseAudio + kodi.bin, and a JSON-RPC client of that Kodi."""

    def __init__(self, root: Path, addon_zip: Path, service_url: str) -> None:
        self.root = root
        self.home = root / "home"
        self.kodi_dir = self.home / ".kodi"
        self.addon_zip = addon_zip
        self.service_url = service_url
        self.web_port = free_port()
        self.procs: list[subprocess.Popen[bytes]] = []
        self.display = ""
        self.env: dict[str, str] = {}
        self.next_id = 0

    # ---- start and stop ------------------------------------------------------------------------

    def start(self) -> Kodi:
        self._prepare_home()
        self._start_x()
        self._start_pulse()
        log = open(self.root / "kodi.stdout", "wb")  # noqa: SIM115 (lives as long as Kodi)
        self.procs.append(subprocess.Popen(
            [str(KODI_BIN), "--windowing=x11", "--nolirc"], env=self.env, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.home))
        wait_for(lambda: self._answers(), 120, "Kodi's JSON-RPC", self.log_tail)
        wait_for(lambda: ADDON_ID in self.addon_ids(), 60, "Kodi to see the add-on",
                 self.log_tail)
        self.call("Addons.SetAddonEnabled", addonid=ADDON_ID, enabled=True)
        wait_for(lambda: self.call("Addons.GetAddonDetails", addonid=ADDON_ID,
                                   properties=["enabled"])["addon"]["enabled"],
                 30, "the add-on to be enabled", self.log_tail)
        # Kodi 20 asks "Would you like to enable this add-on?" about one it found at start; the
        # JSON-RPC call has answered that, the question stays on screen until closed.
        wait_for(lambda: self.visible("yesnodialog"), 60, "the enable-add-on question",
                 self.log_tail)
        self.call("Input.ExecuteAction", action="close")
        wait_for(lambda: not self.visible("yesnodialog") and self.visible("home"), 30,
                 "the home screen", self.log_tail)
        return self

    def visible(self, window: str) -> bool:
        name = f"Window.IsActive({window})"
        return bool(self.call("XBMC.GetInfoBooleans", booleans=[name])[name])

    def stop(self) -> None:
        if self.procs and self.procs[-1].poll() is None:
            with contextlib.suppress(OSError, RuntimeError):
                self.call("Application.Quit", timeout=5)
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def _prepare_home(self) -> None:
        userdata = self.kodi_dir / "userdata"
        userdata.mkdir(parents=True)
        (userdata / "guisettings.xml").write_text(GUISETTINGS.format(
            web=self.web_port, es=free_port(socket.SOCK_DGRAM)))
        data = userdata / "addon_data" / ADDON_ID
        data.mkdir(parents=True)
        host, port = self.service_url.split("//", 1)[1].rsplit(":", 1)
        (data / "settings.xml").write_text(ADDON_SETTINGS.format(host=host, port=port))
        addons = self.kodi_dir / "addons"
        addons.mkdir()
        with zipfile.ZipFile(self.addon_zip) as made:
            made.extractall(addons)

    def _start_x(self) -> None:
        read, write = os.pipe()
        self.procs.append(subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x720x24", "-nolisten", "tcp",
             "-noreset"], pass_fds=(write,), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()  # Xvfb writes it once it accepts clients
        if not number:
            pytest.fail("Xvfb did not start")
        self.display = f":{number}"

    def _start_pulse(self) -> None:
        runtime = self.root / "run"
        runtime.mkdir(mode=0o700)
        socket_path = runtime / "pulse.sock"
        self.env = {
            "HOME": str(self.home), "DISPLAY": self.display, "XDG_RUNTIME_DIR": str(runtime),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LIBGL_ALWAYS_SOFTWARE": "1",
            "PULSE_SERVER": f"unix:{socket_path}", "KODI_HOME": "/usr/share/kodi",
        }
        self.procs.append(subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
             "--use-pid-file=no", "--system=false",
             f"--load=module-native-protocol-unix auth-anonymous=1 socket={socket_path}",
             "--load=module-null-sink sink_name=null", "--load=module-always-sink"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(socket_path.exists, 30, "PulseAudio's socket")

    # ---- JSON-RPC ------------------------------------------------------------------------------

    def call(self, method: str, timeout: float = 30, **params: Any) -> Any:
        self.next_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                           "params": params}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.web_port}/jsonrpc", body,
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            answer = json.loads(reply.read())
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}\n{self.log_tail()}")
        return answer["result"]

    def _answers(self) -> bool:
        if self.procs[-1].poll() is not None:
            pytest.fail(f"kodi.bin exited with {self.procs[-1].returncode}\n{self.log_tail()}")
        try:
            return self.call("JSONRPC.Ping", timeout=5) == "pong"
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def addon_ids(self) -> list[str]:
        return [a["addonid"] for a in self.call("Addons.GetAddons").get("addons", [])]

    def directory(self, path: str) -> list[dict[str, Any]]:
        """Files.GetDirectory of a plugin URL (Kodi runs the plugin); its failure shows the log."""
        try:
            result = self.call("Files.GetDirectory", directory=path, media="video",
                               properties=["title", "resume", "playcount", "season", "episode"],
                               timeout=120)
        except RuntimeError as error:
            pytest.fail(f"Files.GetDirectory {path} failed: {error}")
        return result.get("files") or []

    def player_id(self) -> int | None:
        players = self.call("Player.GetActivePlayers")
        return players[0]["playerid"] if players else None

    def times(self) -> tuple[float, float] | None:
        """(time, total) in seconds of what plays, None when nothing does."""
        player = self.player_id()
        if player is None:
            return None
        props = self.call("Player.GetProperties", playerid=player,
                          properties=["time", "totaltime"])

        def seconds(t: dict[str, int]) -> float:
            return t["hours"] * 3600 + t["minutes"] * 60 + t["seconds"] + t["milliseconds"] / 1e3
        return seconds(props["time"]), seconds(props["totaltime"])

    def log_text(self) -> str:
        log = self.kodi_dir / "temp" / "kodi.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def player_closed(self) -> bool:
        """No player is closing: Kodi logs each "waiting for threads to exit" of a closing
        VideoPlayer with a "finished waiting" (the audio sink drains for a second or two after
        GetActivePlayers is already empty, and the next Player.Open waits for it)."""
        text = self.log_text()
        return text.count("VideoPlayer: waiting for threads to exit") == \
            text.count("VideoPlayer: finished waiting")

    def log_tail(self, lines: int = 80) -> str:
        return "--- kodi.log ---\n" + "\n".join(self.log_text().splitlines()[-lines:])

    def screenshot(self, path: Path) -> Path:
        """The Xvfb screen as PNG (xwd + ImageMagick)."""
        dump = self.root / "screen.xwd"
        subprocess.run(["xwd", "-root", "-silent", "-display", self.display, "-out", str(dump)],
                       check=True, timeout=60)
        subprocess.run(["convert", str(dump), str(path)], check=True, timeout=60)
        return path
