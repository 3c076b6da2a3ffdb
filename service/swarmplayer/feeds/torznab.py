"""Torznab's own documents (pure, defusedxml): an indexer's `t=caps` answer, and the `<error>`
document an indexer answers instead of results (a wrong API key, a limit reached).

Small and free of feedparser/guessit, so the service reads caps itself; search answers are
read by the feed worker (worker.py), which checks them here first.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import BadInput, FetchFailed, ServiceError, one_line

# Torznab/Newznab error codes 100-199 are about the account: the key is wrong or not allowed.
_KEY_CODES = range(100, 200)
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html)", re.IGNORECASE)
# The TV categories (Newznab numbering): 5000 and its subcategories.
TV_CATEGORIES = range(5000, 6000)


class InvalidKey(BadInput):
    """The indexer refuses the API key."""

    code = "invalid_api_key"


class NotTorznab(BadInput):
    """The address answers something that is not a Torznab API (a web page, other XML)."""

    code = "not_torznab"


class IndexerRefused(FetchFailed):
    """The indexer answered a Torznab error that is not about the key (a limit, its bug)."""

    code = "indexer_error"


@dataclass(frozen=True)
class Caps:
    """What an indexer says it can do."""

    title: str | None = None
    # Search mode ("search", "tv-search", …) → the parameters it takes, for available modes.
    modes: dict[str, list[str]] = field(default_factory=dict)
    categories: list[dict[str, Any]] = field(default_factory=list)
    limit_max: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Caps:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__ if k in data})

    def tv_categories(self) -> list[int]:
        """The indexer's TV category ids (top level and sub), to narrow a search to TV."""
        ids = []
        for category in self.categories:
            for cat in (category, *category.get("subcats", ())):
                if cat["id"] in TV_CATEGORIES:
                    ids.append(cat["id"])
        return ids


def refusal(data: bytes) -> ServiceError | None:
    """The error an indexer's `<error code=… description=…/>` answer says, else None."""
    if b"<error" not in data[:4096]:
        return None
    root = _root(data)
    if root is None or _local(root.tag) != "error":
        return None
    code = _number(root.get("code"))
    description = one_line(root.get("description") or "no description", 200)
    if code in _KEY_CODES:
        return InvalidKey(f"the indexer refuses the API key (Torznab error {code}: "
                          f"{description})")
    return IndexerRefused(f"the indexer answered Torznab error {code}: {description}")


def read_caps(data: bytes) -> Caps:
    """An indexer's capabilities from its `t=caps` answer; InvalidKey, IndexerRefused or
    NotTorznab when it is no caps document."""
    refused = refusal(data)
    if refused is not None:
        raise refused
    if _HTML_START.search(data[:4096]) or b"<body" in data[:4096].lower():
        raise NotTorznab("the address answers a web page, not a Torznab API: copy the "
                         "indexer's Torznab feed URL (Jackett: \"Copy Torznab Feed\")")
    root = _root(data)
    if root is None:
        raise NotTorznab("the address answers something that is not XML, not a Torznab API")
    if _local(root.tag) != "caps":
        raise NotTorznab(f"the address answers XML without Torznab capabilities "
                         f"(<{one_line(_local(root.tag), 40)}>, not <caps>)")
    modes: dict[str, list[str]] = {}
    categories: list[dict[str, Any]] = []
    title, limit_max = None, None
    for element in root:
        name = _local(element.tag)
        if name == "server":
            title = element.get("title") or None
        elif name == "limits":
            limit_max = _number(element.get("max"))
        elif name == "searching":
            for mode in element:
                if (mode.get("available") or "").lower() == "yes":
                    params = mode.get("supportedParams") or "q"
                    modes[_local(mode.tag)] = [p.strip().lower() for p in params.split(",")
                                               if p.strip()]
        elif name == "categories":
            categories = [_category(c) for c in element if _local(c.tag) == "category"]
    return Caps(title=title, modes=modes, categories=[c for c in categories if c],
                limit_max=limit_max)


def _category(element: Any) -> dict[str, Any]:
    number = _number(element.get("id"))
    if number is None:
        return {}
    subcats = [{"id": _number(s.get("id")), "name": s.get("name") or ""}
               for s in element if _local(s.tag) == "subcat" and _number(s.get("id")) is not None]
    return {"id": number, "name": element.get("name") or "", "subcats": subcats}


def _root(data: bytes) -> Any:
    # Imported here: the XML parser costs the service ~1 MB, needed only when an indexer is
    # added (the feed worker reads search answers).
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        return ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None


def _local(tag: Any) -> str:
    return str(tag).rpartition("}")[2].lower()


def _number(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None
