"""Pure builders: the API's JSON -> Item models that kodiutils turns into Kodi list items.

No Kodi here: labels come from `tr` (string id -> text) and links from `url` (router.url), so the
builders run and are tested anywhere.
"""

from __future__ import annotations

import datetime
import posixpath
from dataclasses import dataclass, field
from typing import Any, Callable, Dict

from addon import text

Tr = Callable[[int], str]
Url = Callable[..., str]
Json = Dict[str, Any]

VIDEO_MIME = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mkv": "video/x-matroska",
              ".webm": "video/webm", ".avi": "video/x-msvideo", ".ts": "video/mp2t",
              ".mov": "video/quicktime", ".mpg": "video/mpeg", ".mpeg": "video/mpeg"}
SUBTITLE_EXTS = (".srt", ".ass", ".ssa", ".vtt")


@dataclass
class Item:
    """One entry of a Kodi directory."""

    label: str
    url: str
    folder: bool = True
    playable: bool = False
    label2: str = ""
    info: dict[str, Any] = field(default_factory=dict)  # title, plot, season, episode, aired…
    art: dict[str, str] = field(default_factory=dict)
    resume: tuple[float, float] | None = None  # (position, duration) seconds
    context: list[tuple[str, str]] = field(default_factory=list)  # (label, plugin URL to run)


def home(tr: Tr, url: Url) -> list[Item]:
    entries = [
        (text.CONTINUE, "continue"), (text.NEXT_UP, "next_up"), (text.SHOWS, "shows"),
        (text.SUBSCRIPTIONS, "subscriptions"), (text.SEARCH, "search"),
        (text.OPEN_LINK, "links"), (text.DOWNLOADS, "downloads"),
        (text.STATUS, "status"), (text.PAIR, "pair"), (text.DEVICES, "devices"),
        (text.SETTINGS, "settings"),
    ]
    # Status, pairing and Settings are actions, not folders: Kodi must not wait for a listing.
    return [Item(tr(label), url(path), folder=path not in ("status", "pair", "settings"))
            for label, path in entries]


def devices(found: list[Json], tr: Tr, url: Url) -> list[Item]:
    """The paired devices; choosing one asks whether to revoke it."""
    return [Item(d["name"], url("device/revoke", id=d["id"]), folder=False,
                 label2=tr(text.DEVICE_SEEN).format(_when(d.get("created_at")),
                                                    _when(d.get("last_seen_at"))))
            for d in found]


def _when(t: float | None) -> str:
    return datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else "–"


def human_size(size: float | None) -> str:
    if not size:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


def release_summary(release: Json | None) -> str:
    """'1080p WEB-DL · 1.2 GB · 40 seeders' from what the release has."""
    if not release:
        return ""
    quality = " ".join(x for x in (release.get("resolution"), release.get("source")) if x)
    seeders = release.get("seeders")
    parts = [quality, human_size(release.get("size")),
             f"{seeders} seeders" if seeders is not None else ""]
    return " · ".join(p for p in parts if p)


def _picked_release(episode: Json) -> Json | None:
    releases = episode.get("releases") or []
    wanted = episode.get("release_id")
    for release in releases:
        if release.get("id") == wanted:
            return release
    return releases[0] if releases else None


def episode_item(episode: Json, tr: Tr, url: Url, with_show: bool = False) -> Item:
    """A playable episode with its marks and its context menu."""
    number = episode.get("label") or ""
    title = episode.get("title") or episode.get("show_title") or number
    label = f"{number} {title}".strip() if number != title else title
    if with_show and episode.get("show_title"):
        label = f"{episode['show_title']} · {label}"
    if episode.get("prefetch") == "ready":
        label = f"{label} [{tr(text.READY)}]"
    release = _picked_release(episode)
    summary = release_summary(release)
    plot = "\n".join(p for p in (summary, episode.get("plot") or "") if p)
    watched = bool(episode.get("watched"))
    info: dict[str, Any] = {
        "mediatype": "episode", "title": title, "tvshowtitle": episode.get("show_title") or "",
        "plot": plot, "playcount": 1 if watched else 0,
    }
    for key in ("season", "episode"):
        if episode.get(key) is not None:
            info[key] = episode[key]
    if episode.get("air_date"):
        info["aired"] = episode["air_date"]
    if release and release.get("size"):
        info["size"] = release["size"]
    position, duration = episode.get("position") or 0, episode.get("duration") or 0
    resume = (float(position), float(duration)) if position and not watched else None
    art = {"thumb": episode["artwork"], "poster": episode["artwork"]} \
        if episode.get("artwork") else {}
    ep_id = episode["id"]
    context = [
        (tr(text.MARK_UNWATCHED if watched else text.MARK_WATCHED),
         url("episode/watched", id=ep_id, watched=0 if watched else 1)),
        (tr(text.DOWNLOAD_WHOLE), url("episode/download", id=ep_id)),
    ]
    if episode.get("info_hash"):
        context.append((tr(text.DELETE_CACHE), url("episode/delete_cache", id=ep_id)))
        context.append((tr(text.OTHER_FILE), url("episode/other_file", id=ep_id)))
    if len(episode.get("releases") or []) > 1:
        context.append((tr(text.OTHER_RELEASE), url("episode/other_release", id=ep_id)))
    return Item(label, url("episode/play", id=ep_id), folder=False, playable=True,
                label2=summary, info=info, art=art, resume=resume, context=context)


