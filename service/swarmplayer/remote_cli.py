"""The LAN side of the CLI: `swarmplayer discover` lists the boxes on the LAN; `pair` and
`devices` pair a phone from a terminal on the box and list or revoke paired devices, through the
running service's HTTP API, as the box itself."""

from __future__ import annotations

import argparse
import io
import json
import sys
from dataclasses import asdict
from typing import TextIO

import segno

from .playback import ApiClient

COMMANDS = ("discover", "pair", "devices")


def add_commands(sub: argparse._SubParsersAction, service_help: str) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("discover", help="list the SwarmPlayer boxes on the LAN")
    p.add_argument("--seconds", type=float, default=3.0, help="how long to listen")
    p.add_argument("--json", action="store_true", help="one JSON object per box")
    p = sub.add_parser("pair", help="show a code (and its QR code) to pair a phone")
    p.add_argument("--service", help=service_help)
    p = sub.add_parser("devices", help="list paired devices, or revoke one")
    p.add_argument("--service", help=service_help)
    p.add_argument("--revoke", metavar="ID", help="the device to forget")


def run(args: argparse.Namespace, api: ApiClient, out: TextIO = sys.stdout) -> int:
    if args.command == "discover":
        from .discovery import discover  # zeroconf loads only for this command

        boxes = discover(args.seconds)
        for box in boxes:
            if args.json:
                out.write(json.dumps(asdict(box)) + "\n")
            else:
                state = "online" if box.online else "not answering (listed by a stale cache?)"
                out.write(f"{box.name}  {box.url}  {box.version}  {state}\n")
        if not boxes and not args.json:
            out.write("no SwarmPlayer box found on this network\n")
        return 0
    if args.command == "pair":
        answer = api.call("POST", "/api/v1/pairing")
        out.write(f"On the phone, open {answer['url']}\n"
                  f"or scan this code, or type the code {answer['code']} "
                  "(valid for 5 minutes, once):\n")
        text = io.StringIO()
        segno.make(answer["url"], error="m").terminal(out=text, compact=True)
        out.write(text.getvalue())
        return 0
    if args.revoke:
        api.call("DELETE", f"/api/v1/devices/{args.revoke}")
        out.write(f"revoked {args.revoke}\n")
        return 0
    devices = api.call("GET", "/api/v1/devices")["devices"]
    if not devices:
        out.write("no paired devices: `swarmplayer pair` pairs one\n")
    for d in devices:
        out.write(f"{d['id']}  {d['name']}\n")
    return 0
