"""Resume files: written atomically, crash leftovers cleaned, unreadable ones skipped."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from swarmplayer.engine.resume import ResumeStore

IH = "d" * 40


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_save_writes_the_file_and_leaves_no_tmp(tmp_path: Path):
    store = ResumeStore(tmp_path / "resume")  # the folder is made for us
    store.save(IH, b"d4:datai1ee")
    assert store.path(IH).read_bytes() == b"d4:datai1ee"
    store.save(IH, b"d4:datai2ee")
    assert store.path(IH).read_bytes() == b"d4:datai2ee"
    assert listing(tmp_path / "resume") == [f"{IH}.resume"]


def test_a_failed_save_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    store = ResumeStore(tmp_path)
    store.save(IH, b"old")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)  # the edge a test cannot reach for real
    with pytest.raises(OSError):
        store.save(IH, b"new and longer")
    monkeypatch.undo()
    assert store.path(IH).read_bytes() == b"old"
    assert list(store.load_all()) == [(IH, b"old")]
    assert listing(tmp_path) == [f"{IH}.resume"]


def test_load_all_cleans_crash_leftovers(tmp_path: Path):
    store = ResumeStore(tmp_path)
    store.save(IH, b"complete")
    (tmp_path / f"{IH}.resume.tmp").write_bytes(b"half of a ne")
    (tmp_path / f"{'e' * 40}.resume.tmp").write_bytes(b"never finished")
    assert list(store.load_all()) == [(IH, b"complete")]
    assert listing(tmp_path) == [f"{IH}.resume"]


def test_load_all_lists_every_torrent_and_ignores_other_files(tmp_path: Path):
    store = ResumeStore(tmp_path)
    store.save("b" * 40, b"two")
    store.save("a" * 40, b"one")
    (tmp_path / "notes.txt").write_text("not a resume file")
    (tmp_path / f"{'c' * 40}.bad").write_bytes(b"set aside earlier")
    assert list(store.load_all()) == [("a" * 40, b"one"), ("b" * 40, b"two")]


def test_remove(tmp_path: Path):
    store = ResumeStore(tmp_path)
    store.save(IH, b"x")
    store.remove(IH)
    store.remove(IH)  # twice is fine
    assert list(store.load_all()) == []
