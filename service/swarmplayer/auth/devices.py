"""Paired devices and their bearer tokens, kept in SQLite as hashes only.

A token is 32 random bytes shown once, to the device that paired; the database holds its
SHA-256, so a copied database opens nothing. (A slow hash buys nothing for a random 256-bit
secret: there is no dictionary to try.)
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from ..store import Store

# last_seen_at is written at most this often per device: not one SQLite write per request.
SEEN_EVERY = 60.0
NAME_MAX = 64


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    created_at: float
    last_seen_at: float | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Devices:
    def __init__(self, store: Store) -> None:
        self._store = store

    def pair(self, name: str) -> tuple[Device, str]:
        """A new device named `name`, and its token (shown this once, never stored)."""
        token = secrets.token_urlsafe(32)
        device = Device(secrets.token_hex(8), name.strip()[:NAME_MAX] or "device", time.time(),
                        None)
        with self._store.tx() as db:
            db.execute("INSERT INTO devices (id, name, token_hash, created_at) "
                       "VALUES (?, ?, ?, ?)",
                       (device.id, device.name, _hash(token), device.created_at))
        return device, token

    def check(self, token: str) -> Device | None:
        """The device a token belongs to; None for an unknown or revoked one."""
        with self._store.read() as db:
            row = db.execute("SELECT id, name, created_at, last_seen_at FROM devices "
                             "WHERE token_hash = ?", (_hash(token),)).fetchone()
        if row is None:
            return None
        device = Device(*row)
        now = time.time()
        if device.last_seen_at is None or now - device.last_seen_at > SEEN_EVERY:
            with self._store.tx() as db:
                db.execute("UPDATE devices SET last_seen_at = ? WHERE id = ?", (now, device.id))
        return device

    def list(self) -> list[Device]:
        with self._store.read() as db:
            rows = db.execute("SELECT id, name, created_at, last_seen_at FROM devices "
                              "ORDER BY created_at").fetchall()
        return [Device(*r) for r in rows]

    def revoke(self, device_id: str) -> bool:
        """Forget a device: its token opens nothing from now on. False when there was none."""
        with self._store.tx() as db:
            return db.execute("DELETE FROM devices WHERE id = ?", (device_id,)).rowcount > 0


def box_identity(store: Store) -> tuple[str, bytes]:
    """The box's stable id (made once; survives restarts and address changes) and its secret
    for signing stream links."""
    with store.tx() as db:
        row = db.execute("SELECT id, secret FROM box").fetchone()
        if row is None:
            row = (secrets.token_hex(8), secrets.token_bytes(32))
            db.execute("INSERT INTO box (id, secret) VALUES (?, ?)", row)
    return str(row[0]), bytes(row[1])