def episodes(items: list[Json], tr: Tr, url: Url, with_show: bool = False) -> list[Item]:
    return [episode_item(e, tr, url, with_show) for e in items]


def show_item(show: Json, tr: Tr, url: Url, subscriptions_id: int | None = None) -> Item:
    subscribed = bool(show.get("subscribed"))
    sub_id = show.get("subscription_id") or subscriptions_id
    if subscribed:
        context = [(tr(text.UNSUBSCRIBE), url("unsubscribe", id=sub_id))]
    else:
        context = [(tr(text.SUBSCRIBE), url("subscribe", show=show["id"]))]
    unwatched = show.get("unwatched") or 0
    art = {"thumb": show["artwork"], "poster": show["artwork"]} if show.get("artwork") else {}
    info = {"mediatype": "tvshow", "title": show["title"], "tvshowtitle": show["title"],
            "episode": show.get("episodes") or 0}
    return Item(show["title"], url("show", id=show["id"]), label2=str(unwatched),
                info=info, art=art, context=context)


def shows(items: list[Json], tr: Tr, url: Url) -> list[Item]:
    return [show_item(s, tr, url) for s in items]


def seasons(show: Json, tr: Tr, url: Url) -> list[Item]:
    """A show's seasons; a show without numbered seasons lists its episodes in one folder."""
    made = []
    for season in show.get("seasons") or []:
        number = season.get("season")
        if number is None:
            label = tr(text.ALL_EPISODES)
        elif number == 0:
            label = tr(text.SPECIALS)
        else:
            label = tr(text.SEASON).format(number)
        info = {"mediatype": "season", "tvshowtitle": show["title"], "title": label}
        if number is not None:
            info["season"] = number
        made.append(Item(label, url("season", show=show["id"], season=number),
                         label2=str(season.get("unwatched") or 0), info=info))
    return made


def subscriptions(items: list[Json], tr: Tr, url: Url) -> list[Item]:
    made = []
    for sub in items:
        title = sub.get("show_title") or f"#{sub['id']}"
        quality = ", ".join(sub.get("qualities") or [])
        target = url("show", id=sub["show_id"]) if sub.get("show_id") else url("subscriptions")
        made.append(Item(title, target, label2=quality,
                         context=[(tr(text.UNSUBSCRIBE), url("unsubscribe", id=sub["id"]))]))
    return made


def mime_type(path: str) -> str:
    return VIDEO_MIME.get(posixpath.splitext(path.lower())[1], "video/mp4")


def video_files(torrent: Json) -> list[Json]:
    return [f for f in torrent.get("files") or [] if f.get("is_video")]


# The API's torrent states in words. "finished" is what it wants now being in (a prefetched
# head, a pack's played episode): ready to play, its share of all of it beside it.
STATE_WORDS = {"checking_files": text.STATE_CHECKING, "downloading_metadata": text.STATE_METADATA,
               "downloading": text.STATE_DOWNLOADING, "finished": text.READY,
               "seeding": text.STATE_SEEDING, "paused": text.STATE_PAUSED,
               "error": text.STATE_ERROR, "disk_full": text.STATE_DISK_FULL,
               "broken": text.STATE_BROKEN}


def torrents(items: list[Json], tr: Tr, url: Url) -> list[Item]:
    """Torrents as folders of their files, with their progress and a context menu."""
    made = []
    for torrent in items:
        ih = torrent["info_hash"]
        progress = f"{100 * (torrent.get('progress') or 0):.0f} %"
        label2 = " · ".join(x for x in (progress, human_size(torrent.get("size"))) if x)
        context = [(tr(text.DOWNLOAD_WHOLE), url("torrent/download", ih=ih)),
                   (tr(text.DELETE_CACHE), url("torrent/delete", ih=ih))]
        state = torrent.get("state")
        state = tr(STATE_WORDS[state]) if state in STATE_WORDS else state
        made.append(Item(torrent.get("name") or ih, url("torrent", ih=ih), label2=label2,
                         info={"title": torrent.get("name") or ih,
                               "plot": " ".join(x for x in (progress, state) if x)},
                         context=context))
    return made


