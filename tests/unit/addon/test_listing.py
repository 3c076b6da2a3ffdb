"""The pure builders: contract-shaped API JSON -> items, without Kodi."""

from __future__ import annotations

import fakekodi

from addon import listing, text
from addon.router import Router

STRINGS = fakekodi.strings()
router = Router()
for path in ("episode/play", "episode/watched", "episode/download", "episode/delete_cache",
             "episode/other_file", "episode/other_release", "show", "season", "subscribe",
             "unsubscribe", "torrent", "torrent/play", "torrent/watched", "torrent/download",
             "torrent/delete", "open_link", "subscriptions"):
    router.route(path)(lambda handle, **kw: None)


def tr(string_id: int) -> str:
    return STRINGS[string_id]


RELEASE = {"id": 7, "title": "Show.S01E02.1080p.WEB-DL", "resolution": "1080p",
           "source": "WEB-DL", "size": 1_200_000_000, "seeders": 40, "info_hash": None,
           "group": None, "link": "magnet:?xt=urn:btih:" + "a" * 40, "feed_id": 1,
           "published_at": 1.0}


def episode(**changes: object) -> dict:
    base = {"id": 3, "show_id": 1, "show_title": "Show", "title": "Pilot", "season": 1,
            "episode": 2, "air_date": "2026-11-30", "absolute": None, "label": "S01E02",
            "plot": "It begins.", "artwork": None, "published_at": 1.0, "watched": False,
            "position": 0, "duration": None, "last_played_at": None, "prefetch": "none",
            "info_hash": None, "file_index": None, "release_id": 7, "releases": [RELEASE]}
    base.update(changes)
    return base


def test_an_episode_has_its_number_info_and_release_summary() -> None:
    item = listing.episode_item(episode(), tr, router.url)
    assert item.label == "S01E02 Pilot"
    assert item.playable and not item.folder
    assert item.url == "plugin://plugin.video.swarmplayer/episode/play?id=3"
    assert item.info["season"] == 1 and item.info["episode"] == 2
    assert item.info["aired"] == "2026-11-30" and item.info["mediatype"] == "episode"
    assert item.label2 == "1080p WEB-DL · 1.2 GB · 40 seeders"
    assert item.info["plot"].endswith("It begins.")
    assert item.resume is None and item.info["playcount"] == 0


def test_resume_watched_and_ready_marks() -> None:
    half = listing.episode_item(episode(position=600.0, duration=1200.0), tr, router.url)
    assert half.resume == (600.0, 1200.0)
    seen = listing.episode_item(episode(watched=True, position=0), tr, router.url)
    assert seen.info["playcount"] == 1
    assert seen.context[0] == (tr(text.MARK_UNWATCHED),
                               router.url("episode/watched", id=3, watched=0))
    ready = listing.episode_item(episode(prefetch="ready"), tr, router.url, with_show=True)
    assert ready.label == "Show · S01E02 Pilot [ready]"


def test_the_context_menu_grows_with_what_the_episode_has() -> None:
    plain = [label for label, _ in listing.episode_item(episode(), tr, router.url).context]
    assert plain == [tr(text.MARK_WATCHED), tr(text.DOWNLOAD_WHOLE)]
    rich = episode(info_hash="b" * 40, releases=[RELEASE, dict(RELEASE, id=8)])
    labels = [label for label, _ in listing.episode_item(rich, tr, router.url).context]
    assert labels[2:] == [tr(text.DELETE_CACHE), tr(text.OTHER_FILE), tr(text.OTHER_RELEASE)]


def test_a_date_numbered_episode_uses_its_label() -> None:
    daily = episode(season=None, episode=None, label="2026-11-30", title=None)
    item = listing.episode_item(daily, tr, router.url)
    assert item.label == "2026-11-30 Show" and "season" not in item.info


