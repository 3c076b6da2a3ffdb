"""Parse a feed in a short-lived child process, so the service never imports guessit (~13 MB)
and a feed that makes a parser misbehave costs a child, not the service.

`python -m swarmplayer.feeds.worker [--content-type T] [--allow-local]` reads the feed's bytes on
stdin and writes {"title", "items", "skipped", "warning"} or {"error", "message"} as JSON."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

from ..errors import BadInput, Unavailable, one_line
from .parse import Item, ParsedFeed, Skipped

TIMEOUT = 60.0  # a Pi is ~10x slower than a laptop; 20 000 items take ~2 s on the laptop


def parse_in_worker(body: bytes, *, content_type: str | None = None, allow_local: bool = False,
                    timeout: float = TIMEOUT) -> ParsedFeed:
    """What parse_feed + describe make of `body`, computed in a child process."""
    command = [sys.executable, "-m", "swarmplayer.feeds.worker"]
    if content_type:
        command += ["--content-type", content_type]
    if allow_local:
        command.append("--allow-local")
    try:
        done = subprocess.run(command, input=body, capture_output=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"reading the feed took longer than {timeout:.0f} s") from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise Unavailable("the feed reader failed: "
                          + one_line(done.stderr.decode("utf-8", "replace")[-300:])) from None
    if "error" in answer:
        raise BadInput(answer["message"], code=answer["error"])
    return ParsedFeed(title=answer["title"], warning=answer["warning"],
                      items=[Item(**item) for item in answer["items"]],
                      skipped=[Skipped(**skip) for skip in answer["skipped"]])


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(prog="swarmplayer.feeds.worker")
    options.add_argument("--content-type")
    options.add_argument("--allow-local", action="store_true")
    args = options.parse_args(argv)
    from .names import describe  # here only: the parent process must not import guessit
    from .parse import parse_feed

    try:
        parsed = parse_feed(sys.stdin.buffer.read(), content_type=args.content_type,
                            allow_local=args.allow_local)
    except BadInput as exc:
        json.dump({"error": exc.code, "message": exc.message}, sys.stdout)
        return 0
    answer: dict[str, Any] = {
        "title": parsed.title, "warning": parsed.warning,
        "items": [describe(item).to_json() for item in parsed.items],
        "skipped": [{"title": s.title, "why": s.why} for s in parsed.skipped]}
    json.dump(answer, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
