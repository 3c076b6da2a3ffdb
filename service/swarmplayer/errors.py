"""Errors a user may see: each has a stable code, an HTTP status and a message in words."""

from __future__ import annotations

import re

# Input echoed in a message is cut to this many characters: a 1 MiB path must not make a 1 MiB
# answer (or log line).
SHOWN_CHARS = 80
# A whole message is one line of at most this many characters, whatever went into it.
MESSAGE_CHARS = 400
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A user's input as a message quotes it: repr()-quoted, cut to `limit` characters."""
    text = str(value)
    if len(text) > limit:
        return repr(text[:limit]) + f"… ({len(text)} characters)"
    return repr(text)


def one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    """`text` on one line of at most `limit` characters (control characters become spaces)."""
    text = _UNPRINTABLE.sub(" ", str(text)).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


class ServiceError(Exception):
    """Base of every error the service reports; the API turns it into `{"error", "message"}`."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        # Every message goes through here, so none can carry a line break or a megabyte.
        message = one_line(message)
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class BadInput(ServiceError):
    """A torrent, magnet, URL, request or setting that cannot be used as given."""

    status = 400
    code = "bad_request"


class TooLarge(BadInput):
    """A body, file or download larger than its cap."""

    status = 413
    code = "too_large"


class FetchFailed(ServiceError):
    """A URL could not be fetched: the server is unreachable, broken, slow or refuses."""

    status = 502
    code = "fetch_failed"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Unsupported(ServiceError):
    """Valid input that SwarmPlayer does not handle yet (e.g. live .tstream)."""

    status = 422
    code = "unsupported"


class Unavailable(ServiceError):
    """The data is not there in time (no peers, no metadata): worth trying again later."""

    status = 503
    code = "unavailable"


class Busy(Unavailable):
    """Every slot for this kind of work is taken (fetches, streams): try again shortly."""

    code = "busy"


class Forbidden(ServiceError):
    """Not for this client (a local path asked from another machine)."""

    status = 403
    code = "forbidden"


class StreamClosed(ServiceError):
    """The torrent went away (removed), or the client did, while a reader waited on it."""

    status = 410
    code = "gone"


class ReadFailed(ServiceError):
    """libtorrent could not read a piece it has (the disk under it failed)."""

    status = 500
    code = "read_failed"


class NoRoom(ServiceError):
    """The disk (or the cache quota) has no room for what was asked."""

    status = 507
    code = "no_room"
