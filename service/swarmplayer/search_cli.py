"""`swarmplayer search` and `swarmplayer indexers`: Torznab search from a terminal, over the
service's HTTP API only (a running service, like `pair`)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any, TextIO
from urllib.parse import urlencode

from .errors import BadInput
from .playback import ApiClient

COMMANDS = ("search", "indexers")
KEY_ENV = "SWARMPLAYER_INDEXER_KEY"
HINTS = {
    "no_indexers": "add one: swarmplayer indexers add URL (Jackett: \"Copy Torznab Feed\"; "
                   "Prowlarr: the indexer's Torznab URL)",
    "invalid_api_key": "copy the API key again from the top of Jackett's or Prowlarr's page",
    "not_torznab": "give the indexer's Torznab feed URL, not its web page",
    "search_failed": "check that the indexers run: swarmplayer indexers list",
    "indexer_exists": "it is there already: swarmplayer indexers list",
}


def add_commands(sub: Any, default_service: str) -> None:
    """The `search` and `indexers` subcommands, on cli.py's subparsers."""
    p = sub.add_parser("search", help="search the Torznab indexers for a show's releases")
    p.add_argument("query")
    p.add_argument("--season", type=int)
    p.add_argument("--episode", type=int)
    p.add_argument("--indexer", type=int, metavar="ID", help="only this indexer")
    p.add_argument("--limit", type=int, default=20, help="episodes to show (default 20)")
    p.add_argument("--json", action="store_true", help="the API's answer as JSON")
    p.add_argument("--service", default=default_service, help="the service on this box")

    p = sub.add_parser("indexers", help="the Torznab indexers (Jackett, Prowlarr) to search")
    p.add_argument("--service", default=default_service, help="the service on this box")
    do = p.add_subparsers(dest="action", required=True)
    add = do.add_parser("add", help="add an indexer (its caps are read at once)")
    add.add_argument("url", help="its Torznab URL")
    add.add_argument("--name")
    add.add_argument("--key", help=f"its API key (default: ${KEY_ENV}, else asked for; a "
                                   "key here is seen by other users of the box)")
    do.add_parser("list", help="list the indexers").add_argument("--json", action="store_true")
    do.add_parser("remove", help="remove an indexer").add_argument("id", type=int)


def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    api = ApiClient(args.service)
    if args.command == "search":
        return search(api, args, out)
    if args.action == "add":
        key = args.key or os.environ.get(KEY_ENV) or (
            None if "apikey=" in args.url.lower() else _ask_key())
        body = {k: v for k, v in (("url", args.url), ("api_key", key), ("name", args.name))
                if v}
        made = api.call("POST", "/api/v1/indexers", body)
        out.write(f"indexer {made['id']} added: {made['name']} ({made['search_mode']})\n")
    elif args.action == "remove":
        api.call("DELETE", f"/api/v1/indexers/{args.id}")
        out.write(f"indexer {args.id} removed\n")
    else:
        found = api.call("GET", "/api/v1/indexers?limit=200")
        if args.json:
            json.dump(found, out, indent=2)
            out.write("\n")
        for i in found["indexers"]:
            out.write(f"{i['id']:>4}  {i['name']:<24}  {i['search_mode']:<8}  key {i['api_key']}"
                      f"  {i['url']}\n")
        if not found["indexers"] and not args.json:
            out.write("no indexers: add one with swarmplayer indexers add URL\n")
    return 0


def _ask_key() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("API key: ").strip()
    key = sys.stdin.readline().strip()
    if not key:
        raise BadInput(f"give the API key with --key, ${KEY_ENV} or on standard input",
                       code="invalid_api_key")
    return key


def search(api: ApiClient, args: argparse.Namespace, out: TextIO) -> int:
    query = {k: v for k, v in (("q", args.query), ("season", args.season),
                                ("episode", args.episode), ("indexer", args.indexer),
                                ("limit", args.limit)) if v is not None}
    found = api.call("GET", "/api/v1/search?" + urlencode(query))
    if args.json:
        json.dump(found, out, indent=2)
        out.write("\n")
        return 0
    for error in found["errors"]:
        print(f"swarmplayer: warning: {error['message']} ({error['error']})", file=sys.stderr)
    for result in found["results"]:
        out.write(f"{result['show_title'] or '?'} {result['label']}"
                  f"{'  (subscribed)' if result['subscription_id'] else ''}\n")
        for r in result["releases"]:
            quality = " ".join(x for x in (r["resolution"], r["source"]) if x) or "-"
            out.write(f"  {r['seeders'] if r['seeders'] is not None else '?':>6} seeders  "
                      f"{quality:<14} {_size(r['size']):>9}  {r['title']}  [{r['indexer']}]\n")
    shown = len(found["results"])
    if shown < found["total"]:
        out.write(f"… {found['total'] - shown} more episodes (--limit)\n")
    if not shown:
        out.write("nothing found\n")
    return 0 if shown else 1


def _size(size: int | None) -> str:
    if not size:
        return "?"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            break
        value /= 1024
    return f"{value:.1f} {unit}"
