"""The add-on's xbmc.service part: the player's reporter and the phone's remote, until Kodi
exits."""

from __future__ import annotations

from addon import kodiutils
from addon.player import TICK_S, Reporter
from addon.remote import Remote


def run() -> None:
    """The player's callbacks report events, this loop samples times, the remote's thread
    holds the command stream."""
    monitor = kodiutils.Monitor()
    reporter = Reporter()
    remote = Remote(reporter, monitor).start()
    try:
        while not monitor.wait(TICK_S):
            reporter.tick()
    finally:
        remote.stop()
        reporter.report("stopped", final=True)
