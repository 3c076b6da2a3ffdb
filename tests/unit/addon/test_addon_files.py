"""The add-on's own files as Kodi reads them: addon.xml, settings.xml, strings.po, the layout."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import fakekodi

from addon import text

ROOT = fakekodi.ROOT


def test_addon_xml_declares_a_python3_video_plugin_and_a_service() -> None:
    root = ET.parse(ROOT / "addon.xml").getroot()
    assert root.get("id") == "plugin.video.swarmplayer"
    imports = {i.get("addon"): i.get("version") for i in root.iter("import")}
    assert imports == {"xbmc.python": "3.0.0"}
    points = {e.get("point"): e for e in root.iter("extension")}
    plugin = points["xbmc.python.pluginsource"]
    assert plugin.findtext("provides") == "video"
    for extension in (plugin, points["xbmc.service"]):
        assert (ROOT / extension.get("library")).is_file()
    for asset in points["xbmc.addon.metadata"].find("assets"):
        assert (ROOT / asset.text).is_file(), asset.text


def test_entry_scripts_are_tiny() -> None:
    for name in ("addon_entry.py", "service_entry.py"):
        assert len((ROOT / name).read_text().splitlines()) <= 5, name


def test_only_kodiutils_imports_kodi() -> None:
    importers = sorted(p.name for p in (ROOT / "addon").glob("*.py")
                       if re.search(r"^import xbmc|^from xbmc", p.read_text(), re.M))
    assert importers == ["kodiutils.py"]


def test_every_string_id_exists_and_none_is_unused() -> None:
    po = fakekodi.strings()
    in_code = {v for k, v in vars(text).items() if k.isupper() and isinstance(v, int)}
    settings = ET.parse(ROOT / "resources/settings.xml").getroot()
    in_settings = {int(e.get("label")) for e in settings.iter() if e.get("label")}
    in_settings |= {int(h.text) for h in settings.iter("heading") if h.text}
    assert in_settings == set(text.SETTINGS_IDS)
    assert in_code | in_settings == set(po), "ids used but missing, or in strings.po but unused"


def test_settings_are_kodi_19_format_with_the_defaults_the_code_reads() -> None:
    root = ET.parse(ROOT / "resources/settings.xml").getroot()
    assert root.get("version") == "1"
    assert root.find("section").get("id") == "plugin.video.swarmplayer"
    defaults = fakekodi.setting_defaults()
    assert defaults["host"] == "127.0.0.1" and defaults["port"] == "8642"
    button = next(s for s in root.iter("setting") if s.get("id") == "discover")
    assert button.findtext("data") == "RunPlugin(plugin://plugin.video.swarmplayer/discover)"
