"""Peer addresses ("host:port"): parsing, formatting and resolving. A ground-floor module: it
imports nothing of the package, so every layer can use it."""

from __future__ import annotations

import ipaddress
import logging
import socket

from .errors import BadInput

log = logging.getLogger(__name__)


def peer_address(text: str) -> tuple[str, int]:
    """(host, port) of a "host:port" text; BadInput when it is not one."""
    host, sep, port = str(text).strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BadInput(f"a peer is host:port, not {str(text)[:80]!r}", code="invalid_peer")
    return host, int(port)


def host_port(host: str, port: int) -> str:
    """"host:port", with an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def resolve(host: str) -> str | None:
    """The IP address of a host (a literal is returned as it is); None when it does not
    resolve."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        log.warning("%s does not resolve (%s)", host, exc)
        return None
    return str(infos[0][4][0]) if infos else None
