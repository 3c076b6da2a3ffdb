"""The policy that spares a torrent's origin peers, and how their hosts resolve."""

from __future__ import annotations

import socket

import pytest

from swarmplayer.engine import origin
from swarmplayer.engine.origin import needs_origin

SPARE_AT = 6.0


@pytest.mark.parametrize(("buffered", "seeking", "needed", "expected"), [
    (None, False, False, False),  # nobody watches: background, judged elsewhere
    (None, True, True, False),
    (30.0, True, False, True),  # a seek waits for its piece: whatever is buffered elsewhere
    (0.0, False, False, True),
    (2.9, False, False, True),  # below half: needed again
    (3.0, False, False, False),  # spared, and it stays spared down to half
    (5.9, False, True, True),  # needed, and it stays needed up to SPARE_AT
    (6.0, False, True, False),
])
def test_needs_origin(buffered: float | None, seeking: bool, needed: bool, expected: bool):
    assert needs_origin(buffered, seeking, needed, SPARE_AT) is expected


@pytest.mark.parametrize(("host", "ip"), [
    ("127.0.0.2", "127.0.0.2"), ("::1", "::1"), ("0:0:0:0:0:0:0:1", "::1"),
])
def test_resolve(host: str, ip: str):
    assert origin.resolve(host) == ip


def test_a_host_name_resolves_through_the_system():
    assert origin.resolve("localhost") in ("127.0.0.1", "::1")  # /etc/hosts, no DNS


def test_a_host_that_does_not_resolve_is_logged_and_skipped(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture):
    # No DNS here: the resolver's failure is what a dead name server gives.
    def fail(*_args: object, **_kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert origin.resolve("origin.example") is None
    assert "origin.example" in caplog.text
