"""Pairing a phone from the TV: a code from the service, shown with its link's QR code (a PNG
the service draws with segno) until the phone pairs, the code expires or the user backs out."""

from __future__ import annotations

import base64
import contextlib
import os
import time

from addon import kodiutils, text
from addon.client import Client, ClientError


def show(api: Client) -> str | None:
    """Show a new code; the name of the device that paired with it (None: nobody did)."""
    answer = api.pairing_code()
    image = kodiutils.profile_path(f"pair-{answer['code']}.png")  # a new name: Kodi caches
    with open(image, "wb") as out:
        out.write(base64.b64decode(answer["qr_png"]))
    known = {d["id"] for d in api.devices()}
    paired: list[str] = []

    def done() -> bool:
        if time.time() >= answer["expires_at"]:
            return True
        try:
            paired.extend(d["name"] for d in api.devices() if d["id"] not in known)
        except ClientError as error:  # the service went away: the code is no use any more
            kodiutils.log(f"pairing: {error.message}", error=True)
            return True
        return bool(paired)

    try:
        kodiutils.show_image(image, [kodiutils.tr(text.PAIR_CODE).format(answer["code"]),
                                     kodiutils.tr(text.PAIR_OPEN).format(answer["url"]),
                                     kodiutils.tr(text.PAIR_HINT)], done)
    finally:
        with contextlib.suppress(OSError):
            os.remove(image)
    if paired:
        kodiutils.notify(kodiutils.tr(text.PAIRED).format(paired[0]))
        return paired[0]
    return None
