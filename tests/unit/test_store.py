"""Service state in SQLite: WAL mode, CRUD, and it survives a reopen."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from swarmplayer.store import Store, TorrentRow

IH = "a" * 40


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "deep" / "state.sqlite3")  # the folder is made for us
    yield s
    s.close()


def test_wal_mode_is_on(tmp_path: Path, store: Store):
    other = sqlite3.connect(tmp_path / "deep" / "state.sqlite3")
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_add_get_list(store: Store):
    assert store.torrent(IH) is None and store.torrents() == []
    store.add_torrent(IH, "Movie", "magnet:?xt=urn:btih:" + IH, bitrate=1234.5)
    row = store.torrent(IH)
    assert isinstance(row, TorrentRow)
    assert (row.info_hash, row.name, row.source, row.bitrate) == (
        IH, "Movie", "magnet:?xt=urn:btih:" + IH, 1234.5)
    assert row.added_at > 0 and row.last_played_at is None
    store.add_torrent("b" * 40, "Second", "/tmp/x.torrent")
    assert [r.info_hash for r in store.torrents()] == [IH, "b" * 40]  # in the order added


def test_adding_again_keeps_the_first_record(store: Store):
    store.add_torrent(IH, "First", "one")
    store.add_torrent(IH, "Second", "two")
    row = store.torrent(IH)
    assert row is not None and (row.name, row.source) == ("First", "one")
    assert len(store.torrents()) == 1


def test_update(store: Store):
    store.add_torrent(IH, "x", "src")
    store.update_torrent(IH, name="Better name", last_played_at=42.0, bitrate=99.0)
    row = store.torrent(IH)
    assert row is not None and (row.name, row.last_played_at, row.bitrate) == (
        "Better name", 42.0, 99.0)


@pytest.mark.parametrize("values", [{}, {"source": "other"}, {"added_at": 1.0},
                                    {"name": "ok", "added_at": 1.0}])
def test_update_refuses_other_columns(store: Store, values: dict[str, object]):
    store.add_torrent(IH, "x", "src")
    with pytest.raises(ValueError):
        store.update_torrent(IH, **values)
    row = store.torrent(IH)
    assert row is not None and (row.name, row.source) == ("x", "src")


def test_remove(store: Store):
    store.add_torrent(IH, "x", "src")
    store.remove_torrent(IH)
    assert store.torrent(IH) is None
    store.remove_torrent(IH)  # removing what is not there is fine


def test_origins_are_kept_with_the_torrent_and_go_with_it(store: Store):
    store.add_torrent(IH, "x", "src", origins=["127.0.0.2:6881", "10.0.0.1:1"])
    store.add_torrent(IH, "x", "src", origins=["127.0.0.2:6881"])  # adding again: no duplicate
    assert store.origins(IH) == ["10.0.0.1:1", "127.0.0.2:6881"]
    assert store.origins("b" * 40) == []
    store.remove_torrent(IH)
    assert store.origins(IH) == []


def test_state_survives_a_reopen(tmp_path: Path):
    path = tmp_path / "state.sqlite3"
    first = Store(path)
    first.add_torrent(IH, "Kept", "src", bitrate=5.0)
    first.close()
    second = Store(path)
    try:
        row = second.torrent(IH)
        assert row is not None and row.name == "Kept" and row.bitrate == 5.0
    finally:
        second.close()


def test_a_failed_transaction_leaves_nothing(store: Store):
    store.add_torrent(IH, "x", "src")
    with pytest.raises(sqlite3.Error):
        store.update_torrent(IH, name=None)  # NOT NULL
    row = store.torrent(IH)
    assert row is not None and row.name == "x"
    store.add_torrent("c" * 40, "after", "src")  # the connection is still usable
    assert store.torrent("c" * 40) is not None


def test_many_threads_at_once(store: Store):
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                ih = f"{n:02d}{i:038d}"
                store.add_torrent(ih, f"t{n}-{i}", "src")
                store.update_torrent(ih, last_played_at=float(i))
                assert store.torrent(ih) is not None
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(store.torrents()) == 160
