"""Calls as a paired device makes them, and pairing one through the real claim endpoint."""

from __future__ import annotations

import http.client
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
    code = service.app.shared.pairing.new_code().code
    reply = call(service, "POST", "/api/v1/pairing/claim", payload={"code": code, "name": name})
    assert reply.status == 201, reply.body
    body = reply.json()
    return body["device"]["id"], body["token"]


def from_the_lan(service: Service, payload: Any, path: str = "/api/v1/torrents") -> Reply:
    """A POST sent from 127.0.0.2, by a paired device: the box sees it as another machine of
    the LAN."""
    _, token = pair(service, "a LAN client")
    port = int(service.url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                      source_address=("127.0.0.2", 0))
    try:
        conn.request("POST", path, json.dumps(payload).encode(),
                     {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()