def test_seasons_and_shows() -> None:
    show = {"id": 1, "title": "Show", "subscribed": True, "subscription_id": 4, "episodes": 3,
            "unwatched": 2, "next_up": None, "artwork": "http://x/a.jpg", "latest": None,
            "seasons": [{"season": 0, "episodes": 1, "unwatched": 0},
                        {"season": 1, "episodes": 2, "unwatched": 2}]}
    seasons = listing.seasons(show, tr, router.url)
    assert [s.label for s in seasons] == ["Specials", "Season 1"]
    assert seasons[1].url == "plugin://plugin.video.swarmplayer/season?season=1&show=1"
    item = listing.show_item(show, tr, router.url)
    assert item.context == [(tr(text.UNSUBSCRIBE), router.url("unsubscribe", id=4))]
    assert item.art["poster"] == "http://x/a.jpg"


def test_prefetch_view_shows_percent_and_rate() -> None:
    torrent = {"download_rate": 250_000, "has_metadata": True,
               "prefetch": {"file_index": 0, "seconds": 5, "done": 500_000, "wanted": 2_000_000,
                            "ready": False, "state": "fetching", "error": None}}
    assert listing.prefetch_view(torrent) == (25, "fetching", "500.0 KB / 2.0 MB · 250.0 KB/s")
    torrent["prefetch"].update(ready=True, state="ready")
    assert listing.prefetch_view(torrent)[:2] == (100, "ready")
    # A service without prefetch: ready once the metadata is there.
    assert listing.prefetch_view({"has_metadata": False})[1] == "fetching"
    assert listing.prefetch_view({"has_metadata": True})[1] == "ready"


def test_torrent_files_and_their_subtitles() -> None:
    torrent = {"info_hash": "c" * 40, "files": [
        {"index": 0, "path": "Pack/Show.S01E01.mkv", "size": 9, "have": 9, "is_video": True,
         "stream_url": "http://s/0", "position": 42.0, "duration": 100.0, "watched": False},
        {"index": 1, "path": "Pack/Show.S01E01.en.srt", "size": 1, "is_video": False,
         "stream_url": "http://s/1"},
        {"index": 2, "path": "Pack/Show.S01E02.mkv", "size": 9, "have": 3, "is_video": True,
         "stream_url": "http://s/2", "watched": True},
        {"index": 3, "path": "Pack/Show.S01E02.srt", "size": 1, "is_video": False,
         "stream_url": "http://s/3"}]}
    items = listing.torrent_files(torrent, tr, router.url)
    assert [i.label for i in items] == ["Show.S01E01.mkv", "Show.S01E02.mkv"]
    assert items[0].resume == (42.0, 100.0) and items[1].info["playcount"] == 1
    # A file all on the box shows its size; one partly there, its share first.
    assert [i.label2 for i in items] == ["9 B", "33 % · 9 B"]
    assert listing.subtitles_for(torrent, 0) == ["http://s/1"]
    assert listing.subtitles_for(torrent, 2) == ["http://s/3"]
    assert listing.mime_type("a/b.MKV") == "video/x-matroska"
    assert listing.resume_point(torrent["files"][0]) == 42.0
    assert listing.resume_point(torrent["files"][2]) == 0.0


def test_a_torrent_shows_the_share_of_all_of_it_on_the_box() -> None:
    # A prefetched head: what it wants now is in ("finished"), the rest waits.
    torrent = {"info_hash": "d" * 40, "name": "Show.S01E03", "state": "finished",
               "progress": 0.04, "size": 1_200_000_000, "total_wanted": 48_000_000}
    [item] = listing.torrents([torrent], tr, router.url)
    assert item.label2 == "4 % · 1.2 GB" and item.info["plot"] == "4 % ready"
    # Every state the API documents is said in words; one it may add later shows as it is.
    whole = {**torrent, "state": "seeding", "progress": 1.0}
    later = {**torrent, "state": "moving_storage"}
    plots = [i.info["plot"] for i in listing.torrents([whole, later], tr, router.url)]
    assert plots == ["100 % on the box, sharing", "4 % moving_storage"]
    assert all(tr(string_id) for string_id in listing.STATE_WORDS.values())
