"""What `publish` takes as a base URL and origins (pure checks), before anything is stored."""

from __future__ import annotations

import pytest

from swarmplayer.errors import BadInput
from swarmplayer.publishing.links import (
    MAX_ORIGINS,
    check_base_url,
    check_origins,
    default_origin,
    tstream_url,
)


@pytest.mark.parametrize(("given", "kept"), [
    ("http://192.168.1.20:8642", "http://192.168.1.20:8642"),
    ("http://192.168.1.20:8642/", "http://192.168.1.20:8642"),
    ("HTTPS://Box.Example.org/swarm/", "https://box.example.org/swarm"),
    ("http://[fd00::20]:8642", "http://[fd00::20]:8642"),
])
def test_a_base_url_is_kept_without_its_trailing_slash(given: str, kept: str) -> None:
    assert check_base_url(given) == kept
    assert tstream_url(kept, "ab" * 20) == f"{kept}/feeds/published/{'ab' * 20}.tstream"


@pytest.mark.parametrize("given", [
    "ftp://box/", "javascript:alert(1)", "box:8642", "http://", "http://box:99999",
    "http://box/?key=1", "http://box/#top", "http://box/a b", "/feeds", ""])
def test_a_base_url_that_cannot_be_one_is_refused(given: str) -> None:
    with pytest.raises(BadInput) as refused:
        check_base_url(given)
    assert refused.value.code == "invalid_url" and "\n" not in refused.value.message


def test_the_default_origin_is_the_base_urls_host() -> None:
    assert default_origin("http://192.168.1.20:8642", 6881) == "192.168.1.20:6881"
    assert default_origin("https://box.example.org/swarm", 51413) == "box.example.org:51413"
    assert default_origin("http://[fd00::20]:8642", 6881) == "[fd00::20]:6881"
    assert check_origins([default_origin("http://[fd00::20]:8642", 6881)]) == ["[fd00::20]:6881"]


def test_origins_are_host_port() -> None:
    assert check_origins([" 10.0.0.2:6881 "]) == ["10.0.0.2:6881"]
    for bad in (["10.0.0.2"], ["10.0.0.2:0"], ["a b:1"], ["1.2.3.4:1"] * (MAX_ORIGINS + 1)):
        with pytest.raises(BadInput) as refused:
            check_origins(bad)
        assert refused.value.code == "invalid_peer"
