"""`swarmplayer pair` and `swarmplayer devices`: pairing from a terminal on the box."""

from __future__ import annotations

import datetime
import sys
from typing import TextIO

import segno

from .playback import ApiClient


def _when(t: float | None) -> str:
    return datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else "never"


def pair(api: ApiClient, out: TextIO = sys.stdout) -> None:
    """Show a new pairing code, its link and the link as a QR code drawn in text."""
    answer = api.call("POST", "/api/v1/pairing/codes")
    out.write(f"Pairing code: {answer['code']} (valid 5 minutes, works once)\n")
    out.write(f"On the phone open {answer['url']}\nor scan:\n")
    segno.make(answer["url"], error="m").terminal(out=out, compact=True)


def devices(api: ApiClient, revoke: int | None, out: TextIO = sys.stdout) -> None:
    """List the paired devices, or revoke one."""
    if revoke is not None:
        api.call("DELETE", f"/api/v1/devices/{revoke}")
        out.write(f"device {revoke} revoked\n")
        return
    found = api.call("GET", "/api/v1/devices?limit=200")["devices"]
    if not found:
        out.write("no paired devices\n")
    for d in found:
        out.write(f"{d['id']:>4}  {d['name']:<32}  paired {_when(d['created_at'])}  "
                  f"last seen {_when(d['last_seen_at'])}\n")