def cache_summary(cache: Json, tr: Tr, url: Url) -> Item:
    """"Cache: 1.2 GB of 8.0 GB" at the top of Downloads; OK shows the service's status."""
    quota = (cache.get("quota") or {}).get("bytes")
    label = tr(text.CACHE_SUMMARY).format(human_size(cache.get("usage")) or "0 B",
                                          human_size(quota) or "-")
    return Item(label, url("status"), folder=False)


def torrent_files(torrent: Json, tr: Tr, url: Url) -> list[Item]:
    """A torrent's video files, playable, with their resume points and watched marks."""
    ih = torrent["info_hash"]
    made = []
    for entry in video_files(torrent):
        name = posixpath.basename(entry["path"])
        watched = bool(entry.get("watched"))
        position, duration = entry.get("position") or 0, entry.get("duration") or 0
        context = [(tr(text.MARK_UNWATCHED if watched else text.MARK_WATCHED),
                    url("torrent/watched", ih=ih, file=entry["index"],
                        watched=0 if watched else 1)),
                   (tr(text.DELETE_CACHE), url("torrent/delete", ih=ih))]
        made.append(Item(
            name, url("torrent/play", ih=ih, file=entry["index"]), folder=False, playable=True,
            label2=file_label(entry),
            info={"mediatype": "video", "title": name, "playcount": 1 if watched else 0,
                  "size": entry.get("size") or 0},
            resume=(float(position), float(duration)) if position and not watched else None,
            context=context))
    return made


def file_label(entry: Json) -> str:
    """A file's size, after its share on the box while it is not all there ("40 % · 1.2 GB")."""
    size, have = entry.get("size") or 0, entry.get("have") or 0
    parts = ([f"{100 * have / size:.0f} %"] if have < size else []) + [human_size(size)]
    return " · ".join(x for x in parts if x)


def releases(results: list[Json], tr: Tr, url: Url) -> list[Item]:
    """Search results (episodes, each with its releases best-seeded first): one item per
    release, which opens it as a torrent; the context menu subscribes to its show."""
    made = []
    for episode in results:
        show = episode.get("show_title")
        name = " ".join(x for x in (show, episode.get("label")) if x) or "?"
        context = []
        if show and not episode.get("subscription_id"):
            target = url("subscribe", show=episode["show_id"]) if episode.get("show_id") \
                else url("subscribe", name=show)
            context = [(tr(text.SUBSCRIBE), target)]
        for release in episode.get("releases") or []:
            summary = " · ".join(x for x in (release_summary(release), release.get("indexer"))
                                 if x)
            made.append(Item(name, url("search/open", indexer=release["indexer_id"],
                                       link=release["link"]),
                             label2=summary, context=context,
                             info={"title": release.get("title") or name, "plot": summary}))
    return made


def subtitles_for(torrent: Json, file_index: int) -> list[str]:
    """Stream URLs of the torrent's subtitle files named like the video (same stem first)."""
    files = torrent.get("files") or []
    video = next((f for f in files if f.get("index") == file_index), None)
    if video is None:
        return []
    stem = posixpath.splitext(posixpath.basename(video["path"]))[0].lower()
    return [f["stream_url"] for f in files
            if f["path"].lower().endswith(SUBTITLE_EXTS) and f.get("stream_url")
            and posixpath.basename(f["path"]).lower().startswith(stem)]


def resume_point(entry: Json) -> float:
    """Where to start playing: the stored position, unless it is watched."""
    return 0.0 if entry.get("watched") else float(entry.get("position") or 0)


def prefetch_view(torrent: Json) -> tuple[int, str, str]:
    """(percent, state, detail) for the progress dialog from a torrent's status.

    detail is "done / wanted · rate"; state is the prefetch's ("fetching", "ready", "failed"),
    or "ready" for a service without prefetch once the torrent has its metadata.
    """
    prefetch = torrent.get("prefetch")
    rate = human_size(torrent.get("download_rate") or 0) or "0 B"
    if not prefetch:
        state = "ready" if torrent.get("has_metadata") else "fetching"
        return (100 if state == "ready" else 0), state, f"{rate}/s"
    done, wanted = prefetch.get("done") or 0, prefetch.get("wanted") or 0
    percent = 100 if prefetch.get("ready") else int(100 * done / wanted) if wanted else 0
    state = "ready" if prefetch.get("ready") else prefetch.get("state") or "fetching"
    detail = f"{human_size(done) or '0 B'} / {human_size(wanted) or '?'} · {rate}/s"
    return min(percent, 100), state, detail
