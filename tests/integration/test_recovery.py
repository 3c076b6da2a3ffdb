"""A bad resume file loses nothing: backup, else metainfo and a re-check, else reported broken.

Each test downloads a torrent into an in-process service, stops it cleanly, damages what an SD
card can damage after a power cut, and starts a second service on the same data folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import PIECE_SIZE, api, wait_until

from swarmplayer.config import Config
from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt
from swarmplayer.supervisor import Service

FILE_BYTES = 20 * PIECE_SIZE + 123


class Downloaded:
    """A torrent fully downloaded by a service that was then stopped cleanly."""

    def __init__(self, tmp_path: Path, magnet: bool = False) -> None:
        source = tmp_path / "source"
        source.mkdir()
        self.file = source / "movie.mp4"
        self.file.write_bytes(os.urandom(FILE_BYTES))
        self.torrent = lt.bencode(lt.make_torrent(str(self.file), piece_size=PIECE_SIZE))
        self.seeder = Peer(self.torrent, source)
        self.data_dir = tmp_path / "data"
        self.config = Config.for_tests(self.data_dir)
        first = Service(self.config).start()
        try:
            if magnet:
                ih = lt.hash_hex(lt.torrent_info(self.torrent).info_hashes())
                self.info_hash, _ = first.engine.add_magnet(f"magnet:?xt=urn:btih:{ih}")
            else:
                self.info_hash, _ = first.engine.add_torrent_data(self.torrent, "movie.torrent")
            first.engine.connect_peers(self.info_hash, [self.seeder.address])
            wait_until(lambda: first.engine.status(self.info_hash).complete, 60,
                       "the download to end")
        finally:
            first.stop()
        self.resume = self.config.resume_dir

    def path(self, suffix: str) -> Path:
        return self.resume / f"{self.info_hash}{suffix}"

    def data(self) -> Path:
        return self.data_dir / "cache" / self.info_hash / "movie.mp4"

    def close(self) -> None:
        self.seeder.close()


@pytest.fixture
def downloaded(tmp_path: Path) -> Iterator[Callable[..., Downloaded]]:
    made: list[Downloaded] = []

    def make(magnet: bool = False) -> Downloaded:
        made.append(Downloaded(tmp_path, magnet))
        return made[-1]

    yield make
    for d in made:
        d.close()


@pytest.fixture
def restart() -> Iterator[Callable[[Downloaded], Service]]:
    started: list[Service] = []

    def make(d: Downloaded) -> Service:
        started.append(Service(d.config).start())
        return started[-1]

    yield make
    for s in started:
        s.stop()


def corrupt(path: Path) -> None:
    """What a power cut can leave: the first half of the file."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def complete(service: Service, info_hash: str) -> bool:
    s = service.engine.status(info_hash)
    return s.complete and s.state in ("finished", "seeding")


def test_a_corrupt_resume_file_falls_back_to_its_backup(downloaded, restart):
    d = downloaded()
    assert d.path(".resume.bak").exists(), "a clean stop saves again: the old one is kept"
    assert d.path(".torrent").read_bytes() == d.torrent  # kept from the moment it was added
    corrupt(d.path(".resume"))
    d.seeder.session.pause()  # what it has now, it found on disk

    second = restart(d)
    assert d.info_hash in second.engine.info_hashes()
    wait_until(lambda: complete(second, d.info_hash), 30, "the torrent to be back complete")
    assert d.data().read_bytes() == d.file.read_bytes()
    # The bad file is set aside, so that the next save does not make it the backup.
    assert d.path(".resume.bad").exists()
    assert second.engine.status(d.info_hash).total_downloaded == 0, "nothing fetched again"


def test_without_usable_resume_data_the_metainfo_is_added_and_the_data_rechecked(
        downloaded, restart):
    d = downloaded()
    corrupt(d.path(".resume"))
    d.path(".resume.bak").write_bytes(b"")
    d.seeder.session.pause()

    second = restart(d)
    assert second.janitor.remove_orphans() == []
    wait_until(lambda: complete(second, d.info_hash), 30, "the re-check to find every piece")
    s = second.engine.status(d.info_hash)
    assert s.pieces_done == lt.torrent_info(d.torrent).num_pieces()
    assert s.total_downloaded == 0, "found on disk, not fetched again"
    assert d.data().read_bytes() == d.file.read_bytes()


def test_a_magnets_metadata_is_kept_once_it_arrives(downloaded, restart):
    d = downloaded(magnet=True)
    meta = lt.torrent_info(d.path(".torrent").read_bytes())
    assert lt.hash_hex(meta.info_hashes()) == d.info_hash
    for suffix in (".resume", ".resume.bak"):
        d.path(suffix).unlink()
    d.seeder.session.pause()

    second = restart(d)
    wait_until(lambda: complete(second, d.info_hash), 30, "the re-check from the metainfo")
    assert d.data().read_bytes() == d.file.read_bytes()


def test_with_nothing_readable_the_torrent_is_reported_broken_and_its_data_kept(
        downloaded, restart):
    d = downloaded()
    corrupt(d.path(".resume"))
    corrupt(d.path(".resume.bak"))
    corrupt(d.path(".torrent"))
    orphan = d.data_dir / "cache" / ("e" * 40)
    orphan.mkdir()  # what no torrent and no store row owns still goes

    second = restart(d)
    assert not orphan.exists()
    assert d.data().read_bytes() == d.file.read_bytes()
    reply = api(second.url, "GET", f"/api/v1/torrents/{d.info_hash}")
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["state"] == "broken" and "add it again" in body["error"]
    assert body["files"] == []
    listed = api(second.url, "GET", "/api/v1/torrents").json()["torrents"]
    assert [t["state"] for t in listed if t["info_hash"] == d.info_hash] == ["broken"]
    second.janitor.tick()  # the cache policy leaves it alone
    assert d.data().exists()
    pin = api(second.url, "POST", f"/api/v1/cache/{d.info_hash}/pin")
    assert pin.status == 503 and pin.json()["error"] == "broken"

    # Adding it again repairs it: the data on disk is checked, not fetched again.
    d.seeder.session.pause()
    info_hash, _ = second.engine.add_torrent_data(d.torrent, "movie.torrent")
    assert info_hash == d.info_hash
    wait_until(lambda: complete(second, d.info_hash), 30, "the repaired torrent's re-check")
    assert second.engine.status(d.info_hash).total_downloaded == 0


def test_a_broken_torrent_can_be_removed(downloaded, restart):
    d = downloaded()
    for suffix in (".resume", ".resume.bak", ".torrent"):
        d.path(suffix).write_bytes(b"x")
    second = restart(d)
    reply = api(second.url, "DELETE", f"/api/v1/torrents/{d.info_hash}")
    assert reply.status == 204, reply.body
    assert not d.data().exists()
    assert second.store.torrent(d.info_hash) is None
    assert second.engine.resume.known() == []
    assert api(second.url, "GET", f"/api/v1/torrents/{d.info_hash}").status == 404
