"""Numbers as users, peers and servers write them: whole numbers, and disk space in bytes or as
a share of the disk.

Ground floor: imports nothing of SwarmPlayer, so config.py and the cache policy both use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:(%)|([kmgt]?)(?:i?b)?)", re.IGNORECASE)


@dataclass(frozen=True)
class Amount:
    """Disk space given as bytes or as a percentage of the disk."""

    value: float
    percent: bool = False

    def of(self, disk_total: int) -> int:
        """The amount in bytes on a disk of `disk_total` bytes."""
        return int(disk_total * self.value / 100) if self.percent else int(self.value)

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.percent else f"{int(self.value)} bytes"


def whole_number(text: str) -> int | None:
    """The whole number `text` spells in at most 18 ASCII digits (spaces around allowed), else
    None.

    Not `str.isdigit()`: it also admits digits that int() refuses ("²") and int() reads
    non-ASCII ones ("٣"): a value from outside either passes both checks or neither. The bound
    keeps int() from its own refusal of over 4300 digits, and no count we take needs more.
    """
    text = text.strip()
    return int(text) if len(text) <= 18 and text.isascii() and text.isdigit() else None


def parse_amount(raw: object) -> Amount:
    """'80%', '500M', '20 GB', '1.5GiB' or a number of bytes; units are powers of 1024."""
    if isinstance(raw, bool):
        raise ValueError(f"give bytes like 500M or 20G, or a share of the disk like 80%, "
                         f"not {raw!r}")
    if isinstance(raw, int):
        if raw < 0:
            raise ValueError(f"an amount of disk cannot be negative, not {raw}")
        return Amount(raw)
    match = _AMOUNT.fullmatch(str(raw).strip())
    if match is None:
        raise ValueError(f"give bytes like 500M or 20G, or a share of the disk like 80%, "
                         f"not {raw!r}")
    number = float(match[1])
    if match[2]:
        if number > 100:
            raise ValueError(f"a share of the disk is at most 100%, not {raw!r}")
        return Amount(number, percent=True)
    return Amount(number * _UNITS[(match[3] or "").lower()])
