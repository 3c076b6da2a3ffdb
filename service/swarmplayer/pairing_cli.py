"""`swarmplayer pair` and `swarmplayer devices`: pair a phone from a terminal on the box, list
and revoke paired devices. Through the running service's HTTP API, as the box itself."""

from __future__ import annotations

import argparse
import io
import sys
from typing import TextIO

import segno

from .playback import ApiClient


def add_commands(sub: argparse._SubParsersAction, service_help: str) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("pair", help="show a code (and its QR code) to pair a phone")
    p.add_argument("--service", help=service_help)
    p = sub.add_parser("devices", help="list paired devices, or revoke one")
    p.add_argument("--service", help=service_help)
    p.add_argument("--revoke", metavar="ID", help="the device to forget")


def run(args: argparse.Namespace, api: ApiClient, out: TextIO = sys.stdout) -> int:
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
