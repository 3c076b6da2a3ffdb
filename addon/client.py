"""The SwarmPlayer HTTP API client: one method per call, a timeout on each, errors as exceptions.

Standard library only (urllib), so it runs in any Kodi 19+ Python and in the tests.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterator

TIMEOUT_S = 10.0
API = "/api/v1"


class ClientError(Exception):
    """A call that failed; `message` is fit to show the user, `code` is the API's error code."""

    def __init__(self, message: str, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class ServiceUnavailable(ClientError):
    """Nothing answered at the configured address (refused, timed out, not HTTP)."""


def base_url(host: str, port: int) -> str:
    """The service's root URL for a host (name, IPv4 or IPv6) and port."""
    host = host.strip() or "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Client:
    """Calls to one SwarmPlayer service."""

    def __init__(self, base: str, timeout: float = TIMEOUT_S, token: str = "") -> None:
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.token = token

    # ---- plumbing ----------------------------------------------------------------------------

    def _headers(self, accept: str) -> dict[str, str]:
        headers = {"Accept": accept}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _open(self, method: str, path: str, body: dict[str, Any] | None = None,
              query: dict[str, Any] | None = None) -> Any:
        """The open response of a call (the caller reads and closes it)."""
        url = self.base + API + path
        if query:
            pairs = {k: _query_value(v) for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        data = None if body is None else json.dumps(body).encode()
        headers = self._headers("application/json")
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            raise _api_error(error.code, error.reason, error.read()) from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as error:
            raise _unavailable(self.base, error) from None

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              query: dict[str, Any] | None = None) -> Any:
        reply = self._open(method, path, body, query)
        try:
            with reply:
                raw = reply.read()
        except (socket.timeout, ConnectionError, OSError) as error:
            raise _unavailable(self.base, error) from None
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise ServiceUnavailable(f"{self.base} does not answer like a SwarmPlayer service") \
                from None

    # ---- service -----------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        return self._call("GET", "/info")

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    # ---- torrents ----------------------------------------------------------------------------

    def torrents(self) -> list[dict[str, Any]]:
        return self._call("GET", "/torrents")["torrents"]

    def torrent(self, info_hash: str) -> dict[str, Any]:
        return self._call("GET", f"/torrents/{info_hash}")

    def add_torrent(self, source: str) -> dict[str, Any]:
        return self._call("POST", "/torrents", {"source": source})

    def remove_torrent(self, info_hash: str, files: bool = True) -> None:
        self._call("DELETE", f"/torrents/{info_hash}", query={"files": files})

    def prefetch(self, info_hash: str, file_index: int | None = None) -> dict[str, Any]:
        body = {} if file_index is None else {"file_index": file_index}
        return self._call("POST", f"/torrents/{info_hash}/prefetch", body)

    def download_torrent(self, info_hash: str) -> dict[str, Any]:
        return self._call("POST", f"/torrents/{info_hash}/download", {})

    def file_progress(self, info_hash: str, file_index: int, **progress: Any) -> dict[str, Any]:
        """progress: position, duration, state, watched (the contract's fields)."""
        return self._call("PUT", f"/torrents/{info_hash}/files/{file_index}/progress", progress)

    def cache(self) -> dict[str, Any]:
        return self._call("GET", "/cache")

    # ---- shows and episodes ------------------------------------------------------------------

    def shows(self, subscribed: bool | None = None, q: str | None = None,
              limit: int = 200) -> list[dict[str, Any]]:
        query = {"subscribed": subscribed, "q": q, "limit": limit}
        return self._call("GET", "/shows", query=query)["shows"]

    def show(self, show_id: int) -> dict[str, Any]:
        return self._call("GET", f"/shows/{show_id}")

    def show_episodes(self, show_id: int, season: int | None = None,
                      limit: int = 200) -> list[dict[str, Any]]:
        query = {"season": season, "limit": limit}
        return self._call("GET", f"/shows/{show_id}/episodes", query=query)["episodes"]

    def episodes(self, which: str, limit: int = 50) -> list[dict[str, Any]]:
        """which: next_up, continue or recent."""
        return self._call("GET", "/episodes", query={"list": which, "limit": limit})["episodes"]

    def episode(self, episode_id: int) -> dict[str, Any]:
        return self._call("GET", f"/episodes/{episode_id}")

    def play_episode(self, episode_id: int, release_id: int | None = None,
                     file_index: int | None = None) -> dict[str, Any]:
        body = {k: v for k, v in (("release_id", release_id), ("file_index", file_index))
                if v is not None}
        return self._call("POST", f"/episodes/{episode_id}/play", body)

    def episode_progress(self, episode_id: int, **progress: Any) -> dict[str, Any]:
        """progress: position, duration, state, watched (the contract's fields)."""
        return self._call("PUT", f"/episodes/{episode_id}/progress", progress)

    def download_episode(self, episode_id: int) -> dict[str, Any]:
        return self._call("POST", f"/episodes/{episode_id}/download", {})

    def delete_episode_cache(self, episode_id: int) -> None:
        self._call("DELETE", f"/episodes/{episode_id}/cache")

    # ---- subscriptions and search ------------------------------------------------------------

    def subscriptions(self) -> list[dict[str, Any]]:
        return self._call("GET", "/subscriptions", query={"limit": 200})["subscriptions"]

    def subscribe(self, show_id: int) -> dict[str, Any]:
        return self._call("POST", "/subscriptions", {"show_id": show_id})

    def subscribe_show(self, name: str) -> dict[str, Any]:
        """A show by name (one found by search that no feed has brought yet)."""
        return self._call("POST", "/subscriptions", {"show": name})

    def unsubscribe(self, subscription_id: int) -> None:
        self._call("DELETE", f"/subscriptions/{subscription_id}")

    def search(self, q: str) -> dict[str, Any]:
        return self._call("GET", "/search", query={"q": q})

    def search_add(self, indexer_id: int, link: str) -> dict[str, Any]:
        """A release a search found, added as a torrent (the service puts the indexer's key
        back into its link)."""
        return self._call("POST", "/search/add", {"indexer_id": indexer_id, "link": link})

    # ---- pairing and devices -----------------------------------------------------------------

    def pairing_code(self) -> dict[str, Any]:
        """A new code, its link and (qr_png, base64) the link's QR code as a PNG."""
        return self._call("POST", "/pairing/codes", {}, query={"qr": "png"})

    def me(self) -> dict[str, Any]:
        """{"device": ...}; a ClientError 401 when this client is not let in (pair it)."""
        return self._call("GET", "/pairing/me")

    def claim(self, code: str, name: str) -> dict[str, Any]:
        """Pair this client like a phone: {"token", "device"}."""
        return self._call("POST", "/pairing/claim", {"code": code, "name": name})

    def devices(self) -> list[dict[str, Any]]:
        return self._call("GET", "/devices", query={"limit": 200})["devices"]

    def revoke_device(self, device_id: int) -> None:
        self._call("DELETE", f"/devices/{device_id}")

    # ---- the TV side of Play on TV -----------------------------------------------------------

    def player_state(self, **state: Any) -> dict[str, Any]:
        """Tell the service what the TV's player does now (docs/api.md, "Play on TV")."""
        return self._call("PUT", "/player/state", state)

    def commands(self, read_timeout: float) -> CommandStream:
        """The open command stream (text/event-stream); a read times out after read_timeout s.
        (http.client rather than urllib: close() must reach the socket from another thread.)"""
        parts = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80,
                                          timeout=read_timeout)
        try:
            conn.connect()
            sock = conn.sock  # the response closes its copy when it ends: shut this one down
            conn.request("GET", API + "/player/commands",
                         headers=self._headers("text/event-stream"))
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            raise _unavailable(self.base, error) from None
        if response.status != 200:
            try:
                raise _api_error(response.status, response.reason, response.read())
            finally:
                conn.close()
        return CommandStream(conn, sock, response)


class CommandStream:
    """The open command stream: iterate over its lines; interrupt() from any thread ends it."""

    def __init__(self, conn: http.client.HTTPConnection, sock: socket.socket,
                 response: http.client.HTTPResponse) -> None:
        self.conn, self.sock, self.response = conn, sock, response

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.response)

    def interrupt(self) -> None:
        """End a read blocked in another thread (it sees the stream end)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.interrupt()
        self.response.close()
        self.conn.close()


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _unavailable(base: str, error: Exception) -> ServiceUnavailable:
    reason = getattr(error, "reason", error)
    return ServiceUnavailable(f"No SwarmPlayer service at {base} ({reason})")


def _api_error(status: int, reason: str, raw: bytes) -> ClientError:
    """The API's {"error", "message"} body as a ClientError; any other body as its status."""
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = body.get("message") or f"The service answered {status} {reason}"
    return ClientError(str(message), status, str(body.get("error") or ""))
