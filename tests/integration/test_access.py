"""Access control over real HTTP: every route is closed without a paired device's token, pairing
codes work once and cannot be brute-forced, rebinding Host names are refused."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from devices_support import call, pair
from support import assert_json_error, fetch

from swarmplayer.api.auth import PUBLIC_ENDPOINTS, PUBLIC_GROUPS
from swarmplayer.auth.pairing import CLIENT_FAILURES
from swarmplayer.supervisor import Service

# What a route's converters are given when the test walks the URL map.
SAMPLE = {"int": "1", "path": "x/y", "default": "0" * 40, "string": "0" * 40}


def _routes(service: Service) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every rule of the app, converters filled with samples."""
    found = []
    for rule in service.app.url_map.iter_rules():
        path = re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>",
                      lambda m: SAMPLE.get(m.group(1) or "default", "x"), rule.rule)
        for method in sorted(rule.methods or ()):
            found.append((rule.endpoint, method, path))
    return found


def _public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint.partition(".")[0] in PUBLIC_GROUPS


@pytest.fixture
def locked(make_service: Callable[..., Service]) -> Service:
    """A service that trusts nobody, not even 127.0.0.1 (the tests' own address)."""
    return make_service(trust_localhost=False)


def test_every_route_needs_a_valid_token(locked: Service) -> None:
    device_id, token = pair(locked, "to be revoked")
    assert call(locked, "DELETE", f"/api/v1/devices/{device_id}", token).status == 204
    routes = _routes(locked)
    assert len(routes) > 10  # the walk really saw the app
    closed = [r for r in routes if not _public(r[0])]
    for endpoint, method, path in closed:
        for label, sent in (("no token", None), ("revoked token", token),
                            ("wrong token", "x" * 43)):
            reply = call(locked, method, path, sent)
            assert reply.status == 401, (endpoint, method, path, label, reply.status)
            if method != "HEAD":
                assert assert_json_error(reply)["error"] == "unauthorized"
            assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    # The public list is what it claims: these answer without a token.
    info = call(locked, "GET", "/api/v1/info")
    assert info.status == 200 and info.json()["auth"] == "token"
    assert len(info.json()["id"]) == 16 and info.json()["friendly_name"]
    wrong_code = call(locked, "POST", "/api/v1/pairing/claim",
                      payload={"code": "000000", "name": "x"})
    assert wrong_code.status in (403, 429)  # the code is checked, not the token
    # The page's shell and files hold no data and are public; each public endpoint is seen.
    seen = set()
    for path in ("/", "/pair", "/static/app.js", "/manifest.webmanifest", "/sw.js"):
        reply = call(locked, "GET", path)
        assert reply.status == 200, path
        seen.add(locked.app.url_map.bind("x").match(path)[0])
    page = call(locked, "GET", "/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    # The published feed and its .tstreams are for other boxes, which have no token.
    feed = call(locked, "GET", "/feeds/published.xml")
    assert feed.status == 200 and feed.headers.get_content_type() == "application/rss+xml"
    unknown = call(locked, "GET", f"/feeds/published/{'0' * 40}.tstream")
    assert assert_json_error(unknown, 404)["error"] == "not_found"  # looked up, not locked
    seen |= {"published_feed.feed", "published_feed.tstream"}
    public = {r[0] for r in routes if _public(r[0])}
    assert public == seen | {"info.info", "pairing.claim", "web.static"}


def test_a_paired_token_opens_the_api_and_revoking_closes_it(locked: Service) -> None:
    device_id, token = pair(locked, "  Anna's   phone ")
    reply = call(locked, "GET", "/api/v1/devices", token)
    assert reply.status == 200
    body = reply.json()
    assert [d["name"] for d in body["devices"]] == ["Anna's phone"]
    assert body["total"] == 1 and "token" not in json.dumps(body).lower().replace(
        '"token_hash"', "")
    assert call(locked, "GET", "/api/v1/pairing/me", token).json()["device"]["id"] == device_id
    assert call(locked, "GET", "/api/v1/torrents", token).status == 200
    # Only a hash of the token is on disk.
    with locked.store.read() as db:
        stored = [r[0] for r in db.execute("SELECT token_hash FROM devices")]
    assert token not in stored and len(stored[0]) == 64
    assert call(locked, "DELETE", f"/api/v1/devices/{device_id}", token).status == 204
    assert call(locked, "GET", "/api/v1/torrents", token).status == 401
    assert_json_error(call(locked, "DELETE", "/api/v1/devices/999",
                           pair(locked)[1]), 404)


def test_a_code_works_once_and_bad_claims_get_clear_errors(locked: Service) -> None:
    code = locked.app.shared.pairing.new_code().code
    claim = {"code": code, "name": "phone"}
    assert call(locked, "POST", "/api/v1/pairing/claim", payload=claim).status == 201
    again = call(locked, "POST", "/api/v1/pairing/claim", payload=claim)
    assert assert_json_error(again, 403)["error"] == "wrong_code"
    for bad in ({"code": "12345", "name": "p"}, {"code": 123456, "name": "p"},
                {"code": "123456"}, {"code": "123456", "name": "\x00"}, [1]):
        assert_json_error(call(locked, "POST", "/api/v1/pairing/claim", payload=bad), 400)
    assert_json_error(fetch(locked.url + "/api/v1/pairing/claim", "POST",
                            {"Content-Type": "application/json"}, b"{nope"), 400)


def test_a_brute_force_of_codes_is_stopped(locked: Service) -> None:
    pairing = locked.app.shared.pairing
    real = pairing.new_code().code
    statuses = []
    for n in range(CLIENT_FAILURES + 3):
        guess = f"{(int(real) + 1 + n) % 10**6:06d}"
        statuses.append(call(locked, "POST", "/api/v1/pairing/claim",
                             payload={"code": guess, "name": "attacker"}).status)
    assert statuses[:CLIENT_FAILURES] == [403] * CLIENT_FAILURES
    assert set(statuses[CLIENT_FAILURES:]) == {429}
    # Locked out, even the right code is refused: guessing on cannot pay.
    locked_out = call(locked, "POST", "/api/v1/pairing/claim",
                      payload={"code": real, "name": "attacker"})
    assert assert_json_error(locked_out, 429)["error"] == "too_many_attempts"
    assert int(locked_out.headers["Retry-After"]) > 0


def test_box_wide_limit_holds_across_many_client_addresses() -> None:
    from swarmplayer.auth.pairing import GLOBAL_FAILURES, Pairing, TooManyAttempts, WrongCode

    now = [1000.0]
    pairing = Pairing(clock=lambda: now[0])
    real = pairing.new_code().code
    wrong = f"{(int(real) + 1) % 10**6:06d}"
    for n in range(GLOBAL_FAILURES):
        with pytest.raises(WrongCode):
            pairing.claim(wrong, f"10.0.{n // 250}.{n % 250}")
    with pytest.raises(TooManyAttempts):
        pairing.claim(real, "10.9.9.9")  # a fresh address is held back too
    now[0] += 301.0  # the window passes; the code has expired meanwhile (5 min)
    with pytest.raises(WrongCode):
        pairing.claim(real, "10.9.9.9")
    fresh = pairing.new_code().code
    pairing.claim(fresh, "10.9.9.9")


def test_stream_links_are_signed_and_do_not_open_the_api(locked: Service, tmp_path: Any,
                                                        video: Callable[..., Any]) -> None:
    from swarmplayer.tstream_maker import make_tstream_file

    source = make_tstream_file(video("clip.mp4", seconds=2), tmp_path / "clip.tstream")
    _, token = pair(locked)
    added = call(locked, "POST", "/api/v1/torrents", token, {"path": str(source)})
    assert added.status == 201, added.body
    detail = added.json()
    link = detail["stream_url"]
    assert "token=" in link
    assert fetch(link, "HEAD").status == 200  # a player without headers gets the file
    assert fetch(link.split("?")[0], "HEAD").status == 401
    stolen = link.split("token=")[1]
    assert fetch(locked.url + f"/api/v1/torrents?token={stolen}").status == 401
    assert call(locked, "GET", "/api/v1/torrents", stolen).status == 401
    other = "1" * 40
    assert fetch(locked.url + f"/stream/{other}?token={stolen}", "HEAD").status == 401
    forged = stolen.split(".")[0] + ".AAAAAAAAAAAAAAAAAAAAAAAA"
    assert fetch(link.split("?")[0] + f"?token={forged}", "HEAD").status == 401


def test_a_rebinding_host_is_refused_and_the_page_headers_are_set(service: Service) -> None:
    port = service.url.rsplit(":", 1)[1]
    evil = fetch(service.url + "/api/v1/torrents", headers={"Host": f"evil.example:{port}"})
    assert assert_json_error(evil, 421)["error"] == "unknown_host"
    # Public endpoints too: a rebinding page must not even learn who the box is.
    assert fetch(service.url + "/api/v1/info", headers={"Host": "evil.example"}).status == 421
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        ok = fetch(service.url + "/api/v1/info", headers={"Host": host})
        assert ok.status == 200, host
    headers = ok.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in headers


def test_localhost_is_trusted_by_default(service: Service) -> None:
    assert fetch(service.url + "/api/v1/torrents").status == 200
    assert fetch(service.url + "/api/v1/devices").json()["devices"] == []


def test_pair_and_devices_from_the_command_line(service: Service) -> None:
    from test_cli import swarmplayer

    shown = swarmplayer("pair", "--service", service.url, timeout=60)
    assert shown.returncode == 0, shown.stderr
    code = re.search(r"Pairing code: (\d{6})", shown.stdout).group(1)
    assert f"/pair#code={code}" in shown.stdout
    assert "▀" in shown.stdout or "█" in shown.stdout  # the QR code, drawn in text
    claimed = call(service, "POST", "/api/v1/pairing/claim",
                   payload={"code": code, "name": "CLI phone"})
    assert claimed.status == 201
    listed = swarmplayer("devices", "--service", service.url, timeout=60)
    assert "CLI phone" in listed.stdout, listed.stderr
    device_id = claimed.json()["device"]["id"]
    revoked = swarmplayer("devices", "--service", service.url, "--revoke", str(device_id),
                          timeout=60)
    assert revoked.returncode == 0, revoked.stderr
    assert "no paired devices" in swarmplayer("devices", "--service", service.url).stdout
