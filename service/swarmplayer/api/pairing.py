"""`/api/v1/pairing` and `/api/v1/devices`: pair a phone with a code, list and revoke devices."""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import asdict
from typing import Any

import psutil
import segno
from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ..errors import BadInput, NotFound
from .access import Access

log = logging.getLogger(__name__)

bp = Blueprint("pairing", __name__, url_prefix="/api/v1")


def _access() -> Access:
    return current_app.extensions["swarmplayer"]["access"]


@bp.post("/pairing")
def start() -> ResponseReturnValue:
    """A new code for the TV to show (callers: the box itself or a paired device)."""
    code = _access().pairing.new_code()
    url = f"http://{_box_address()}/pair#code={code.code}"
    log.info("pairing code %s (valid 5 minutes): open %s on the phone", code.code, url)
    qr = segno.make(url, error="m")
    return jsonify(code=code.code, expires_at=code.expires_at, url=url,
                   qr_svg=qr.svg_inline(scale=6)), 201


@bp.post("/pairing/claim")
def claim() -> ResponseReturnValue:
    """Swap a code for a device token: `{"code": "123456", "device_name": "Anna's phone"}`."""
    body = _body()
    code, name = body.get("code"), body.get("device_name", "phone")
    if not isinstance(code, str) or not code.isdigit() or len(code) != 6:
        raise BadInput('"code" is the 6 digits the TV shows', code="invalid_field")
    if not isinstance(name, str):
        raise BadInput('"device_name" is text', code="invalid_field")
    access = _access()
    access.pairing.claim(code, request.remote_addr or "?")
    device, token = access.devices.pair(name)
    return jsonify(token=token, device_id=device.id, name=device.name), 201


@bp.get("/devices")
def devices() -> ResponseReturnValue:
    found = [asdict(d) for d in _access().devices.list()]
    return jsonify(devices=found, total=len(found), limit=len(found), offset=0)


@bp.delete("/devices/<device_id>")
def revoke(device_id: str) -> ResponseReturnValue:
    if not _access().devices.revoke(device_id):
        raise NotFound(f"no paired device {device_id[:40]!r}")
    return "", 204


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput('send JSON like {"code": "123456", "device_name": "my phone"}')
    return body


def _box_address() -> str:
    """host:port a phone can open: the address the caller used when it is not loopback, else
    the box's first LAN IPv4 (older Android cannot resolve .local names)."""
    host, _, port = request.host.rpartition(":")
    if not host:
        host, port = request.host, "80"
    try:
        if not ipaddress.ip_address(host.strip("[]")).is_loopback:
            return request.host
    except ValueError:
        pass
    for addresses in psutil.net_if_addrs().values():
        for a in addresses:
            if a.family == socket.AF_INET and not a.address.startswith("127."):
                return f"{a.address}:{port}"
    return f"127.0.0.1:{port}"
