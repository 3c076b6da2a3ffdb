"""Watch mDNS for a service type and print `added NAME` / `removed NAME` lines as they happen:
an independent browser process for the discovery tests (run on another test host)."""

from __future__ import annotations

import sys
import threading

from zeroconf import IPVersion, ServiceBrowser, ServiceStateChange, Zeroconf


def main() -> None:
    zc = Zeroconf(ip_version=IPVersion.V4Only)

    def changed(zeroconf: Zeroconf, service_type: str, name: str,
                state_change: ServiceStateChange) -> None:
        if state_change is not ServiceStateChange.Updated:
            print(f"{state_change.name.lower()} {name}", flush=True)

    ServiceBrowser(zc, sys.argv[1], handlers=[changed])
    print("watching", flush=True)
    threading.Event().wait(float(sys.argv[2]))  # the watch's length: ended by the test
    zc.close()


if __name__ == "__main__":
    main()
