"""Indexers: a Torznab URL and API key, checked by reading the indexer's `t=caps` once (through
the one fetcher), then kept; and the URL of any Torznab call to one."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .. import fetch
from ..errors import BadInput, ServiceError, one_line
from ..feeds.torznab import Caps, InvalidKey, read_caps
from .secret import redact, redacted
from .store import Indexer, IndexerStore

CAPS_MAX_BYTES = 1 << 20
CAPS_DEADLINE = 10.0
_KEY_PARAMS = ("apikey", "api_key")
ACCEPT = "application/rss+xml, application/xml;q=0.9, */*;q=0.5"


def call_url(url: str, api_key: str, params: dict[str, str]) -> str:
    """The URL of a Torznab call: the indexer's API endpoint (its URL, with `/api` added unless
    it ends so, as Jackett's "Copy Torznab Feed" and Prowlarr's URLs need) with `params`."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/api"):
        path += "/api"
    query = parse_qsl(parts.query) + list(params.items()) + [("apikey", api_key)]
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def fetch_call(indexer: Indexer, params: dict[str, str], *, max_bytes: int,
               deadline: float) -> fetch.Fetched:
    """One Torznab call; its errors name the URL with the key masked. A 401/403 is a refused
    key (Jackett and Prowlarr answer so, not always with a Torznab error document)."""
    call = call_url(indexer.url, indexer.api_key, params)
    try:
        return fetch.fetch(call, max_bytes=max_bytes, deadline=deadline, accept=ACCEPT)
    except ServiceError as exc:
        # The message names the indexer's URL, not the whole call (as the fetcher cut it).
        exc.message = exc.message.replace(one_line(call, 100), indexer.url)
        if getattr(exc, "http_status", None) in (401, 403):
            raise InvalidKey(f"the indexer refuses the API key "
                             f"({redact(exc.message, indexer.api_key)})") from None
        raise redacted(exc, indexer.api_key) from None


class Indexers:
    """The indexers the box searches (`IndexerStore` keeps them)."""

    def __init__(self, store: IndexerStore, caps_deadline: float = CAPS_DEADLINE) -> None:
        self.store = store
        self._caps_deadline = caps_deadline

    def add(self, url: str, api_key: str | None, name: str | None) -> Indexer:
        """Read the indexer's caps and keep it; a key given in the URL's query is taken out
        of it. Nothing is kept when its caps cannot be read."""
        url, api_key = split_key(url, api_key)
        caps = self.caps(url, api_key)
        indexer_id = self.store.add(name or caps.title or urlsplit(url).hostname or url, url,
                                    api_key, caps)
        return self.store.get(indexer_id)

    def update(self, indexer_id: int, name: str | None, api_key: str | None) -> Indexer:
        """A new name, or a new key (checked by reading the caps again, which it refreshes)."""
        indexer = self.store.get(indexer_id)
        caps = self.caps(indexer.url, api_key) if api_key is not None else None
        self.store.update(indexer_id, name=name, api_key=api_key, caps=caps)
        return self.store.get(indexer_id)

    def caps(self, url: str, api_key: str) -> Caps:
        probe = Indexer(0, "", url, api_key, Caps(), 0.0)
        got = fetch_call(probe, {"t": "caps"}, max_bytes=CAPS_MAX_BYTES,
                         deadline=self._caps_deadline)
        try:
            return read_caps(got.body)
        except ServiceError as exc:
            raise redacted(exc, api_key) from None


def split_key(url: str, api_key: str | None) -> tuple[str, str]:
    """(the URL without a key parameter, the key): a key given both ways must be the same."""
    try:
        url = fetch.check_url(url)
    except ServiceError as exc:
        raise redacted(exc, api_key or "") from None
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    in_url = [v for k, v in query if k.lower() in _KEY_PARAMS]
    if in_url and api_key and in_url[0] != api_key:
        raise _invalid("api_key", "differs from the URL's apikey: give one")
    api_key = api_key or (in_url[0] if in_url else None)
    if not api_key:
        raise _invalid("api_key", "is needed: the indexer's API key (Jackett and Prowlarr "
                                  "show it at the top of their pages)")
    rest = [(k, v) for k, v in query if k.lower() not in _KEY_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), "")), api_key


def _invalid(name: str, what: str) -> BadInput:
    error = BadInput(f'"{name}" {what}', code="invalid_field")
    error.field = name  # type: ignore[attr-defined]  # the API's answer names it (api/body.py)
    return error
