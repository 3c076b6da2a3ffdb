"""Where the e2e tier's screenshots go: build/screenshots (untracked) on an ordinary run, the
README's folders under docs/ only when asked (SWARMPLAYER_SCREENSHOTS=docs), so a test run
leaves the tree clean."""

from __future__ import annotations

import os
from pathlib import Path

from support import REPO

ENV = "SWARMPLAYER_SCREENSHOTS"


def folder(docs_name: str) -> Path:
    """docs/<docs_name> when the README's screenshots are being remade, else build/screenshots."""
    wanted = os.environ.get(ENV, "")
    made = REPO / "docs" / docs_name if wanted == "docs" else REPO / "build" / "screenshots"
    made.mkdir(parents=True, exist_ok=True)
    return made
