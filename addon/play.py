"""Playing: ask the service to prefetch, show its progress until the stream is ready, hand Kodi
the stream URL (or a clear "no" when cancelled or the swarm is dead)."""

from __future__ import annotations

import time
from typing import Any

from addon import kodiutils, listing, text
from addon.client import Client, ClientError

POLL_S = 0.5


class NotReady(Exception):
    """The stream will not be ready: cancelled, failed or dead; the message says which."""


def wait_ready(client: Client, torrent: dict[str, Any], title: str, dead_after: float
               ) -> dict[str, Any]:
    """Poll the torrent until its prefetch is ready; the dialog shows percent and rate.

    dead_after: seconds without a byte and without a peer before the swarm counts as dead.
    """
    ih = torrent["info_hash"]
    progress = kodiutils.Progress(title, kodiutils.tr(text.PREPARING))
    monitor = kodiutils.Monitor()
    try:
        last_done, last_change = -1, time.monotonic()
        while True:
            percent, state, detail = listing.prefetch_view(torrent)
            if state == "ready":
                return torrent
            if state == "failed":
                error = (torrent.get("prefetch") or {}).get("error") or ""
                raise NotReady(f"{kodiutils.tr(text.DEAD_SWARM)} {error}".strip())
            done = (torrent.get("prefetch") or {}).get("done") or torrent.get("total_done") or 0
            if done != last_done or torrent.get("peers"):
                last_done, last_change = done, time.monotonic()
            elif time.monotonic() - last_change > dead_after:
                raise NotReady(kodiutils.tr(text.DEAD_SWARM))
            line = kodiutils.tr(text.PREFETCH_PROGRESS).format(detail) if torrent.get("peers") \
                else kodiutils.tr(text.WAITING_FOR_PEERS)
            progress.update(percent, line)
            if progress.cancelled() or monitor.wait(POLL_S) or progress.cancelled():
                raise NotReady(kodiutils.tr(text.CANCELLED))
            torrent = client.torrent(ih)
    finally:
        progress.close()


def start_prefetch(client: Client, info_hash: str, file_index: int | None) -> dict[str, Any]:
    """POST …/prefetch; a service from before prefetch existed (404/405) gets a plain status."""
    try:
        return client.prefetch(info_hash, file_index)
    except ClientError as error:
        if error.status in (404, 405) and error.code != "unknown_torrent":
            return client.torrent(info_hash)
        raise


def stream_of(torrent: dict[str, Any], file_index: int) -> str | None:
    for entry in torrent.get("files") or []:
        if entry.get("index") == file_index:
            return entry.get("stream_url")
    return None


def resolve_stream(handle: int, url: str, path: str, subtitles: list[str],
                   playing: dict[str, Any]) -> None:
    """Tell the service part what plays (for its progress reports and the resume seek)."""
    kodiutils.set_shared("playing", dict(playing, url=url))
    kodiutils.resolve(handle, url, listing.mime_type(path), subtitles)


def refuse(handle: int, message: str) -> None:
    kodiutils.log(f"not playing: {message}")
    kodiutils.notify(message, error=True)
    kodiutils.resolve(handle, None)
