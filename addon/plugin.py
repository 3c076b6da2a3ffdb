"""The plugin's screens and actions, one function per route (see router.py)."""

from __future__ import annotations

import sys
from typing import Any

from addon import discovery, kodiutils, listing, pairing, play, text
from addon.client import ClientError, ServiceUnavailable
from addon.connection import client
from addon.router import NotFound, Router, as_float, as_int

router = Router()
url = router.url
route = router.route
action = router.action

EPISODE_SORTS = ("EPISODE", "DATE", "LABEL", "UNSORTED")


def run(argv: list[str] | None = None) -> None:
    """Kodi's plugin call: argv = [plugin URL, handle, '?query'] (sys.argv by default)."""
    argv = sys.argv if argv is None else argv
    handle = int(argv[1]) if len(argv) > 1 and argv[1].lstrip("-").isdigit() else -1
    try:
        func, params = router.parse(argv[0], argv[2] if len(argv) > 2 else "")
    except NotFound as missing:
        kodiutils.log(f"no route for {missing}", error=True)
        kodiutils.fail_directory(handle)
        return
    try:
        func(handle, **params)
        if handle >= 0 and router.is_action(func):
            # An action reached as a folder (RunAddon, a stale link): no listing to wait for.
            kodiutils.fail_directory(handle)
    except ServiceUnavailable as error:
        kodiutils.log(error.message, error=True)
        _no_service(error)
        kodiutils.fail_directory(handle)
    except ClientError as error:
        kodiutils.log(error.message, error=True)
        kodiutils.notify(error.message, error=True)
        kodiutils.fail_directory(handle)


def _no_service(error: ServiceUnavailable) -> None:
    """The "no service" dialog once per Kodi session; a notification after that."""
    if kodiutils.shared("told_unreachable"):
        kodiutils.notify(error.message, error=True)
        return
    kodiutils.set_shared("told_unreachable", True)
    kodiutils.ok_dialog(kodiutils.tr(text.NO_SERVICE_TITLE),
                        kodiutils.tr(text.NO_SERVICE_TEXT).format(error.message))


def _reached() -> None:
    """The service answers (again): a later outage deserves the dialog once more."""
    if kodiutils.shared("told_unreachable"):
        kodiutils.set_shared("told_unreachable", False)


def _show(handle: int, items: list[listing.Item], content: str = "videos",
          sorts: tuple[str, ...] = ()) -> None:
    _reached()
    kodiutils.show_directory(handle, items, content, sorts)


# ---- home and lists ---------------------------------------------------------------------------

@route("/")
def home(handle: int) -> None:
    kodiutils.show_directory(handle, listing.home(kodiutils.tr, url), "", ())


@route("continue")
def continue_watching(handle: int) -> None:
    episodes = client().episodes("continue")
    _show(handle, listing.episodes(episodes, kodiutils.tr, url, with_show=True), "episodes")


@route("next_up")
def next_up(handle: int) -> None:
    episodes = client().episodes("next_up")
    _show(handle, listing.episodes(episodes, kodiutils.tr, url, with_show=True), "episodes")


@route("shows")
def shows(handle: int, q: str | None = None) -> None:
    found = client().shows(q=q or None)
    _show(handle, listing.shows(found, kodiutils.tr, url), "tvshows", ("LABEL",))


@route("show")
def show(handle: int, id: str) -> None:
    found = client().show(int(id))
    seasons = listing.seasons(found, kodiutils.tr, url)
    if len(seasons) == 1:  # one season: straight to its episodes, as Kodi's library does
        season(handle, id, str(found["seasons"][0].get("season") or ""))
        return
    _show(handle, seasons, "seasons", ("UNSORTED", "LABEL"))


@route("season")
def season(handle: int, show: str, season: str = "") -> None:
    episodes = client().show_episodes(int(show), as_int(season))
    _show(handle, listing.episodes(episodes, kodiutils.tr, url), "episodes", EPISODE_SORTS)


