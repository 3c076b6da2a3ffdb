"""Config → libtorrent settings pack, in one place (pure: a dict, no libtorrent import)."""

from __future__ import annotations

from typing import Any

from ..config import Config

# alert_category bits, the same in 2.0 and 2.1: error | storage | status | file_progress |
# piece_progress: what the engine's handlers listen to, and nothing that floods the queue.
_ALERT_MASK = 0x1 | 0x8 | 0x40 | 0x200000 | 0x400000
# An mmap_file_size_cutoff (in 16 KiB blocks) that no file reaches: 32 TiB.
NEVER_MAP = 2**31 - 1


# Seconds of a peer's recent rate kept requested from it (libtorrent's default is 3).
REQUEST_QUEUE_TIME = 1

# The start of our peer id (Azureus style: client code, version 0.1.0.0), how a SwarmPlayer peer
# knows another in a swarm: libtorrent makes the rest of the id random, and its own default is
# "-LT2...". Ours tick every 20 ms when they cap their upload, where a stock client's rate
# limiter sends once per 500 ms: a seek asks them differently (seeks.short_queues). "SW" is in
# no client table we know of; "SP" (until 2026-12) is BitSpirit's, and other clients listed our
# box under that name.
PEER_FINGERPRINT = "-SW0100-"
# What every version of ours starts its peer id with.
OWN_PEER_ID = PEER_FINGERPRINT[:3].encode()


# libtorrent's tick, in ms: the rate limiter hands out quota once per tick (its default is 500;
# the rest of its upkeep, dialling peers and the deadline pass, runs once a second whatever the
# tick: session_impl::on_tick). A peer that caps its upload sends nothing between ticks, so each
# handshake step and the first blocks it sends wait for one: with the bench's capped seeders at
# 20 ms instead of 100, a viewer's first frame came in 0.34-0.52 s instead of 0.64-0.80 s (three
# media, medians of 5). Uncapped, a longer tick spares a small board's CPU (idle service: 0.2 %
# of a core at 100 ms, 0.35 % at 20 ms on the x86 development machine).
CAPPED_TICK_MS = 20
TICK_MS = 100
# While a seek waits for its piece. Measured in an in-process bench trace (seek of a moov-at-end
# MP4, 4 runs each: 0.51-0.62 s at 100 ms, 0.43-0.51 s at 20 ms), then put down to the deadline
# pass running once per tick; libtorrent's source says it runs once a second whatever the tick
# (bench/NOTES.md, 2026-12-07, fifth session), so what the gain came from is not established.
SEEK_TICK_MS = 20


def seek_settings(config: Config, seeking: bool, short_queues: bool = False) -> dict[str, Any]:
    """What changes while a seek is under way (`seeking`: from its reader's open until it has
    read its first seconds, stream.CATCH_UP_SECONDS), and back.

    `short_queues` (several peers can send the piece, every one of them ours:
    seeks.short_queues): every peer keeps two requests in flight
    meanwhile, libtorrent's minimum, where its queue is otherwise a second of that peer's
    recent rate. A spared origin's recent rate is a trickle's, which gave it room for two
    blocks while the other seeder, its queue just emptied by the seek, took the rest: the
    piece came at the slower seeder's rate. Two each, the blocks go to whoever sends soonest
    (in-process bench trace, MP4 with the moov at the end, six seeks each: median 0.52 -> 0.47
    s; MKV, five each: 1.96 -> 1.50 s). Not from a lone peer: two blocks per round trip is
    slow from a distant one, and there is nothing to split. Not from a stock client either:
    its rate limiter sends once per 500 ms tick, two blocks a tick, 64 KB/s.
    """
    if not seeking:
        return {"tick_interval": tick_interval(config), "request_queue_time": REQUEST_QUEUE_TIME}
    return {"tick_interval": SEEK_TICK_MS,
            "request_queue_time": 0 if short_queues else REQUEST_QUEUE_TIME}


def tick_interval(config: Config) -> int:
    """A short tick when this box caps what it uploads (a publisher's origin, seeding limits)."""
    capped = config.upload_rate_limit or config.seed_upload_rate_limit
    return CAPPED_TICK_MS if capped else TICK_MS


def settings_pack(config: Config) -> dict[str, Any]:
    """The session settings for this config."""
    return {
        "user_agent": "SwarmPlayer/0.1",
        "peer_fingerprint": PEER_FINGERPRINT,
        "listen_interfaces": config.listen_interfaces,
        "enable_dht": config.enable_dht,
        "enable_lsd": config.enable_lsd,
        "enable_upnp": config.enable_upnp,
        "enable_natpmp": config.enable_natpmp,
        "alert_mask": _ALERT_MASK,
        "download_rate_limit": config.download_rate_limit,
        "upload_rate_limit": config.upload_rate_limit,
        "connections_limit": config.connections_limit,
        # Streaming: a short request queue so an urgent piece after a seek does not wait behind
        # seconds of blocks already requested from a slow peer; fetch the first pieces by
        # priority rather than at random.
        "request_queue_time": REQUEST_QUEUE_TIME,
        "tick_interval": tick_interval(config),
        "initial_picker_threshold": 0,
        # Connect out over TCP: the kernel does its work, where uTP costs a small board CPU in
        # user space; peers that prefer uTP can still connect in over it.
        "enable_outgoing_utp": False,
        # Connect out in plaintext (incoming encrypted connections are still accepted): the
        # encryption handshake costs two more round trips before the first request, and on a
        # rate-limited peer each one waits for its next quota tick (bench, faststart, 100 ms
        # ticks: first frame 0.64 -> 0.63 s on loopback; more where a round trip costs more).
        "out_enc_policy": 2,  # pe_disabled
        # Uploading: what libtorrent reads ahead for a peer waits there in line before anything
        # that peer asks for next, at its upload rate: a tenth of a second of it (libtorrent's
        # default is half a second, up to 500 KiB; the bench's capped seeders had a seek's
        # piece queued behind 0.5 s of earlier blocks after they had sent it). At least four
        # blocks, or a just-unchoked peer, with no rate yet, trickles a block per tick.
        "send_buffer_watermark_factor": 10,
        "send_buffer_low_watermark": 64 * 1024,
        # Keep connections to seeds once every wanted piece is in: a stream raises more pieces
        # at any moment (the next episode of a pack), and a dropped seed may not be dialled
        # again for a minute (min_reconnect_time), with no tracker to find another.
        "close_redundant_connections": False,
        # A seeder with libtorrent's defaults drops us while we want nothing (a prefetched
        # head waits for play): when play raises the rest, dial it again within seconds, not a
        # minute later.
        "min_reconnect_time": 2,
        "piece_timeout": 5,
        "peer_timeout": 30,
        "strict_end_game_mode": False,
        # Several peers on one host: loopback swarms, and boxes behind one NAT on a LAN.
        "allow_multiple_connections_per_ip": True,
        "announce_to_all_trackers": True,
        "announce_to_all_tiers": True,
        "auto_manage_startup": 10,
        # Disk I/O with pread/pwrite, not memory-mapped files: libtorrent 2.0 maps every file
        # above this many 16 KiB blocks, and each page of a mapped file the stream wrote or
        # read counts in the service's RSS (a 4 Mbit/s stream peaked at ~100 MB on 2.0.8).
        # The page cache still holds them, for the kernel to drop at will.
        "mmap_file_size_cutoff": NEVER_MAP,
    }
