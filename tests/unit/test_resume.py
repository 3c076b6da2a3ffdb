"""Resume files: written atomically with a backup, metainfo kept, crash leftovers cleaned."""

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
    # The one before is the backup.
    assert listing(tmp_path / "resume") == [f"{IH}.resume", f"{IH}.resume.bak"]
    assert [data for _, data in store.versions(IH)] == [b"d4:datai2ee", b"d4:datai1ee"]


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
    assert store.known() == [IH]
    assert [data for _, data in store.versions(IH)] == [b"old"]
    assert listing(tmp_path) == [f"{IH}.resume"]


def test_known_cleans_crash_leftovers(tmp_path: Path):
    store = ResumeStore(tmp_path)
    store.save(IH, b"complete")
    (tmp_path / f"{IH}.resume.tmp").write_bytes(b"half of a ne")
    (tmp_path / f"{'e' * 40}.resume.tmp").write_bytes(b"never finished")
    assert store.known() == [IH]
    assert listing(tmp_path) == [f"{IH}.resume"]


def test_known_lists_every_torrent_and_ignores_other_files(tmp_path: Path):
    store = ResumeStore(tmp_path)
    store.save("b" * 40, b"two")
    store.save("a" * 40, b"one")
    store.save_metainfo("f" * 40, b"d4:infod...ee")  # only its metainfo is left
    (tmp_path / "notes.txt").write_text("not a resume file")
    (tmp_path / f"{'c' * 40}.resume.bad").write_bytes(b"set aside earlier")
    assert store.known() == ["a" * 40, "b" * 40, "f" * 40]


def test_a_crash_after_the_backup_leaves_the_current_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    store = ResumeStore(tmp_path)
    store.save(IH, b"first")
    real_replace = os.replace

    def crash_after_backup(src: str | Path, dst: str | Path) -> None:
        real_replace(src, dst)
        if str(dst).endswith(".bak"):
            raise OSError(errno.EIO, "power cut")

    monkeypatch.setattr(os, "replace", crash_after_backup)
    with pytest.raises(OSError):
        store.save(IH, b"second")
    monkeypatch.undo()
    assert store.known() == [IH]
    assert [data for _, data in store.versions(IH)] == [b"first", b"first"]


def test_set_aside_keeps_the_bad_file_out_of_the_backup(tmp_path: Path):
    store = ResumeStore(tmp_path)
    store.save(IH, b"good")
    store.save(IH, b"garbage")
    store.set_aside(IH)
    store.save(IH, b"newer")  # no current file: the good backup stays
    assert [data for _, data in store.versions(IH)] == [b"newer", b"good"]
    assert (tmp_path / f"{IH}.resume.bad").read_bytes() == b"garbage"


def test_metainfo_is_written_once(tmp_path: Path):
    store = ResumeStore(tmp_path)
    assert store.metainfo(IH) is None
    store.save_metainfo(IH, b"first")
    store.save_metainfo(IH, b"second")
    assert store.metainfo(IH) == b"first"


def test_remove(tmp_path: Path):
    store = ResumeStore(tmp_path)
    store.save(IH, b"x")
    store.save(IH, b"y")
    store.save_metainfo(IH, b"m")
    store.remove(IH)
    store.remove(IH)  # twice is fine
    assert store.known() == []
    assert listing(tmp_path) == []
