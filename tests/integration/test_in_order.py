"""Pieces in index order on a real swarm: once a play from the start has read the header,
libtorrent's sequential mode asks the seeder for the pieces after it in order (priorities alone
tie with rarity, pieces._graded_priority), those a choking leecher holds too; a reader far
ahead, with pieces missing behind it, turns it off."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from support import PIECE_SIZE, SEED_RATE, missing_piece, pieces_of_service, wait_until

from swarmplayer.demo.swarm import Peer
from swarmplayer.engine import lt
from swarmplayer.supervisor import Service


def in_order(service: Service, info_hash: str) -> bool:
    handle = service.engine._get(info_hash).handle  # the test's view
    return bool(handle.flags() & lt.FLAG_SEQUENTIAL)


def test_a_play_from_the_start_downloads_in_order_and_a_seek_past_a_gap_does_not(
        make_service: Callable[..., Service], tmp_path: Path, peers: list[Peer]):
    movie = tmp_path / "media" / "movie.mkv"
    movie.parent.mkdir()
    movie.write_bytes(os.urandom(8 << 20))  # 32 s at the seeder's rate
    torrent = lt.bencode(lt.make_torrent(str(movie), piece_size=PIECE_SIZE))
    seeder = Peer(torrent, movie.parent, upload_rate=SEED_RATE)
    peers.append(seeder)
    service = make_service()
    info_hash, _ = service.engine.add_torrent_data(torrent, "movie.torrent")
    service.engine.connect_peers(info_hash, [seeder.address])

    handle = service.engine._get(info_hash).handle  # the test's view
    head = service.engine.open_stream(info_hash)
    # Until the header is read, the window's pieces rank by priority alone and libtorrent
    # picks at random among equals: what it asks for meanwhile may come at any place.
    asked: set[int] = set()

    def asked_until_in_order() -> bool:
        asked.update(entry["piece_index"] for entry in handle.get_download_queue())
        return in_order(service, info_hash)

    with ThreadPoolExecutor(1) as pool:
        header = pool.submit(lambda: b"".join(head.iter_range(0, 100)))
        wait_until(asked_until_in_order, 10, "sequential mode", interval=0.002)
        assert header.result(timeout=10) == movie.read_bytes()[:100]
    # The reader stays at the start: everything it does not plan yet comes in index order
    # after its window. A few pieces are in flight at once, the last one (a guess at an
    # index) may come early: all but those form one run from the start.
    has = wait_until(lambda: (h := pieces_of_service(seeder.handle)) and sum(h) >= 60 and h,
                     30, "60 pieces at the service")
    got = [p for p, have in enumerate(has) if have]
    out_of_run = [p for p in got if p >= len(got) + 4 and p != len(has) - 1 and p not in asked]
    assert not out_of_run, (got, sorted(asked))

    far = service.engine.open_stream(info_hash)
    position = missing_piece(seeder.handle) * PIECE_SIZE
    reader = far.iter_range(position, position + 100)
    try:
        # A seek past pieces nobody has yet: in order, they would come before its window.
        assert b"".join(reader) == movie.read_bytes()[position:position + 100]
        assert not in_order(service, info_hash)
    finally:
        far.close()
        head.close()


def test_pieces_a_choking_leecher_holds_come_in_their_turn(
        make_service: Callable[..., Service], tmp_path: Path, peers: list[Peer]):
    """A peer that holds some of the next pieces but chokes us (a stock leecher, or
    transmission for its first 10 s) makes them rank behind others in libtorrent's picker. At
    the top priority that deadlines give, sequential mode's walk skipped them, and they came
    only after the pieces beyond them: the player stalled on one (bench trace)."""
    data = os.urandom(8 << 20)
    movie = tmp_path / "media" / "movie.mkv"
    movie.parent.mkdir()
    movie.write_bytes(data)
    torrent = lt.bencode(lt.make_torrent(str(movie), piece_size=PIECE_SIZE))
    held = range(4, 12)  # within the first deadlines (half a second at the default bitrate)
    last = len(data) // PIECE_SIZE - 1
    partial = tmp_path / "leecher" / "movie.mkv"
    partial.parent.mkdir()
    partial.write_bytes(b"".join(data[p * PIECE_SIZE:(p + 1) * PIECE_SIZE] if p in held
                                 else bytes(PIECE_SIZE) for p in range(len(data) // PIECE_SIZE)))
    seeder = Peer(torrent, movie.parent, upload_rate=SEED_RATE)
    # It gets nothing more meanwhile (the service would tell it of the seeder).
    leecher = Peer(torrent, partial.parent, seed=False, download_rate=1000)
    leecher.session.apply_settings({"unchoke_slots_limit": 0, "allowed_fast_set_size": 0})
    peers += [seeder, leecher]
    wait_until(lambda: sum(leecher.handle.status().pieces) == len(held), 10, "the leecher's check")
    service = make_service()
    info_hash, _ = service.engine.add_torrent_data(torrent, "movie.torrent")
    service.engine.connect_peers(info_hash, [leecher.address, seeder.address])
    handle = service.engine._get(info_hash).handle  # the test's view

    head = service.engine.open_stream(info_hash)
    try:
        assert b"".join(head.iter_range(0, 100)) == data[:100]
        arrived: list[int] = []

        def arrivals() -> bool:
            pieces = handle.status().pieces
            arrived.extend(p for p, have in enumerate(pieces) if have and p not in arrived)
            return all(pieces[p] for p in held)

        wait_until(arrivals, 30, "the held pieces", interval=0.01)
        # A few pieces are in flight at once, and the last one (a guess at an index) may come
        # early; beyond those, none came before a held one.
        late = max(arrived.index(p) for p in held)
        early = [p for p in arrived[:late] if p > held[-1] + 4 and p != last]
        assert not early, arrived
    finally:
        head.close()
