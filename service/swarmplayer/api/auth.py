"""The one gate every request passes: Host check, then a paired device's token (or the box
itself, or a signed stream link); security headers on every answer.

Everything is closed unless it is named public here, so a route another module adds later is
protected without anyone remembering to."""

from __future__ import annotations

import threading
import time

from werkzeug.wrappers import Response

from ..auth.tokens import Devices, StreamSigner
from ..config import Config
from ..netaddrs import own_names, parse_host_list
from .errors import error_response
from .http import Request

# Endpoints anyone on the LAN may call: who the box is, and the claim of a pairing code.
PUBLIC_ENDPOINTS = frozenset({"info.info", "pairing.claim"})
# Groups of endpoints (`group.view`) that are public. The phone page's shell, pairing screen
# and static files hold no data: the page gets its data through the API with its token. The
# published feed and its .tstreams are for other boxes to subscribe to, without a token.
PUBLIC_GROUPS = frozenset({"web", "published_feed"})
STREAM_GROUP = "stream"
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})

CSP = ("default-src 'self'; img-src 'self' data: https:; connect-src 'self'; "
       "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
NAMES_REFRESH_S = 10.0


class _HostNames:
    """The box's own names, refreshed on a miss at most every few seconds (DHCP may change
    an address; a rebinding attacker must not make us enumerate interfaces per request)."""

    def __init__(self, extra: str) -> None:
        self._extra = parse_host_list(extra)
        self._names: set[str] = set()
        self._at = float("-inf")
        self._lock = threading.Lock()

    def allowed(self, host: str) -> bool:
        name = _strip_port(host.lower())
        if name in self._names or name in self._extra:
            return True
        with self._lock:
            if time.monotonic() - self._at > NAMES_REFRESH_S:
                self._names, self._at = own_names(), time.monotonic()
        return name in self._names


def _strip_port(host: str) -> str:
    if host.startswith("["):
        return host[1:].partition("]")[0].partition("%")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


class Gate:
    """The checks before any view runs, in order: the Host, then the public endpoints, the box
    itself, a paired device's token, a signed stream link."""

    def __init__(self, config: Config, devices: Devices, signer: StreamSigner) -> None:
        self._config, self._devices, self._signer = config, devices, signer
        self._names = _HostNames(config.allowed_hosts)

    def refusal(self, request: Request) -> Response | None:
        """The answer that turns `request` away, or None to let it through (having set
        `request.device`). A request that matched no route has no endpoint and is refused
        like any closed one: only a paired device learns what is not there."""
        host = request.headers.get("Host")
        if host is not None and not self._names.allowed(host):
            return error_response(421, "unknown_host",
                                  "this box does not answer to that name (Host header)")
        endpoint = request.endpoint or ""
        group = endpoint.partition(".")[0] if "." in endpoint else ""
        if endpoint in PUBLIC_ENDPOINTS or group in PUBLIC_GROUPS:
            return None
        if self._config.trust_localhost and request.remote_addr in LOOPBACK:
            return None
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            device = self._devices.check(token.strip())
            if device is not None:
                request.device = device
                return None
            return _unauthorized("that token is not (or no longer) valid: pair this device "
                                 "again")
        link = request.args.get("token", "")
        info_hash = request.view_args.get("info_hash", "")
        if group == STREAM_GROUP and link and self._signer.valid(info_hash, link):
            return None
        return _unauthorized("pair this device first: a token (Authorization: Bearer) is "
                             "needed")


def secure(response: Response) -> Response:
    """`response` with the security headers every answer carries."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _unauthorized(message: str) -> Response:
    response = error_response(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="swarmplayer"'
    return response


def stream_link(request: Request, info_hash: str, file_index: int | None = None) -> str:
    """The URL of a torrent's stream (its default video, or one file) with a signed token,
    for players that cannot send headers; the token opens that torrent's streams only."""
    token = request.shared.stream_signer.token(info_hash)
    if file_index is None:
        return request.url_for("stream.stream_default", info_hash=info_hash, token=token,
                               external=True)
    return request.url_for("stream.stream", info_hash=info_hash, file_index=file_index,
                           token=token, external=True)
