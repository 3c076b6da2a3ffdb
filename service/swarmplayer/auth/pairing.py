"""Pairing codes: 6 digits, valid 5 minutes, used once; failed claims are rate-limited per
client and box-wide, so the 10^6 codes cannot be tried in a code's lifetime."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import BadInput, ServiceError

CODE_LIFETIME = 300.0
# Per client: 5 wrong codes a minute. Box-wide: 20 wrong codes in 5 minutes, i.e. at most
# 20 guesses out of 10^6 per code's lifetime whatever number of addresses an attacker has.
CLIENT_FAILURES, CLIENT_WINDOW = 5, 60.0
GLOBAL_FAILURES, GLOBAL_WINDOW = 20, 300.0


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after + 0.999))


class WrongCode(ServiceError):
    status = 403
    code = "wrong_code"


@dataclass(frozen=True)
class Code:
    code: str
    expires_at: float


class _Window:
    """Failure times within a sliding window."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._times: deque[float] = deque()

    def retry_after(self, now: float) -> float:
        """0 when another attempt is allowed, else the seconds until one is."""
        while self._times and self._times[0] <= now - self.window:
            self._times.popleft()
        if len(self._times) < self.limit:
            return 0.0
        return self._times[0] + self.window - now

    def add(self, now: float) -> None:
        self._times.append(now)


class Pairing:
    """The codes shown on the TV, and the claims phones make with them."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._now = clock or time.time
        self._lock = threading.Lock()
        self._codes: dict[str, float] = {}
        self._global = _Window(GLOBAL_FAILURES, GLOBAL_WINDOW)
        self._clients: dict[str, _Window] = {}

    def new_code(self) -> Code:
        now = self._now()
        with self._lock:
            self._codes = {c: t for c, t in self._codes.items() if t > now}
            code = f"{secrets.randbelow(10**6):06d}"
            while code in self._codes:
                code = f"{secrets.randbelow(10**6):06d}"
            self._codes[code] = now + CODE_LIFETIME
        return Code(code, now + CODE_LIFETIME)

    def claim(self, code: object, client: str) -> None:
        """Use up `code`; raises WrongCode (also for an expired or used one), or
        TooManyAttempts while the client or the box has had too many wrong ones."""
        if not isinstance(code, str) or not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise BadInput("a pairing code is 6 digits", code="invalid_field")
        now = self._now()
        with self._lock:
            if len(self._clients) > 10_000:  # no unbounded memory from many addresses
                self._clients = {k: w for k, w in self._clients.items() if w.retry_after(now)}
            mine = self._clients.setdefault(client, _Window(CLIENT_FAILURES, CLIENT_WINDOW))
            wait = max(mine.retry_after(now), self._global.retry_after(now))
            if wait:
                raise TooManyAttempts("too many wrong pairing codes: wait and try again", wait)
            expires = self._codes.pop(code, None)
            if expires is None or expires <= now:
                mine.add(now)
                self._global.add(now)
                raise WrongCode("that pairing code is wrong, used or expired: show a new one "
                                "on the TV")
