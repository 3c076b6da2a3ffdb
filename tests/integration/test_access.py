"""Access control: every route but the public ones needs a paired device's token; pairing
codes expire, work once and cannot be brute-forced; rebinding Host names are refused."""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from swarmplayer.api.access import PUBLIC_ENDPOINTS
from swarmplayer.auth.pairing import GLOBAL_FAILURES, PER_CLIENT_FAILURES, Pairing
from swarmplayer.supervisor import Service

PHONE = {"REMOTE_ADDR": "192.0.2.9"}  # a LAN client: not the box itself
IH = "ab" * 20
ARGUMENTS = {"integer": 0, "path": "x.mp4"}


def _routes(service: Service) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route of the app, with made-up arguments."""
    found = []
    for rule in service.app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {name: _argument(conv) for name, conv in rule._converters.items()}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def _argument(converter: Any) -> Any:
    """A value the converter accepts: any of an `any(...)`, else one made up for its kind."""
    items = getattr(converter, "items", None)
    if items:
        return sorted(items)[0]
    return ARGUMENTS.get(type(converter).__name__.replace("Converter", "").lower(), IH)


def _pair(client: FlaskClient, name: str = "phone") -> dict[str, Any]:
    code = client.post("/api/v1/pairing").get_json()["code"]  # from the box itself
    answer = client.post("/api/v1/pairing/claim", json={"code": code, "device_name": name},
                         environ_base=PHONE)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


@pytest.fixture
def client(service: Service) -> FlaskClient:
    return service.app.test_client()


def test_every_route_but_the_public_ones_needs_a_token(service: Service, client: FlaskClient):
    routes = _routes(service)
    assert len(routes) > 10  # the walk found the app's routes, not nothing
    revoked = _pair(client, "old phone")
    assert client.delete(f"/api/v1/devices/{revoked['device_id']}").status_code == 204
    for endpoint, method, url in routes:
        for headers in ({}, {"Authorization": "Bearer wrong"},
                        {"Authorization": f"Bearer {revoked['token']}"},
                        {"Authorization": "Basic dXNlcjpwYXNz"}):
            answer = client.open(url, method=method, headers=headers, environ_base=PHONE,
                                 json={})
            if endpoint in PUBLIC_ENDPOINTS:
                assert answer.status_code != 401, (method, url)
            else:
                assert answer.status_code == 401, (method, url, headers, answer.status_code)
                assert answer.get_json()["error"] == "unauthorized"
                assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_public_routes_are_only_info_and_claim(service: Service):
    assert {"info.info", "pairing.claim"} == PUBLIC_ENDPOINTS
    info = service.app.test_client().get("/api/v1/info", environ_base=PHONE).get_json()
    assert info["auth"] == "token" and re.fullmatch(r"[0-9a-f]{16}", info["id"])


def test_a_paired_phone_drives_the_api_until_revoked(client: FlaskClient):
    device = _pair(client, "Anna's phone")
    auth = {"Authorization": f"Bearer {device['token']}"}
    assert client.get("/api/v1/torrents", headers=auth, environ_base=PHONE).status_code == 200
    listed = client.get("/api/v1/devices", headers=auth, environ_base=PHONE).get_json()
    assert [d["name"] for d in listed["devices"]] == ["Anna's phone"]
    assert "token" not in json.dumps(listed)
    assert client.delete(f"/api/v1/devices/{device['device_id']}", headers=auth,
                         environ_base=PHONE).status_code == 204
    assert client.get("/api/v1/torrents", headers=auth, environ_base=PHONE).status_code == 401


def test_a_code_works_once(client: FlaskClient):
    code = client.post("/api/v1/pairing").get_json()["code"]
    first = client.post("/api/v1/pairing/claim", json={"code": code}, environ_base=PHONE)
    again = client.post("/api/v1/pairing/claim", json={"code": code}, environ_base=PHONE)
    assert first.status_code == 201
    assert again.status_code == 403 and again.get_json()["error"] == "invalid_code"


@pytest.mark.parametrize("body", [None, [], {"code": 123456}, {"code": "12345"},
                                  {"code": "abcdef"}, {"code": "123456", "device_name": 5}])
def test_a_bad_claim_body_is_a_clear_400(client: FlaskClient, body: Any):
    answer = client.post("/api/v1/pairing/claim", json=body, environ_base=PHONE)
    assert answer.status_code == 400
    assert answer.get_json()["error"] in ("bad_request", "invalid_field")


def test_a_code_expires_after_five_minutes():
    now = [1000.0]
    pairing = Pairing(clock=lambda: now[0])
    code = pairing.new_code().code
    now[0] += 301
    with pytest.raises(Exception, match="expired"):
        pairing.claim(code, "10.0.0.2")


def test_guessing_codes_is_stopped_per_client_and_for_the_box(client: FlaskClient):
    code = client.post("/api/v1/pairing").get_json()["code"]
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(PER_CLIENT_FAILURES):
        answer = client.post("/api/v1/pairing/claim", json={"code": wrong}, environ_base=PHONE)
        assert answer.status_code == 403
    # Now even the right code is refused to this client…
    blocked = client.post("/api/v1/pairing/claim", json={"code": code}, environ_base=PHONE)
    assert blocked.status_code == 429 and blocked.get_json()["error"] == "too_many_attempts"
    # …and guesses spread over many addresses hit the box-wide limit.
    for n in range(GLOBAL_FAILURES):
        client.post("/api/v1/pairing/claim", json={"code": wrong},
                    environ_base={"REMOTE_ADDR": f"192.0.2.{100 + n}"})
    other = client.post("/api/v1/pairing/claim", json={"code": code},
                        environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert other.status_code == 429


@pytest.mark.parametrize(("host", "status"), [
    ("evil.example", 421), ("evil.example:8642", 421), ("box.attacker.test", 421),
    ("localhost:8642", 200), ("192.168.1.20:8642", 200), ("[fe80::1]:8642", 200),
])
def test_a_rebinding_host_name_is_refused(client: FlaskClient, host: str, status: int):
    answer = client.get("/api/v1/info", headers={"Host": host})
    assert answer.status_code == status
    if status == 421:
        assert answer.get_json()["error"] == "wrong_host"


def test_tokens_are_stored_hashed(service: Service, client: FlaskClient):
    device = _pair(client)
    raw = sqlite3.connect(service.config.db_path).execute("SELECT * FROM devices").fetchall()
    assert raw and device["token"] not in repr(raw)


def test_a_signed_stream_link_opens_that_stream_only(service: Service, client: FlaskClient,
                                                      video: Callable[..., Any]):
    from swarmplayer.tstream_maker import make_tstream_file

    tstream = make_tstream_file(video(seconds=2), None)
    auth = {"Authorization": f"Bearer {_pair(client)['token']}"}
    added = client.post("/api/v1/torrents", json={"path": str(tstream)}, headers=auth,
                        environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_json()
    info_hash = added["info_hash"]
    shown = client.get(f"/api/v1/torrents/{info_hash}", headers=auth, environ_base=PHONE)
    link = shown.get_json()["stream_url"]
    assert "?t=" in link and shown.get_json()["files"][0]["stream_url"].count("t=") == 1
    path = link.split("//", 1)[1].partition("/")[2]
    opened = client.head("/" + path, environ_base=PHONE)  # no header: the link's token
    assert opened.status_code in (200, 206)
    token = path.partition("?t=")[2]
    assert client.get(f"/api/v1/torrents?t={token}", environ_base=PHONE).status_code == 401
    other = client.head(f"/stream/{IH}?t={token}", environ_base=PHONE)
    assert other.status_code == 401
    flipped = token[:-1] + ("1" if token[-1] == "0" else "0")
    tampered = client.head(f"/stream/{info_hash}?t={flipped}", environ_base=PHONE)
    assert tampered.status_code == 401


def test_over_http_a_service_that_trusts_no_one_wants_a_token(
        make_service: Callable[..., Service]):
    service = make_service(trust_localhost=False)

    def get(path: str, token: str | None = None) -> int:
        request = urllib.request.Request(service.url + path)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert get("/api/v1/info") == 200
    assert get("/api/v1/torrents") == 401
    _device, token = service.app.extensions["swarmplayer"]["access"].devices.pair("test")
    assert get("/api/v1/torrents", token) == 200


def test_pair_and_devices_from_the_terminal(service: Service):
    import subprocess
    import sys

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "swarmplayer", *args, "--service",
                               service.url], capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL, check=True)
        return done.stdout

    shown = run("pair")
    code = re.search(r"type the code (\d{6})", shown)
    assert code and "/pair#code=" + code.group(1) in shown
    assert "█" in shown or "▀" in shown  # the QR code, drawn in text
    claimed = service.app.test_client().post(
        "/api/v1/pairing/claim", json={"code": code.group(1), "device_name": "tablet"},
        environ_base=PHONE)
    assert claimed.status_code == 201
    device_id = claimed.get_json()["device_id"]
    assert f"{device_id}  tablet" in run("devices")
    assert run("devices", "--revoke", device_id) == f"revoked {device_id}\n"
    assert "no paired devices" in run("devices")
