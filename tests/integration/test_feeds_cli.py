"""`swarmplayer feeds …`, `subscribe`, `subscriptions list` and `unsubscribe` against a real
service over HTTP with a real feed server on 127.0.0.1; `feeds inspect` through the service's
fetcher and parse worker, on every feed of the shared corpus; and their errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from feeds import item, magnet, rss
from support import CORPUS, REPO

from bench.feedsite import FeedServer
from swarmplayer.cli import main
from swarmplayer.supervisor import Service

FEEDS = CORPUS / "feeds"
H1, H2, H3 = "1" * 40, "2" * 40, "3" * 40


def _show_feed(*extra: str) -> bytes:
    return rss(item("Test.Show.S01E01.720p.HDTV-GRP", magnet(H1), size=300 << 20, seeds=9,
                    info_hash=H1, published=1.7e9),
               item("Test.Show.S01E02.1080p.WEB-DL-GRP", magnet(H2), size=900 << 20, seeds=4,
                    published=1.7e9 + 86400),
               item("Bad one", "javascript:alert(1)"), *extra, title="Test feed")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str, *expected: str) -> None:
    """The error is one line (then at most a hint), says what it is, and is no traceback."""
    lines = err.strip().splitlines()
    assert "Traceback" not in err and 1 <= len(lines) <= 2, err
    assert lines[0].startswith("swarmplayer: error: ")
    for text in expected:
        assert text in err, err


def test_feeds_add_refresh_list_remove(service: Service, server: FeedServer,
                                       capsys: pytest.CaptureFixture[str]):
    url = server.serve("/shows.xml", _show_feed())
    at = ("--service", service.url)
    code, out, _ = _run(capsys, "feeds", "add", url, "--name", "My shows", "--interval", "30",
                        *at)
    assert code == 0 and out.startswith("feed 1: ") and "every 30 min" in out
    code, out, err = _run(capsys, "feeds", "refresh", "1", *at)
    assert code == 0, err
    assert "feed 1: ok, 2 items, 2 new, 1 skipped" in out or \
        "feed 1: ok, 2 items, 0 new, 1 skipped" in out  # the first poll may have been it
    assert "skipped Bad one: a javascript: link is never fetched" in out
    assert "polling 1 feed: 1 done" in err
    code, out, _ = _run(capsys, "feeds", "list", *at)
    assert code == 0 and "My shows" in out and url in out and "ok; 2 items" in out
    code, out, _ = _run(capsys, "feeds", "list", "--json", *at)
    listed = json.loads(out)
    assert [(f["id"], f["title"], f["interval_minutes"]) for f in listed] == [
        (1, "My shows", 30)]

    # A feed that breaks: the refresh says why, in one line, and exits 2.
    server.serve("/shows.xml", b"<!doctype html><html><body>Sign in</body></html>",
                 kind="text/html")
    code, out, err = _run(capsys, "feeds", "refresh", *at)
    assert code == 2 and "feed 1: error: the address answers a login page" in out
    _one_line_error(err.split("\n", 1)[1], "1 of 1 feeds could not be read",
                    "swarmplayer feeds inspect")

    code, out, _ = _run(capsys, "feeds", "remove", "1", *at)
    assert code == 0 and out == "feed 1 removed\n"
    for argv in (("feeds", "remove", "1"), ("feeds", "refresh", "1")):
        code, _, err = _run(capsys, *argv, *at)
        assert code == 2
        _one_line_error(err, "no feed 1 (not_found)", "swarmplayer feeds list")
    code, out, _ = _run(capsys, "feeds", "list", *at)
    assert out == "no feeds yet\n"


def test_subscribe_with_rules_list_and_unsubscribe(service: Service, server: FeedServer,
                                                   capsys: pytest.CaptureFixture[str]):
    at = ("--service", service.url)
    code, out, err = _run(capsys, "subscribe", "Test Show", "--quality", "1080p,720p",
                          "--min-size", "200M", "--max-size", "2G", "--min-seeders", "2",
                          "--action", "download", *at)
    assert code == 0, err
    assert out == ("subscription 1: Test Show: 1080p > 720p, 200 MiB–2 GiB, ≥ 2 seeders, "
                   "new only, downloaded whole\n")
    feed_url = server.serve("/shows.xml", _show_feed())
    code, out, err = _run(capsys, "subscribe", feed_url, "--backfill", "1", *at)
    assert code == 0, err
    assert out == "subscription 2: feed 1: any quality, backfill 1, head prefetched\n"
    code, out, _ = _run(capsys, "subscribe", "1", "--quality", "720p", *at)  # a feed's id
    assert out.startswith("subscription 3: feed 1: 720p")
    code, out, _ = _run(capsys, "subscribe", "24", "--show", *at)  # a show named "24"
    assert out.startswith("subscription 4: 24: ")

    subs = service.library.feeds.subscription(1)
    assert (json.loads(subs["qualities"]), subs["min_size"], subs["max_size"],
            subs["min_seeders"], subs["action"]) == (["1080p", "720p"], 200 << 20, 2 << 30, 2,
                                                     "download")
    code, out, _ = _run(capsys, "subscriptions", "list", *at)
    assert [line.split(":")[0].strip() for line in out.splitlines()] == ["1", "2", "3", "4"]
    code, out, _ = _run(capsys, "subscriptions", "list", "--json", *at)
    assert [s["feed_id"] for s in json.loads(out)] == [None, 1, 1, None]
    code, out, _ = _run(capsys, "unsubscribe", "2", *at)
    assert code == 0 and out == "subscription 2 ended\n"
    code, _, err = _run(capsys, "unsubscribe", "2", *at)
    assert code == 2
    _one_line_error(err, "no subscription 2", "swarmplayer subscriptions list")
    code, _, err = _run(capsys, "subscribe", "7", *at)
    assert code == 2
    _one_line_error(err, "no feed 7", "give --show")


@pytest.mark.parametrize(("argv", "message"), [
    (("subscribe", "X", "--quality", "999p"), "a quality is one of 2160p"),
    (("subscribe", "X", "--min-size", "lots"), "a size is bytes like 700M"),
    (("subscribe", "X", "--max-size", "50%"), "a size is bytes like 700M"),
    (("subscribe", "X", "--min-seeders", "-1"), "a whole number of at least 0"),
    (("subscribe", "X", "--backfill", "0"), "a whole number of at least 1"),
    (("subscribe", "X", "--backfill", "2", "--new-only"), "not allowed with"),
    (("subscribe", "X", "--action", "steal"), "invalid choice"),
    (("feeds", "add", "http://x/", "--interval", "2"), "a whole number of at least 5"),
    (("feeds", "remove", "one"), "a whole number of at least 1"),
    (("feeds", "list", "--service", "ftp://box"), "only http:// and https://"),
])
def test_bad_values_are_refused_before_any_call(argv: tuple[str, ...], message: str,
                                                capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    err = capsys.readouterr().err
    assert done.value.code == 2 and message in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("swarmplayer ")


def test_errors_from_the_service_are_one_line_with_a_hint(service: Service,
                                                          capsys: pytest.CaptureFixture[str]):
    at = ("--service", service.url)
    code, _, err = _run(capsys, "feeds", "add", "ftp://example.org/feed.xml", *at)
    assert code == 2
    _one_line_error(err, "only http:// and https://", "(invalid_url)", "check the URL")
    code, _, err = _run(capsys, "subscribe", "X", "--min-size", "2G", "--max-size", "1G", *at)
    assert code == 2
    _one_line_error(err, "--min-size is more than --max-size")
    code, _, err = _run(capsys, "feeds", "list", "--service", "http://127.0.0.1:9")
    assert code == 2
    _one_line_error(err, "does not answer", "swarmplayer serve")


# ---- feeds inspect -------------------------------------------------------------------------

def _inspect(capsys: pytest.CaptureFixture[str], source: str) -> tuple[int, Any, str]:
    code, out, err = _run(capsys, "feeds", "inspect", source, "--json")
    return code, json.loads(out) if code == 0 else None, err


def _expected(expect: str) -> dict[str, Any]:
    """What MANIFEST.json's `expect` of a feed says, in the fields inspect shows."""
    found: dict[str, Any] = {}
    if m := re.search(r"^parse[^:;]*: (\d+) items", expect):
        found["count"] = int(m[1])
    if m := re.search(r'item1 (?:title )?"([^"]+)"', expect):
        found["title"] = " ".join(m[1].split())
    if m := re.search(r"\bsize (\d+)", expect):
        found["size"] = int(m[1]) or None  # "size 0": the feed does not say
    if m := re.search(r"\bseeders (\d+)", expect):
        found["seeders"] = int(m[1])
    if m := re.search(r"infoHash ([0-9A-Fa-f]{40})", expect):
        found["info_hash"] = m[1].lower()
    if re.search(r"Expect: (not bozo|bozo)", expect):
        found["bozo"] = "not bozo" not in expect
    return found


