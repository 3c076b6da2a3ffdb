"""Property tests of the parsers that take text from the LAN: magnet links, Range headers and
peer addresses. Fixed seed and example count, so CI runs the same cases every time."""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from swarmplayer import magnet
from swarmplayer.addresses import host_port, peer_address
from swarmplayer.errors import BadInput
from swarmplayer.ranges import Unsatisfiable, byte_range

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
SCHEMES = ["http", "https", "udp", "wss", "ws", "javascript", "file", "data", "ftp", "HTTP",
           "UDP", "", "magnet", "about"]
KINDS = ["tr", "tr.1", "ws", "as", "xs", "x.pe", "dn", "xt", "so", "TR"]


@st.composite
def links(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(SCHEMES))
    host = draw(st.one_of(st.just(""), st.from_regex(r"[a-z0-9.\-]{1,20}", fullmatch=True)))
    rest = draw(st.text(max_size=20))
    return f"{scheme}://{host}/{rest}" if draw(st.booleans()) else f"{scheme}:{rest}"


@st.composite
def magnets(draw: st.DrawFn) -> str:
    params = draw(st.lists(st.tuples(st.sampled_from(KINDS), st.one_of(links(), st.text())),
                           max_size=8))
    quoted = draw(st.booleans())
    body = "&".join(f"{k}={quote(v, safe='') if quoted else v}" for k, v in params)
    prefix = draw(st.sampled_from(["magnet:?", "MAGNET:?", "Magnet:///?", "magnet:/?"]))
    return prefix + body


@FUZZ
@seed(13)
@given(magnets())
def test_a_sanitised_magnet_keeps_only_usable_links(uri: str) -> None:
    link, warnings = magnet.sanitise(uri)
    assert link.startswith("magnet:?")
    again, none = magnet.sanitise(link)
    assert again == link and none == []  # sanitising is idempotent: nothing left to drop
    kept = [p.partition("=") for p in link[len("magnet:?"):].split("&") if p]
    for key, _, value in kept:
        assert magnet._unusable(key.lower(), unquote(value)) is None
    assert all("\n" not in w and len(w) < 400 for w in warnings)


@FUZZ
@seed(13)
@given(st.text(max_size=200))
def test_magnet_sanitise_never_raises_anything_but_bad_input(text: str) -> None:
    try:
        magnet.sanitise(text)
    except BadInput as exc:
        assert exc.code == "invalid_magnet"


@FUZZ
@seed(13)
@given(st.integers(0, 10**6), st.one_of(st.none(), st.text(max_size=40),
                                         st.from_regex(r"[Bb][Yy][Tt][Ee][Ss]=\d{0,7}-\d{0,7}",
                                                       fullmatch=True)))
def test_a_range_is_inside_the_file_or_refused(size: int, header: str | None) -> None:
    try:
        bounds = byte_range(header, size)
    except Unsatisfiable:
        assert header is not None and header.strip().lower().startswith("bytes")
        return
    if bounds is not None:
        start, stop = bounds
        assert 0 <= start < stop <= size


@FUZZ
@seed(13)
@given(st.integers(1, 10**9), st.integers(0, 10**9), st.integers(0, 10**9))
def test_byte_ranges_against_the_rfc(size: int, a: int, b: int) -> None:
    if a >= size:
        with pytest.raises(Unsatisfiable):
            byte_range(f"bytes={a}-{max(a, b)}", size)
    else:
        assert byte_range(f"bytes={a}-", size) == (a, size)
        if b >= a:
            assert byte_range(f"bytes={a}-{b}", size) == (a, min(b + 1, size))
        else:
            assert byte_range(f"bytes={a}-{b}", size) is None  # invalid: ignored
    if b == 0:
        with pytest.raises(Unsatisfiable):
            byte_range("bytes=-0", size)
    else:
        assert byte_range(f"bytes=-{b}", size) == (max(size - b, 0), size)
    assert byte_range(f"pages={a}-{b}", size) is None


@FUZZ
@seed(13)
@given(st.text(max_size=60))
def test_peer_address_is_a_host_and_port_or_invalid_peer(text: str) -> None:
    try:
        host, port = peer_address(text)
    except BadInput as exc:
        assert exc.code == "invalid_peer" and len(exc.message) < 200
        return
    assert 0 < port < 65536 and host
    assert peer_address(host_port(host, port)) == (host, port)  # formats back to itself


@FUZZ
@seed(13)
@given(st.one_of(st.ip_addresses().map(str),
                 st.from_regex(r"[a-z][a-z0-9\-]{0,20}(\.[a-z][a-z0-9\-]{0,20}){0,3}",
                               fullmatch=True)),
       st.integers(1, 65535))
def test_every_real_address_round_trips(host: str, port: int) -> None:
    assert peer_address(host_port(host, port)) == (host, port)
