"""`/api/v1/search`: releases found by the indexers, as episodes; and adding one of them."""

from __future__ import annotations

from werkzeug.wrappers import Response

from ..errors import FetchFailed, NotFound, ServiceError
from ..search.searcher import Query
from ..search.secret import redact, redacted, restored
from ..sources import add_source
from ..units import whole_number
from .body import invalid, json_body, optional_int, optional_text, page, paged
from .http import Request, Route, json_response
from .limits import fetch_slots
from .torrents import _detail


class NoIndexers(NotFound):
    code = "no_indexers"


def search(request: Request) -> Response:
    """`?q=&season=&episode=&indexer=&limit=&offset=`: every indexer (or the one asked) at
    once; the episodes found, best-seeded first, and how each indexer did."""
    q = " ".join(request.args.get("q", "").split())
    if not q or len(q) > 200:
        raise invalid("q", "is the text to search for, 1 to 200 characters")
    numbers = {}
    for name in ("season", "episode", "indexer"):
        raw = request.args.get(name)
        numbers[name] = None if raw is None else whole_number(raw)
        if raw is not None and (numbers[name] is None or numbers[name] >= 10**6):
            raise invalid(name, "is a whole number")
    if numbers["episode"] is not None and numbers["season"] is None:
        raise invalid("season", "is needed with episode")
    limit, offset = page(request)
    # a search holds its request thread up to its deadline
    with fetch_slots(request).held():
        outcome = request.shared.searcher.search(Query(q, numbers["season"], numbers["episode"]),
                                    numbers["indexer"])
    if not outcome.indexers:
        raise NoIndexers("no indexer is configured: add a Torznab indexer (Jackett, Prowlarr) "
                         "first")
    if all(i["state"] == "error" for i in outcome.indexers):
        first = outcome.indexers[0]
        raise FetchFailed(f"no indexer answered: {first['message']}", code="search_failed")
    answer = paged("results", outcome.results[offset:offset + limit], len(outcome.results),
                   limit, offset)
    return json_response({**answer, "indexers": outcome.indexers,
                          "errors": [i for i in outcome.indexers if i["state"] == "error"]})


def add(request: Request) -> Response:
    """`{"indexer_id": id, "link": a result's link}`: the release added as a torrent (the
    indexer's key put back into a link to the indexer's own server)."""
    body = json_body(request)
    indexer_id = optional_int(body, "indexer_id", low=1)
    link = optional_text(body, "link", 8000)
    if indexer_id is None:
        raise invalid("indexer_id", "is the id of the indexer that found the release")
    if not link or not link.lower().startswith(("magnet:", "http://", "https://")):
        raise invalid("link", "is the release's magnet or http(s) link from the search answer")
    indexer = request.shared.indexers.store.get(indexer_id)
    try:
        added = add_source(request.shared.engine,
                           restored(link, indexer.api_key, indexer.url),
                           fetch_slots=fetch_slots(request), shown_as=redact(link))
    except ServiceError as exc:
        raise redacted(exc, indexer.api_key) from None
    return json_response({**_detail(request, added.info_hash), "warnings": added.warnings},
                         201 if added.created else 200)


def routes() -> list[Route]:
    return [
        Route("/api/v1/search", search, "GET", group="search"),
        Route("/api/v1/search/add", add, "POST", group="search"),
    ]
