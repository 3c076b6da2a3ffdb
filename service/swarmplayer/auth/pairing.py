"""Pairing codes: six digits shown on the TV, swapped once by a phone for a device token.

Codes expire after five minutes and work once. Wrong guesses are limited per client and for the
whole box, so the 10^6 codes cannot be walked: at 20 wrong guesses per five minutes a code's
lifetime gives an attacker a 0.002 % chance.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ServiceError

CODE_TTL = 300.0
WINDOW = 300.0
PER_CLIENT_FAILURES = 5
GLOBAL_FAILURES = 20


class PairingRefused(ServiceError):
    status = 403
    code = "invalid_code"


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"


@dataclass(frozen=True)
class Code:
    code: str
    expires_at: float  # wall clock, for the answer


class Pairing:
    """Live codes and the failure counts; thread-safe; `clock` is time.monotonic in service."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, float] = {}  # code → monotonic expiry
        self._failures: dict[str, deque[float]] = {}
        self._all_failures: deque[float] = deque()

    def new_code(self) -> Code:
        with self._lock:
            now = self._clock()
            self._forget_expired(now)
            code = f"{secrets.randbelow(10**6):06d}"
            self._codes[code] = now + CODE_TTL
        return Code(code, time.time() + CODE_TTL)

    def claim(self, code: str, client: str) -> None:
        """Use up `code` for `client`; PairingRefused or TooManyAttempts when it cannot be."""
        with self._lock:
            now = self._clock()
            self._forget_expired(now)
            mine = self._failures.setdefault(client, deque())
            for window in (mine, self._all_failures):
                while window and window[0] <= now - WINDOW:
                    window.popleft()
            if len(mine) >= PER_CLIENT_FAILURES or len(self._all_failures) >= GLOBAL_FAILURES:
                raise TooManyAttempts("too many wrong codes: wait a few minutes, then show a "
                                      "new code on the TV")
            if self._codes.pop(code, None) is None:
                mine.append(now)
                self._all_failures.append(now)
                raise PairingRefused("that code is wrong, used or expired: show a new code on "
                                     "the TV and type it again")

    def _forget_expired(self, now: float) -> None:
        for code in [c for c, end in self._codes.items() if end <= now]:
            del self._codes[code]
        for client in [c for c, w in self._failures.items() if not w]:
            del self._failures[client]