@pytest.mark.parametrize("name", sorted(p.name for p in FEEDS.glob("*.xml"))
                         if FEEDS.exists() else ["(corpus missing)"])
def test_inspect_every_corpus_feed(name: str, capsys: pytest.CaptureFixture[str]):
    if not FEEDS.exists():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    manifest = json.loads((CORPUS / "MANIFEST.json").read_text())
    expect = _expected(manifest[f"feeds/{name}"]["expect"])
    code, report, err = _inspect(capsys, str(FEEDS / name))
    if code != 0:  # a clear error, and only for what the corpus calls ill-formed
        _one_line_error(err, "(invalid_feed)")
        assert expect.get("bozo"), err
        return
    episodes = report["episodes"]
    if "count" in expect:
        assert len(episodes) == expect["count"]
        first = episodes[0]
        assert " ".join(first["title"].split()) == expect["title"]
        for field in ("size", "seeders", "info_hash"):
            if field in expect:
                assert first[field] == expect[field], field
    if "bozo" in expect:
        assert bool(report["warning"]) == expect["bozo"], report["warning"]
    assert all(s["why"] for s in report["skipped"])


def test_inspect_text_names_episodes_and_skipped(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(_show_feed(item("Other.Show.2026.11.30.720p.WEB", magnet(H3))))
    code, out, _ = _run(capsys, "feeds", "inspect", str(feed))
    assert code == 0
    assert out.splitlines()[0] == "Test feed: 3 episodes, 1 skipped"
    assert "  Test Show  S01E01  720p  HDTV  300 MiB  seeders 9  group GRP" in out
    assert "  Other Show  2026-11-30  720p  WEB-DL" in out
    assert "  skipped Bad one: a javascript: link is never fetched" in out


def test_inspect_a_url_through_the_fetcher(server: FeedServer,
                                           capsys: pytest.CaptureFixture[str]):
    code, report, _ = _inspect(capsys, server.serve("/f.xml", _show_feed()))
    assert code == 0 and [e["label"] for e in report["episodes"]] == ["S01E01", "S01E02"]
    for source, text in ((server.url + "/missing.xml", "answered HTTP 404"),
                         (server.serve("/page", b"<html><body>hi</body></html>", kind="text/html"),
                          "a web page, not a feed"),
                         ("http://exa mple.org/", "cannot hold spaces"),
                         (str(FEEDS), "no feed file")):
        code, _, err = _run(capsys, "feeds", "inspect", source)
        assert code == 2
        _one_line_error(err.split("\n", 1)[-1] if err.startswith("fetching") else err, text)


def test_a_large_feed_shows_progress_and_the_cli_loads_no_parser(tmp_path: Path):
    feed = tmp_path / "large.xml"
    feed.write_bytes(rss(*(item(f"Big.Show.S01E{n:02d}.720p.HDTV-GRP", magnet(f"{n:040x}"))
                           for n in range(1, 601))))
    check = ("import sys\nfrom swarmplayer.cli import main\n"
             f"code = main(['feeds', 'inspect', {str(feed)!r}, '--json'])\n"
             "assert not {'feedparser', 'guessit'} & set(sys.modules), 'a parser loaded here'\n"
             "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                          timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["episodes"]) == 600
    progress = [line for line in done.stderr.splitlines() if line.startswith("naming")]
    assert len(progress) > 10 and progress[-1] == "naming releases: 600/600 (100%)"
