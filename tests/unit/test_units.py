"""units.whole_number: the one reading of a whole number from outside."""

from __future__ import annotations

import pytest

from swarmplayer.units import whole_number


@pytest.mark.parametrize(("text", "expected"), [
    ("0", 0), ("42", 42), (" 7 ", 7), ("007", 7),
    ("", None), (" ", None), ("-1", None), ("+1", None), ("1.0", None), ("1e3", None),
    ("\u00b2", None),  # superscript two: isdigit() but not int()
    ("\u0663", None),  # Arabic-Indic three: int() reads it, a header or port must not
    ("1_000", None),  # int() reads underscores
    ("9" * 18, 10**18 - 1), ("1" * 19, None),
    ("1" * 5000, None),  # int() itself refuses over 4300 digits
])
def test_only_ascii_digits_are_a_whole_number(text: str, expected: int | None) -> None:
    assert whole_number(text) == expected
