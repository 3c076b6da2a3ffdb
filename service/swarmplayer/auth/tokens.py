"""Per-device bearer tokens (kept as hashes in SQLite) and signed, short-lived stream links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from ..errors import BadInput, NotFound
from ..store import Store
from ..units import whole_number

MAX_NAME = 64


@dataclass(frozen=True)
class Device:
    id: int
    name: str
    created_at: float
    last_seen_at: float | None


def _hash(token: str) -> str:
    # Tokens are 256 random bits: a plain SHA-256 cannot be brute-forced, so no slow KDF needed
    # (one runs on every request).
    return hashlib.sha256(token.encode()).hexdigest()


def clean_name(name: object) -> str:
    """A device name as a user gave it, checked: printable text of 1–64 characters."""
    if not isinstance(name, str) or not name.strip():
        raise BadInput("a device name is a non-empty text", code="invalid_field")
    name = " ".join(name.split())
    if len(name) > MAX_NAME or not name.isprintable():
        raise BadInput(f"a device name is at most {MAX_NAME} printable characters",
                       code="invalid_field")
    return name


class Devices:
    """The paired devices, in the service's store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, name: str) -> tuple[Device, str]:
        """A new device and its token (the only time the token is seen in clear)."""
        name = clean_name(name)
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self._store.tx() as db:
            cursor = db.execute("INSERT INTO devices (name, token_hash, created_at) "
                                "VALUES (?, ?, ?)", (name, _hash(token), now))
        return Device(int(cursor.lastrowid or 0), name, now, None), token

    def check(self, token: str) -> Device | None:
        """The device holding `token`, or None; notes when it was last seen."""
        digest = _hash(token)
        with self._store.read() as db:
            row = db.execute("SELECT * FROM devices WHERE token_hash = ?", (digest,)).fetchone()
        if row is None:
            return None
        now = time.time()
        # One write a minute at most per device: an SD card should not log every request.
        if row["last_seen_at"] is None or now - row["last_seen_at"] > 60:
            with self._store.tx() as db:
                db.execute("UPDATE devices SET last_seen_at = ? WHERE id = ?", (now, row["id"]))
        return Device(row["id"], row["name"], row["created_at"], now)

    def list(self) -> list[Device]:
        with self._store.read() as db:
            rows = db.execute("SELECT id, name, created_at, last_seen_at FROM devices "
                              "ORDER BY id").fetchall()
        return [Device(**dict(r)) for r in rows]

    def revoke(self, device_id: int) -> None:
        with self._store.tx() as db:
            gone = db.execute("DELETE FROM devices WHERE id = ?", (device_id,)).rowcount
        if not gone:
            raise NotFound(f"no paired device {device_id}")


class StreamSigner:
    """Signs stream links for one torrent, for players that cannot send an Authorization
    header. The key lives in memory only: a restart voids every link, and clients get fresh
    ones from the API, which they need to reach anyway."""

    def __init__(self, lifetime: float, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)
        self._lifetime = lifetime

    def _sign(self, info_hash: str, expires: int) -> str:
        mac = hmac.new(self._key, f"stream:{info_hash.lower()}:{expires}".encode(), "sha256")
        return base64.urlsafe_b64encode(mac.digest()[:18]).decode()

    def token(self, info_hash: str) -> str:
        expires = int(time.time() + self._lifetime)
        return f"{expires}.{self._sign(info_hash, expires)}"

    def valid(self, info_hash: str, token: str) -> bool:
        expires_text, _, signature = token.partition(".")
        expires = whole_number(expires_text) if expires_text == expires_text.strip() else None
        if expires is None or expires < time.time():
            return False
        return hmac.compare_digest(signature, self._sign(info_hash, expires))
