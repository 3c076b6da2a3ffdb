"""The phone page's Search in real headless Chromium against a real service and a real Torznab
server: results grouped by episode, a failing indexer said, subscribing to the found show and
playing a found release on the TV (the add-on's stand-in gets the command)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from devices_support import pair
from phone import shot, until
from torznab import TorznabServer, three_indexers
from tv_standin import TvStandIn

from swarmplayer.supervisor import Service

pytestmark = pytest.mark.e2e


@pytest.fixture
def torznab() -> Iterator[TorznabServer]:
    made = TorznabServer()
    yield made
    made.close()


def test_search_subscribe_and_play_a_found_release(page: Any,
                                                    make_service: Callable[..., Service],
                                                    torznab: TorznabServer,
                                                    tmp_path: Path) -> None:
    service = make_service(trust_localhost=False)
    info_hash = three_indexers(service, torznab, tmp_path)

    _, token = pair(service, "Phone")
    _, tv_token = pair(service, "TV")
    tv = TvStandIn(service.url, tv_token).start()
    try:
        page.goto(service.url + "/")
        page.evaluate(f"localStorage.setItem('swarmplayer.token', '{token}')")
        page.reload()
        page.wait_for_selector("#app:not([hidden])")
        page.click("nav button[data-screen=library]")
        page.fill("#search-q", "Series Title")
        page.click("#search-form button[type=submit]")
        page.wait_for_selector("#search-results li")
        titles = page.eval_on_selector_all("#search-results li > .title",
                                           "els => els.map(e => e.textContent)")
        assert titles[:2] == ["Series Title S06E01", "Series Title S05E02"]
        assert len(titles) == 6
        assert "Down: " in page.text_content("#search-results .error")
        assert torznab.key not in page.content()
        shot(page, "search")

        first = page.locator("#search-results li").first
        first.locator("text=Subscribe to Series Title").click()
        until(page, "document.getElementById('status-line').textContent"
                    " === 'Subscribed to Series Title'")
        subs = service.library.feeds.subscriptions().rows
        assert [s["show_title"] for s in subs] == ["Series Title"]

        first.locator("text=Play on TV").click()
        assert tv.wait_for(lambda s: s.commands and s.commands[-1]["command"] == "play", 30)
        assert tv.commands[-1]["info_hash"] == info_hash
        stored = service.store.torrent(info_hash)
        assert stored is not None and "jackett_apikey=***" in stored.source
    finally:
        tv.stop()
    assert page.problems == []
