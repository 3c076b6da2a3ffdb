"""Head prefetch with real libtorrent peers: the header, the index at the end and the first
seconds are fetched, the rest waits at priority 0 until someone plays; a torrent file's play
state; a whole download for later."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import PIECE_SIZE, Swarm

from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt
from swarmplayer.playback import first_frame_seconds
from swarmplayer.supervisor import Service

SECONDS = 2.0


def _have(swarm: Swarm) -> list[bool]:
    handle = swarm.service.engine._get(swarm.info_hash).handle  # the test's view of the pieces
    return [handle.have_piece(p) for p in range(handle.torrent_file().num_pieces())]


def _prefetch(service: Service, info_hash: str, **body: Any) -> Any:
    answer = service.app.test_client().post(f"/api/v1/torrents/{info_hash}/prefetch",
                                            json=body)
    assert answer.status_code == 202, answer.get_json()
    return answer.get_json()


def _ready(service: Service, info_hash: str, wait_until: Callable[..., Any]) -> dict[str, Any]:
    client = service.app.test_client()

    def ready() -> dict[str, Any] | None:
        prefetch = client.get(f"/api/v1/torrents/{info_hash}").get_json()["prefetch"]
        assert prefetch["state"] != "failed", prefetch
        return prefetch if prefetch["ready"] else None

    return wait_until(ready, 90, "the prefetch to be ready")


@pytest.mark.parametrize("kind", ["mp4", "mkv"])
def test_the_head_and_index_are_fetched_and_the_rest_waits(
        service: Service, swarm: Callable[..., Swarm], video: Callable[..., Path],
        wait_until: Callable[..., Any], kind: str):
    source = video(f"episode.{'mkv' if kind == 'mkv' else 'mp4'}", seconds=30, kind=kind,
                   bitrate="300k")
    seeded = swarm(source)
    started = _prefetch(service, seeded.info_hash, seconds=SECONDS)
    assert started["prefetch"]["state"] in ("fetching", "ready")
    done = _ready(service, seeded.info_hash, wait_until)
    size = source.stat().st_size
    have = _have(seeded)
    head = int(size / 30 * SECONDS) // PIECE_SIZE  # the pieces of the first seconds
    assert all(have[: head + 1]), "the first seconds are on disk"
    if kind == "mp4":  # ffmpeg's default MP4 has its moov at the end
        assert have[-1], "the index at the end is on disk"
    assert not all(have), "not the whole file"
    assert done["done"] >= done["wanted"] > 0 and done["file_index"] == 0
    # Nothing counted as played, and nothing else comes while nobody plays.
    row = service.store.torrent(seeded.info_hash)
    assert row is not None and row.last_played_at is None
    missing = have.index(False)
    handle = service.engine._get(seeded.info_hash).handle
    assert handle.piece_priority(missing) == 0
    # Shown as it is: what it wants now is in, but not the episode (a share of all of it).
    client = service.app.test_client()
    shown = wait_until(lambda: (t := client.get(f"/api/v1/torrents/{seeded.info_hash}")
                                .get_json())["complete"] and t, 30, "the wanted pieces")
    have = _have(seeded)
    on_disk = sum(min(PIECE_SIZE, size - p * PIECE_SIZE) for p, h in enumerate(have) if h)
    assert shown["state"] == "finished" and shown["size"] == size == shown["files"][0]["size"]
    assert shown["have"] == on_disk == shown["files"][0]["have"]
    assert 0 < shown["progress"] == round(on_disk / size, 4) < 1
    # Play: the rest downloads again.
    stream = f"{service.url}/stream/{seeded.info_hash}/0"
    assert first_frame_seconds(stream, timeout=60) is not None
    wait_until(lambda: all(_have(seeded)), 120, "the rest of the file to download")
    whole = client.get(f"/api/v1/torrents/{seeded.info_hash}").get_json()
    assert whole["progress"] == 1.0 and whole["have"] == size


def test_a_prefetch_of_an_unknown_torrent_or_file_is_a_clear_error(
        service: Service, swarm: Callable[..., Swarm], video: Callable[..., Path]):
    client = service.app.test_client()
    assert client.post(f"/api/v1/torrents/{'c' * 40}/prefetch", json={}).status_code == 404
    seeded = swarm(video(seconds=2), connect=False)
    missing = client.post(f"/api/v1/torrents/{seeded.info_hash}/prefetch",
                          json={"file_index": 7})
    assert missing.status_code == 404
    bad = client.post(f"/api/v1/torrents/{seeded.info_hash}/prefetch", json={"seconds": 0})
    assert bad.status_code == 400 and bad.get_json()["field"] == "seconds"


def test_a_files_play_state_is_kept(service: Service, swarm: Callable[..., Swarm],
                                    video: Callable[..., Path]):
    seeded = swarm(video(seconds=2), connect=False)
    client = service.app.test_client()
    url = f"/api/v1/torrents/{seeded.info_hash}/files/0/progress"
    assert client.put(url, json={"position": 40.0, "duration": 100.0,
                                 "state": "paused"}).get_json()["position"] == 40.0
    shown = client.get(f"/api/v1/torrents/{seeded.info_hash}").get_json()["files"][0]
    assert (shown["position"], shown["duration"], shown["watched"]) == (40.0, 100.0, False)
    assert shown["last_played_at"] is not None
    near_end = client.put(url, json={"position": 95.0}).get_json()
    assert near_end["watched"] and near_end["position"] == 0.0
    again = client.put(url, json={"watched": False, "position": 10.0}).get_json()
    assert not again["watched"] and again["position"] == 10.0
    for body, field in (({}, "position"), ({"position": -1}, "position"),
                        ({"position": 1, "state": "dancing"}, "state"),
                        ({"position": 1, "watched": "yes"}, "watched")):
        answer = client.put(url, json=body)
        assert answer.status_code == 400 and answer.get_json()["field"] == field
    assert client.put(f"/api/v1/torrents/{seeded.info_hash}/files/5/progress",
                      json={"position": 1}).status_code == 404


def test_download_for_later_fetches_all_and_keeps_it(
        service: Service, swarm: Callable[..., Swarm], video: Callable[..., Path],
        wait_until: Callable[..., Any]):
    seeded = swarm(video(seconds=20, bitrate="300k"))
    _prefetch(service, seeded.info_hash, seconds=SECONDS)
    _ready(service, seeded.info_hash, wait_until)
    answer = service.app.test_client().post(f"/api/v1/torrents/{seeded.info_hash}/download")
    assert answer.status_code == 202
    wait_until(lambda: all(_have(seeded)), 120, "the whole torrent to download")
    assert service.store.cache_flags()[seeded.info_hash] == (False, True)


def test_a_removed_torrent_forgets_its_prefetch(
        service: Service, swarm: Callable[..., Swarm], video: Callable[..., Path],
        wait_until: Callable[..., Any]):
    seeded = swarm(video(seconds=10, bitrate="300k"))
    _prefetch(service, seeded.info_hash, seconds=SECONDS)
    _ready(service, seeded.info_hash, wait_until)
    client = service.app.test_client()
    assert client.delete(f"/api/v1/torrents/{seeded.info_hash}").status_code == 204
    again = service.engine.add_torrent_data(seeded.torrent, "again")
    assert again == (seeded.info_hash, True)
    # Added afresh, nothing on disk: no "ready" left over from before.
    assert client.get(f"/api/v1/torrents/{seeded.info_hash}").get_json()["prefetch"] is None


def test_a_prefetch_waits_for_a_magnets_metadata_without_a_thread(
        service: Service, video: Callable[..., Path], wait_until: Callable[..., Any]):
    # Magnets nobody seeds (DHT is off), as a feed's can be: their prefetches wait with no
    # thread (each cost ~40 KB; before, each also held the stop for its 10 s join).
    for n in range(1, 4):
        service.engine.add_magnet(f"magnet:?xt=urn:btih:{n:040x}")
        assert _prefetch(service, f"{n:040x}")["prefetch"]["state"] == "fetching"
    assert _prefetching() == 0
    # One whose seeder comes later: its metadata starts the prefetch, which gets ready.
    source = video("late.mp4", seconds=10, bitrate="300k")
    torrent = lt.bencode(lt.make_torrent(str(source), piece_size=PIECE_SIZE))
    seeder = Peer(torrent, source.parent, upload_rate=4 << 20)
    try:
        info_hash = lt.hash_hex(lt.torrent_info(torrent).info_hashes())
        service.engine.add_magnet(f"magnet:?xt=urn:btih:{info_hash}")
        _prefetch(service, info_hash, seconds=SECONDS)
        service.engine.connect_peers(info_hash, [seeder.address])
        done = _ready(service, info_hash, wait_until)
        assert done["done"] >= done["wanted"] > 0
        stopping = threading.Thread(target=service.stop)
        stopping.start()
        stopping.join(timeout=20)
        assert not stopping.is_alive(), "the stop waited for the prefetches"
    finally:
        seeder.close()
    assert _prefetching() == 0


def _prefetching() -> int:
    return sum(t.name.startswith("swarmplayer-prefetch") for t in threading.enumerate())
