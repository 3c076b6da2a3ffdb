"""`swarmplayer search` and `swarmplayer indexers` as a user runs them: a real subprocess
talking to a real service over HTTP, which asks a real Torznab server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from support import REPO
from torznab import TorznabServer

from swarmplayer.supervisor import Service

CLI_TIMEOUT = 120


@pytest.fixture
def torznab() -> Iterator[TorznabServer]:
    made = TorznabServer()
    yield made
    made.close()


def swarmplayer(torznab: TorznabServer, *args: str, stdin: str = "",
                **env_extra: str) -> subprocess.CompletedProcess[str]:
    """The command, run; the key is in none of what it prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWARMPLAYER_")}
    env.update(PYTHONPATH=str(REPO / "service"), **env_extra)
    done = subprocess.run([sys.executable, "-m", "swarmplayer", *args], capture_output=True,
                          text=True, timeout=CLI_TIMEOUT, env=env, input=stdin, check=False)
    assert torznab.key not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _error(done: subprocess.CompletedProcess[str], code: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    first, *rest = done.stderr.strip().splitlines()
    assert first.startswith("swarmplayer: error: ") and first.endswith(f"({code})"), first
    assert rest and rest[0].startswith("swarmplayer: "), done.stderr  # what to do
    return first


def test_add_an_indexer_list_search_and_remove_it(service: Service,
                                                  torznab: TorznabServer) -> None:
    at = ("--service", service.url)
    none = swarmplayer(torznab, "search", "Series Title", *at)
    assert "no indexer is configured" in _error(none, "no_indexers")

    url = torznab.add("jackett")
    added = swarmplayer(torznab, "indexers", *at, "add", url, "--name", "Home",
                        SWARMPLAYER_INDEXER_KEY=torznab.key)
    assert added.returncode == 0, added.stderr
    assert added.stdout == "indexer 1 added: Home (tvsearch)\n"
    by_stdin = swarmplayer(torznab, "indexers", *at, "add", torznab.add("other"),
                           stdin=torznab.key + "\n")
    assert by_stdin.returncode == 0 and "indexer 2 added: Test Jackett" in by_stdin.stdout

    listed = swarmplayer(torznab, "indexers", *at, "list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and "Home" in lines[0] and f"key ***{torznab.key[-4:]}" in lines[0]

    found = swarmplayer(torznab, "search", "Series Title", "--season", "5", "--episode", "2",
                        *at)
    assert found.returncode == 0, found.stderr
    out = found.stdout.splitlines()
    assert out[0] == "Series Title S05E02"
    assert "34128 seeders" in out[1] and "HDTV" in out[1] and "370.9 MiB" in out[1]
    assert torznab.searches("jackett")[-1]["ep"] == "2"
    as_json = json.loads(swarmplayer(torznab, "search", "Series", "--json", *at).stdout)
    assert as_json["total"] == 5 and len(as_json["results"][0]["releases"]) == 1

    assert swarmplayer(torznab, "indexers", *at, "remove", "2").stdout == "indexer 2 removed\n"
    gone = swarmplayer(torznab, "indexers", *at, "remove", "2")
    _error(gone, "not_found")


def test_bad_keys_and_urls_are_clear_errors(service: Service, torznab: TorznabServer) -> None:
    at = ("--service", service.url)
    url = torznab.add("jackett")
    wrong = swarmplayer(torznab, "indexers", *at, "add", url, "--key", "0" * 32)
    assert "Invalid API Key" in _error(wrong, "invalid_api_key")
    no_key = swarmplayer(torznab, "indexers", *at, "add", url)
    _error(no_key, "invalid_api_key")
    page = swarmplayer(torznab, "indexers", *at, "add", torznab.add("web", how="html"),
                       SWARMPLAYER_INDEXER_KEY=torznab.key)
    _error(page, "not_torznab")
    assert swarmplayer(torznab, "indexers", *at, "list").stdout.startswith("no indexers")


def test_no_service_is_a_clear_error(torznab: TorznabServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = swarmplayer(torznab, "search", "x", "--service", f"http://127.0.0.1:{port}")
    _error(done, "no_service")
