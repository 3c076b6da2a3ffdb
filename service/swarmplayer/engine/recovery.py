"""Bringing a torrent back at start from what is left of its state, losing nothing.

A finished download is the user's property: an unreadable resume file (an SD card after a power
cut) must not cost it. The first of these that reads wins: the resume file, its backup, the
metainfo kept beside them (the data on disk is then re-checked), the magnet link the user gave.
When none does, the torrent is reported broken and its folder and store row are kept.
"""

from __future__ import annotations

import logging
from typing import Any

from . import lt
from .resume import ResumeStore

log = logging.getLogger(__name__)

BROKEN_WHY = "its resume data and metainfo are unreadable: add it again to repair it"


def recover(resume: ResumeStore, info_hash: str, source: str | None, unclean: bool) -> Any:
    """add_torrent_params for the torrent, or None when nothing of its state reads.

    `source`: what the user added it from (the store row), `unclean`: the last run did not stop
    cleanly, so the resume data may be older than the data on disk.
    """
    for number, (path, data) in enumerate(resume.versions(info_hash)):
        try:
            params = lt.read_resume(data)
        except lt.TorrentError as exc:
            log.error("cannot use resume file %s: %s", path.name, exc)
            if number == 0:
                resume.set_aside(info_hash)
            continue
        if unclean and params.ti is not None and not all(params.have_pieces):
            # Without a piece list libtorrent checks the files it finds. (force_recheck() after
            # adding is silently ignored while it is still checking resume data.)
            params.have_pieces = []
            params.verified_pieces = []
        if number:
            log.warning("%s: back from the backup of its resume file", info_hash)
        return params
    metainfo = resume.metainfo(info_hash)
    if metainfo is not None:
        try:
            params = lt.AddTorrentParams()
            params.ti = lt.torrent_info(metainfo)  # no piece list: the data is re-checked
            log.warning("%s: no usable resume data, re-checking its data", info_hash)
            return params
        except lt.TorrentError as exc:
            log.error("cannot use the metainfo of %s: %s", info_hash, exc)
    if source is not None and source.startswith("magnet:"):
        try:
            return lt.parse_magnet(source)
        except lt.TorrentError as exc:
            log.error("cannot use the magnet link of %s: %s", info_hash, exc)
    log.error("%s is broken: %s (its data is kept)", info_hash, BROKEN_WHY)
    return None
