"""Peer addresses: "host:port" parsing and formatting, and how hosts resolve."""

from __future__ import annotations

import socket

import pytest

from swarmplayer import addresses
from swarmplayer.errors import BadInput


@pytest.mark.parametrize(("text", "expected"), [
    ("127.0.0.1:6881", ("127.0.0.1", 6881)),
    ("[::1]:6881", ("::1", 6881)),
    (" box.local:1 ", ("box.local", 1)),
])
def test_peer_address(text: str, expected: tuple[str, int]):
    assert addresses.peer_address(text) == expected


@pytest.mark.parametrize("text", ["", "host", "host:", ":6881", "h:0", "h:65536", "h:x1", "[]:1",
                                  "h:\u00b2", "h:\u0663", "h: 1"])
def test_peer_address_refuses(text: str):
    with pytest.raises(BadInput) as refused:
        addresses.peer_address(text)
    assert refused.value.code == "invalid_peer"


@pytest.mark.parametrize(("host", "port", "text"), [
    ("127.0.0.1", 1, "127.0.0.1:1"), ("::1", 2, "[::1]:2"),
])
def test_host_port(host: str, port: int, text: str):
    assert addresses.host_port(host, port) == text
    assert addresses.peer_address(text) == (host, port)


@pytest.mark.parametrize(("host", "ip"), [
    ("127.0.0.2", "127.0.0.2"), ("::1", "::1"), ("0:0:0:0:0:0:0:1", "::1"),
])
def test_resolve(host: str, ip: str):
    assert addresses.resolve(host) == ip


def test_a_host_name_resolves_through_the_system():
    assert addresses.resolve("localhost") in ("127.0.0.1", "::1")  # /etc/hosts, no DNS


def test_a_host_that_does_not_resolve_is_logged_and_skipped(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture):
    # No DNS here: the resolver's failure is what a dead name server gives.
    def fail(*_args: object, **_kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert addresses.resolve("origin.example") is None
    assert "origin.example" in caplog.text
