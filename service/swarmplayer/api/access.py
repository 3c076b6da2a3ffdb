"""Access control, in one place for every route: who may call the API.

- Public: `GET /api/v1/info` and the pairing claim (a phone has no token before it).
- The box itself (127.0.0.1/::1: the Kodi add-on on the same box) is trusted while
  `trust_localhost` is on.
- Everyone else sends `Authorization: Bearer <token>` of a paired device; never a cookie, so a
  page elsewhere cannot make a browser act for it (CSRF).
- Stream URLs handed to a paired device carry a signed link token (players send no headers),
  which opens that torrent's streams and nothing else.
- The Host header must name this box (DNS rebinding: a page whose name resolves to the box's
  address must not reach the API through the browser of someone on the LAN).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field

from flask import Flask, Response, g, request

from ..auth import links
from ..auth.devices import Device, Devices, box_identity
from ..auth.pairing import Pairing
from ..config import Config
from ..errors import ServiceError
from ..store import Store
from .errors import error_response

PUBLIC_ENDPOINTS = frozenset({"info.info", "pairing.claim"})
STREAM_ENDPOINTS = frozenset({"stream.stream", "stream.stream_default"})
LOCAL_ADDRESSES = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


class AuthRequired(ServiceError):
    status = 401
    code = "unauthorized"


class WrongHost(ServiceError):
    status = 421
    code = "wrong_host"


@dataclass
class Access:
    """The app's access state: paired devices, live pairing codes, the box's id and secret."""

    devices: Devices
    box_id: str
    secret: bytes
    trust_localhost: bool
    pairing: Pairing = field(default_factory=Pairing)
    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_store(cls, store: Store, config: Config) -> Access:
        box_id, secret = box_identity(store)
        name = socket.gethostname().lower()
        hosts = {"localhost", name, f"{name}.local", config.http_host.lower()}
        return cls(Devices(store), box_id, secret, config.trust_localhost,
                   hosts=frozenset(hosts))


def register(app: Flask, access: Access) -> None:
    app.extensions["swarmplayer"]["access"] = access

    @app.before_request
    def check() -> None:
        if not _host_allowed(request.host, access.hosts):
            raise WrongHost("this box does not answer to that name: use its address")
        g.device = None
        endpoint = request.endpoint
        if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
            return  # an unknown path is a 404 for everyone
        if access.trust_localhost and request.remote_addr in LOCAL_ADDRESSES:
            g.local = True
            return
        device = _bearer_device(access.devices)
        if device is not None:
            g.device = device
            return
        view_args = request.view_args or {}
        if endpoint in STREAM_ENDPOINTS and links.valid(
                access.secret, str(view_args.get("info_hash", "")), request.args.get("t", "")):
            return
        raise AuthRequired("pair this device first: open the remote's pairing screen and type "
                           "the code the TV shows")

    @app.url_defaults
    def sign_stream_links(endpoint: str, values: dict[str, object]) -> None:
        # A paired device gets stream URLs its player can open without headers.
        if endpoint in STREAM_ENDPOINTS and g.get("device") is not None and "t" not in values:
            values["t"] = links.sign(access.secret, str(values["info_hash"]).lower())

    @app.errorhandler(AuthRequired)
    def unauthorized(exc: AuthRequired) -> Response:
        response = error_response(exc.status, exc.code, exc.message)
        response.headers["WWW-Authenticate"] = 'Bearer realm="SwarmPlayer"'
        return response


def _bearer_device(devices: Devices) -> Device | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return devices.check(token.strip())


def _host_allowed(host: str, names: frozenset[str]) -> bool:
    """Whether a Host header names this box: one of its names, or an address literal (a
    rebinding page can only come under a name of its own)."""
    name = host.lower()
    if name.startswith("["):
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    if name in names:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
