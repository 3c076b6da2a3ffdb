"""The one module that talks to Kodi (xbmc, xbmcaddon, xbmcgui, xbmcplugin): everything else in
the add-on goes through these few functions, so it runs and is tested outside Kodi."""

from __future__ import annotations

import json
import os
from typing import Any, Callable

import xbmc
import xbmcaddon
import xbmcgui
import xbmcplugin
import xbmcvfs

from addon.listing import Item

HOME_WINDOW = 10000
PROPERTY_PREFIX = "swarmplayer."


def addon() -> Any:
    return xbmcaddon.Addon()


def tr(string_id: int) -> str:
    """The text of a string id from strings.po."""
    return addon().getLocalizedString(string_id)


def setting(name: str) -> str:
    return addon().getSetting(name)


def setting_int(name: str, default: int) -> int:
    try:
        return int(addon().getSetting(name))
    except ValueError:
        return default


def set_setting(name: str, value: str) -> None:
    addon().setSetting(name, value)


def open_settings() -> None:
    addon().openSettings()


def profile_path(name: str) -> str:
    """A file's path in the add-on's own data folder (made when missing)."""
    folder = xbmcvfs.translatePath(addon().getAddonInfo("profile"))
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, name)


def log(message: str, error: bool = False) -> None:
    xbmc.log(f"[{addon().getAddonInfo('id')}] {message}",
             xbmc.LOGERROR if error else xbmc.LOGINFO)


def device_name() -> str:
    """The name this Kodi goes by on the network (Settings → Services → General)."""
    return xbmc.getInfoLabel("System.FriendlyName") or "Kodi"


def kodi_major() -> int:
    version = xbmc.getInfoLabel("System.BuildVersion")
    try:
        return int(version.split(".")[0])
    except ValueError:
        return 19


# ---- state shared between the plugin and the service part (the home window's properties) ----

def set_shared(name: str, value: Any) -> None:
    xbmcgui.Window(HOME_WINDOW).setProperty(PROPERTY_PREFIX + name, json.dumps(value))


def shared(name: str) -> Any:
    raw = xbmcgui.Window(HOME_WINDOW).getProperty(PROPERTY_PREFIX + name)
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


# ---- dialogs -----------------------------------------------------------------------------------

def notify(message: str, error: bool = False) -> None:
    icon = xbmcgui.NOTIFICATION_ERROR if error else xbmcgui.NOTIFICATION_INFO
    xbmcgui.Dialog().notification(addon().getAddonInfo("name"), message, icon, 5000)


def ok_dialog(heading: str, message: str) -> None:
    xbmcgui.Dialog().ok(heading, message)


def text_dialog(heading: str, message: str) -> None:
    xbmcgui.Dialog().textviewer(heading, message)


def yes_no(heading: str, message: str) -> bool:
    return bool(xbmcgui.Dialog().yesno(heading, message))


def select(heading: str, labels: list[str], preselect: int = -1) -> int:
    """The index chosen, or -1 when the user backs out."""
    return xbmcgui.Dialog().select(heading, labels, preselect=preselect)


def keyboard(heading: str) -> str:
    """Text typed on Kodi's keyboard; "" when cancelled."""
    return xbmcgui.Dialog().input(heading).strip()


class Progress:
    """A cancellable progress dialog (with percent and a line of detail)."""

    def __init__(self, heading: str, message: str) -> None:
        self.dialog = xbmcgui.DialogProgress()
        self.dialog.create(heading, message)

    def update(self, percent: int, message: str) -> None:
        self.dialog.update(percent, message)

    def cancelled(self) -> bool:
        return bool(self.dialog.iscanceled())

    def close(self) -> None:
        self.dialog.close()


# Kodi's actions that leave a dialog: previous menu, back (remote, keyboard, mouse right click)
CLOSE_ACTIONS = (10, 92, 101)


class _Overlay(xbmcgui.WindowDialog):
    """A dialog drawn from controls; Back closes it."""

    closed = False

    def onAction(self, action: Any) -> None:
        if action.getId() in CLOSE_ACTIONS:
            self.closed = True
            self.close()


