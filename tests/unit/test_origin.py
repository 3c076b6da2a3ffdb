"""The policy that spares a torrent's origin peers."""

from __future__ import annotations

import pytest

from swarmplayer.engine.origin import needs_origin

SPARE_AT = 6.0


@pytest.mark.parametrize(("buffered", "seeking", "needed", "expected"), [
    (None, False, False, False),  # nobody watches: background, judged elsewhere
    (None, True, True, False),
    (30.0, True, False, True),  # a seek waits for its piece: whatever is buffered elsewhere
    (0.0, False, False, True),
    (2.9, False, False, True),  # below half: needed again
    (3.0, False, False, False),  # spared, and it stays spared down to half
    (5.9, False, True, True),  # needed, and it stays needed up to SPARE_AT
    (6.0, False, True, False),
])
def test_needs_origin(buffered: float | None, seeking: bool, needed: bool, expected: bool):
    assert needs_origin(buffered, seeking, needed, SPARE_AT) is expected
