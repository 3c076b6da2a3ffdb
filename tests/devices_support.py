"""Calls as a paired device makes them, and pairing one through the real claim endpoint."""

from __future__ import annotations

import json
from typing import Any

from support import Reply, fetch

from swarmplayer.supervisor import Service


def call(service: Service, method: str, path: str, token: str | None = None,
         payload: Any = None, headers: dict[str, str] | None = None) -> Reply:
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    body = None
    if payload is not None:
        body = json.dumps(payload).encode()
        sent["Content-Type"] = "application/json"
    return fetch(service.url + path, method, sent, body)


def pair(service: Service, name: str = "Test phone") -> tuple[int, str]:
    """A device paired through the real claim endpoint with a code the TV would show."""
    code = service.app.extensions["swarmplayer"]["pairing"].new_code().code
    reply = call(service, "POST", "/api/v1/pairing/claim", payload={"code": code, "name": name})
    assert reply.status == 201, reply.body
    body = reply.json()
    return body["device"]["id"], body["token"]
