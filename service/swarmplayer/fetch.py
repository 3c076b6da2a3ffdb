"""The one way the service downloads a URL (a .torrent/.tstream, a feed): checked before any
connection, bounded in size (of the decoded bytes, while reading) and in time (an overall
deadline, while reading), and every failure a FetchFailed or TooLarge with a one-line reason."""

from __future__ import annotations

import base64
import http.client
import ipaddress
import re
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from io import BufferedReader, RawIOBase
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from .addresses import bad_host
from .errors import BadInput, FetchFailed, TooLarge, one_line, shown
from .units import whole_number

USER_AGENT = "SwarmPlayer/0.1"
CHUNK = 64 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
# Spaces, CR/LF and the other control characters: urlsplit() would quietly drop some of them.
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f]")
# What may stay unquoted in a path or query (RFC 3986 reserved and unreserved, and "%").
_URL_SAFE = "/:@!$&'()*+,;=?~-._%"


@dataclass(frozen=True)
class Fetched:
    """What a fetch got: the body of a 200, or nothing for a 304 (not modified)."""

    url: str  # the final URL, after redirects
    status: int  # 200, or 304 when not_modified
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def check_url(url: str) -> str:
    """The normalised form of an http(s) URL; BadInput("invalid_url") for anything else, before
    any connection is tried."""
    if not isinstance(url, str) or not url:
        raise _invalid("a URL is text like http://host/file.torrent")
    if _BAD_CHARS.search(url):
        raise _invalid(f"a URL cannot hold spaces or control characters: {shown(url)}")
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when not numeric or out of 0–65535
    except ValueError as exc:
        raise _invalid(f"not a well-formed URL ({exc}): {shown(url)}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _invalid(f"only http:// and https:// URLs can be fetched, not {shown(url)}")
    host = _host(parts.netloc, parts.hostname, url)
    if port == 0:
        raise _invalid(f"a URL's port is 1–65535: {shown(url)}")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = quote(parts.path, safe=_URL_SAFE) or "/"
    return urlunsplit((scheme, netloc, path, quote(parts.query, safe=_URL_SAFE), ""))


def _host(netloc: str, hostname: str | None, url: str) -> str:
    """The URL's host, lower-cased (IDNA-encoded when not ASCII); BadInput when there is none."""
    if not hostname:
        raise _invalid(f"a URL needs a host: {shown(url)}")
    if "[" in netloc:
        if netloc.rpartition("]")[2][:1] not in ("", ":"):
            raise _invalid(f"not a well-formed URL (text after the IPv6 address): {shown(url)}")
        try:
            return str(ipaddress.IPv6Address(hostname))
        except ValueError:
            raise _invalid(f"not an IPv6 address in brackets: {shown(url)}") from None
    try:
        host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _invalid(f"not a valid host name: {shown(url)}") from None
    why = bad_host(host)
    if why:
        raise _invalid(f"{why}: {shown(url)}")
    return host


def _invalid(message: str) -> BadInput:
    return BadInput(message, code="invalid_url")


def fetch(url: str, *, max_bytes: int, deadline: float = 20.0, connect_timeout: float = 5.0,
          read_timeout: float = 10.0, max_redirects: int = 5, etag: str | None = None,
          last_modified: str | None = None, accept: str | None = None) -> Fetched:
    """GET `url`, following up to `max_redirects` redirects, within `deadline` seconds overall.

    With `etag`/`last_modified` it is a conditional GET and a 304 comes back as not_modified.
    Raises BadInput("invalid_url") for a bad URL (or redirect target), TooLarge when the decoded
    body passes `max_bytes`, FetchFailed for everything else that goes wrong.
    """
    end = time.monotonic() + deadline
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    if accept:
        headers["Accept"] = accept
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = check_url(url)
    seen = {current}
    for _ in range(max_redirects + 1):
        result = _get(current, headers, end, connect_timeout, read_timeout, max_bytes,
                      conditional=bool(etag or last_modified))
        if isinstance(result, Fetched):
            return result
        try:
            target = check_url(urljoin(current, result))
        except BadInput as exc:
            raise FetchFailed(f"{_site(current)} redirects to a bad URL: {exc.message}") from None
        if target in seen:
            raise FetchFailed(f"{_site(current)} redirects in a loop")
        seen.add(target)
        current = target
    raise FetchFailed(f"{_site(url)} redirects more than {max_redirects} times")


def _get(url: str, headers: dict[str, str], end: float, connect_timeout: float,
         read_timeout: float, max_bytes: int, *, conditional: bool) -> Fetched | str:
    """One GET: the Fetched answer, or the Location of a redirect."""
    conn = _connection(url, headers, end, connect_timeout, read_timeout)
    response: http.client.HTTPResponse | None = None
    try:
        response = conn.getresponse()
        location = response.getheader("Location")
        if response.status in REDIRECTS and location:
            return location
        if response.status == 304 and conditional:
            return _fetched(url, response, b"")
        if response.status != 200:
            reason = one_line(response.reason or "", 60)
            refused = FetchFailed(f"{_site(url)} answered HTTP {response.status} {reason}".rstrip())
            refused.http_status = response.status  # type: ignore[attr-defined]  # e.g. 401: a key
            raise refused
        return _fetched(url, response, _read_body(url, response, max_bytes))
    except (TooLarge, FetchFailed):
        raise
    except _Late:
        raise FetchFailed(f"{_site(url)} took longer than the deadline to answer") from None
    except (http.client.HTTPException, OSError, ValueError, zlib.error) as exc:
        raise FetchFailed(f"{_site(url)} {_reason(exc)}") from None
    finally:
        # The response holds the socket once the server said it closes (HTTP/1.0): an answer
        # left unread (over the cap, an error status) must let it go now, not at garbage
        # collection, or the server keeps sending into it.
        if response is not None:
            response.close()
        conn.close()


def _connection(url: str, headers: dict[str, str], end: float, connect_timeout: float,
                read_timeout: float) -> http.client.HTTPConnection:
    """A connection to the URL's server, with the request sent and every later read bounded by
    the deadline."""
    parts = urlsplit(url)
    timeout = min(connect_timeout, _left(end, url))
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    request_headers = dict(headers)
    if parts.username is not None:
        secret = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        request_headers["Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
    try:
        conn.connect()
        conn.sock = _DeadlineSocket(conn.sock, end, read_timeout)
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        conn.request("GET", target, headers=request_headers)
    except _Late:
        conn.close()
        raise FetchFailed(f"{_site(url)} took longer than the deadline to answer") from None
    except (http.client.HTTPException, OSError, ValueError) as exc:
        conn.close()
        raise FetchFailed(f"cannot reach {_site(url)}: {_reason(exc)}") from None
    return conn


def _read_body(url: str, response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    """The body, decoded, read in chunks so the cap holds for what is kept, not what is sent."""
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        decoder: Any = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
    elif encoding == "identity":
        decoder = None
        length = whole_number(response.getheader("Content-Length") or "")
        if length is not None and length > max_bytes:
            raise TooLarge(f"{_site(url)} sends more than {max_bytes} bytes")
    else:
        raise FetchFailed(f"{_site(url)} sends an unknown encoding {shown(encoding, 20)}")
    body = bytearray()
    while True:
        chunk = response.read(CHUNK)
        if not chunk:
            break
        if decoder is not None:
            # Never more than the cap + 1 out of the decoder: a small bomb stays small.
            chunk = decoder.decompress(chunk, max_bytes + 1 - len(body))
        body += chunk
        if len(body) > max_bytes:
            raise TooLarge(f"{_site(url)} sends more than {max_bytes} bytes")
    if response.length:  # read(n) does not raise IncompleteRead for a short body: read() does
        raise FetchFailed(f"{_site(url)} sent a truncated body")
    if decoder is not None and not decoder.eof:
        raise FetchFailed(f"{_site(url)} sends a truncated {encoding} body")
    return bytes(body)


def _fetched(url: str, response: http.client.HTTPResponse, body: bytes) -> Fetched:
    return Fetched(url=url, status=response.status, body=body,
                   content_type=response.getheader("Content-Type"),
                   etag=response.getheader("ETag"),
                   last_modified=response.getheader("Last-Modified"))


def _site(url: str) -> str:
    """The URL as messages show it: cut, so a long query does not fill the message."""
    return one_line(url, 100)


def _reason(exc: BaseException) -> str:
    """A one-line reason for a network or protocol failure."""
    if isinstance(exc, socket.timeout):
        return "did not answer in time"
    if isinstance(exc, http.client.IncompleteRead):
        return "sent a truncated body"
    if isinstance(exc, http.client.LineTooLong):
        return "sent an over-long header line"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "closed the connection without answering"
    if isinstance(exc, http.client.BadStatusLine):
        return "did not answer with an HTTP status line"
    if isinstance(exc, http.client.HTTPException):
        return f"sent a broken answer ({one_line(str(exc) or type(exc).__name__, 80)})"
    if isinstance(exc, ssl.SSLError):
        return f"failed TLS ({one_line(exc.reason or str(exc), 80)})"
    if isinstance(exc, OSError):
        return one_line(exc.strerror or str(exc) or type(exc).__name__, 80)
    return one_line(str(exc) or type(exc).__name__, 80)


class _Late(Exception):
    """The overall deadline passed while waiting for the server."""


def _left(end: float, url: str) -> float:
    left = end - time.monotonic()
    if left <= 0:
        raise FetchFailed(f"{_site(url)} took longer than the deadline to answer")
    return left


class _DeadlineSocket:
    """A socket whose every receive waits at most until the deadline: http.client reads the
    status line, headers and body through makefile(), so a server that drips a byte at a time
    cannot hold a fetch past its deadline."""

    def __init__(self, sock: socket.socket, end: float, read_timeout: float) -> None:
        self._sock = sock
        self._end = end
        self._read_timeout = read_timeout
        # As socket.socket does: close() waits for the files made from it to be closed too
        # (http.client closes the connection before the body of a "Connection: close" is read).
        self._files = 0
        self._closing = False

    def _arm(self) -> None:
        left = self._end - time.monotonic()
        if left <= 0:
            raise _Late()
        self._sock.settimeout(min(self._read_timeout, left))

    def recv_into(self, buffer: Any, *args: Any) -> int:
        self._arm()
        try:
            return self._sock.recv_into(buffer, *args)
        except TimeoutError:
            if time.monotonic() >= self._end:
                raise _Late() from None
            raise

    def sendall(self, data: Any, *args: Any) -> None:
        self._arm()
        self._sock.sendall(data, *args)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> BufferedReader:
        self._files += 1
        return BufferedReader(_Reader(self))

    def file_closed(self) -> None:
        self._files -= 1
        if self._closing and not self._files:
            self._sock.close()

    def close(self) -> None:
        self._closing = True
        if not self._files:
            self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _Reader(RawIOBase):
    """The raw stream under http.client's buffered reader: reads through _DeadlineSocket."""

    def __init__(self, sock: _DeadlineSocket) -> None:
        super().__init__()
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._sock.file_closed()
        super().close()
