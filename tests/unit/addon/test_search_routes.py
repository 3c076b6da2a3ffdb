"""The add-on's Search against a real service and a real Torznab server on 127.0.0.1 (fake
xbmc* modules): known shows and found releases listed, a release opened as a torrent, its show
subscribed by name, an indexer that fails said in a notification."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import fakekodi
import pytest
from torznab import TorznabServer, three_indexers

from addon import plugin, text

PLUGIN = "plugin://plugin.video.swarmplayer/"
pytestmark = pytest.mark.integration


def run(url: str) -> None:
    """Run a plugin URL as Kodi would (a listed item's, or a context menu's RunPlugin(…))."""
    if url.startswith("RunPlugin("):
        url = url[len("RunPlugin("):-1]
    parts = urlsplit(url)
    plugin.run([f"{PLUGIN}{parts.path.lstrip('/')}", "1", f"?{parts.query}"])


@pytest.fixture
def torznab():
    made = TorznabServer()
    yield made
    made.close()


def test_search_lists_releases_opens_one_and_subscribes_its_show(
        kodi: fakekodi.Kodi, service, torznab: TorznabServer, tmp_path: Path) -> None:
    fakekodi.point_at(service.url)
    run(PLUGIN + "search?q=Series+Title")  # no indexer yet: an empty list, no error dialog
    assert kodi.directory == [] and kodi.called("notification") == []

    three_indexers(service, torznab, tmp_path)

    run(PLUGIN + "search?q=Series+Title")
    items = [item for _, item, _ in kodi.directory]
    assert [i.label for i in items[:2]] == ["Series Title S06E01", "Series Title S05E02"]
    assert len(items) == 6
    assert items[0].label2 == "720p HDTV · 734.0 MB · 90000 seeders · Two"
    ((_, message, _),) = [c[0] for c in kodi.called("notification")]
    assert message.startswith("Down: cannot reach")
    assert all(torznab.key not in url for url, _, _ in kodi.directory)
    (subscribe_label, subscribe_url), = items[0].context
    assert subscribe_label == kodi.strings[text.SUBSCRIBE]

    opened = kodi.directory[0][0]
    kodi.directory.clear()
    run(opened)
    ((url, item, folder),) = kodi.directory
    assert item.label == "Series.Title.S06E01.720p.mkv" and not folder
    assert url.startswith(PLUGIN + "torrent/play?")

    run(subscribe_url)
    subs = service.library.feeds.subscriptions().rows
    assert [s["show_title"] for s in subs] == ["Series Title"]
    kodi.directory.clear()
    run(PLUGIN + "search?q=Series+Title")
    (known, *found) = kodi.directory  # the show is known now: listed first, as the box has it
    assert known[1].label == "Series Title" and known[0].startswith(PLUGIN + "show?")
    assert [item.context for _, item, _ in found] == [[]] * 6  # subscribed: no offer
