"""`swarmplayer feeds add|list|refresh|remove`, `subscribe`, `subscriptions list` and
`unsubscribe`: all through the HTTP API of the running service (a local CLI is trusted as
localhost), like the add-on and the phone page."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, TextIO

from .errors import BadInput, ServiceError
from .feeds.match import ACTIONS, QUALITIES
from .fetch import check_url
from .playback import API_TIMEOUT, ApiClient
from .units import parse_amount, whole_number

COMMANDS = ("feeds", "subscribe", "subscriptions", "unsubscribe")
REFRESH_WAIT = 60.0  # the most the API waits for a poll (api/feeds.py MAX_WAIT)
LIST_PAGE = 200
FEEDS_HINT = "see the ids with `swarmplayer feeds list`"
SUBS_HINT = "see the ids with `swarmplayer subscriptions list`"


def add_commands(sub: Any, default_service: str, inspect_parser: Any) -> None:
    """The feeds and subscription commands, added to the `swarmplayer` subcommands;
    `inspect_parser(actions)` adds `feeds inspect` (feed_inspect.py)."""
    service = argparse.ArgumentParser(add_help=False)
    service.add_argument("--service", type=_service_url, default=default_service,
                         help=f"the running service (default {default_service})")

    feeds = sub.add_parser("feeds", help="feeds of shows: add, list, refresh, remove, inspect")
    actions = feeds.add_subparsers(dest="feeds_command", required=True)
    p = actions.add_parser("add", parents=[service], help="read a feed (RSS, Atom, Torznab)")
    p.add_argument("url")
    p.add_argument("--name", help="the feed's name (default: the title it gives)")
    p.add_argument("--interval", type=_whole(5), metavar="MIN",
                   help="minutes between polls, 5 or more (default 15)")
    p = actions.add_parser("list", parents=[service], help="the feeds and how they are doing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p = actions.add_parser("refresh", parents=[service],
                           help="poll a feed now (all feeds without ID) and show the result")
    p.add_argument("feed_id", nargs="?", type=_whole(1), metavar="ID")
    p = actions.add_parser("remove", parents=[service], help="stop reading a feed")
    p.add_argument("feed_id", type=_whole(1), metavar="ID")
    inspect_parser(actions)

    p = sub.add_parser("subscribe", parents=[service],
                       help="fetch new episodes of a show, or of everything in a feed")
    p.add_argument("target", metavar="SHOW|FEED-ID|FEED-URL",
                   help="a show's name, a feed's id, or a feed's URL (added when new)")
    p.add_argument("--show", action="store_true", dest="by_name",
                   help="the target is a show's name even if it is a number (\"24\")")
    p.add_argument("--quality", type=_qualities, action="extend", dest="qualities",
                   default=[], metavar="Q[,Q…]",
                   help=f"preferred qualities in order, of {', '.join(QUALITIES)} "
                        "(repeat or comma-separate; default: any)")
    p.add_argument("--min-size", type=_size, metavar="SIZE", help="e.g. 200M (default: none)")
    p.add_argument("--max-size", type=_size, metavar="SIZE", help="e.g. 2G (default: none)")
    p.add_argument("--min-seeders", type=_whole(0), metavar="N")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--new-only", action="store_const", const=0, dest="backfill",
                      help="only episodes that appear from now on (the default)")
    when.add_argument("--backfill", type=_whole(1), metavar="N",
                      help="also fetch the newest N episodes known already")
    p.add_argument("--action", choices=ACTIONS, default="prefetch",
                   help="what to do with a new episode: prefetch its start (default) or "
                        "download it whole")

    subs = sub.add_parser("subscriptions", help="the subscriptions")
    subs_actions = subs.add_subparsers(dest="subscriptions_command", required=True)
    p = subs_actions.add_parser("list", parents=[service], help="list the subscriptions")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p = sub.add_parser("unsubscribe", parents=[service], help="end a subscription")
    p.add_argument("subscription_id", type=_whole(1), metavar="ID")


def run(args: argparse.Namespace, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """Run one of COMMANDS (not `feeds inspect`) against `args.service`."""
    out, err = out or sys.stdout, err or sys.stderr
    api = ApiClient(args.service)
    if args.command == "subscribe":
        return _subscribe(api, args, out)
    if args.command == "subscriptions":
        return _print_all(api, "subscriptions", _subscription_line, args.json, out)
    if args.command == "unsubscribe":
        _call(api, "DELETE", f"/api/v1/subscriptions/{args.subscription_id}", SUBS_HINT)
        out.write(f"subscription {args.subscription_id} ended\n")
        return 0
    if args.feeds_command == "add":
        body = {"url": args.url, "title": args.name, "interval_minutes": args.interval}
        feed = api.call("POST", "/api/v1/feeds", {k: v for k, v in body.items() if v})
        out.write(f"feed {feed['id']}: {feed['url']} (polled every "
                  f"{feed['interval_minutes']} min; see it with `swarmplayer feeds refresh "
                  f"{feed['id']}`)\n")
        return 0
    if args.feeds_command == "list":
        return _print_all(api, "feeds", _feed_line, args.json, out)
    if args.feeds_command == "refresh":
        return _refresh(api, args.feed_id, out, err)
    _call(api, "DELETE", f"/api/v1/feeds/{args.feed_id}", FEEDS_HINT)
    out.write(f"feed {args.feed_id} removed\n")
    return 0


def _call(api: ApiClient, method: str, path: str, hint: str,
          body: dict[str, Any] | None = None, timeout: float = API_TIMEOUT) -> Any:
    """An API call whose not_found names an id the user gave: say where the ids are."""
    try:
        return api.call(method, path, body, timeout)
    except ServiceError as exc:
        if exc.code == "not_found":
            exc.hint = hint  # type: ignore[attr-defined]
        raise


def all_of(api: ApiClient, plural: str) -> list[dict[str, Any]]:
    """Every row of a paged list (`GET /api/v1/<plural>`)."""
    rows: list[dict[str, Any]] = []
    while True:
        page = api.call("GET", f"/api/v1/{plural}?limit={LIST_PAGE}&offset={len(rows)}")
        rows += page[plural]
        if not page[plural] or len(rows) >= page["total"]:
            return rows


def _print_all(api: ApiClient, plural: str, line: Any, as_json: bool, out: TextIO) -> int:
    rows = all_of(api, plural)
    if as_json:
        json.dump(rows, out, indent=2)
        out.write("\n")
    elif not rows:
        out.write(f"no {plural} yet\n")
    for row in [] if as_json else rows:
        out.write(line(row) + "\n")
    return 0


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "never"


def _feed_line(feed: dict[str, Any]) -> str:
    state = feed["state"] + (f": {feed['error']}" if feed["error"] else "")
    return (f"{feed['id']:>4}  {feed['title'] or '(untitled)'}  {feed['url']}\n"
            f"      {state}; {feed['items']} items, {feed['new_items']} new, "
            f"{feed['skipped_items']} skipped; checked {_when(feed['last_checked'])}, "
            f"next {_when(feed['next_check'])}, every {feed['interval_minutes']} min")


def _refresh(api: ApiClient, feed_id: int | None, out: TextIO, err: TextIO) -> int:
    """Poll the feed (or every feed) now and wait for the result; 2 when a poll failed."""
    feed_ids = [f["id"] for f in all_of(api, "feeds")] if feed_id is None else [feed_id]
    if not feed_ids:
        out.write("no feeds yet: add one with `swarmplayer feeds add URL`\n")
        return 0
    done = _polled(api, feed_ids, err)
    failed = [f for f in done if f["state"] == "error"]
    for feed in done:
        out.write(f"feed {feed['id']}: " + (
            f"error: {feed['error']}" if feed in failed else
            f"{feed['state']}, {feed['items']} items, {feed['new_items']} new, "
            f"{feed['skipped_items']} skipped") + "\n")
        for skip in feed["skipped"] if feed not in failed else []:
            out.write(f"      skipped {skip['title'] or '(no title)'}: {skip['why']}\n")
        if feed["warning"]:
            out.write(f"      warning: {feed['warning']}\n")
    if failed:
        error = ServiceError(f"{len(failed)} of {len(done)} feeds could not be read",
                             code="feed_error")
        error.hint = "see what the address gives with `swarmplayer feeds inspect URL`"  # type: ignore[attr-defined]
        raise error
    return 0


def _polled(api: ApiClient, feed_ids: list[int], err: TextIO) -> list[dict[str, Any]]:
    """Each feed after a poll asked now, one after the other (the service polls one feed at a
    time), showing on stderr how many are done."""
    started = time.monotonic()
    tty = err.isatty()
    done: list[dict[str, Any]] = []
    for fid in feed_ids:
        feed = _call(api, "POST", f"/api/v1/feeds/{fid}/refresh?wait={REFRESH_WAIT:g}",
                     FEEDS_HINT, timeout=REFRESH_WAIT + API_TIMEOUT)
        late = not feed["polled"]
        if not late:
            done.append(feed)
        finished = len(done) == len(feed_ids)
        if tty or finished or late:  # redrawn in place on a terminal, else once at the end
            feeds = f"{len(feed_ids)} feed{'s' if len(feed_ids) > 1 else ''}"
            err.write(("\r" if tty else "") + f"polling {feeds}: {len(done)} done, "
                      f"{time.monotonic() - started:.0f} s" + ("\n" if finished or late else ""))
            err.flush()
        if late:
            error = ServiceError(f"feed {fid} was not polled in {REFRESH_WAIT:g} s",
                                 code="timeout")
            error.hint = "it is still being read: see it later with `swarmplayer feeds list`"  # type: ignore[attr-defined]
            raise error
    return done


def _subscribe(api: ApiClient, args: argparse.Namespace, out: TextIO) -> int:
    target = args.target.strip()
    body: dict[str, Any]
    feed_id = whole_number(target)
    if feed_id is not None and not args.by_name:
        _call(api, "GET", f"/api/v1/feeds/{feed_id}",
              FEEDS_HINT + "; for a show named so, give --show")
        body = {"feed_id": feed_id}
    elif "://" in target and not args.by_name:
        feed = api.call("POST", "/api/v1/feeds", {"url": target})
        body = {"feed_id": feed["id"]}
    elif target:
        body = {"show": target}
    else:
        raise BadInput("give a show's name, a feed's id or a feed's URL", code="invalid_field")
    if args.min_size and args.max_size and args.min_size > args.max_size:
        raise BadInput("--min-size is more than --max-size", code="invalid_field")
    body.update(qualities=args.qualities, min_size=args.min_size, max_size=args.max_size,
                min_seeders=args.min_seeders, backfill=args.backfill or 0, action=args.action)
    sub = api.call("POST", "/api/v1/subscriptions", body)
    out.write(f"subscription {_subscription_line(sub).strip()}\n")
    return 0


def _subscription_line(sub: dict[str, Any]) -> str:
    what = sub["show_title"] or f"feed {sub['feed_id']}"
    rules = [" > ".join(sub["qualities"]) or "any quality"]
    if sub["min_size"] is not None or sub["max_size"] is not None:
        rules.append(f"{_mb(sub['min_size']) or '0'}–{_mb(sub['max_size']) or '∞'}")
    if sub["min_seeders"] is not None:
        rules.append(f"≥ {sub['min_seeders']} seeders")
    rules.append(f"backfill {sub['backfill']}" if sub["backfill"] else "new only")
    rules.append("downloaded whole" if sub["action"] == "download" else "head prefetched")
    return f"{sub['id']:>4}: {what}: {', '.join(rules)}"


def _mb(size: int | None) -> str:
    if size is None:
        return ""
    return f"{size / (1 << 30):g} GiB" if size >= 1 << 30 else f"{size / (1 << 20):g} MiB"


# ---- argument types: a bad value is argparse's one-line error, exit code 2 -------------------

def _service_url(text: str) -> str:
    try:
        return check_url(text)
    except BadInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _whole(low: int) -> Any:
    def whole(text: str) -> int:
        number = whole_number(text)
        if number is None or number < low:
            raise argparse.ArgumentTypeError(f"give a whole number of at least {low}, "
                                             f"not {text!r}")
        return number
    return whole


def _qualities(text: str) -> list[str]:
    wanted = [q.strip().lower() for q in text.split(",") if q.strip()]
    bad = [q for q in wanted if q not in QUALITIES]
    if bad or not wanted:
        raise argparse.ArgumentTypeError(f"a quality is one of {', '.join(QUALITIES)}, "
                                         f"not {text!r}")
    return wanted


def _size(text: str) -> int:
    if text.strip().endswith("%"):
        raise argparse.ArgumentTypeError(f"a size is bytes like 700M or 2G, not {text!r}")
    try:
        return int(parse_amount(text).value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a size is bytes like 700M or 2G, not {text!r}") \
            from None

