"""waitress's warning for a body that ended short is a debug line: a player closing early is
normal and must not print into the user's terminal."""

from __future__ import annotations

import logging

import pytest

from swarmplayer import supervisor


def test_too_few_bytes_goes_to_debug_other_warnings_stay(caplog: pytest.LogCaptureFixture):
    waitress = logging.getLogger("waitress")
    waitress.addFilter(supervisor._WAITRESS_FILTER)
    try:
        with caplog.at_level(logging.DEBUG):
            waitress.warning("application returned too few bytes (%s) for specified "
                             "Content-Length (%s) via app_iter", 10, 20)
            waitress.warning("Task queue depth is %d", 5)
    finally:
        waitress.removeFilter(supervisor._WAITRESS_FILTER)
    levels = {(r.name, r.levelno, r.getMessage()) for r in caplog.records}
    assert ("swarmplayer.supervisor", logging.DEBUG, "waitress: application returned too few "
            "bytes (10) for specified Content-Length (20) via app_iter") in levels
    assert ("waitress", logging.WARNING, "Task queue depth is 5") in levels
    assert not any(r.levelno >= logging.WARNING and "too few" in r.getMessage()
                   for r in caplog.records)
