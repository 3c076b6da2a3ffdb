"""The box's own network names and addresses (for Host checks, pairing links, discovery)."""

from __future__ import annotations

import ipaddress
import re
import socket

import ifaddr

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def interface_addresses() -> list[str]:
    """Every address of every interface, loopback included, IPv4 first (no scope ids)."""
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            text = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            if text not in found:
                found.append(text)
    return sorted(found, key=lambda a: ":" in a)


def lan_addresses() -> list[str]:
    """The addresses a phone on the LAN can reach: not loopback, not IPv6 link-local."""
    usable = []
    for text in interface_addresses():
        ip = ipaddress.ip_address(text)
        if not (ip.is_loopback or ip.is_link_local):
            usable.append(text)
    return usable


def own_names() -> set[str]:
    """Host names (lower case) a request to this box may carry in its Host header."""
    host = socket.gethostname().lower()
    names = {*LOOPBACK_NAMES, host, f"{host}.local", host.split(".")[0]}
    return names | {a.lower() for a in interface_addresses()}


_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$|^[0-9a-f:.]+$")


def parse_host_list(text: object) -> set[str]:
    """Comma-separated host names or addresses (lower-cased); ValueError for anything else."""
    names = {n.strip().lower() for n in str(text).split(",") if n.strip()}
    bad = sorted(n for n in names if not _HOST.match(n))
    if bad:
        raise ValueError(f"not host names: {', '.join(bad)}")
    return names