def show_image(image: str, lines: list[str], done: Callable[[], bool],
               poll_s: float = 1.0) -> None:
    """An image (a QR code) with lines of text under it, until Back, `done()` or Kodi exits."""
    window = _Overlay()
    # The image itself, stretched and dyed dark, is the backdrop: Kodi has no plain colour
    # control and skins name their textures differently.
    window.addControl(xbmcgui.ControlImage(0, 0, 1280, 720, image, colorDiffuse="0xE8101820"))
    window.addControl(xbmcgui.ControlImage(490, 60, 300, 300, image))
    for n, line in enumerate(lines):
        window.addControl(xbmcgui.ControlLabel(80, 390 + n * 50, 1120, 44, line,
                                               font="font13", alignment=2))
    window.show()
    monitor = Monitor()
    try:
        while not window.closed and not done() and not monitor.wait(poll_s):
            pass
    finally:
        window.close()


# ---- directories and playing -----------------------------------------------------------------

def _list_item(item: Item, major: int) -> Any:
    made = xbmcgui.ListItem(label=item.label, label2=item.label2, offscreen=True)
    if item.art:
        made.setArt(item.art)
    if item.playable:
        made.setProperty("IsPlayable", "true")
    if item.context:
        made.addContextMenuItems([(label, f"RunPlugin({url})") for label, url in item.context])
    info = dict(item.info)
    if major >= 20:
        _set_info_tag(made.getVideoInfoTag(), info, item.resume)
    else:
        if item.resume:
            made.setProperty("ResumeTime", str(item.resume[0]))
            made.setProperty("TotalTime", str(item.resume[1]))
        made.setInfo("video", info)
    return made


def _set_info_tag(tag: Any, info: dict[str, Any], resume: tuple[float, float] | None) -> None:
    """Kodi 20+: the InfoTagVideo setters for the keys listing.py uses."""
    setters: dict[str, Callable[[Any], None]] = {
        "mediatype": tag.setMediaType, "title": tag.setTitle, "tvshowtitle": tag.setTvShowTitle,
        "plot": tag.setPlot, "playcount": tag.setPlaycount, "season": tag.setSeason,
        "episode": tag.setEpisode, "aired": tag.setFirstAired,
    }
    for key, value in info.items():
        if key in setters:
            setters[key](value)
    if resume:
        tag.setResumePoint(resume[0], resume[1])


def show_directory(handle: int, items: list[Item], content: str = "",
                   sort_methods: tuple[str, ...] = (), cache: bool = False) -> None:
    major = kodi_major()
    xbmcplugin.addDirectoryItems(
        handle, [(i.url, _list_item(i, major), i.folder) for i in items], len(items))
    if content:
        xbmcplugin.setContent(handle, content)
    for method in sort_methods or ("UNSORTED",):
        xbmcplugin.addSortMethod(handle, getattr(xbmcplugin, f"SORT_METHOD_{method}"))
    xbmcplugin.endOfDirectory(handle, succeeded=True, cacheToDisc=cache)


def fail_directory(handle: int) -> None:
    xbmcplugin.endOfDirectory(handle, succeeded=False)


def resolve(handle: int, url: str | None, mime: str = "",
            subtitles: list[str] | None = None) -> None:
    """Hand Kodi the stream for a playable item, or tell it there is none (url None)."""
    if url is None:
        xbmcplugin.setResolvedUrl(handle, False, xbmcgui.ListItem(offscreen=True))
        return
    made = xbmcgui.ListItem(path=url, offscreen=True)
    made.setContentLookup(False)
    if mime:
        made.setMimeType(mime)
    if subtitles:
        made.setSubtitles(subtitles)
    xbmcplugin.setResolvedUrl(handle, True, made)


def play(plugin_url: str) -> None:
    """Play a playable plugin URL (it resolves through the plugin like a list item)."""
    xbmc.executebuiltin(f"PlayMedia({plugin_url})")


def refresh() -> None:
    xbmc.executebuiltin("Container.Refresh")


# ---- the service part -------------------------------------------------------------------------

class Monitor(xbmc.Monitor):
    """Kodi's monitor: wait(timeout) returns True when Kodi is shutting down."""

    def wait(self, timeout: float) -> bool:
        return bool(self.waitForAbort(timeout))

    def stopping(self) -> bool:
        return bool(self.abortRequested())


