"""The `swarmplayer` command: serve, play, make-tstream, publish, demo, pair, devices, discover,
feeds, subscribe, subscriptions, unsubscribe."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__, feed_inspect, feeds_cli, malloc, search_cli
from .config import ENV_PREFIX, Config, ConfigError
from .errors import ServiceError
from .playback import PLAYERS, ApiClient, play

DEFAULT_SERVICE = "http://127.0.0.1:8642"
# What to do about an error, by its code (docs/api.md lists them all).
HINTS = {
    "unavailable": "no data came in time: the torrent may have no peers yet; try again later "
                   "or give --peer host:port",
    "timeout": "the service sent nothing in time: try again later or give --peer host:port",
    "busy": "the service is busy with other fetches or streams: try again in a moment",
    "no_service": "start it with `swarmplayer serve`, or give --service URL",
    "invalid_url": "check the URL: http:// or https://, a host, a port of 1-65535",
    "fetch_failed": "check that the URL opens in a browser, or download the file and give "
                    "its path",
    "too_large": "a torrent file is at most 10 MiB: check that the link is a .torrent",
    "invalid_magnet": "check the magnet link: it needs xt=urn:btih: and a 40-hex info-hash",
    "invalid_torrent": "the file is not a torrent: download it again",
    "invalid_source": "give a magnet: link, an http(s):// URL or the path of a .torrent file",
    "invalid_peer": "a peer is host:port, e.g. 192.168.1.20:6881",
    "not_found": "check the path or the info-hash",
    "not_a_file": "give the path of a regular .torrent/.tstream file",
    "path_not_allowed": "add the folder to allowed_paths in the service's settings, or play "
                        "on the box itself",
    "live_unsupported": "live .tstreams cannot be played yet",
    "invalid_feed": "open the address in a browser: a feed is XML starting with <rss or <feed",
    "invalid_field": "see the command's --help for the values it takes",
    "not_a_folder": "give the path of a folder of videos",
}
HINTS.update(search_cli.HINTS)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="swarmplayer", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="default: INFO for serve, WARNING for the interactive commands")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--config", type=Path, default=os.environ.get(ENV_PREFIX + "CONFIG"),
                       help="TOML settings file (also $SWARMPLAYER_CONFIG)")
        p.add_argument("--data-dir", help="state, resume data and cache")
        p.add_argument("--host", dest="http_host", help="HTTP address to listen on")
        p.add_argument("--port", dest="http_port", help="HTTP port (0: any free one)")
        return p

    with_config(sub.add_parser("serve", help="run the background service"))

    p = with_config(sub.add_parser("play", help="stream a magnet, URL or .torrent/.tstream"))
    p.add_argument("source")
    p.add_argument("--service", help=f"a running service (default: {DEFAULT_SERVICE} if it "
                                     "answers, else one started here)")
    p.add_argument("--player", choices=sorted(PLAYERS))
    p.add_argument("--file", type=int, dest="file_index",
                   help="file index (default: the largest video)")
    p.add_argument("--prebuffer", type=float, default=5.0, help="seconds of video to prebuffer")
    p.add_argument("--peer", action="append", default=[], help="connect to host:port too")

    p = sub.add_parser("make-tstream", help="make a .tstream (VOD torrent) of a video")
    p.add_argument("video", type=Path)
    p.add_argument("-o", "--output", type=Path)
    p.add_argument("--tracker", action="append", default=[])
    p.add_argument("--web-seed", action="append", default=[])
    p.add_argument("--origin", action="append", default=[],
                   help="host:port of a seeder of yours, spared by players with a full buffer")
    p.add_argument("--piece-size", type=int, default=0, help="bytes (default: libtorrent's)")

    p = sub.add_parser("pair", help="show a code (and QR code) to pair a phone with")
    p.add_argument("--service", default=DEFAULT_SERVICE, help="the service on this box")
    p = sub.add_parser("devices", help="list the paired devices, or revoke one")
    p.add_argument("--service", default=DEFAULT_SERVICE, help="the service on this box")
    p.add_argument("--revoke", type=int, metavar="ID", help="revoke the device with this id")

    p = sub.add_parser("publish", help="publish a folder of videos as a feed others subscribe "
                                       "to (or --list, --remove DIR)")
    p.add_argument("folder", nargs="?", help="the folder whose videos to publish")
    p.add_argument("--base-url", help="this service's address as other boxes reach it, "
                                      "e.g. http://192.168.1.20:8642")
    p.add_argument("--origin", action="append", default=[],
                   help="host:port of a seeder of yours, spared by players with a full buffer")
    p.add_argument("--list", action="store_true", help="list the published folders")
    p.add_argument("--remove", metavar="DIR", help="stop publishing this folder")
    p.add_argument("--no-wait", action="store_true", help="return once the folder is registered")
    p.add_argument("--service", default=DEFAULT_SERVICE, help="the service on this box")
    search_cli.add_commands(sub, DEFAULT_SERVICE)

    p = sub.add_parser("discover", help="list the SwarmPlayer boxes on the LAN")
    p.add_argument("--seconds", type=float, default=3.0, help="how long to listen")

    p = with_config(sub.add_parser("demo", help="stream a bundled video from a local swarm"))
    p.add_argument("--once", action="store_true", help="exit after the first frame is measured")
    p.add_argument("--player", choices=sorted(PLAYERS))

    feeds_cli.add_commands(sub, DEFAULT_SERVICE, feed_inspect.add_parser)
    return parser


def _config(args: argparse.Namespace) -> Config:
    flags = {k: getattr(args, k, None) for k in ("data_dir", "http_host", "http_port")}
    return Config.load(args.config, flags=flags)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The interactive commands draw a progress bar: only warnings may cut into it.
    level = args.log_level or ("INFO" if args.command == "serve" else "WARNING")
    logging.basicConfig(level=level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return _run(args)
    except ConfigError as exc:
        print(f"swarmplayer: error: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"swarmplayer: error: {exc.message} ({exc.code})", file=sys.stderr)
        hint = getattr(exc, "hint", None) or HINTS.get(exc.code)
        if hint:
            print(f"swarmplayer: {hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _adder(source: str) -> Callable[[Any], None]:
    """Adds `source` to a service's engine as it starts, before its HTTP side: the play request
    that follows finds it added (or says why it could not be)."""
    def add(engine: Any) -> None:
        from .sources import add_source

        with contextlib.suppress(ServiceError):  # the play request's answer reports it
            add_source(engine, source)
    return add


def _run(args: argparse.Namespace) -> int:
    if args.command == "feeds" and args.feeds_command == "inspect":
        return feed_inspect.run(args)
    if args.command in feeds_cli.COMMANDS:
        return feeds_cli.run(args)
    if args.command == "make-tstream":
        from .tstream_maker import make_tstream_file

        out = make_tstream_file(args.video, args.output, trackers=tuple(args.tracker),
                                web_seeds=tuple(args.web_seed), origins=tuple(args.origin),
                                piece_size=args.piece_size)
        print(out)
        return 0
    if args.command == "discover":
        from .mdns import discover

        boxes = discover(args.seconds)
        for box in boxes:
            state = box.url if box.online else "offline (listed, not answering)"
            print(f"{box.name}  id {box.id}  {box.version}  {state}")
        if not boxes:
            print("no SwarmPlayer box found")
        return 0 if boxes else 1
    if args.command == "publish":
        from . import publish_cli

        return publish_cli.run(args)
    if args.command in search_cli.COMMANDS:
        return search_cli.run(args)
    if args.command in ("pair", "devices"):
        from . import pair_cli

        api = ApiClient(args.service)
        if args.command == "pair":
            pair_cli.pair(api)
        else:
            pair_cli.devices(api, args.revoke)
        return 0
    config = _config(args)
    # The process may run a service from here on: the allocator is set before its threads.
    malloc.tune()
    from .supervisor import Service  # libtorrent loads only for commands that need it

    if args.command == "serve":
        Service(config).start().run_until_signal()
        return 0
    if args.command == "demo":
        from .demo.run import run_demo

        run_demo(config, once=args.once, player=args.player)
        return 0
    # play: use a running service when there is one, else run one for as long as we play.
    if os.path.exists(args.source):  # a file here: the service takes absolute paths only
        args.source = str(Path(args.source).resolve())
    api = ApiClient(args.service or DEFAULT_SERVICE)
    if args.service or api.alive():
        play(api, args.source, peers=args.peer, file_index=args.file_index,
             prebuffer_s=args.prebuffer, player=args.player)
        return 0
    service = Service(config).start(prime=_adder(args.source))
    try:
        play(ApiClient(service.url), args.source, peers=args.peer, file_index=args.file_index,
             prebuffer_s=args.prebuffer, player=args.player)
        if not args.player:
            print("serving until Ctrl-C")
            service.run_until_signal()
    finally:
        service.stop()
    return 0
