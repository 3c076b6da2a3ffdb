"""Shows, seasons, episodes and playing an episode, against contract-shaped answers (the
feeds/shows API is being built on another branch; see contract_stub)."""

from __future__ import annotations

from collections.abc import Iterator

import contract_stub
import fakekodi
import pytest
from test_listing import RELEASE, episode

from addon import plugin, text

PLUGIN = "plugin://plugin.video.swarmplayer/"
IH = "d" * 40
STREAM = f"http://127.0.0.1:8642/stream/{IH}/0/Show.S01E02.mkv"


@pytest.fixture
def stub(kodi: fakekodi.Kodi) -> Iterator[contract_stub.Stub]:
    for made in contract_stub.running():
        fakekodi.point_at(made.url)
        yield made


def run(path: str, query: str = "") -> None:
    plugin.run([PLUGIN + path, "1", query])


SHOW = {"id": 1, "title": "Show", "subscribed": False, "subscription_id": None, "episodes": 2,
        "unwatched": 2, "next_up": None, "artwork": None, "latest": None}


def torrent(prefetch: dict | None, files: int = 1) -> dict:
    names = [*["Show.S01E02.mkv", "Show.S01E03.mkv"][:files], "Show.S01E02.srt"]
    return {"info_hash": IH, "name": "Show", "has_metadata": True, "download_rate": 100_000,
            "peers": 2, "total_done": 0, "prefetch": prefetch,
            "files": [{"index": n, "path": name, "size": 10, "is_video": name.endswith(".mkv"),
                       "stream_url": f"http://127.0.0.1:8642/stream/{IH}/{n}/{name}"}
                      for n, name in enumerate(names)]}


def fetching(done: int) -> dict:
    return {"file_index": 0, "seconds": 5, "done": done, "wanted": 100, "ready": done >= 100,
            "state": "ready" if done >= 100 else "fetching", "error": None}


def play_reply(file_index: int = 0, files: int = 1) -> dict:
    return {"episode": episode(position=30.0, duration=60.0, info_hash=IH),
            "torrent": torrent(fetching(0), files), "file_index": file_index,
            "stream_url": torrent(None, files)["files"][file_index]["stream_url"],
            "subtitles": [{"file_index": files, "path": "Show.S01E02.srt",
                           "stream_url": f"http://127.0.0.1:8642/stream/{IH}/{files}"}]}


def test_shows_seasons_and_episodes(kodi: fakekodi.Kodi, stub: contract_stub.Stub) -> None:
    stub.on("GET", "/shows", {"shows": [SHOW], "total": 1, "limit": 200, "offset": 0})
    stub.on("GET", "/shows/1", dict(SHOW, seasons=[{"season": 1, "episodes": 1, "unwatched": 1},
                                                  {"season": 2, "episodes": 1, "unwatched": 1}]))
    stub.on("GET", "/shows/1/episodes", {"episodes": [episode(position=30.0, duration=60.0)],
                                         "total": 1, "limit": 200, "offset": 0})
    run("shows")
    assert [i.label for _, i, _ in kodi.directory] == ["Show"]
    run("show", "?id=1")
    assert [i.label for _, i, _ in kodi.directory[1:]] == ["Season 1", "Season 2"]
    kodi.directory.clear()
    run("season", "?season=1&show=1")
    ((url, item, folder),) = kodi.directory
    assert url == PLUGIN + "episode/play?id=3" and not folder
    tag = item.tag.values
    assert tag["Season"] == 1 and tag["Episode"] == 2 and tag["MediaType"] == "episode"
    assert tag["ResumePoint"] == (30.0, 60.0)
    assert ("setContent", ("episodes",), {}) in kodi.calls
    assert "season=1" in next(p for m, p, _ in stub.requests if "episodes" in p)


def test_play_an_episode_after_its_prefetch(kodi: fakekodi.Kodi,
                                            stub: contract_stub.Stub) -> None:
    stub.on("POST", "/episodes/3/play", play_reply())
    stub.on("GET", f"/torrents/{IH}", torrent(fetching(50)), torrent(fetching(100)))
    run("episode/play", "?id=3")
    succeeded, item = kodi.resolved
    assert succeeded and item.path == STREAM
    assert item.mime == "video/x-matroska" and item.content_lookup is False
    assert item.subtitles == [f"http://127.0.0.1:8642/stream/{IH}/1"]
    assert [p for p, _ in kodi.progress_updates] == [0, 50]
    assert "50 B / 100 B" in kodi.progress_updates[1][1]
    assert kodi.called("progress.close")
    playing = fakekodi.Window().getProperty("swarmplayer.playing")
    assert '"kind": "episode"' in playing and '"resume": 30.0' in playing


def test_a_season_pack_asks_which_file(kodi: fakekodi.Kodi, stub: contract_stub.Stub) -> None:
    stub.on("POST", "/episodes/3/play", play_reply(0, files=2), play_reply(1, files=2))
    stub.on("GET", f"/torrents/{IH}", torrent(fetching(100), files=2))
    kodi.select_answers.append(1)
    run("episode/play", "?id=3")
    ((args, kwargs),) = kodi.called("select")
    assert args[1] == ["Show.S01E02.mkv", "Show.S01E03.mkv"] and kwargs["preselect"] == 0
    assert stub.sent("POST", "/episodes/3/play") == [{}, {"file_index": 1}]
    assert kodi.resolved[1].path.endswith("/1/Show.S01E03.mkv")


def test_a_failed_prefetch_ends_with_a_notification(kodi: fakekodi.Kodi,
                                                    stub: contract_stub.Stub) -> None:
    failed = dict(fetching(10), state="failed", error="no peers")
    stub.on("POST", "/episodes/3/play", play_reply())
    stub.on("GET", f"/torrents/{IH}", torrent(failed))
    run("episode/play", "?id=3")
    assert kodi.resolved[0] is False
    message = kodi.called("notification")[-1][0][1]
    assert message.startswith(kodi.strings[text.DEAD_SWARM]) and "no peers" in message


def test_context_actions_call_the_api(kodi: fakekodi.Kodi, stub: contract_stub.Stub) -> None:
    stub.on("POST", "/subscriptions", lambda body: (201, {"id": 4, **body}))
    stub.on("PUT", "/episodes/3/progress", episode(watched=True))
    stub.on("DELETE", "/subscriptions/4", lambda body: (204, None))
    stub.on("GET", "/episodes/3", episode(releases=[RELEASE, dict(RELEASE, id=8)]))
    run("subscribe", "?show=1")
    run("episode/watched", "?id=3&watched=1")
    run("unsubscribe", "?id=4")
    kodi.select_answers.append(1)
    run("episode/other_release", "?id=3")
    assert stub.sent("POST", "/subscriptions") == [{"show_id": 1}]
    assert stub.sent("PUT", "/episodes/3/progress") == [{"position": 0, "watched": True}]
    assert stub.sent("DELETE", "/subscriptions/4") == [None]
    assert ("executebuiltin", (f"PlayMedia({PLUGIN}episode/play?id=3&release=8)",), {}) \
        in kodi.calls
