"""What a published folder holds: its videos (name → stat) and what is left out, and why."""

from __future__ import annotations

import os
from pathlib import Path

from ..engine import media
from ..errors import BadInput, Forbidden, shown

SKIPPED_SHOWN = 50


def videos_in(folder: Path) -> tuple[dict[str, os.stat_result], list[dict[str, str]]]:
    """The regular video files directly in `folder`, and the other entries with why they are
    left out. Hidden files (a copy tool's temporary file) are passed over in silence; links
    are not followed (a folder must not publish what lies outside it). OSError when the
    folder cannot be read."""
    videos: dict[str, os.stat_result] = {}
    skipped: list[dict[str, str]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            why = None
            try:
                if not _utf8(entry.name):
                    why = "its name is not UTF-8 text: rename it"
                elif entry.is_symlink():
                    why = "a link (links are not followed)"
                elif entry.is_dir(follow_symlinks=False):
                    why = "a folder (only the videos directly in the folder are published)"
                elif not entry.is_file(follow_symlinks=False):
                    why = "not a regular file"
                elif not media.is_video(entry.name):
                    why = "not a video"
                else:
                    videos[entry.name] = entry.stat(follow_symlinks=False)
            except OSError as exc:
                why = f"cannot be read ({exc.strerror or exc})"
            if why is not None:
                shown_name = os.fsencode(entry.name).decode("utf-8", "replace")
                skipped.append({"name": shown_name, "why": why})
    skipped.sort(key=lambda s: s["name"])
    return videos, skipped[:SKIPPED_SHOWN]


def _utf8(name: str) -> bool:
    """False for a name os.fsdecode() could only keep with surrogates (bytes that are not
    UTF-8): no database, feed or torrent can carry it as text."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def folder_path(text: str, allowed: tuple[Path, ...] | None) -> Path:
    """The resolved folder a user asked to publish; BadInput when it is not a readable folder,
    Forbidden when outside `allowed` (None: anywhere, for the box's own user)."""
    path = Path(text)
    if not path.is_absolute():
        raise BadInput(f"give the folder's absolute path, not {shown(text)}")
    try:
        path = path.resolve()
    except (OSError, RuntimeError, ValueError):
        raise BadInput(f"not a folder path: {shown(text)}") from None
    if allowed is not None and not any(path.is_relative_to(a) for a in allowed):
        # The same answer whether it exists or not: a LAN client learns nothing of the box.
        raise Forbidden("from another machine, only folders inside the service's "
                        "allowed_paths can be published", code="path_not_allowed")
    if not path.exists():
        raise BadInput(f"no such folder: {shown(path)}", code="not_found")
    if not path.is_dir():
        raise BadInput(f"not a folder: {shown(path)}", code="not_a_folder")
    try:
        with os.scandir(path):
            pass
    except OSError as exc:
        raise BadInput(f"cannot read the folder {shown(path)}: {exc.strerror or exc}",
                       code="not_a_folder") from None
    return path
