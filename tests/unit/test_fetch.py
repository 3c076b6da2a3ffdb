"""fetch.py against a hostile HTTP server on 127.0.0.1: every broken or slow answer is a
FetchFailed or TooLarge with a one-line reason, within the deadline; bad URLs never connect."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import HostileServer

from swarmplayer.errors import BadInput, FetchFailed, TooLarge
from swarmplayer.fetch import check_url, fetch

TORRENT = b"d4:infod4:name4:film6:lengthi1eee"


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer(TORRENT)
    yield server
    server.close()


@pytest.mark.parametrize("url, normalised", [
    ("http://example.com/a.torrent", "http://example.com/a.torrent"),
    ("HTTP://Example.COM/a.torrent", "http://example.com/a.torrent"),
    ("HtTpS://example.com:8443/x?y=1#frag", "https://example.com:8443/x?y=1"),
    ("http://[::1]:8080/a", "http://[::1]:8080/a"),
    ("http://[0:0::1]/a", "http://[::1]/a"),
    ("http://example.com", "http://example.com/"),
    ("http://example.com:/a", "http://example.com/a"),
    ("http://example.com/ü?q=é", "http://example.com/%C3%BC?q=%C3%A9"),
    ("http://bücher.de/", "http://xn--bcher-kva.de/"),
    ("http://1.2.3.4:65535/", "http://1.2.3.4:65535/"),
])
def test_good_urls_are_normalised(url: str, normalised: str) -> None:
    assert check_url(url) == normalised


@pytest.mark.parametrize("url", [
    "", "http://", "http:///a", "https://:80/", "ftp://example.com/a", "javascript:alert(1)",
    "data:text/plain,x", "file:///etc/passwd", "example.com/a.torrent",
    "http://example.com:99999/", "http://example.com:65536/", "http://example.com:0/",
    "http://example.com:-1/", "http://example.com:8o/", "http://example.com:80:80/",
    "http://exa mple.com/", "http://example.com/a b", "http://example.com/\r\nX: y",
    "http://example.com/\t", "http://example.com/\x00", "http://[::1/", "http://[::1]x/",
    "http://[not-v6]/", "http://]::1[/", "http://999.1.1.1/", "http://1.2.3.256/",
    "http://exa<mple.com/", "http://" + "a" * 300 + ".com/",
])
def test_bad_urls_are_refused_before_any_connection(url: str) -> None:
    with pytest.raises(BadInput) as raised:
        check_url(url)
    assert raised.value.code == "invalid_url" and raised.value.status == 400
    assert "\n" not in raised.value.message and len(raised.value.message) < 300


def test_an_out_of_range_port_never_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    """99999 must not quietly become 99999 mod 65536."""
    def no_connection(*args: object, **kwargs: object) -> None:
        raise AssertionError("a connection was tried")
    monkeypatch.setattr(socket, "create_connection", no_connection)
    with pytest.raises(BadInput):
        fetch("http://127.0.0.1:99999/a.torrent", max_bytes=1000)


# oddlength: a Content-Length int() cannot read is no length: the body runs to the close.
@pytest.mark.parametrize("route", ["ok", "gzip", "deflate", "chain/5", "oddlength"])
def test_good_answers_come_back_decoded(hostile: HostileServer, route: str) -> None:
    got = fetch(f"{hostile.url}/{route}", max_bytes=len(TORRENT))
    assert got.body == TORRENT and got.status == 200 and not got.not_modified
    assert got.url == f"{hostile.url}/{'chain/0' if route == 'chain/5' else route}"


@pytest.mark.parametrize("route, reason", [
    ("garbage", "HTTP status line"),
    ("close", "without answering"),
    ("badchunk", "truncated"),
    ("truncchunk", "truncated"),
    ("trunclen", "truncated"),
    ("headers", "more than 100 headers"),
    ("longline", "over-long header line"),
    ("loop", "loop"),
    ("chain/6", "more than 5 times"),
    ("badredirect", "bad URL"),
    ("status/404", "HTTP 404"),
    ("status/500", "HTTP 500"),
    ("status/999", "HTTP 999"),
    ("br", "unknown encoding"),
    ("truncgzip", "truncated gzip"),
    ("missing", "HTTP 404"),
])
def test_broken_servers_are_fetch_failed(hostile: HostileServer, route: str,
                                         reason: str) -> None:
    with pytest.raises(FetchFailed) as raised:
        fetch(f"{hostile.url}/{route}", max_bytes=1 << 20)
    error = raised.value
    assert error.code == "fetch_failed" and error.status == 502
    assert reason in error.message
    assert "\n" not in error.message and len(error.message) <= 400


@pytest.mark.parametrize("route", ["big/3", "bomb/64", "biglength"])
def test_the_cap_holds_on_decoded_bytes_while_reading(hostile: HostileServer,
                                                      route: str) -> None:
    started = time.monotonic()
    with pytest.raises(TooLarge) as raised:
        fetch(f"{hostile.url}/{route}", max_bytes=1 << 20, deadline=10)
    assert raised.value.code == "too_large" and raised.value.status == 413
    # Refused as soon as the cap is passed, not after reading a GiB (or waiting for it).
    assert time.monotonic() - started < 5


def test_a_bomb_just_under_the_cap_is_fine(hostile: HostileServer) -> None:
    assert fetch(f"{hostile.url}/bomb/1", max_bytes=1 << 20).body == b"\0" * (1 << 20)


@pytest.mark.parametrize("route", ["drip", "dripstatus", "stall"])
def test_a_slow_server_is_cut_at_the_deadline(hostile: HostileServer, route: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchFailed) as raised:
        fetch(f"{hostile.url}/{route}", max_bytes=1 << 20, deadline=1.5, read_timeout=1.0)
    took = time.monotonic() - started
    assert 1.0 <= took < 3.5, took
    assert "in time" in raised.value.message or "deadline" in raised.value.message


def test_nobody_listening_is_fetch_failed() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchFailed) as raised:
        fetch(f"http://127.0.0.1:{port}/a.torrent", max_bytes=1000)
    assert "cannot reach" in raised.value.message


def test_conditional_get(hostile: HostileServer) -> None:
    first = fetch(f"{hostile.url}/conditional", max_bytes=1000, accept="application/rss+xml")
    assert first.status == 200 and first.etag == '"v1"' and first.body == TORRENT
    assert first.content_type == "application/rss+xml"
    again = fetch(f"{hostile.url}/conditional", max_bytes=1000, etag=first.etag)
    assert again.not_modified and again.status == 304 and again.body == b""
    since = fetch(f"{hostile.url}/conditional", max_bytes=1000,
                  last_modified=first.last_modified)
    assert since.not_modified
    changed = fetch(f"{hostile.url}/conditional", max_bytes=1000, etag='"v0"')
    assert changed.status == 200 and changed.body == TORRENT


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made by the openssl command)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command (tools/bootstrap.sh installs it): TLS cases not run")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[HostileServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = HostileServer(TORRENT, tls=context)
    yield server
    server.close()


def test_https_with_an_unknown_certificate_is_fetch_failed(tls_server: HostileServer) -> None:
    with pytest.raises(FetchFailed) as raised:
        fetch(f"{tls_server.url}/ok", max_bytes=1000)
    assert "TLS" in raised.value.message and "\n" not in raised.value.message


def test_https_drip_and_gzip_through_tls(tls_server: HostileServer,
                                         certificate: tuple[Path, Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With the certificate trusted (OpenSSL's SSL_CERT_FILE), the same bounds hold over TLS."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    assert fetch(f"{tls_server.url}/gzip", max_bytes=len(TORRENT)).body == TORRENT
    started = time.monotonic()
    with pytest.raises(FetchFailed):
        fetch(f"{tls_server.url}/drip", max_bytes=1 << 20, deadline=1.5, read_timeout=1.0)
    assert time.monotonic() - started < 3.5
    with pytest.raises(TooLarge):
        fetch(f"{tls_server.url}/bomb/64", max_bytes=1 << 20)
