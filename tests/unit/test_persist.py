"""The persistence worker: one named thread, jobs in order, saves coalesced, drained on stop."""

from __future__ import annotations

import threading

import pytest

from swarmplayer.engine.persist import Persister


def test_jobs_run_in_order_on_the_named_thread_and_stop_drains_them():
    written: list[tuple[str, bytes, str]] = []
    gate = threading.Event()
    persister = Persister(lambda ih, data: written.append((ih, data,
                                                           threading.current_thread().name)))
    persister.start()
    persister.submit(lambda: gate.wait(10))  # holds the worker while more is queued
    persister.save_resume("a", b"1")
    persister.save_resume("b", b"1")
    persister.save_resume("a", b"2")  # replaces the save of "a" still queued, keeps its place
    persister.forget("b")  # removed meanwhile: its save must not bring it back
    gate.set()
    persister.stop()
    assert written == [("a", b"2", "swarmplayer-persist")]


def test_call_waits_for_the_result_and_hands_back_an_error():
    persister = Persister(lambda ih, data: None)
    persister.start()
    try:
        assert persister.call(lambda: threading.current_thread().name) == "swarmplayer-persist"
        with pytest.raises(OSError, match="disk full"):
            persister.call(lambda: (_ for _ in ()).throw(OSError("disk full")))
    finally:
        persister.stop()


def test_a_failed_job_does_not_end_the_worker(caplog: pytest.LogCaptureFixture):
    done = threading.Event()
    persister = Persister(lambda ih, data: None)
    persister.start()
    persister.submit(lambda: 1 / 0)
    persister.submit(done.set)
    persister.stop()
    assert done.is_set()
    assert "a state write failed" in caplog.text


def test_before_start_jobs_run_on_the_callers_thread():
    written = []
    persister = Persister(lambda ih, data: written.append(ih))
    persister.save_resume("a", b"x")
    assert written == ["a"]
