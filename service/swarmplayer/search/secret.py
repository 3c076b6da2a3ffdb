"""An indexer's API key kept out of every answer, message and log line: redacted from URLs and
text, shown masked, and put back only into links to the indexer's own server."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from ..errors import ServiceError

MASK = "***"
# The query parameters that carry a key: Torznab's apikey, Jackett's download links'
# jackett_apikey, api_key. The value up to the next "&": also a value a message cut short.
_KEY_PARAM = re.compile(r"(?i)\b((?:jackett_)?api_?key=)[^&#\s'\"<>]*")
_MASKED_PARAM = re.compile(r"(?i)\b((?:jackett_)?api_?key=)" + re.escape(MASK) + r"(?=$|[&#])")


def redact(text: str, key: str | None = None) -> str:
    """`text` with every key parameter's value, and the key itself wherever it is, masked."""
    text = _KEY_PARAM.sub(lambda m: m.group(1) + MASK, text)
    if key:
        for form in {key, quote(key, safe="")}:
            text = text.replace(form, MASK)
    return text


def redacted(exc: ServiceError, key: str) -> ServiceError:
    """The error with its message redacted (raised from an indexer fetch: it names the URL)."""
    exc.message = redact(exc.message, key)
    exc.args = (exc.message,)
    return exc


def masked(key: str) -> str:
    """How answers show a key: its last four characters, when it is long enough to spare them."""
    return MASK + key[-4:] if len(key) >= 16 else MASK


def restored(link: str, key: str, indexer_url: str) -> str:
    """A link from a search answer with its masked key parameter given the key again, when it
    points to the indexer's own server (the key never goes anywhere else)."""
    if _origin(link) != _origin(indexer_url):
        return link
    return _MASKED_PARAM.sub(lambda m: m.group(1) + quote(key, safe=""), link)


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", "", None
