"""Sparing a publisher's origin peers (pure policy; the engine applies it through a peer class).

A torrent may name its publisher's own seeders (a .tstream's `origin`, a magnet's `x.pe`). Every
byte they send is a byte the publisher pays for, so while the streams have enough buffered the
engine caps what those peers send us to a trickle, and the swarm's other peers carry the load.
A stream short of buffer, or a seek waiting for its piece, lifts the cap at once.
"""

from __future__ import annotations

# bytes/s from origin peers while spared: two blocks a second keep the connection and its requests
# alive (a peer that sends nothing for `piece_timeout` gets its requests sent elsewhere, which is
# fine, but one that sends nothing at all for long gets dropped).
TRICKLE = 32 * 1024


def needs_origin(buffered: float | None, seeking: bool, needed: bool, spare_at: float) -> bool:
    """Whether a torrent being watched needs its origin at full speed now.

    `buffered`: seconds its newest reader's player has or can read now (None: nobody watches);
    `seeking`: a seek waits for its piece; `needed`: the answer last time. Spared from
    `spare_at` seconds buffered, needed again below half of it: the gap keeps the cap from
    flapping with every piece.
    """
    if buffered is None:
        return False
    if seeking:
        return True
    return buffered < (spare_at if needed else spare_at / 2)
