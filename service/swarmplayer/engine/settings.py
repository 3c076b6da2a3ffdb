"""Config → libtorrent settings pack, in one place (pure: a dict, no libtorrent import)."""

from __future__ import annotations

from typing import Any

from ..config import Config

# alert_category bits, the same in 2.0 and 2.1: error | storage | status | file_progress |
# piece_progress: what the engine's handlers listen to, and nothing that floods the queue.
_ALERT_MASK = 0x1 | 0x8 | 0x40 | 0x200000 | 0x400000


def settings_pack(config: Config) -> dict[str, Any]:
    """The session settings for this config."""
    return {
        "user_agent": "SwarmPlayer/0.1",
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
        "request_queue_time": 1,
        # A 100 ms tick instead of 500: the rate limiter hands out quota and new connections
        # start each tick, and on a rate-limited seeder every handshake round trip waits for
        # one; this took a second off the time to first frame in the demo swarm.
        "tick_interval": 100,
        "initial_picker_threshold": 0,
        # Connect out over TCP: the kernel does its work, where uTP costs a small board CPU in
        # user space; peers that prefer uTP can still connect in over it.
        "enable_outgoing_utp": False,
        # Uploading: a peer we have just unchoked has no upload rate yet, and libtorrent then
        # reads one block at a time for it (the low watermark), one per rate-limiter tick: a
        # second of trickle before a viewer of ours serves another at speed. A piece's worth.
        "send_buffer_low_watermark": 256 * 1024,
        "piece_timeout": 5,
        "peer_timeout": 30,
        "strict_end_game_mode": False,
        # Several peers on one host: loopback swarms, and boxes behind one NAT on a LAN.
        "allow_multiple_connections_per_ip": True,
        "announce_to_all_trackers": True,
        "announce_to_all_tiers": True,
        "auto_manage_startup": 10,
    }
