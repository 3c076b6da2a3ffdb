"""`/api/v1/pairing/*` and `/api/v1/devices`: pair a phone with a code, list and revoke."""

from __future__ import annotations

import base64
import io
import ipaddress
import logging
from dataclasses import asdict
from urllib.parse import urlsplit

from werkzeug.wrappers import Response

from ..auth.pairing import TooManyAttempts
from ..auth.tokens import clean_name
from ..errors import BadInput
from ..netaddrs import lan_addresses
from .body import page, paged
from .errors import error_response
from .http import Request, Route, json_response, no_content

log = logging.getLogger(__name__)


def _box_address(request: Request) -> str:
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


def new_code(request: Request) -> Response:
    """A code to show on the TV, with the link its QR code carries; `?qr=png` adds that QR
    code as a base64 PNG (`qr_png`), for a TV that has no QR library (the Kodi add-on)."""
    qr = request.args.get("qr")
    if qr not in (None, "png"):
        raise BadInput("qr is png (or left out)", code="invalid_field")
    code = request.shared.pairing.new_code()
    url = f"http://{_box_address(request)}/pair#code={code.code}"
    log.info("pairing code %s (valid 5 minutes): %s", code.code, url)
    answer = {"code": code.code, "expires_at": code.expires_at, "url": url}
    if qr == "png":
        answer["qr_png"] = _qr_png(url)
    return json_response(answer, 201)


def _qr_png(text: str) -> str:
    import segno  # here, not at the top: only when a TV pairs (the service stays light)

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=10, border=2)
    return base64.b64encode(out.getvalue()).decode("ascii")


def claim(request: Request) -> Response:
    """`{"code": "123456", "name": "Anna's phone"}` → 201 `{"token", "device"}` (public)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput('send JSON like {"code": "123456", "name": "My phone"}')
    name = clean_name(body.get("name"))
    try:
        request.shared.pairing.claim(body.get("code"), request.remote_addr or "?")
    except TooManyAttempts as exc:
        response = error_response(exc.status, exc.code, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    device, token = request.shared.devices.add(name)
    log.info("paired device %d (%s)", device.id, device.name)
    return json_response({"token": token, "device": asdict(device)}, 201)


def me(request: Request) -> Response:
    """The device the request's token belongs to (null for the box itself)."""
    device = request.device
    return json_response({"device": asdict(device) if device else None})


def list_devices(request: Request) -> Response:
    limit, offset = page(request)
    found = request.shared.devices.list()
    return json_response(paged("devices", [asdict(d) for d in found[offset:offset + limit]],
                               len(found), limit, offset))


def revoke(request: Request, device_id: int) -> Response:
    request.shared.devices.revoke(device_id)
    return no_content()


def routes() -> list[Route]:
    return [
        Route("/api/v1/pairing/codes", new_code, "POST", group="pairing"),
        Route("/api/v1/pairing/claim", claim, "POST", group="pairing"),
        Route("/api/v1/pairing/me", me, "GET", group="pairing"),
        Route("/api/v1/devices", list_devices, "GET", group="pairing"),
        Route("/api/v1/devices/<int:device_id>", revoke, "DELETE", group="pairing"),
    ]
