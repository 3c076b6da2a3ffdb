"""Browse `_swarmplayer._tcp` and print each change as one line (`add NAME ID` or
`remove NAME`), for the discovery tests to follow from another network namespace."""

from __future__ import annotations

import sys
import threading

from zeroconf import IPVersion, ServiceBrowser, ServiceListener, Zeroconf

from swarmplayer.discovery import SERVICE_TYPE


class Printer(ServiceListener):
    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        info = zc.get_service_info(type_, name, timeout=3000)
        box = (info.properties.get(b"id") or b"").decode() if info else ""
        print(f"add {name} {box}", flush=True)

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        pass

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        print(f"remove {name}", flush=True)


if __name__ == "__main__":
    zc = Zeroconf(ip_version=IPVersion.V4Only)
    ServiceBrowser(zc, SERVICE_TYPE, Printer())
    print("browsing", flush=True)
    threading.Event().wait(float(sys.argv[1]) if len(sys.argv) > 1 else 120)
    zc.close()
