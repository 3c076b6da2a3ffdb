"""`/api/v1/pairing/*` and `/api/v1/devices`: pair a phone with a code, list and revoke."""

from __future__ import annotations

import base64
import io
import ipaddress
from dataclasses import asdict
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from ..auth.pairing import Pairing, TooManyAttempts
from ..auth.tokens import clean_name
from ..errors import BadInput
from ..netaddrs import lan_addresses
from .auth import devices
from .errors import error_response

bp = Blueprint("pairing", __name__, url_prefix="/api/v1")


def _pairing() -> Pairing:
    return current_app.extensions["swarmplayer"]["pairing"]


def _box_address() -> str:
    """host:port a phone can open: the address this request came in on if it is a LAN one,
    else the box's first LAN address (an IP, not a .local name: older Android cannot
    resolve those)."""
    parts = urlsplit("//" + request.host)
    host = parts.hostname or ""
    port = parts.port or request.environ.get("SERVER_PORT", "80")
    try:
        usable = not ipaddress.ip_address(host).is_loopback
    except ValueError:
        usable = False
    if not usable:
        found = lan_addresses()
        host = found[0] if found else host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@bp.post("/pairing/codes")
def new_code() -> ResponseReturnValue:
    """A code to show on the TV, with the link its QR code carries; `?qr=png` adds that QR
    code as a base64 PNG (`qr_png`), for a TV that has no QR library (the Kodi add-on)."""
    qr = request.args.get("qr")
    if qr not in (None, "png"):
        raise BadInput("qr is png (or left out)", code="invalid_field")
    code = _pairing().new_code()
    url = f"http://{_box_address()}/pair#code={code.code}"
    current_app.logger.info("pairing code %s (valid 5 minutes): %s", code.code, url)
    answer = {"code": code.code, "expires_at": code.expires_at, "url": url}
    if qr == "png":
        answer["qr_png"] = _qr_png(url)
    return jsonify(answer), 201


def _qr_png(text: str) -> str:
    import segno  # here, not at the top: only when a TV pairs (the service stays light)

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=10, border=2)
    return base64.b64encode(out.getvalue()).decode("ascii")


@bp.post("/pairing/claim")
def claim() -> ResponseReturnValue:
    """`{"code": "123456", "name": "Anna's phone"}` → 201 `{"token", "device"}` (public)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput('send JSON like {"code": "123456", "name": "My phone"}')
    name = clean_name(body.get("name"))
    try:
        _pairing().claim(body.get("code"), request.remote_addr or "?")
    except TooManyAttempts as exc:
        response = error_response(exc.status, exc.code, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    device, token = devices().add(name)
    current_app.logger.info("paired device %d (%s)", device.id, device.name)
    return jsonify(token=token, device=asdict(device)), 201


@bp.get("/pairing/me")
def me() -> ResponseReturnValue:
    """The device the request's token belongs to (null for the box itself)."""
    device = g.get("device")
    return jsonify(device=asdict(device) if device else None)


@bp.get("/devices")
def list_devices() -> ResponseReturnValue:
    limit = _int_arg("limit", 50, 1, 200)
    offset = _int_arg("offset", 0, 0, None)
    found = devices().list()
    return jsonify(devices=[asdict(d) for d in found[offset:offset + limit]],
                   total=len(found), limit=limit, offset=offset)


@bp.delete("/devices/<int:device_id>")
def revoke(device_id: int) -> ResponseReturnValue:
    devices().revoke(device_id)
    return "", 204


def _int_arg(name: str, default: int, low: int, high: int | None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadInput(f"{name} must be a whole number", code="invalid_field") from None
    if value < low or (high is not None and value > high):
        raise BadInput(f"{name} must be between {low} and {high or 'any'}",
                       code="invalid_field")
    return value
