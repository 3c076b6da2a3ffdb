"""A Torznab indexer on 127.0.0.1 (a real HTTP server), as Jackett or Prowlarr serve one: `t=caps`
answers a caps document, searches a Torznab RSS answer; and the ways real indexers fail: a
refused key (Torznab error 100, or HTTP 401), a web page, a slow answer, a huge one. The search
benchmark and the tests share it."""

from __future__ import annotations

import contextlib
import http.server
import secrets
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from xml.sax.saxutils import escape, quoteattr

SLOW_HOLD_S = 60.0

CAPS = b"""<?xml version="1.0" encoding="UTF-8"?>
<caps>
  <server version="1.0" title="Test Jackett" />
  <limits max="100" default="50" />
  <searching>
    <search available="yes" supportedParams="q" />
    <tv-search available="yes" supportedParams="q,season,ep" />
    <movie-search available="no" supportedParams="q" />
  </searching>
  <categories>
    <category id="2000" name="Movies" />
    <category id="5000" name="TV">
      <subcat id="5030" name="TV/SD" />
      <subcat id="5040" name="TV/HD" />
    </category>
  </categories>
</caps>"""

# An indexer that has no tv-search: the service must fall back to t=search.
CAPS_SEARCH_ONLY = CAPS.replace(b'<tv-search available="yes"', b'<tv-search available="no"')
ERROR_100 = b'<?xml version="1.0" encoding="UTF-8"?>\n<error code="100" ' \
            b'description="Invalid API Key" />'
HTML = b"<!DOCTYPE html><html><head><title>Jackett</title></head><body>Login</body></html>"


def torznab_item(title: str, link: str, *, seeders: int, size: int = 700 << 20,
                 info_hash: str | None = None, season: int | None = None,
                 episode: int | None = None, published: float = 1.7e9,
                 peers: int | None = None) -> str:
    attrs = [("seeders", seeders), ("peers", seeders + 3 if peers is None else peers),
             ("size", size)]
    attrs += [(k, v) for k, v in (("infohash", info_hash), ("season", season),
                                  ("episode", episode)) if v is not None]
    enclosure = f'<enclosure url={quoteattr(link)} length="{size}" ' \
                f'type="application/x-bittorrent" />'
    return (f"<item><title>{escape(title)}</title><guid>{escape(title)}</guid>"
            f"<pubDate>{formatdate(published)}</pubDate>"
            f"<link>{escape(link)}</link><size>{size}</size>{enclosure}"
            + "".join(f'<torznab:attr name="{k}" value="{v}" />' for k, v in attrs)
            + "</item>")


def torznab_answer(*items: str, title: str = "Test indexer") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            f'xmlns:torznab="http://torznab.com/schemas/2015/feed"><channel>'
            f"<title>{escape(title)}</title>{''.join(items)}</channel></rss>").encode()


@dataclass
class Indexer:
    """One indexer path on the server and how it behaves."""

    results: bytes
    caps: bytes = CAPS
    how: str = "ok"  # ok | error100 | http401 | html | slow | huge
    files: dict[str, bytes] = field(default_factory=dict)  # /dl/<name> → a .torrent
    delay: float = 0.0  # seconds before a search is answered (a real indexer asks its sites)


class TorznabServer:
    """Indexers at `http://127.0.0.1:<port>/<name>/` with one API key; every query is recorded
    (path and parameters, the key among them) in `queries`."""

    def __init__(self, answer: Callable[[], bytes] = lambda: torznab_answer()) -> None:
        self._answer = answer  # what an indexer answers a search unless told otherwise
        self.key = secrets.token_hex(16)
        self.indexers: dict[str, Indexer] = {}
        self.queries: list[tuple[str, dict[str, str]]] = []
        self._release = threading.Event()  # lets a slow answer go at teardown
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(parts.query))
                server.queries.append((parts.path, params))
                name, _, rest = parts.path.strip("/").partition("/")
                indexer = server.indexers.get(name)
                if indexer is None:
                    return self._send(404, "text/plain", b"no such indexer")
                key = params.get("apikey") or params.get("jackett_apikey")
                if rest.startswith("dl/"):
                    body = indexer.files.get(rest[3:])
                    if key != server.key or body is None:
                        return self._send(403, "text/plain", b"forbidden")
                    return self._send(200, "application/x-bittorrent", body)
                if indexer.how == "http401":
                    return self._send(401, "application/xml", ERROR_100)
                if indexer.how == "error100" or key != server.key:
                    return self._send(200, "application/xml", ERROR_100)
                if indexer.how == "html":
                    return self._send(200, "text/html", HTML)
                if indexer.how == "slow":
                    server._release.wait(SLOW_HOLD_S)
                elif indexer.delay and params.get("t") != "caps":
                    server._release.wait(indexer.delay)
                if indexer.how == "huge":
                    return self._send(200, "application/rss+xml", b" " * (6 << 20))
                body = indexer.caps if params.get("t") == "caps" else indexer.results
                return self._send(200, "application/rss+xml", body)

            def _send(self, status: int, kind: str, body: bytes) -> None:
                with contextlib.suppress(ConnectionError):  # a capped or late reader hangs up
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, name="torznab-server",
                                        daemon=True)
        self._thread.start()
        self.base = f"http://127.0.0.1:{self._http.server_address[1]}"

    def add(self, name: str, **behaviour: object) -> str:
        """An indexer at /<name>/; its Torznab URL (as Jackett's "Copy Torznab Feed" gives)."""
        behaviour.setdefault("results", self._answer())
        self.indexers[name] = Indexer(**behaviour)  # type: ignore[arg-type]
        return f"{self.base}/{name}/"

    def searches(self, name: str) -> list[dict[str, str]]:
        return [p for path, p in self.queries
                if path.startswith(f"/{name}/") and p.get("t") != "caps"]

    def close(self) -> None:
        self._release.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(10)
