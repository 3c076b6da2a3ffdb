"""The seek's request queues: short only when every peer that can send is a SwarmPlayer peer;
the deadlines' depth by the same test."""

from __future__ import annotations

import os

import pytest

from swarmplayer.engine.pieces import TICKED_URGENT_SECONDS, URGENT_SECONDS
from swarmplayer.engine.seeks import short_queues, urgent_seconds
from swarmplayer.engine.settings import PEER_FINGERPRINT


def ours(version: bytes = PEER_FINGERPRINT.encode()) -> bytes:
    return version + os.urandom(20 - len(version))


STOCK = b"-LT2110-" + b"x" * 12  # libtorrent's default fingerprint
TRANSMISSION = b"-TR3000-" + b"y" * 12


@pytest.mark.parametrize(("senders", "short"), [
    ([ours(), ours()], True),
    ([ours(), ours(), ours(b"-SW0200-")], True),  # a later version of ours is ours too
    ([], False),
    ([ours()], False),  # a lone peer: nothing to split, and two blocks a round trip is slow
    ([ours(), STOCK], False),  # a stock seeder would send two blocks per 500 ms tick
    ([STOCK, TRANSMISSION], False),
    ([ours(), ours(), TRANSMISSION], False),
    ([bytes(20), ours()], False),  # no id known: not ours
    ([ours(), b"-SP0100-" + b"z" * 12], False),  # BitSpirit's code, ours until 2026-12
])
def test_short_queues_only_towards_our_own_peers(senders: list[bytes], short: bool):
    assert short_queues(senders) is short


@pytest.mark.parametrize(("senders", "seconds"), [
    ([], URGENT_SECONDS),  # nobody sends yet: nothing to wait for
    ([ours()], URGENT_SECONDS),
    ([ours(), ours(b"-SW0200-")], URGENT_SECONDS),
    ([ours(), STOCK], TICKED_URGENT_SECONDS),  # one stock sender is enough to be late on
    ([TRANSMISSION], TICKED_URGENT_SECONDS),
    ([bytes(20)], TICKED_URGENT_SECONDS),
])
def test_deadlines_reach_further_when_a_sender_ticks_coarsely(senders: list[bytes],
                                                               seconds: float):
    assert urgent_seconds(senders) == seconds
