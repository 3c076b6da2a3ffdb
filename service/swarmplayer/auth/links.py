"""Signed stream links: players cannot send an Authorization header, so a stream URL handed to
a paired device carries a token of its own that opens that torrent's streams and nothing else,
for a few hours."""

from __future__ import annotations

import hashlib
import hmac
import time

LINK_TTL = 6 * 3600.0  # a long film, paused, then resumed


def sign(secret: bytes, info_hash: str, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + LINK_TTL)
    return f"{expires}.{_mac(secret, info_hash, expires)}"


def valid(secret: bytes, info_hash: str, token: str, now: float | None = None) -> bool:
    expires_text, _, mac = token.partition(".")
    if not expires_text.isdigit():
        return False
    expires = int(expires_text)
    if expires < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(mac, _mac(secret, info_hash.lower(), expires))


def _mac(secret: bytes, info_hash: str, expires: int) -> str:
    return hmac.new(secret, f"{info_hash}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]