@route("subscriptions")
def subscriptions(handle: int) -> None:
    subs = client().subscriptions()
    _show(handle, listing.subscriptions(subs, kodiutils.tr, url), "tvshows", ("LABEL",))


@route("search")
def search(handle: int, q: str = "") -> None:
    q = q or kodiutils.keyboard(kodiutils.tr(text.SEARCH))
    if not q:
        kodiutils.fail_directory(handle)
        return
    api = client()
    items = listing.shows(api.shows(q=q), kodiutils.tr, url)
    try:
        found = api.search(q)
        items += listing.releases(found.get("results") or [], kodiutils.tr, url)
        failed = [e["message"] for e in found.get("errors") or []]
        if failed:  # what the other indexers found still shows
            kodiutils.notify("; ".join(failed), error=True)
    except ClientError as error:  # no indexer configured: the shows still count
        kodiutils.log(f"search: {error.message}")
        if error.code != "no_indexers":
            kodiutils.notify(error.message, error=True)
    _show(handle, items)


@route("downloads")
def downloads(handle: int) -> None:
    api = client()
    items = [listing.cache_summary(api.cache(), kodiutils.tr, url)]
    _show(handle, items + listing.torrents(api.torrents(), kodiutils.tr, url))


@action("status")
def status(handle: int) -> None:
    api = client()
    info, health = api.info(), api.health()
    system = health.get("system") or {}
    message = kodiutils.tr(text.STATUS_TEXT).format(
        url=api.base, version=info.get("version", "?"), torrents=health.get("torrents", 0),
        cpu=system.get("cpu", "?"), rss=listing.human_size(system.get("rss")) or "?",
        profile=(health.get("profile") or {}).get("name", "?"))
    _reached()
    kodiutils.text_dialog(kodiutils.tr(text.STATUS), message)


@action("settings")
def settings(handle: int) -> None:
    kodiutils.open_settings()


# ---- links and plain torrents -----------------------------------------------------------------

@route("links")
def links(handle: int) -> None:
    """Open a link: type one (the keyboard only when asked for), or pick one the phone sent."""
    typed = listing.Item(kodiutils.tr(text.TYPE_LINK), url("open_link"))
    _show(handle, [typed, *listing.torrents(client().torrents(), kodiutils.tr, url)])


@route("open_link")
def open_link(handle: int, link: str = "") -> None:
    """A magnet or .torrent/.tstream URL (typed, or from search) -> that torrent's files."""
    link = link or kodiutils.keyboard(kodiutils.tr(text.LINK_PROMPT))
    if not link:
        kodiutils.fail_directory(handle)
        return
    torrent = client().add_torrent(link)
    kodiutils.notify(kodiutils.tr(text.ADDED).format(torrent.get("name") or link))
    torrent_folder(handle, torrent["info_hash"])


@route("search/open")
def search_open(handle: int, indexer: str, link: str) -> None:
    """A release from a search -> that torrent's files."""
    torrent = client().search_add(int(indexer), link)
    kodiutils.notify(kodiutils.tr(text.ADDED).format(torrent.get("name") or link))
    torrent_folder(handle, torrent["info_hash"])


@route("torrent")
def torrent_folder(handle: int, ih: str) -> None:
    torrent = client().torrent(ih)
    _show(handle, listing.torrent_files(torrent, kodiutils.tr, url), "videos", ("LABEL",))


