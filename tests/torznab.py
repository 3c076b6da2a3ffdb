"""The Torznab indexer of bench/torznab.py for the tests: a search answers the corpus's
recorded Torznab answer (Sonarr's torznab_tpb.xml, read from ../shared/corpus when it is there,
else one of ours with the same five releases); and indexers set up as the tests need them."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from support import CORPUS

from bench import torznab as served
from bench.torznab import (  # noqa: F401  (the tests' names for them)
    CAPS,
    CAPS_SEARCH_ONLY,
    ERROR_100,
    HTML,
    torznab_answer,
    torznab_item,
)

CORPUS_TORZNAB = CORPUS / "feeds" / "torznab_tpb.xml"


def recorded_answer() -> bytes:
    """The corpus's recorded Torznab answer, else one of ours with the same five releases."""
    if CORPUS_TORZNAB.exists():
        return CORPUS_TORZNAB.read_bytes()
    # Title, seeders, peers, size and info-hash of the recorded answer's five releases.
    rows = [("Series Title S05E02 HDTV x264-Xclusive [eztv]", 34128, 36724, 388895872,
             "9fb267cff5ae5603f07a347676ec3bf3e35f75e1"),
            ("Series Title S05E03 WEBRip XviD-FUM[ettv]", 28706, 30894, 471722880,
             "c1f9f6bade11a4c46028b118053452460ab94be1"),
            ("Series Title S05E01 HDTV x264-Xclusive", 26637, 27453, 312339328,
             "fd8b1062af0d8c2426cb4d180b86815ffa91b479"),
            ("Series Title S05E04 WEBRip XviD-FUM[ettv]", 21551, 22711, 442970944,
             "30abe6b5816c758d327672a0fa58ff2b055ad3fe"),
            ("Series.Title.S03E19.HDTV.x264-LOL[ettv]", 15754, 17336, 243951200,
             "53896c2a6391a69a672041139e023c018c0f4aff")]
    return torznab_answer(*(torznab_item(t, f"magnet:?xt=urn:btih:{h}&dn=x", seeders=s, peers=p,
                                         size=size, info_hash=h)
                            for t, s, p, size, h in rows), title="The Pirate Bay")


class TorznabServer(served.TorznabServer):
    """Indexers whose searches answer the recorded answer unless told otherwise."""

    def __init__(self) -> None:
        super().__init__(recorded_answer)


def down_url() -> str:
    """A Torznab URL where nothing listens (a port just freed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone/"


def three_indexers(service: Any, torznab: TorznabServer, folder: Path) -> str:
    """On `service`: "One" (the recorded answer), "Two" (a Jackett-style release whose link
    holds the key, with a real .torrent of a file made in `folder`) and "Down" (nothing
    listens). The info-hash of Two's torrent."""
    from swarmplayer.engine import lt
    from swarmplayer.feeds.torznab import Caps

    payload = folder / "Series.Title.S06E01.720p.mkv"
    payload.write_bytes(b"\x1aE\xdf\xa3" + bytes(200_000))
    torrent = lt.bencode(lt.make_torrent(str(payload), piece_size=64 << 10))
    link = f"{torznab.base}/two/dl/s06e01.torrent?jackett_apikey={torznab.key}"
    indexers = service.app.shared.indexers
    indexers.add(torznab.add("one"), torznab.key, "One")
    indexers.add(torznab.add("two", results=torznab_answer(torznab_item(
        "Series.Title.S06E01.720p.HDTV.x264-GRP", link, seeders=90000)),
        files={"s06e01.torrent": torrent}), torznab.key, "Two")
    indexers.store.add("Down", down_url(), torznab.key, Caps())  # it was up when added
    return str(lt.torrent_info(torrent).info_hash())