class Player(xbmc.Player):
    """Kodi's player; subclasses override the on_* hooks (called from Kodi's callbacks)."""

    def onAVStarted(self) -> None:
        self.on_started()

    def onPlayBackStopped(self) -> None:
        self.on_stopped()

    def onPlayBackEnded(self) -> None:
        self.on_ended()

    def onPlayBackPaused(self) -> None:
        self.on_paused(True)

    def onPlayBackResumed(self) -> None:
        self.on_paused(False)

    def onPlayBackSeek(self, time: int, seekOffset: int) -> None:
        self.on_seeked()

    def on_started(self) -> None: ...

    def on_stopped(self) -> None: ...

    def on_ended(self) -> None: ...

    def on_paused(self, paused: bool) -> None: ...

    def on_seeked(self) -> None: ...

    def playing_url(self) -> str:
        try:
            return self.getPlayingFile() if self.isPlayingVideo() else ""
        except RuntimeError:
            return ""

    def times(self) -> tuple[float, float] | None:
        """(position, duration) of what plays now, None when nothing does."""
        try:
            return float(self.getTime()), float(self.getTotalTime())
        except RuntimeError:
            return None

    def seek(self, seconds: float) -> None:
        self.seekTime(seconds)

    def paused(self) -> bool:
        return bool(xbmc.getCondVisibility("Player.Paused"))

    def set_paused(self, paused: bool) -> None:
        """Pause or resume (Kodi's pause() toggles, so only when it is the other way)."""
        if self.isPlaying() and self.paused() != paused:
            self.pause()

    def stop_playing(self) -> None:
        if self.isPlaying():
            self.stop()


def _json_rpc(method: str, **params: Any) -> Any:
    """Kodi's JSON-RPC from inside Kodi: the call's result, None on an error."""
    answer = json.loads(xbmc.executeJSONRPC(json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": method, "params": params})) or "{}")
    return answer.get("result")


def volume() -> int | None:
    """Kodi's volume, 0–100 (None when Kodi does not say)."""
    found = (_json_rpc("Application.GetProperties", properties=["volume"]) or {}).get("volume")
    return int(found) if isinstance(found, (int, float)) else None


def _video_player() -> int | None:
    players = _json_rpc("Player.GetActivePlayers") or []
    return next((p["playerid"] for p in players if p.get("type") == "video"), None)


def tracks() -> dict[str, Any]:
    """The audio tracks and subtitles of the video that plays, and those in use, as the
    service's player state has them; {} when no video plays."""
    player = _video_player()
    if player is None:
        return {}
    found = _json_rpc("Player.GetProperties", playerid=player, properties=[
        "audiostreams", "currentaudiostream", "subtitles", "currentsubtitle",
        "subtitleenabled"]) or {}
    subtitle = found.get("currentsubtitle") or {}
    return {
        "audio_streams": [_track(t) for t in found.get("audiostreams") or []],
        "audio": (found.get("currentaudiostream") or {}).get("index"),
        "subtitles": [_track(t) for t in found.get("subtitles") or []],
        "subtitle": subtitle.get("index") if found.get("subtitleenabled") else None,
    }


def _track(stream: dict[str, Any]) -> dict[str, Any]:
    """A stream as the phone lists it: its title, its language in words, or its number."""
    language = stream.get("language") or ""
    spoken = xbmc.convertLanguage(language, xbmc.ENGLISH_NAME) if language else ""
    name = stream.get("name") or ""
    label = f"{name} ({spoken})" if name and spoken and spoken not in name else \
        name or spoken or language or f"Track {int(stream['index']) + 1}"
    return {"index": int(stream["index"]), "name": label[:200]}


def set_audio(index: int) -> None:
    player = _video_player()
    if player is not None:
        _json_rpc("Player.SetAudioStream", playerid=player, stream=index)


def set_subtitle(index: int | None) -> None:
    """Show subtitle `index`, or none."""
    player = _video_player()
    if player is not None:
        _json_rpc("Player.SetSubtitle", playerid=player,
                  **({"subtitle": "off"} if index is None else {"subtitle": index,
                                                                 "enable": True}))


def set_volume(percent: float) -> None:
    xbmc.executebuiltin(f"SetVolume({round(percent)},showVolumeBar)")
