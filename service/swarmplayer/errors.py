"""Errors a user may see: each has a stable code, an HTTP status and a message in words."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error the service reports; the API turns it into `{"error", "message"}`."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class BadInput(ServiceError):
    """A torrent, magnet, URL, request or setting that cannot be used as given."""

    status = 400
    code = "bad_request"


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
