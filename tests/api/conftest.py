"""The API contract through werkzeug's test client: a real engine, store and janitor behind
create_app, no HTTP server (the real-server tests are in tests/integration)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.test import Client

from swarmplayer.api import create_app
from swarmplayer.cache.janitor import Janitor
from swarmplayer.config import Config
from swarmplayer.engine import lt
from swarmplayer.engine.engine import Engine
from swarmplayer.store import Store


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    store = Store(tmp_path / "data" / "state.sqlite3")
    engine = Engine(Config.for_tests(tmp_path / "data"), store)
    engine.start()
    engine.session.pause()  # nothing leaves: the contract, not the swarm
    yield engine
    engine.stop()
    store.close()


@pytest.fixture
def client(engine: Engine) -> Client:
    janitor = Janitor(engine.config, engine, engine.store)
    return create_app(engine, engine.config, janitor=janitor).test_client()


@pytest.fixture
def torrent(tmp_path: Path) -> bytes:
    """A real .torrent of a little 'movie' with a subtitle beside it."""
    folder = tmp_path / "media" / "pack"
    folder.mkdir(parents=True)
    (folder / "movie.mp4").write_bytes(os.urandom(200_000))
    (folder / "movie.srt").write_bytes(b"1\n00:00:01,000 --> 00:00:02,000\nhello\n")
    return lt.bencode(lt.make_torrent(str(folder), piece_size=16384))
