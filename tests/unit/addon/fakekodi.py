"""Fake xbmc, xbmcaddon, xbmcgui and xbmcplugin modules that record what the add-on asks of Kodi.

They read the add-on's real addon.xml (id, name), strings.po (getLocalizedString: an unknown id
fails the test) and settings.xml (defaults), so a string or setting that is missing shows here.
Only names that Kodi's own API has are defined (test_kodi_surface checks them against Kodistubs).
"""

from __future__ import annotations

import json
import re
import sys
import threading
import types
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[3]
STRINGS_PO = ROOT / "resources/language/resource.language.en_gb/strings.po"


def strings() -> dict[int, str]:
    text = STRINGS_PO.read_text(encoding="utf-8")
    return {int(k): v for k, v in re.findall(r'msgctxt "#(\d+)"\nmsgid "(.*)"', text)}


def setting_defaults() -> dict[str, str]:
    tree = ET.parse(ROOT / "resources/settings.xml")
    return {s.get("id"): (s.findtext("default") or "") for s in tree.iter("setting")}


def addon_info() -> dict[str, str]:
    root = ET.parse(ROOT / "addon.xml").getroot()
    return {"id": root.get("id"), "name": root.get("name"), "version": root.get("version"),
            "path": str(ROOT), "profile": "special://profile/addon_data/" + root.get("id")}


class Kodi:
    """The recorder: every call the add-on makes, and the answers the test scripts."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.settings = setting_defaults()
        self.strings = strings()
        self.used_strings: set[int] = set()
        self.properties: dict[str, str] = {}
        self.select_answers: list[int] = []
        self.input_answers: list[str] = []
        self.cancel_after: int | None = None  # progress updates before the user presses cancel
        self.progress_updates: list[tuple[int, str]] = []
        self.build = "20.1 (20.1.0) Git:20230312"
        self.directory: list[tuple[str, Any, bool]] = []
        self.resolved: tuple[bool, Any] | None = None
        self.yesno_answers: list[bool] = []
        self.volume = 100
        # The playing video's streams, as Kodi's JSON-RPC Player.GetProperties gives them.
        self.audio_streams: list[dict[str, Any]] = []
        self.subtitles: list[dict[str, Any]] = []
        self.audio: int | None = None
        self.subtitle: int | None = None
        self.subtitle_enabled = False
        self.paused = False
        self.windows: list[WindowDialog] = []
        self.profile = ""  # the add-on's data folder (a test's tmp_path)

    def record(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((name, args, kwargs))

    def called(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(a, k) for n, a, k in self.calls if n == name]


KODI = Kodi()


class InfoTagVideo:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("set"):
            raise AttributeError(name)

        def setter(*args: Any) -> None:
            self.values[name[3:]] = args[0] if len(args) == 1 else args
        return setter


class ListItem:
    def __init__(self, label: str = "", label2: str = "", path: str = "",
                 offscreen: bool = False) -> None:
        self.label, self.label2, self.path = label, label2, path
        self.art: dict[str, str] = {}
        self.props: dict[str, str] = {}
        self.context: list[tuple[str, str]] = []
        self.tag = InfoTagVideo()
        self.info: dict[str, Any] = {}
        self.mime = ""
        self.content_lookup = True
        self.subtitles: list[str] = []

    def setArt(self, art: dict[str, str]) -> None:
        self.art = art

    def setProperty(self, key: str, value: str) -> None:
        self.props[key] = value

    def addContextMenuItems(self, items: list[tuple[str, str]]) -> None:
        self.context = items

    def getVideoInfoTag(self) -> InfoTagVideo:
        return self.tag

    def setInfo(self, kind: str, info: dict[str, Any]) -> None:
        self.info = info

    def setContentLookup(self, enable: bool) -> None:
        self.content_lookup = enable

    def setMimeType(self, mime: str) -> None:
        self.mime = mime

    def setSubtitles(self, subtitles: list[str]) -> None:
        self.subtitles = subtitles


class Addon:
    def __init__(self, id: str | None = None) -> None:
        self.info = addon_info()

    def getLocalizedString(self, string_id: int) -> str:
        if string_id not in KODI.strings:
            raise AssertionError(f"string {string_id} is not in strings.po")
        KODI.used_strings.add(string_id)
        return KODI.strings[string_id]

    def getSetting(self, name: str) -> str:
        if name not in KODI.settings:
            raise AssertionError(f"setting {name} is not in settings.xml")
        return KODI.settings[name]

    def setSetting(self, name: str, value: str) -> None:
        KODI.settings[name] = value

    def getAddonInfo(self, key: str) -> str:
        return self.info[key]

    def openSettings(self) -> None:
        KODI.record("openSettings")


class Dialog:
    def notification(self, heading: str, message: str, icon: str = "", time: int = 0) -> None:
        KODI.record("notification", heading, message, icon)

    def ok(self, heading: str, message: str) -> bool:
        KODI.record("ok", heading, message)
        return True

    def textviewer(self, heading: str, text: str) -> None:
        KODI.record("textviewer", heading, text)

    def select(self, heading: str, items: list[str], preselect: int = -1) -> int:
        KODI.record("select", heading, items, preselect=preselect)
        return KODI.select_answers.pop(0) if KODI.select_answers else -1

    def yesno(self, heading: str, message: str) -> bool:
        KODI.record("yesno", heading, message)
        return KODI.yesno_answers.pop(0) if KODI.yesno_answers else False

    def input(self, heading: str) -> str:
        KODI.record("input", heading)
        return KODI.input_answers.pop(0) if KODI.input_answers else ""


class DialogProgress:
    def create(self, heading: str, message: str = "") -> None:
        KODI.record("progress.create", heading, message)

    def update(self, percent: int, message: str = "") -> None:
        KODI.progress_updates.append((percent, message))

    def iscanceled(self) -> bool:
        return KODI.cancel_after is not None and len(KODI.progress_updates) >= KODI.cancel_after

    def close(self) -> None:
        KODI.record("progress.close")


class Window:
    def __init__(self, window_id: int = 0) -> None:
        pass

    def setProperty(self, key: str, value: str) -> None:
        KODI.properties[key] = value

    def getProperty(self, key: str) -> str:
        return KODI.properties.get(key, "")


class ControlImage:
    def __init__(self, x: int, y: int, width: int, height: int, filename: str,
                 aspectRatio: int = 0, colorDiffuse: str | None = None) -> None:
        self.filename, self.color = filename, colorDiffuse


class ControlLabel:
    def __init__(self, x: int, y: int, width: int, height: int, label: str,
                 font: str | None = None, textColor: str | None = None,
                 disabledColor: str | None = None, alignment: int = 0) -> None:
        self.label = label


class WindowDialog:
    """Records its controls; shown and closed like Kodi's (the test reads KODI.windows)."""

    def __init__(self) -> None:
        self.controls: list[Any] = []
        self.shown = False
        KODI.windows.append(self)

    def addControl(self, control: Any) -> None:
        self.controls.append(control)

    def show(self) -> None:
        self.shown = True
        KODI.record("window.show", [getattr(c, "label", None) for c in self.controls])

    def close(self) -> None:
        self.shown = False


