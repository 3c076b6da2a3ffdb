"""The only module that imports libtorrent: version compatibility between 2.0.x and 2.1.x.

Everything else in SwarmPlayer talks to libtorrent through these names, so a difference between
Debian's python3-libtorrent (2.0.8, what 32-bit Raspberry Pi OS gets) and PyPI's wheels (2.1.x)
is handled once, here.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import select
import weakref
from collections.abc import Callable
from typing import Any

try:
    import libtorrent as _lt
except ImportError as exc:  # pragma: no cover - depends on the machine
    raise ImportError(
        "libtorrent is not installed: `pip install libtorrent` (x86_64/aarch64) or "
        "`apt install python3-libtorrent` and a venv with --system-site-packages (32-bit ARM)"
    ) from exc

VERSION: tuple[int, ...] = tuple(int(p) for p in _lt.__version__.split(".")[:3])

TorrentInfo = _lt.torrent_info
AddTorrentParams = _lt.add_torrent_params
Session = _lt.session

# Flags used across the engine, named once.
FLAG_PAUSED = _lt.torrent_flags.paused
FLAG_AUTO_MANAGED = _lt.torrent_flags.auto_managed
FLAG_SEQUENTIAL = _lt.torrent_flags.sequential_download
FLAG_SEED_MODE = _lt.torrent_flags.seed_mode
# Set by libtorrent when a write fails for lack of room: downloading stops, seeding goes on.
FLAG_UPLOAD_MODE = _lt.torrent_flags.upload_mode
DELETE_FILES = _lt.session.delete_files
SAVE_INFO_DICT = _lt.save_resume_flags_t.save_info_dict
SAVE_IF_NEEDED = _lt.save_resume_flags_t.only_if_modified
PEER_SEED = _lt.peer_info.seed
# A connection still being made: no peer id, no bitfield yet.
_PEER_STARTING = _lt.peer_info.connecting | _lt.peer_info.handshake
_CHECKING = (_lt.torrent_status.checking_files, _lt.torrent_status.checking_resume_data)


class TorrentError(ValueError):
    """A torrent, magnet or resume file libtorrent refuses, with its reason in words."""


def bdecode(data: bytes) -> Any:
    """Decode bencoded bytes; raise TorrentError for anything that is not valid bencoding."""
    try:
        value = _lt.bdecode(data)
    except RuntimeError as exc:
        raise TorrentError(f"not valid bencoding: {exc}") from exc
    if value is None:
        raise TorrentError("not valid bencoding")
    return value


def bencode(value: Any) -> bytes:
    """Encode a Python structure (dicts, lists, ints, bytes/str) as bencoding."""
    return bytes(_lt.bencode(value))


def torrent_info(data: bytes) -> TorrentInfo:
    """Parse a .torrent/.tstream file's bytes, raising TorrentError with libtorrent's reason."""
    if not data:
        raise TorrentError("empty torrent file")
    try:
        ti = _lt.torrent_info(data)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise TorrentError(_reason(exc)) from exc
    if VERSION < (2, 1):
        _check_like_2_1(ti, data)
    return ti


def _reason(exc: Exception) -> str:
    # 2.1 appends the error category and value ("… [libtorrent:7]"): words are enough for users.
    return str(exc).rsplit(" [", 1)[0] or "invalid torrent file"


MAX_DUPLICATE_NAMES = 100


def _check_like_2_1(ti: TorrentInfo, data: bytes) -> None:
    """What 2.1 rejects and 2.0.8 lets through: piles of duplicate file names, and v2 piece
    layers that do not hash to their file's root."""
    fs = ti.files()
    counts: dict[str, int] = {}
    for i in range(fs.num_files()):
        # 2.0 renames duplicates to "name.N.ext"; count them under the name they were given.
        stem = re.sub(r"\.\d+(?=\.[^./]*$|$)", "", fs.file_path(i))
        counts[stem] = counts.get(stem, 0) + 1
        if counts[stem] > MAX_DUPLICATE_NAMES:
            raise TorrentError("too many duplicate filenames")
    meta = _lt.bdecode(data)
    layers = meta.get(b"piece layers") if isinstance(meta, dict) else None
    if isinstance(layers, dict) and layers:
        roots = {fs.root(i).to_bytes() for i in range(fs.num_files())}
        for root, layer in layers.items():
            root, layer = bytes(root), bytes(layer)
            if root not in roots or not _layer_matches(layer, root, ti.piece_length()):
                raise TorrentError("a piece layer is invalid")


