"""Sparing a publisher's origin peers: the policy (needs_origin) and its state (Origins).

A torrent may name its publisher's own seeders (a .tstream's `origin`, a magnet's `x.pe`). Every
byte they send is a byte the publisher pays for, so while the streams have enough buffered the
engine caps what those peers send us to a trickle, and the swarm's other peers carry the load.
A stream short of buffer, or a seek waiting for its piece, lifts the cap at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from ..addresses import host_port, peer_address, resolve
from ..config import Config
from ..errors import BadInput
from . import lt
from .torrent import Torrent

log = logging.getLogger(__name__)

# bytes/s from origin peers while spared: two blocks a second keep the connection and its requests
# alive (a peer that sends nothing for `piece_timeout` gets its requests sent elsewhere, which is
# fine, but one that sends nothing at all for long gets dropped).
TRICKLE = 32 * 1024


def needs_origin(buffered: float | None, seeking: bool, needed: bool, spare_at: float) -> bool:
    """Whether a torrent being watched needs its origin at full speed now.

    `buffered`: seconds its newest reader's player has or can read now (None: nobody watches);
    `seeking`: a seek waits for its piece; `needed`: the answer last time. Spared from
    `spare_at` seconds buffered, needed again below half of it: the gap keeps the cap from
    flapping with every piece.
    """
    if buffered is None:
        return False
    if seeking:
        return True
    return buffered < (spare_at if needed else spare_at / 2)


def resolve_origins(origins: Sequence[str]) -> list[tuple[str, int]]:
    """(ip, port) of each "host:port" that is well formed and resolves; the rest are logged and
    left out (a torrent plays the same without them). May wait for DNS: call it under no lock."""
    resolved = []
    for text in origins:
        try:
            host, port = peer_address(text)
        except BadInput:
            log.warning("ignoring an origin that is not host:port: %r", text)
            continue
        ip = resolve(host)
        if ip is not None:
            resolved.append((ip, port))
    return resolved


class Origins:
    """The origin peers of every torrent, in a peer class whose download limit spares them.

    Its lock is a leaf: taken after the engine's and a scheduler's, and nothing is taken under
    it (libtorrent's own calls aside).
    """

    def __init__(self, session: Any, config: Config) -> None:
        self._session = session
        self._config = config
        self._class = lt.new_peer_class(session, "origin")
        self._lock = threading.Lock()
        self._origins: dict[str, list[tuple[str, int]]] = {}  # info-hash → (ip, port)
        self._needing: set[str] = set()  # torrents whose stream needs its origin now
        self._sparing = False

    def use(self, t: Torrent, origins: list[tuple[str, int]]) -> None:
        """Put a torrent's origin peers in the origin class (the engine connects to them)."""
        if not origins:
            return
        with self._lock:
            self._origins[t.info_hash] = origins
            self._classify()

    def forget(self, info_hash: str) -> None:
        with self._lock:
            if self._origins.pop(info_hash, None):
                self._classify()
            self._needing.discard(info_hash)

    def of(self, info_hash: str) -> tuple[tuple[str, ...], bool]:
        """A torrent's origins ("host:port") and whether they are spared now."""
        with self._lock:
            origins = tuple(host_port(*a) for a in self._origins.get(info_hash, ()))
            return origins, bool(origins) and self._sparing

    def reader_opened(self, t: Torrent) -> None:
        """A reader started: judge afresh, and lift the cap at once if it needs the origin."""
        if self._needs(t, fresh=True):
            with self._lock:
                self._needing.add(t.info_hash)
            self._spare(False, {})

    def seek_started(self) -> None:
        self._spare(False, {})

    def tick(self, torrents: dict[str, Torrent]) -> None:
        """Spare the origins when no watched torrent needs them; lift the cap when one does."""
        with self._lock:
            if not self._origins or self._config.spare_origin_seconds <= 0:
                return
        needing = {ih for ih, t in torrents.items() if self._needs(t)}
        with self._lock:
            self._needing = needing
        self._spare(not needing, torrents)

    def _classify(self) -> None:
        ips = {ip for origins in self._origins.values() for ip, _ in origins}
        lt.classify_peers(self._session, local_limited=self._config.local_peers_rate_limited,
                          extra=dict.fromkeys(ips, self._class))

    def _needs(self, t: Torrent, fresh: bool = False) -> bool:
        """Whether this torrent needs its origin peers at full speed, judged afresh (a reader
        just opened) or against what was decided last time."""
        with self._lock:
            origins = self._origins.get(t.info_hash)
            needed = t.info_hash in self._needing and not fresh
        if not origins:
            return False
        buffered = t.scheduler.ahead_seconds()  # the scheduler's lock: not under ours
        if buffered is None:
            return _fetching_alone(t, {ip for ip, _ in origins})
        return needs_origin(buffered, bool(t.scheduler.held), needed,
                            self._config.spare_origin_seconds)

    def _spare(self, spare: bool, torrents: dict[str, Torrent]) -> None:
        """Cap what origin peers send us to a trickle, or lift the cap.

        Sparing also drops the origin connections and dials them again. What they were asked
        before the cap (about a second of their rate) had its bandwidth granted already: it
        kept coming at full rate for up to 2.5 s, and what came later held the next piece of
        the stream for seconds at the trickle (bench/NOTES.md). A fresh connection owes
        nothing; lifting the cap needs no new connection.
        """
        with self._lock:
            if spare == self._sparing:
                return
            self._sparing = spare
            lt.set_class_download_limit(self._session, self._class, TRICKLE if spare else 0)
            origins = dict(self._origins)
        if spare:
            lt.drop_peers(self._session, {ip for o in origins.values() for ip, _ in o})
            for info_hash, addresses in origins.items():
                t = torrents.get(info_hash)
                if t is not None:
                    t.connect(addresses)


def _fetching_alone(t: Torrent, origin_ips: set[str]) -> bool:
    """Nobody watches it, it still downloads, and no other peer has more than we do."""
    s = t.handle.status()
    if s.is_finished or s.paused:
        return False
    return not any(p.ip[0] not in origin_ips
                   and (p.flags & lt.PEER_SEED or p.num_pieces > s.num_pieces)
                   for p in t.handle.get_peer_info())