class Monitor:
    def waitForAbort(self, timeout: float = 0) -> bool:
        KODI.record("waitForAbort", timeout)
        threading.Event().wait(timeout)  # Kodi's wait: a bounded pause, never set here
        return False

    def abortRequested(self) -> bool:
        return False


class Player:
    """A player the test drives: playing_file, time and total set by the test."""

    playing_file = ""
    time = 0.0
    total = 0.0

    def __init__(self) -> None:
        pass

    def isPlayingVideo(self) -> bool:
        return bool(Player.playing_file)

    def getPlayingFile(self) -> str:
        return Player.playing_file

    def getTime(self) -> float:
        if not Player.playing_file:
            raise RuntimeError("Kodi is not playing any media file")
        return Player.time

    def getTotalTime(self) -> float:
        if not Player.playing_file:
            raise RuntimeError("Kodi is not playing any media file")
        return Player.total

    def seekTime(self, seconds: float) -> None:
        KODI.record("seekTime", seconds)
        Player.time = seconds

    def isPlaying(self) -> bool:
        return bool(Player.playing_file)

    def pause(self) -> None:
        KODI.record("pause")
        KODI.paused = not KODI.paused

    def stop(self) -> None:
        KODI.record("stop")
        Player.playing_file = ""


def _json_rpc(request: str) -> str:
    asked = json.loads(request)
    method, params = asked["method"], asked["params"]
    result: Any
    if method == "Application.GetProperties":
        result = {"volume": KODI.volume}
    elif method == "Player.GetActivePlayers":
        result = [{"playerid": 1, "type": "video"}] if Player.playing_file else []
    elif method == "Player.GetProperties":
        assert params["playerid"] == 1, params
        current = {s["index"]: s for s in KODI.subtitles}.get(KODI.subtitle) or {}
        result = {"audiostreams": KODI.audio_streams, "subtitles": KODI.subtitles,
                  "currentaudiostream": {a["index"]: a for a in KODI.audio_streams}.get(
                      KODI.audio) or {},
                  "currentsubtitle": current, "subtitleenabled": KODI.subtitle_enabled}
    elif method in ("Player.SetAudioStream", "Player.SetSubtitle"):
        KODI.record(method, **params)
        if method == "Player.SetAudioStream":
            KODI.audio = params["stream"]
        elif params["subtitle"] == "off":
            KODI.subtitle_enabled = False
        else:
            KODI.subtitle, KODI.subtitle_enabled = params["subtitle"], params["enable"]
        result = "OK"
    else:
        raise AssertionError(f"no fake for {method}")
    return json.dumps({"id": asked["id"], "jsonrpc": "2.0", "result": result})