@route("torrent/play")
def torrent_play(handle: int, ih: str, file: str = "", start: str = "") -> None:
    """Play a torrent's file (the biggest video without `file`); `start`: from there (s)."""
    api = client()
    try:
        torrent = play.start_prefetch(api, ih, as_int(file))
        torrent = play.wait_ready(api, torrent, torrent.get("name") or ih, _dead_after())
    except play.NotReady as why:
        play.refuse(handle, str(why))
        return
    videos = listing.video_files(torrent)
    index = as_int(file)
    if index is None:
        index = max(videos, key=lambda f: f.get("size") or 0)["index"] if videos else 0
    entry = next((f for f in torrent.get("files") or [] if f["index"] == index), None)
    stream = play.stream_of(torrent, index)
    if entry is None or stream is None:
        play.refuse(handle, kodiutils.tr(text.PLAY_FAILED))
        return
    resume = as_float(start)
    play.resolve_stream(handle, stream, entry["path"], listing.subtitles_for(torrent, index),
                        {"kind": "file", "ih": ih, "file": index,
                         "title": entry["path"].rsplit("/", 1)[-1],
                         "resume": listing.resume_point(entry) if resume is None else resume})


@action("torrent/watched")
def torrent_watched(handle: int, ih: str, file: str, watched: str = "1") -> None:
    client().file_progress(ih, int(file), position=0, watched=watched == "1")
    kodiutils.refresh()


@action("torrent/download")
def torrent_download(handle: int, ih: str) -> None:
    client().download_torrent(ih)
    kodiutils.notify(kodiutils.tr(text.DONE))


@action("torrent/delete")
def torrent_delete(handle: int, ih: str) -> None:
    client().remove_torrent(ih, files=True)
    kodiutils.refresh()


# ---- episodes ----------------------------------------------------------------------------------

@route("episode/play")
def episode_play(handle: int, id: str, release: str = "", file: str = "",
                 start: str = "") -> None:
    """Play an episode (from its resume point, or from `start` seconds when given)."""
    api = client()
    episode_id = int(id)
    reply = api.play_episode(episode_id, as_int(release), as_int(file))
    if not file:
        chosen = _choose_file(reply)
        if chosen is not None and chosen != reply["file_index"]:
            reply = api.play_episode(episode_id, as_int(release), chosen)
    episode = reply["episode"]
    title = listing.episode_item(episode, kodiutils.tr, url).label
    try:
        torrent = play.wait_ready(api, reply["torrent"], title, _dead_after())
    except play.NotReady as why:
        play.refuse(handle, str(why))
        return
    index = reply["file_index"]
    path = next((f["path"] for f in torrent.get("files") or [] if f["index"] == index),
                reply["stream_url"])
    subtitles = [s["stream_url"] for s in reply.get("subtitles") or []] \
        or listing.subtitles_for(torrent, index)
    resume = as_float(start)
    play.resolve_stream(handle, reply["stream_url"], path, subtitles,
                        {"kind": "episode", "id": episode_id, "title": title,
                         "resume": listing.resume_point(episode) if resume is None else resume})


def _choose_file(reply: dict[str, Any]) -> int | None:
    """A season pack: ask which video file, the service's pick first in line."""
    videos = listing.video_files(reply.get("torrent") or {})
    if len(videos) < 2:
        return None
    picked = next((n for n, f in enumerate(videos) if f["index"] == reply["file_index"]), -1)
    chosen = kodiutils.select(kodiutils.tr(text.CHOOSE_FILE), [f["path"] for f in videos],
                              preselect=picked)
    return videos[chosen]["index"] if chosen >= 0 else None


@action("episode/watched")
def episode_watched(handle: int, id: str, watched: str = "1") -> None:
    client().episode_progress(int(id), position=0, watched=watched == "1")
    kodiutils.refresh()


@action("episode/download")
def episode_download(handle: int, id: str) -> None:
    client().download_episode(int(id))
    kodiutils.notify(kodiutils.tr(text.DONE))


@action("episode/delete_cache")
def episode_delete_cache(handle: int, id: str) -> None:
    client().delete_episode_cache(int(id))
    kodiutils.refresh()


@action("episode/other_release")
def episode_other_release(handle: int, id: str) -> None:
    episode = client().episode(int(id))
    releases = episode.get("releases") or []
    labels = [f"{r.get('title')}  {listing.release_summary(r)}" for r in releases]
    chosen = kodiutils.select(kodiutils.tr(text.CHOOSE_RELEASE), labels)
    if chosen >= 0:
        kodiutils.play(url("episode/play", id=id, release=releases[chosen]["id"]))


