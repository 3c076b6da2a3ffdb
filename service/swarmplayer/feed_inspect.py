"""`swarmplayer feeds inspect FILE|URL [--json]`: what a feed yields (episodes with their parsed
fields, skipped items with why, or the clear error), stored nowhere. It reads through the
service's own fetcher and parse worker, so it shows exactly what a subscription would get, and
this process never loads feedparser or guessit."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from .errors import BadInput, TooLarge
from .feeds.poller import ACCEPT, FEED_MAX_BYTES, parse_in_worker
from .feeds.store import label
from .fetch import fetch

PROGRESS_FROM = 200  # releases: below this a feed is read too fast to need a progress line


def add_parser(actions: Any) -> None:
    """`feeds inspect`, added to the `feeds` subcommands."""
    p = actions.add_parser("inspect", help="what a feed file or URL yields (nothing is stored)")
    p.add_argument("source", metavar="FILE|URL", help="a feed file or an http(s) URL")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    out = out or sys.stdout
    report = inspect(args.source, err or sys.stderr)
    if args.json:
        json.dump(report, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(as_text(report))
    return 0


def inspect(source: str, err: TextIO) -> dict[str, Any]:
    """The feed at `source` as the service would read it: {title, warning, episodes, skipped}.
    Raises the ServiceError the service would record for it."""
    content_type, feed_url = None, None
    if "://" in source:
        err.write(f"fetching {source[:100]}\n")
        got = fetch(source, max_bytes=FEED_MAX_BYTES, accept=ACCEPT)
        body, content_type, feed_url = got.body, got.content_type, got.url
    else:
        body = _read(Path(source))
    err.write(f"reading {len(body) / 1e6:.1f} MB\n" if len(body) > 1e6 else "")
    parsed = parse_in_worker(body, content_type, feed_url, set(), _Progress(err))
    episodes = [{**r, "label": label(r) if r["show"] else None} for r in parsed["releases"]]
    return {"title": parsed["title"], "warning": parsed["warning"], "episodes": episodes,
            "skipped": parsed["skipped"]}


def _read(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise _not_a_feed_file(f"no feed file {str(path)[:200]}")
        if path.stat().st_size > FEED_MAX_BYTES:
            raise TooLarge(f"{str(path)[:200]} is over {FEED_MAX_BYTES >> 20} MiB: no feed is "
                           "that large")
        return path.read_bytes()
    except OSError as exc:
        raise _not_a_feed_file(f"cannot read {str(path)[:200]}: {exc.strerror}") from None


def _not_a_feed_file(message: str) -> BadInput:
    error = BadInput(message, code="not_a_file")
    error.hint = "give the path of a feed file, or its http(s):// URL"  # type: ignore[attr-defined]
    return error


class _Progress:
    """The worker's naming progress as one line on stderr, redrawn in place on a terminal."""

    def __init__(self, err: TextIO) -> None:
        self._err = err
        self._tty = err.isatty()

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_FROM:
            return
        start, end = ("\r", "\n" if done == total else "") if self._tty else ("", "\n")
        self._err.write(f"{start}naming releases: {done}/{total} ({done / total:.0%}){end}")
        self._err.flush()


def as_text(report: dict[str, Any]) -> str:
    """The report for a person: one line an episode, then the skipped items and why."""
    lines = [f"{report['title'] or '(untitled feed)'}: {len(report['episodes'])} episodes, "
             f"{len(report['skipped'])} skipped"]
    if report["warning"]:
        lines.append(f"  warning: {report['warning']}")
    for e in report["episodes"]:
        facts = [e["show"] or "(no show)", e["label"] or "(no episode number)",
                 e["resolution"] or "-", e["source"] or "-", _size(e["size"]),
                 f"seeders {'?' if e['seeders'] is None else e['seeders']}",
                 f"group {e['group'] or '-'}"]
        lines.append("  " + "  ".join(facts))
        lines.append(f"      {e['title']}")
        lines.append(f"      {e['link'][:160]}" + (f"  ({e['info_hash']})"
                                                  if e["info_hash"] else ""))
    for s in report["skipped"]:
        lines.append(f"  skipped {s['title'] or '(no title)'}: {s['why']}")
    return "\n".join(lines) + "\n"


def _size(size: int | None) -> str:
    if not size:
        return "size ?"
    return f"{size / (1 << 30):.2f} GiB" if size >= 1 << 30 else f"{size / (1 << 20):.0f} MiB"