def _layer_matches(layer: bytes, root: bytes, piece_length: int) -> bool:
    """True when a v2 piece layer's merkle tree, padded as BEP 52 says, has `root` at the top."""
    if not layer or len(layer) % 32:
        return False
    nodes = [layer[i:i + 32] for i in range(0, len(layer), 32)]
    pad = bytes(32)  # a zero leaf hash, then hashed up to one piece's height
    for _ in range(max(piece_length // 16384, 1).bit_length() - 1):
        pad = hashlib.sha256(pad + pad).digest()
    while len(nodes) > 1 or len(nodes) & (len(nodes) - 1):
        if len(nodes) % 2:
            nodes.append(pad)
        nodes = [hashlib.sha256(nodes[i] + nodes[i + 1]).digest() for i in range(0, len(nodes), 2)]
        pad = hashlib.sha256(pad + pad).digest()
    return nodes[0] == root


def parse_magnet(uri: str) -> AddTorrentParams:
    """Parse a magnet URI into add_torrent_params, raising TorrentError when it is not valid."""
    if not uri.startswith("magnet:?"):
        raise TorrentError("a magnet link starts with 'magnet:?'")
    try:
        params = _lt.parse_magnet_uri(uri)
    except (RuntimeError, ValueError) as exc:
        raise TorrentError(f"invalid magnet link: {exc}") from exc
    if not has_hash(params.info_hashes):
        raise TorrentError("the magnet link has no valid info-hash (xt=urn:btih:… or urn:btmh:…)")
    return params


def has_hash(hashes: Any) -> bool:
    """True when an info_hash_t carries a v1 or v2 hash."""
    return bool(hashes.has_v1() or hashes.has_v2())


def hash_hex(hashes: Any) -> str:
    """The info-hash we name a torrent by: v1 (40 hex) when present, else the v2 one (64 hex)."""
    if hashes.has_v1():
        return str(hashes.v1)
    return str(hashes.v2)


def read_resume(data: bytes) -> AddTorrentParams:
    """add_torrent_params from a resume file, raising TorrentError when it is unreadable."""
    try:
        return _lt.read_resume_data(data)
    except (RuntimeError, ValueError) as exc:
        raise TorrentError(f"unreadable resume data: {exc}") from exc


def write_resume(params: AddTorrentParams) -> bytes:
    """Bencoded resume data for a save_resume_data_alert's params."""
    return bytes(_lt.write_resume_data_buf(params))


def metainfo(ti: TorrentInfo) -> bytes:
    """A .torrent holding just this torrent's info dict, byte for byte (so the same info-hash)."""
    return b"d4:info" + bytes(ti.info_section()) + b"e"


def new_session(settings: dict[str, Any]) -> Session:
    """A session with these settings applied from the start (no default listen on 0.0.0.0)."""
    params = _lt.session_params()
    params.settings = settings
    return _lt.session(params)


def wait_for_alert(session: Session, timeout_ms: int) -> bool:
    """Wait until there may be alerts to pop; False after `timeout_ms` without any.

    2.1 answers a bool. 2.0 answers a pointer to the first alert in the queue, which
    libtorrent's network thread can move (the queue grows under a burst of alerts) before the
    binding has wrapped it: a segmentation fault. On 2.0 we wait on the session's alert
    notification, written to a pipe, instead.
    """
    if VERSION >= (2, 1):
        return bool(session.wait_for_alert(timeout_ms))
    pipe = getattr(session, "_swarmplayer_alert_pipe", None)
    if pipe is None:
        pipe = session._swarmplayer_alert_pipe = _AlertPipe(session)
    return pipe.wait(timeout_ms / 1000)


class _AlertPipe:
    """A pipe libtorrent writes a byte to whenever its alert queue stops being empty (also at
    once when alerts are already waiting). Every waiter pops all alerts after a wake-up, so no
    wake-up is lost."""

    def __init__(self, session: Session) -> None:
        self._read, write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(write, False)
        # A libtorrent object's finalizers run after its C++ side is destroyed: libtorrent
        # never writes to a closed (or reused) descriptor. Not at exit, for the same reason.
        weakref.finalize(session, _close_all, self._read, write).atexit = False
        session.set_alert_fd(write)

    def wait(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._read], [], [], timeout)
        if ready:
            with contextlib.suppress(BlockingIOError):
                while os.read(self._read, 4096):
                    pass
        return bool(ready)


def _close_all(*fds: int) -> None:
    for fd in fds:
        os.close(fd)


def sender_ids(handle: Any) -> list[bytes]:
    """The peer ids of a torrent's connected peers that have pieces to send us (seeds, or
    any piece)."""
    return [p.pid.to_bytes() for p in handle.get_peer_info()
            if not p.flags & _PEER_STARTING and (p.flags & PEER_SEED or p.num_pieces)]


def is_checking(status: Any) -> bool:
    """True while a torrent checks its resume data or its files (it wants no peers then)."""
    return status.state in _CHECKING


def dial_now(handle: Any) -> None:
    """Dial the peers given to a torrent (connect_peer) now, not at libtorrent's next upkeep.

    libtorrent starts new connections in its once-a-second session tick, and at once only in
    a torrent's "connect boost" (torrent.cpp do_connect_boost): on a tracker or DHT reply and
    when it resumes. A pause and resume makes that boost: dialled 5-22 ms after the add, where
    connect_peer alone waited 0.1-1.0 s (a session up 2 s, 5 adds each, 2.0.8 and 2.1.1).
    The pause closes the torrent's connections, and a torrent still checking wants no peers
    (the boost then does nothing): call it on a checked torrent with no connections.
    """
    handle.pause()
    handle.resume()


def is_disk_full(error: Any) -> bool:
    """True when a libtorrent error_code (e.g. a file_error_alert's) says the disk is full."""
    return error.value() == errno.ENOSPC and error.category().name() in ("system", "generic")


def alert_name(alert: Any) -> str:
    """The alert's type name, e.g. 'piece_finished_alert' (the key handlers register under)."""
    return type(alert).__name__


def make_torrent(
    path: str,
    *,
    piece_size: int = 0,
    trackers: list[str] | tuple[str, ...] = (),
    web_seeds: list[str] | tuple[str, ...] = (),
    comment: str = "",
    v1_only: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> dict[Any, Any]:
    """Hash a file or folder into a torrent dict (bdecoded form) that callers may extend.

    v1-only by default: libtorrent makes hybrid v1+v2 torrents otherwise, and many clients and
    trackers still speak only v1. `progress(pieces hashed, pieces)` is called per piece; an
    exception it raises ends the hashing (and comes out of here).
    """
    path = os.path.abspath(path)
    flags = _lt.create_torrent.v1_only if v1_only else 0
    if hasattr(_lt, "list_files"):  # 2.1: file_storage-based construction is deprecated
        files = _lt.list_files(path)
        if not files:
            raise TorrentError(f"nothing to put in a torrent at {path}")
        ct = _lt.create_torrent(files, piece_size, flags=flags)
    else:
        fs = _lt.file_storage()
        _lt.add_files(fs, path)
        if fs.num_files() == 0:
            raise TorrentError(f"nothing to put in a torrent at {path}")
        ct = _lt.create_torrent(fs, piece_size, flags=flags)
    for tier, url in enumerate(trackers):
        ct.add_tracker(url, tier)
    for url in web_seeds:
        ct.add_url_seed(url)
    if comment:
        ct.set_comment(comment)
    ct.set_creator("SwarmPlayer")
    try:
        if progress is None:
            _lt.set_piece_hashes(ct, os.path.dirname(path))
        else:
            pieces = ct.num_pieces()
            _lt.set_piece_hashes(ct, os.path.dirname(path),
                                 lambda piece: progress(piece + 1, pieces))
    except RuntimeError as exc:  # libtorrent's own: a read failed (EACCES, EIO)
        raise TorrentError(_reason(exc)) from None
    return ct.generate()


def file_entries(ti: TorrentInfo) -> list[tuple[int, str, int, int]]:
    """(index, path, size, offset) of each real file; pad files (v2/hybrid alignment) left out."""
    # 2.1 deprecates files() in favour of layout(), which 2.0 does not have.
    fs = ti.layout() if hasattr(ti, "layout") else ti.files()
    pad = _lt.file_storage.flag_pad_file
    return [
        (i, fs.file_path(i), fs.file_size(i), fs.file_offset(i))
        for i in range(fs.num_files())
        if not fs.file_flags(i) & pad
    ]


def file_bytes_on_disk(handle: Any) -> list[int]:
    """Per file, by file index (pad files too): the bytes in verified pieces, what a stream can
    read without waiting."""
    return list(handle.file_progress(_lt.torrent_handle.piece_granularity))


# The addresses libtorrent puts in its local peer class by default (no rate limits there); a
# filter we install replaces libtorrent's, so it says the same for them.
_LOCAL_RANGES = (
    ("10.0.0.0", "10.255.255.255"), ("172.16.0.0", "172.31.255.255"),
    ("192.168.0.0", "192.168.255.255"), ("169.254.0.0", "169.254.255.255"),
    ("127.0.0.0", "127.255.255.255"),
    ("fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    ("fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), ("::1", "::1"),
)


def classify_peers(session: Session, *, local_limited: bool,
                   extra: dict[str, int] | None = None) -> None:
    """Set which peer classes a peer's address puts it in.

    Every address is in the global class. Local ones (127/8, 10/8, …) are in libtorrent's local
    class instead, exempt from rate limits, unless `local_limited`: a loopback test swarm that
    must behave like the internet needs them limited like everyone else. `extra` adds a class to
    single addresses (ip → class id): the origin peers a torrent names.
    """
    every = _lt.ip_filter()
    global_class = 1 << _lt.session.global_peer_class_id
    every.add_rule("0.0.0.0", "255.255.255.255", global_class)
    every.add_rule("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", global_class)
    if not local_limited:
        for first, last in _LOCAL_RANGES:
            every.add_rule(first, last, 1 << _lt.session.local_peer_class_id)
    for ip, peer_class in (extra or {}).items():
        every.add_rule(ip, ip, every.access(ip) | 1 << peer_class)
    session.set_peer_class_filter(every)


_BLOCKED = 1  # ip_filter's "blocked" flag (the binding does not name it)


def drop_peers(session: Session, ips: set[str]) -> None:
    """Close every connection to these addresses and forget them (dial them again to reconnect).

    The Python binding has no way to close one peer's connection: blocking its address in the
    session's IP filter does it, and the filter is cleared at once (the service uses none).
    """
    if not ips:
        return
    blocked = _lt.ip_filter()
    for ip in ips:
        blocked.add_rule(ip, ip, _BLOCKED)
    session.set_ip_filter(blocked)
    session.set_ip_filter(_lt.ip_filter())


def new_peer_class(session: Session, name: str) -> int:
    return int(session.create_peer_class(name))


def set_class_download_limit(session: Session, peer_class: int, rate: int) -> None:
    """Cap what peers of this class send us, in bytes/s (0: no cap)."""
    info = session.get_peer_class(peer_class)
    info["download_limit"] = rate
    session.set_peer_class(peer_class, info)
