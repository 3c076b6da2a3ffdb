"""Paired devices in a real SQLite store: migrated from today's schema, hashed, revoked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from swarmplayer import migrations
from swarmplayer.auth.tokens import Devices, StreamSigner
from swarmplayer.errors import BadInput, NotFound
from swarmplayer.store import Store


def test_a_version_1_database_gains_devices_and_keeps_its_torrents(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    migrations.migrate(db, migrations.STEPS[:1])
    db.execute("INSERT INTO torrents VALUES ('ab', 'Show', 'magnet:?', 1.0, NULL, NULL)")
    db.close()
    store = Store(path)
    try:
        assert [t.name for t in store.torrents()] == ["Show"]
        devices = Devices(store)
        device, token = devices.add("Phone")
        assert devices.check(token).id == device.id
        assert devices.check(token + "x") is None
        devices.revoke(device.id)
        assert devices.check(token) is None
        with pytest.raises(NotFound):
            devices.revoke(device.id)
        with pytest.raises(BadInput):
            devices.add("x" * 65)
    finally:
        store.close()


def test_stream_links_expire_and_name_one_torrent() -> None:
    signer = StreamSigner(lifetime=60)
    token = signer.token("AB" * 20)
    assert signer.valid("ab" * 20, token)
    assert not signer.valid("cd" * 20, token)
    assert not signer.valid("ab" * 20, "1." + token.split(".")[1])  # expired long ago
    assert not StreamSigner(60).valid("ab" * 20, token)  # another key (a restart)
    assert not signer.valid("ab" * 20, "garbage")
