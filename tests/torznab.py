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
    magnet = "magnet:?xt=urn:btih:{}&dn=x"
    rows = [("Series Title S05E02 HDTV x264-Xclusive [eztv]", 34128, "9fb267cf"),
            ("Series Title S05E03 WEBRip XviD-FUM[ettv]", 28706, "c1f9f6ba"),
            ("Series Title S05E01 HDTV x264-Xclusive", 26637, "fd8b1062"),
            ("Series Title S05E04 WEBRip XviD-FUM[ettv]", 21551, "30abe6b5"),
            ("Series.Title.S03E19.HDTV.x264-LOL[ettv]", 15754, "53896c2a")]
    return torznab_answer(*(torznab_item(t, magnet.format(h * 5), seeders=s, info_hash=h * 5)
                            for t, s, h in rows), title="The Pirate Bay")


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