@action("episode/other_file")
def episode_other_file(handle: int, id: str) -> None:
    episode = client().episode(int(id))
    torrent = client().torrent(episode["info_hash"])
    videos = listing.video_files(torrent)
    chosen = kodiutils.select(kodiutils.tr(text.CHOOSE_FILE), [f["path"] for f in videos])
    if chosen >= 0:
        kodiutils.play(url("episode/play", id=id, release=episode.get("release_id"),
                      file=videos[chosen]["index"]))


# ---- subscriptions -----------------------------------------------------------------------------

@action("subscribe")
def subscribe(handle: int, show: str = "", name: str = "") -> None:
    """A known show by id, or one a search found by its name."""
    if show:
        client().subscribe(int(show))
    else:
        client().subscribe_show(name)
    kodiutils.refresh()


@action("unsubscribe")
def unsubscribe(handle: int, id: str) -> None:
    client().unsubscribe(int(id))
    kodiutils.refresh()


# ---- pairing phones ------------------------------------------------------------------------------

@action("pair")
def pair(handle: int) -> None:
    """Home's "Pair a phone": the code and its QR code until a phone pairs with it."""
    pairing.show(client())


@route("devices")
def devices(handle: int) -> None:
    _show(handle, listing.devices(client().devices(), kodiutils.tr, url), "")


@action("device/revoke")
def device_revoke(handle: int, id: str) -> None:
    api = client()
    device = next((d for d in api.devices() if str(d["id"]) == id), None)
    if device is None:
        kodiutils.refresh()  # revoked meanwhile (from the phone or the CLI)
        return
    if kodiutils.yes_no(kodiutils.tr(text.DEVICES),
                        kodiutils.tr(text.REVOKE_ASK).format(device["name"])):
        api.revoke_device(device["id"])
        kodiutils.notify(kodiutils.tr(text.REVOKED).format(device["name"]))
        kodiutils.refresh()


# ---- finding the service ----------------------------------------------------------------------

@action("discover")
def discover(handle: int) -> None:
    """The settings button: services on the LAN by zeroconf; the chosen one goes in settings."""
    if not discovery.available():
        kodiutils.ok_dialog(kodiutils.tr(text.SETTINGS), kodiutils.tr(text.DISCOVER_NO_ZEROCONF))
        return
    found = discovery.online(timeout=3.0)
    if not found:
        kodiutils.ok_dialog(kodiutils.tr(text.SETTINGS), kodiutils.tr(text.DISCOVER_NONE))
        return
    chosen = kodiutils.select(kodiutils.tr(text.DISCOVER_CHOOSE),
                              [f"{s.name}  ({s.host}:{s.port})" for s in found])
    if chosen >= 0:
        service = found[chosen]
        kodiutils.set_setting("host", service.host)
        kodiutils.set_setting("port", str(service.port))
        kodiutils.set_setting("box_id", service.id)
        kodiutils.notify(kodiutils.tr(text.DISCOVER_SET).format(f"{service.host}:{service.port}"))
        _pair_if_needed()


def _pair_if_needed() -> None:
    """A service on another box lets this Kodi in only once paired, like a phone: ask for the
    code that box shows and keep the token."""
    try:
        client().me()
        return
    except ClientError as error:
        if error.status != 401:
            raise
    kodiutils.set_setting("token", "")
    code = kodiutils.keyboard(kodiutils.tr(text.PAIR_ENTER))
    if code:
        answer = client().claim(code, kodiutils.device_name())
        kodiutils.set_setting("token", answer["token"])
        kodiutils.notify(kodiutils.tr(text.PAIRED).format(answer["device"]["name"]))


def _dead_after() -> float:
    return float(kodiutils.setting_int("dead_after", 60))
