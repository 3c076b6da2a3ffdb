"""Who this box is: a stable id made once in the data dir, and its friendly name."""

from __future__ import annotations

import functools
import os
import secrets
import socket
from pathlib import Path

ID_FILE = "box-id"


@functools.cache
def box_id(data_dir: str) -> str:
    """The box's id: 16 hex digits made at first start, kept across restarts and IP changes."""
    path = Path(data_dir) / ID_FILE
    try:
        found = path.read_text(encoding="ascii").strip()
        if len(found) == 16 and all(c in "0123456789abcdef" for c in found):
            return found
    except (OSError, UnicodeDecodeError):
        pass
    made = secrets.token_hex(8)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(made + "\n", encoding="ascii")
    os.replace(partial, path)  # whole or not at all
    return made


def friendly_name(setting: str) -> str:
    """The name phones list: the setting, else the host name."""
    return setting.strip() or socket.gethostname().split(".")[0] or "SwarmPlayer"


def check_friendly_name(text: object) -> None:
    """ValueError unless `text` makes a plain DNS-SD instance name: at most 63 bytes of
    letters, digits, spaces and - _ ' ( ) & +."""
    name = str(text).strip()
    if len(name.encode()) > 63 or not all(c.isalnum() or c in " -_'()&+" for c in name):
        raise ValueError("a friendly name is at most 63 bytes of letters, digits, spaces "
                         "and - _ ' ( ) & +")


def check_discovery_backend(text: object) -> None:
    if str(text).strip() not in ("auto", "avahi", "zeroconf"):
        raise ValueError("discovery_backend is auto, avahi or zeroconf")
