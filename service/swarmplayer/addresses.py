"""Peer addresses ("host:port"): parsing, formatting and resolving. A ground-floor module: it
imports nothing of the package, so every layer can use it."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket

from .errors import BadInput
from .units import whole_number

log = logging.getLogger(__name__)

# The characters of a host name (RFC 3986 reg-name, without percent-encoding).
_HOST_NAME = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=-]{1,253}")


def bad_host(host: str) -> str | None:
    """Why `host` (a name or an IP address, IPv6 without brackets) cannot be one, or None."""
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return "not an IPv6 address"
        return None
    if not _HOST_NAME.fullmatch(host):
        return "not a host name"
    if host.rstrip(".").rpartition(".")[2].isdigit():
        # A name ending in a number is an IPv4 address or nothing (999.1.1.1 is nothing).
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return "not an IPv4 address"
    return None


def peer_address(text: str) -> tuple[str, int]:
    """(host, port) of a "host:port" text; BadInput when it is not one."""
    host, sep, port = str(text).strip().rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        bracketed = True
    else:
        bracketed = False
    number = whole_number(port) if port == port.strip() else None
    if (not sep or not host or number is None or not 0 < number < 65536
            or bad_host(host) or (bracketed and ":" not in host)):
        raise BadInput(f"a peer is host:port, not {str(text)[:80]!r}", code="invalid_peer")
    return host, number


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
