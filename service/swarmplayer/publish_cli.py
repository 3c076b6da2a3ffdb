"""`swarmplayer publish`: have the running service publish a folder of videos, list the
folders it publishes, or stop publishing one. Only HTTP to the service: it owns the folders
(it watches them, hashes and seeds), so they survive the command and the box restarting."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from .errors import BadInput, NotFound, shown
from .playback import ApiClient

POLL_SECONDS = 0.5


def run(args: argparse.Namespace) -> int:
    """The subcommand as cli.py parsed it: exactly one of FOLDER, --list, --remove DIR."""
    api = ApiClient(args.service)
    if sum((args.folder is not None, args.list, args.remove is not None)) != 1:
        raise BadInput("give a folder to publish, or --list, or --remove DIR")
    if args.list:
        return list_folders(api)
    if args.remove is not None:
        return remove(api, args.remove)
    if not args.base_url:
        raise BadInput("give --base-url: this service's address as other boxes reach it, "
                       "e.g. http://192.168.1.20:8642", code="invalid_url")
    return publish(api, args.folder, args.base_url, args.origin, wait=not args.no_wait)


def publish(api: ApiClient, folder: str, base_url: str, origins: list[str], *,
            wait: bool = True, out: TextIO = sys.stdout) -> int:
    """Register the folder, then show the hashing until every video in it is published or
    has failed (0 when none failed). Ctrl-C leaves the rest to the service."""
    path = Path(folder).expanduser()
    if not path.is_dir():  # said here too: the service may not even see this box's folders
        raise BadInput(f"not a folder: {shown(folder)}", code="not_a_folder")
    body: dict[str, Any] = {"path": str(path.resolve()), "base_url": base_url}
    if origins:  # else the service names itself, at the base URL's host
        body["origins"] = origins
    answer = api.call("POST", "/api/v1/published", body)
    seeded = f" (seeded from {', '.join(answer['origins'])})" if answer["origins"] else ""
    out.write(f"publishing {answer['path']}{seeded}\nfeed: {answer['feed_url']}\n")
    if not wait:
        return 0
    pause = threading.Event()  # never set: a bounded pause between two looks
    shown_line = ""
    while answer["scanned_at"] is None or answer["pending"]:
        line = _progress(answer)
        if line != shown_line:
            out.write(f"\r{line:<78.78}")
            out.flush()
            shown_line = line
        if answer["scanned_at"] is not None and all(p["state"] == "failed"
                                                    for p in answer["pending"]):
            break
        pause.wait(POLL_SECONDS)
        answer = api.call("GET", f"/api/v1/published/{answer['id']}")
    if shown_line:
        out.write("\n")
    return _summary(answer, out)


def _progress(folder: dict[str, Any]) -> str:
    hashing = [p for p in folder["pending"] if p["state"] == "hashing"]
    if hashing:
        p = hashing[0]
        percent = 100 * p["hashed"] // p["pieces"] if p["pieces"] else 0
        return f"hashing {p['name']}  {percent}%"
    waiting = [p for p in folder["pending"] if p["state"] == "waiting"]
    if waiting:
        return f"waiting for {waiting[0]['name']}: {waiting[0]['why']}"
    return "looking at the folder…"


def _summary(folder: dict[str, Any], out: TextIO) -> int:
    if folder["error"]:
        print(f"swarmplayer: error: {folder['error']}", file=sys.stderr)
        return 1
    for video in folder["videos"]:
        out.write(f"  {video['name']}  {video['info_hash']}\n")
    for skipped in folder["skipped"]:
        out.write(f"  skipped {skipped['name']}: {skipped['why']}\n")
    failed = [p for p in folder["pending"] if p["state"] == "failed"]
    for p in failed:
        print(f"swarmplayer: cannot publish {p['name']}: {p['why']}", file=sys.stderr)
    count = len(folder["videos"])
    if not count and not failed:
        out.write("no videos in the folder yet: the service publishes them as they appear\n")
    else:
        out.write(f"{count} video{'s' if count != 1 else ''} published; new ones are "
                  "published as they appear\n")
    return 1 if failed else 0


def list_folders(api: ApiClient, out: TextIO = sys.stdout) -> int:
    folders = api.call("GET", "/api/v1/published?limit=200")["folders"]
    if not folders:
        out.write("no folders published\n")
    for f in folders:
        waiting = f" ({len(f['pending'])} pending)" if f["pending"] else ""
        problem = f"  error: {f['error']}" if f["error"] else ""
        out.write(f"{f['id']:>4}  {f['path']}  {len(f['videos'])} videos{waiting}  "
                  f"{f['feed_url']}{problem}\n")
    return 0


def remove(api: ApiClient, folder: str, out: TextIO = sys.stdout) -> int:
    """Stop publishing a folder (by its path as given to publish, or its id)."""
    wanted = os.path.realpath(os.path.expanduser(folder))
    folders = api.call("GET", "/api/v1/published?limit=200")["folders"]
    match = next((f for f in folders if f["path"] == wanted or str(f["id"]) == folder), None)
    if match is None:
        raise NotFound(f"{shown(folder)} is not a published folder (see publish --list)")
    api.call("DELETE", f"/api/v1/published/{match['id']}")
    out.write(f"no longer publishing {match['path']} (its files are kept)\n")
    return 0
