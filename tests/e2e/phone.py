"""The phone in the e2e tier: Debian's Chromium driven by Playwright at a phone's viewport,
what it checks on every screen, and a relay that makes it a phone on the LAN."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from screens import folder
from support import wait_until

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 360, "height": 740}


def phone_page(browser: Any) -> Any:
    """A new page at a phone's viewport that collects script errors and CSP violations in
    `page.problems` (none wanted). Chromium also logs each 4xx answer (an unpaired page's
    401): those are answers, not problems."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    opened = context.new_page()
    opened.problems = []
    opened.on("console", lambda m: m.type == "error"
              and not m.text.startswith("Failed to load resource")
              and opened.problems.append(m.text))
    opened.on("pageerror", lambda e: opened.problems.append(str(e)))
    return opened


def shot(page: Any, name: str, full_page: bool = True) -> None:
    """A screenshot for the README (screens.py says where it goes)."""
    page.screenshot(path=str(folder("screenshots") / f"{name}.png"), full_page=full_page)


def until(page: Any, script: str, timeout: float = 30) -> None:
    """Wait for a JS condition. (Playwright's wait_for_function evaluates strings with eval,
    which the page's CSP rightly forbids; page.evaluate goes through the debugger.)"""
    wait_until(lambda: page.evaluate(script), timeout, script)


def readable(page: Any) -> None:
    """No text under 16 px, nothing wider than the screen, every field labelled, every button
    a real one with a name."""
    small = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.offsetParent !== null && [...e.childNodes].some(
            n => n.nodeType === 3 && n.textContent.trim()))
        .filter(e => parseFloat(getComputedStyle(e).fontSize) < 16)
        .map(e => e.tagName + ':' + e.textContent.trim().slice(0, 30))""")
    assert small == [], small
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    unnamed = page.evaluate("""() => [...document.querySelectorAll(
            'input, textarea, select, button, a, [onclick], [role=button]')]
        .filter(e => e.offsetParent !== null)
        .filter(e => ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.tagName)
            ? !e.labels.length && !e.getAttribute('aria-label')
            : !['BUTTON', 'A'].includes(e.tagName) || !e.textContent.trim())
        .map(e => e.outerHTML.slice(0, 60))""")
    assert unnamed == [], unnamed


class LanRelay:
    """127.0.0.1:<port> -> the service, dialled from 127.0.0.2: the service sees a client that
    is not the box itself (so trust_localhost does not let it in), as a phone on the Wi-Fi."""

    def __init__(self, service_port: int) -> None:
        self.target = ("127.0.0.1", service_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.sockets: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()
        self._spawn(self._accept)

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name="lan-relay", daemon=True)
        with self.lock:
            self.threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                phone, _ = self.listener.accept()
            except OSError:
                return  # closed
            box = socket.socket()
            box.bind(("127.0.0.2", 0))
            try:
                box.connect(self.target)
            except OSError:
                phone.close()
                box.close()
                continue
            with self.lock:
                self.sockets += [phone, box]
            self._spawn(self._pump, phone, box)
            self._spawn(self._pump, box, phone)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.listener.close()
        with self.lock:
            sockets, threads = list(self.sockets), list(self.threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in threads:
            thread.join(10)
