"""The one gate every request passes: Host check, then a paired device's token (or the box
itself, or a signed stream link); security headers on every answer.

Everything is closed unless it is named public here, so a route another module adds later is
protected without anyone remembering to."""

from __future__ import annotations

import threading
import time

from flask import Flask, Response, current_app, g, request, url_for

from ..auth.pairing import Pairing
from ..auth.tokens import Devices, StreamSigner
from ..config import Config
from ..netaddrs import own_names, parse_host_list
from .errors import error_response

# Endpoints anyone on the LAN may call: who the box is, and the claim of a pairing code.
PUBLIC_ENDPOINTS = frozenset({"info.info", "pairing.claim"})
# The phone page's shell, pairing screen and static files hold no data: the page gets its
# data through the API with its token. The published feed and its .tstreams are for other
# boxes to subscribe to, without a token.
PUBLIC_BLUEPRINTS = frozenset({"web", "published_feed"})
STREAM_BLUEPRINT = "stream"
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


def install(app: Flask, config: Config, devices: Devices) -> None:
    """Register the gate on `app`; devices and the stream signer go in app.extensions."""
    names = _HostNames(config.allowed_hosts)
    signer = StreamSigner(config.stream_link_seconds)
    app.extensions["swarmplayer"].update(devices=devices, stream_signer=signer,
                                          pairing=Pairing())

    @app.before_request
    def gate() -> Response | None:
        host = request.headers.get("Host")
        if host is not None and not names.allowed(host):
            return error_response(421, "unknown_host",
                                  "this box does not answer to that name (Host header)")
        endpoint = request.endpoint or ""
        blueprint = endpoint.partition(".")[0] if "." in endpoint else ""
        if endpoint in PUBLIC_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS:
            return None
        if config.trust_localhost and request.remote_addr in LOOPBACK:
            g.device = None
            return None
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            device = devices.check(token.strip())
            if device is not None:
                g.device = device
                return None
            return _unauthorized("that token is not (or no longer) valid: pair this device "
                                 "again")
        link = request.args.get("token", "")
        info_hash = (request.view_args or {}).get("info_hash", "")
        if blueprint == STREAM_BLUEPRINT and link and signer.valid(info_hash, link):
            return None
        return _unauthorized("pair this device first: a token (Authorization: Bearer) is "
                             "needed")

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _unauthorized(message: str) -> Response:
    response = error_response(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="swarmplayer"'
    return response


def stream_link(info_hash: str, file_index: int | None = None) -> str:
    """The URL of a torrent's stream (its default video, or one file) with a signed token,
    for players that cannot send headers; the token opens that torrent's streams only."""
    signer: StreamSigner = current_app.extensions["swarmplayer"]["stream_signer"]
    token = signer.token(info_hash)
    if file_index is None:
        return url_for("stream.stream_default", info_hash=info_hash, token=token,
                       _external=True)
    return url_for("stream.stream", info_hash=info_hash, file_index=file_index, token=token,
                   _external=True)


def devices() -> Devices:
    return current_app.extensions["swarmplayer"]["devices"]