_LANGUAGES = {"eng": "English", "fre": "French", "fra": "French", "ger": "German"}


def _builtin(command: str, wait: bool = False) -> None:
    KODI.record("executebuiltin", command)
    found = re.match(r"SetVolume\((\d+)", command)
    if found:
        KODI.volume = int(found.group(1))


def _add_items(handle: int, items: list[tuple[str, Any, bool]], total: int = 0) -> bool:
    KODI.directory.extend(items)
    return True


def _resolved(handle: int, succeeded: bool, item: Any) -> None:
    KODI.resolved = (succeeded, item)


def modules() -> dict[str, types.ModuleType]:
    xbmc = types.ModuleType("xbmc")
    xbmc.LOGINFO, xbmc.LOGERROR = 1, 4
    xbmc.log = lambda message, level=1: KODI.record("log", message, level)
    xbmc.getInfoLabel = lambda label: KODI.build if label == "System.BuildVersion" else ""
    xbmc.executebuiltin = _builtin
    xbmc.executeJSONRPC = _json_rpc
    xbmc.ENGLISH_NAME = 2
    xbmc.convertLanguage = lambda language, form: _LANGUAGES.get(language, "")
    xbmc.getCondVisibility = lambda condition: condition == "Player.Paused" and KODI.paused
    xbmc.Monitor, xbmc.Player = Monitor, Player
    xbmcaddon = types.ModuleType("xbmcaddon")
    xbmcaddon.Addon = Addon
    xbmcgui = types.ModuleType("xbmcgui")
    xbmcgui.ListItem, xbmcgui.Dialog, xbmcgui.DialogProgress = ListItem, Dialog, DialogProgress
    xbmcgui.Window, xbmcgui.WindowDialog = Window, WindowDialog
    xbmcgui.ControlImage, xbmcgui.ControlLabel = ControlImage, ControlLabel
    xbmcgui.NOTIFICATION_INFO, xbmcgui.NOTIFICATION_ERROR = "info", "error"
    xbmcplugin = types.ModuleType("xbmcplugin")
    xbmcplugin.addDirectoryItems = _add_items
    xbmcplugin.setContent = lambda handle, content: KODI.record("setContent", content)
    xbmcplugin.addSortMethod = lambda handle, method: KODI.record("addSortMethod", method)
    xbmcplugin.endOfDirectory = (lambda handle, succeeded=True, updateListing=False,
                                 cacheToDisc=True: KODI.record("endOfDirectory", succeeded))
    xbmcplugin.setResolvedUrl = _resolved
    for n, name in enumerate(("UNSORTED", "LABEL", "EPISODE", "DATE")):
        setattr(xbmcplugin, f"SORT_METHOD_{name}", n)
    xbmcvfs = types.ModuleType("xbmcvfs")
    xbmcvfs.translatePath = lambda path: KODI.profile if path.startswith("special://") else path
    return {"xbmc": xbmc, "xbmcaddon": xbmcaddon, "xbmcgui": xbmcgui, "xbmcplugin": xbmcplugin,
            "xbmcvfs": xbmcvfs}


def point_at(base: str) -> None:
    """Settings that point the add-on at a service URL."""
    parts = urlsplit(base)
    KODI.settings["host"], KODI.settings["port"] = parts.hostname or "", str(parts.port)


def install() -> None:
    sys.modules.update(modules())
