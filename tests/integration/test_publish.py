"""Publishing a folder through the real service: each video made into a .tstream and seeded
from the folder itself, an RSS feed of them that a second service subscribes to, prefetches a
new episode from and plays (real libtorrent peers on 127.0.0.1, real HTTP, ffmpeg); and what
publishing does with bad input."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from devices_support import from_the_lan
from support import assert_json_error, fetch

from swarmplayer.config import Config
from swarmplayer.engine import lt, tstream
from swarmplayer.feeds.parse import parse_feed
from swarmplayer.playback import first_frame_seconds
from swarmplayer.publishing.feed import EZRSS
from swarmplayer.publishing.publisher import Publisher
from swarmplayer.supervisor import Service

# Scan often; a video counts as copied once untouched for a minute (the tests' videos are
# moved in with an old mtime, as `mv` of a finished file or `cp -p` leaves it).
FAST = {"publish_scan_seconds": 0.5, "publish_settle_seconds": 60.0}


def _aged(path: Path) -> Path:
    """Make a file look written an hour ago (a finished copy)."""
    old = time.time() - 3600
    os.utime(path, (old, old), follow_symlinks=False)
    return path


def _finished(made: Path, folder: Path, name: str | None = None) -> Path:
    """Move a made video into `folder` as a finished copy: written a while ago."""
    _aged(made)
    target = folder / (name or made.name)
    os.replace(made, target)
    return target


def _register(service: Service, folder: Path, **body: Any) -> Any:
    answer = service.app.test_client().post("/api/v1/published", json={
        "path": str(folder), "base_url": service.url, **body})
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()


def _folder(service: Service, folder_id: int) -> Any:
    return service.app.test_client().get(f"/api/v1/published/{folder_id}").get_json()


def _published(service: Service, folder_id: int, names: set[str],
               wait_until: Callable[..., Any]) -> Any:
    """Wait until the folder's published videos are `names` and nothing is pending."""
    def done() -> Any:
        folder = _folder(service, folder_id)
        failed = [p for p in folder["pending"] if p["state"] == "failed"]
        assert not failed, failed
        ok = {v["name"] for v in folder["videos"]} == names and not folder["pending"]
        return folder if ok else None

    return wait_until(done, 120, f"{sorted(names)} to be published")


def _items(feed: bytes) -> dict[str, Any]:
    """The feed's items by title, as ElementTree reads them (it must be well-formed)."""
    root = ElementTree.fromstring(feed)
    return {i.findtext("title"): i for i in root.iter("item")}


def _have(service: Service, info_hash: str) -> list[bool]:
    handle = service.engine._get(info_hash).handle  # the test's view of the pieces
    return [handle.have_piece(p) for p in range(handle.torrent_file().num_pieces())]


def test_a_published_folder_is_subscribed_to_prefetched_and_played(
        make_service: Callable[..., Service], video: Callable[..., Path], tmp_path: Path,
        wait_until: Callable[..., Any]) -> None:
    box = make_service(**FAST)
    folder = tmp_path / "published"
    folder.mkdir()
    first = _finished(video("Test.Show.S01E01.mp4", seconds=6, bitrate="300k"), folder)
    port = box.engine.listen_port()
    registered = _register(box, folder, origins=[f"127.0.0.1:{port}"])
    assert registered["feed_url"] == box.url + "/feeds/published.xml"
    done = _published(box, registered["id"], {first.name}, wait_until)
    info_hash = done["videos"][0]["info_hash"]
    # Seeded from the folder itself: no copy in the cache, not the cache's to evict.
    status = box.engine.status(info_hash)
    assert status.save_path == str(folder) and status.complete
    assert not (box.config.cache_dir / info_hash).exists()
    assert info_hash not in {i["info_hash"] for i in box.janitor.report()["items"]}

    # The feed and the .tstream are public, with validators for conditional GETs.
    reply = fetch(box.url + "/feeds/published.xml")
    assert reply.status == 200 and reply.headers.get_content_type() == "application/rss+xml"
    item = _items(reply.body)["Test.Show.S01E01"]
    enclosure = item.find("enclosure")
    assert enclosure is not None and enclosure.get("type") == "application/x-bittorrent"
    assert enclosure.get("url") == f"{box.url}/feeds/published/{info_hash}.tstream"
    assert item.findtext("guid") == info_hash and item.findtext("pubDate")
    assert item.findtext(f"{{{EZRSS}}}infoHash") == info_hash
    assert item.findtext(f"{{{EZRSS}}}contentLength") == str(first.stat().st_size)
    assert item.findtext(f"{{{EZRSS}}}fileName") == "Test.Show.S01E01.tstream"
    assert f"x.pe=127.0.0.1:{port}" in item.findtext(f"{{{EZRSS}}}magnetURI", "")
    etag, modified = reply.headers["ETag"], reply.headers["Last-Modified"]
    assert fetch(box.url + "/feeds/published.xml", headers={"If-None-Match": etag}).status == 304
    assert fetch(box.url + "/feeds/published.xml",
                 headers={"If-Modified-Since": modified}).status == 304
    served = fetch(enclosure.get("url"))
    assert served.status == 200 and int(enclosure.get("length")) == len(served.body)
    meta = lt.bdecode(served.body)
    assert tstream.origins(meta) == [f"127.0.0.1:{port}"] and meta[b"info"][b"playtime"]
    assert lt.hash_hex(lt.torrent_info(served.body).info_hashes()) == info_hash

    # A second box subscribes to the feed.
    viewer = make_service()
    client = viewer.app.test_client()
    feed = client.post("/api/v1/feeds", json={"url": registered["feed_url"]}).get_json()

    def polled(since: float) -> Any:
        row = client.get(f"/api/v1/feeds/{feed['id']}").get_json()
        return row if row["state"] != "pending" and (row["last_checked"] or 0) > since else None

    row = wait_until(lambda: polled(0), 60, "the feed's first poll")
    assert (row["state"], row["items"], row["skipped_items"]) == ("ok", 1, 0), row
    sub = client.post("/api/v1/subscriptions", json={"feed_id": feed["id"]})
    assert sub.status_code == 201, sub.get_json()

    # A new episode is dropped in the folder: published, the feed changes, the poller finds it.
    second = _finished(video("made.mp4", seconds=30, bitrate="300k"), folder,
                       "Test.Show.S01E02.mp4")
    done = _published(box, registered["id"], {first.name, second.name}, wait_until)
    new_hash = next(v["info_hash"] for v in done["videos"] if v["name"] == second.name)
    changed = fetch(box.url + "/feeds/published.xml", headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
    assert client.post(f"/api/v1/feeds/{feed['id']}/refresh").status_code == 202
    row = wait_until(lambda: polled(row["last_checked"]), 60, "the next poll")
    assert row["new_items"] == 1, row

    # The subscription prefetches its head: the header, the moov at the end and the first
    # seconds are on disk; the rest waits at priority 0.
    wait_until(lambda: new_hash in viewer.engine.info_hashes(), 60, "the episode's torrent")

    def ready() -> Any:
        job = viewer.prefetcher.status(new_hash)
        assert job is None or job.state != "failed", job
        return job is not None and job.state == "ready"

    wait_until(ready, 90, "the prefetch")
    have = _have(viewer, new_hash)
    ti = viewer.engine._get(new_hash).handle.torrent_file()
    head = int(second.stat().st_size / 30 * viewer.config.prebuffer_seconds) // ti.piece_length()
    assert all(have[: head + 1]), "the first seconds are on disk"
    assert have[-1], "the index at the end is on disk"
    assert not all(have), "not the whole file"
    handle = viewer.engine._get(new_hash).handle
    assert handle.piece_priority(have.index(False)) == 0

    # Play the episode: its first frame decodes from the stream URL.
    shows = client.get("/api/v1/shows").get_json()["shows"]
    assert [s["title"] for s in shows] == ["Test Show"]
    episodes = client.get(f"/api/v1/shows/{shows[0]['id']}/episodes").get_json()["episodes"]
    episode = next(e for e in episodes if e["label"] == "S01E02")
    played = client.post(f"/api/v1/episodes/{episode['id']}/play", json={})
    assert played.status_code == 200, played.get_json()
    assert played.get_json()["torrent"]["info_hash"] == new_hash
    stream = played.get_json()["stream_url"].replace("http://localhost", viewer.url)
    assert first_frame_seconds(stream, timeout=90) is not None

    # A video taken out of the folder leaves the feed and stops seeding; the files stay.
    first.unlink()
    _published(box, registered["id"], {second.name}, wait_until)
    assert "Test.Show.S01E01" not in _items(fetch(box.url + "/feeds/published.xml").body)
    assert info_hash not in box.engine.info_hashes() and second.exists()


def test_publishing_survives_a_restart_and_never_deletes_the_folder(
        video: Callable[..., Path], tmp_path: Path, wait_until: Callable[..., Any]) -> None:
    folder = tmp_path / "published"
    folder.mkdir()
    clip = _finished(video("Film.mp4", seconds=4, bitrate="300k"), folder)
    config = Config.for_tests(tmp_path / "box", **FAST)
    box = Service(config).start()
    try:
        registered = _register(box, folder)
        info_hash = _published(box, registered["id"], {clip.name}, wait_until)["videos"][0][
            "info_hash"]
    finally:
        box.stop()
    box = Service(config).start()
    try:
        status = box.engine.status(info_hash)
        assert status.save_path == str(folder)
        wait_until(lambda: box.engine.status(info_hash).state == "seeding", 60, "seeding")
        assert box.engine.status(info_hash).total_downloaded == 0  # nothing fetched again
        assert _items(fetch(box.url + "/feeds/published.xml").body).keys() == {"Film"}
        # Deleting the torrent through the API, even with its files, keeps the user's video;
        # the folder's next scan seeds it again.
        client = box.app.test_client()
        assert client.delete(f"/api/v1/torrents/{info_hash}?files=true").status_code == 204
        assert clip.exists() and clip.stat().st_size > 0
        wait_until(lambda: info_hash in box.engine.info_hashes(), 30, "seeded again")
        # Unpublishing the folder stops the seeding and keeps the files.
        assert client.delete(f"/api/v1/published/{registered['id']}").status_code == 204
        assert info_hash not in box.engine.info_hashes() and clip.exists()
        assert _items(fetch(box.url + "/feeds/published.xml").body) == {}
    finally:
        box.stop()


def test_bad_registrations_are_clear_400s(service: Service, tmp_path: Path) -> None:
    client = service.app.test_client()
    afile = tmp_path / "a.mp4"
    afile.write_bytes(b"x")
    good = str(tmp_path)
    for body, field, code in (
            ({"base_url": service.url}, "path", "invalid_field"),
            ({"path": str(afile), "base_url": service.url}, "path", "not_a_folder"),
            ({"path": str(tmp_path / "missing"), "base_url": service.url}, "path", "not_found"),
            ({"path": "relative/dir", "base_url": service.url}, "path", "bad_request"),
            ({"path": good}, "base_url", "invalid_field"),
            ({"path": good, "base_url": "ftp://example.org"}, "base_url", "invalid_url"),
            ({"path": good, "base_url": "javascript:alert(1)"}, "base_url", "invalid_url"),
            ({"path": good, "base_url": "http://"}, "base_url", "invalid_url"),
            ({"path": good, "base_url": "http://box:8642/?a=1"}, "base_url", "invalid_url"),
            ({"path": good, "base_url": service.url, "origins": "x"}, "origins",
             "invalid_field"),
            ({"path": good, "base_url": service.url, "origins": ["no-port"]}, "origins",
             "invalid_peer")):
        answer = client.post("/api/v1/published", json=body)
        assert answer.status_code == 400, (body, answer.get_json())
        error = answer.get_json()
        assert (error["field"], error["error"]) == (field, code), (body, error)
        assert "\n" not in error["message"]
    assert client.get("/api/v1/published").get_json()["folders"] == []
    for path in ("/api/v1/published/9", "/feeds/published/" + "a" * 40 + ".tstream"):
        assert client.get(path).status_code == 404 and client.get(path).get_json()["error"]
    assert client.delete("/api/v1/published/9").status_code == 404


def test_what_cannot_be_published_is_said_and_the_rest_is(
        service: Service, video: Callable[..., Path], tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a video")
    (folder / "Fake.S01E01.mp4").write_text("this is text, not a video")
    _aged(folder / "Fake.S01E01.mp4")
    (folder / "Season 2").mkdir()
    (folder / ".partial.mp4").write_bytes(b"a copy tool's temporary file")
    (folder / "link.mp4").symlink_to(folder / "Fake.S01E01.mp4")
    os.mkfifo(folder / "Pipe.mp4")  # opening it would wait for a writer
    with open(os.path.join(os.fsencode(folder), b"Latin1 \xe9t\xe9.mp4"), "wb") as out:
        out.write(b"a name that is not UTF-8")
    hostile = "Evil <b>&amp; \"quoted\" 'x' ]]> \x01.S01E03.mp4"
    _finished(video("evil.mp4", seconds=2, bitrate="200k"), folder, hostile)
    publisher = Publisher(service.config, service.engine, service.store)  # ticked here
    folder_id, created = publisher.register(folder, service.url, [])
    assert created
    publisher.tick()
    report = publisher.report(folder_id)
    assert [v["name"] for v in report["videos"]] == [hostile]
    assert [(p["name"], p["state"]) for p in report["pending"]] == [("Fake.S01E01.mp4",
                                                                    "failed")]
    assert "cannot tell how long" in report["pending"][0]["why"]
    assert {s["name"]: s["why"].split(" (")[0] for s in report["skipped"]} == {
        "notes.txt": "not a video", "Season 2": "a folder", "link.mp4": "a link",
        "Pipe.mp4": "not a regular file",
        "Latin1 \ufffdt\ufffd.mp4": "its name is not UTF-8 text: rename it"}
    # The failed one is not hashed again until it changes.
    publisher.tick()
    assert publisher.report(folder_id)["pending"][0]["state"] == "failed"
    # The feed is well-formed whatever the name holds, and a feed reader reads the name back.
    body, _ = publisher.catalog.feed()
    title = hostile[:-4].replace("\x01", "\ufffd")
    assert list(_items(body)) == [title]
    parsed = parse_feed(body, "application/rss+xml", service.url + "/feeds/published.xml")
    assert parsed.warning is None and not parsed.skipped
    assert [r.title for r in parsed.releases] == [" ".join(title.split())]
    assert parsed.releases[0].size == (folder / hostile).stat().st_size


def test_a_video_still_being_copied_waits_until_it_stops_changing(
        service: Service, video: Callable[..., Path], tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    made = video("whole.mp4", seconds=4, bitrate="300k")
    data = made.read_bytes()
    now = [time.time()]
    publisher = Publisher(service.config, service.engine, service.store, clock=lambda: now[0])
    folder_id, _ = publisher.register(folder, service.url, [])
    copy = folder / "Show.S01E01.mp4"
    with copy.open("wb") as out:
        out.write(data[: len(data) // 2])
        out.flush()
        publisher.tick()
        pending = publisher.report(folder_id)["pending"]
        assert [(p["name"], p["state"]) for p in pending] == [(copy.name, "waiting")]
        assert "still being written" in pending[0]["why"]
        now[0] += service.config.publish_settle_seconds / 2
        out.write(data[len(data) // 2:])
    publisher.tick()  # it changed since: the wait starts again
    assert publisher.report(folder_id)["pending"][0]["state"] == "waiting"
    assert publisher.report(folder_id)["videos"] == []
    now[0] += service.config.publish_settle_seconds + 1
    publisher.tick()
    report = publisher.report(folder_id)
    assert report["pending"] == [] and [v["name"] for v in report["videos"]] == [copy.name]
    ti = lt.torrent_info(publisher.catalog.tstream(report["videos"][0]["info_hash"])[0])
    assert ti.total_size() == len(data)  # the whole file was hashed, not the half


def _as_a_user(act: Callable[[], None]) -> None:
    """Run `act` where reading a file of mode 000 fails, even for root: on a thread of its own
    whose file-system identity is nobody's (setfsuid acts on the calling thread only)."""
    if os.geteuid() != 0:
        act()
        return
    libc = ctypes.CDLL(None, use_errno=True)
    failed: list[BaseException] = []

    def run() -> None:
        libc.setfsuid(65534)
        libc.setfsgid(65534)
        try:
            act()
        except BaseException as exc:  # handed to the test's thread
            failed.append(exc)
        finally:
            libc.setfsuid(0)
            libc.setfsgid(0)

    thread = threading.Thread(target=run, name="test-as-nobody")
    thread.start()
    thread.join(120)
    if failed:
        raise failed[0]


def test_an_unreadable_video_is_a_clear_failure(service: Service, video: Callable[..., Path],
                                               tmp_path: Path) -> None:
    # Outside pytest's own folder (mode 700): the user must be able to reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="swarmplayer-locked-"))
    try:
        folder.chmod(0o755)
        locked = _finished(video("Locked.mp4", seconds=2, bitrate="200k"), folder)
        locked.chmod(0)
        publisher = Publisher(service.config, service.engine, service.store)
        folder_id, _ = publisher.register(folder, service.url, [])
        _as_a_user(publisher.tick)
        pending = publisher.report(folder_id)["pending"]
        assert [(p["name"], p["state"]) for p in pending] == [("Locked.mp4", "failed")]
        assert pending[0]["why"] == "cannot read 'Locked.mp4': Permission denied", pending
        assert publisher.report(folder_id)["videos"] == []
        # Readable again (it changed): published on the next look.
        locked.chmod(0o644)
        os.utime(locked, (time.time() - 3000, time.time() - 3000))
        publisher.tick()
        assert [v["name"] for v in publisher.report(folder_id)["videos"]] == ["Locked.mp4"]
    finally:
        shutil.rmtree(folder)


def test_a_folder_from_the_lan_must_be_inside_allowed_paths(
        make_service: Callable[..., Service], tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    (allowed / "videos").mkdir(parents=True)
    service = make_service(allowed_paths=str(allowed))
    answers = set()
    for path in (tmp_path, tmp_path / "missing", allowed / ".." / "other", "/etc"):
        reply = from_the_lan(service, {"path": str(path), "base_url": service.url},
                              "/api/v1/published")
        answers.add(assert_json_error(reply, 403)["error"])
    assert answers == {"path_not_allowed"}
    inside = from_the_lan(service, {"path": str(allowed / "videos"), "base_url": service.url},
                           "/api/v1/published")
    assert inside.status == 201, inside.body
    shutil.rmtree(allowed)


def test_the_publish_command(make_service: Callable[..., Service], video: Callable[..., Path],
                             tmp_path: Path) -> None:
    from test_cli import swarmplayer  # the command as a user runs it: a real subprocess

    box = make_service(**FAST)
    folder = tmp_path / "videos"
    folder.mkdir()
    clip = _finished(video("Show.S02E05.mp4", seconds=3, bitrate="200k"), folder)
    (folder / "notes.txt").write_text("hello")
    service = ("--service", box.url)
    done = swarmplayer("publish", str(folder), "--base-url", box.url, *service)
    assert done.returncode == 0, done.stderr
    info_hash = box.app.test_client().get("/api/v1/published").get_json()["folders"][0][
        "videos"][0]["info_hash"]
    assert f"feed: {box.url}/feeds/published.xml" in done.stdout
    assert f"{clip.name}  {info_hash}" in done.stdout
    assert "skipped notes.txt: not a video" in done.stdout and "1 video published" in done.stdout
    port = box.engine.listen_port()
    assert f"(seeded from 127.0.0.1:{port})" in done.stdout  # the default origin: this box
    listed = swarmplayer("publish", "--list", *service)
    assert listed.returncode == 0 and f"{folder}  1 videos" in listed.stdout
    # Again with a video that is no video: said on one line, exit status 1.
    (folder / "Broken.mp4").write_text("not a video")
    _aged(folder / "Broken.mp4")
    again = swarmplayer("publish", str(folder), "--base-url", box.url, *service)
    assert again.returncode == 1
    assert "swarmplayer: cannot publish Broken.mp4: cannot tell how long" in again.stderr
    removed = swarmplayer("publish", "--remove", str(folder), *service)
    assert removed.returncode == 0 and "no longer publishing" in removed.stdout
    assert swarmplayer("publish", "--list", *service).stdout == "no folders published\n"
    assert clip.exists()
    for args, says in (
            ((str(clip), "--base-url", box.url), "not a folder"),
            ((str(folder), "--base-url", "ftp://example.org"), "only http:// and https://"),
            ((str(folder),), "give --base-url"),
            ((), "give a folder to publish"),
            (("--remove", str(tmp_path)), "is not a published folder"),
            ((str(folder), "--base-url", box.url, "--origin", "nope"), "a peer is host:port")):
        refused = swarmplayer("publish", *args, *service)
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
        first = refused.stderr.splitlines()[0]
        assert first.startswith("swarmplayer: error: ") and says in first, (args, first)
        assert "Traceback" not in refused.stderr
    down = swarmplayer("publish", "--list", "--service", "http://127.0.0.1:9")
    assert down.returncode == 2 and "(no_service)" in down.stderr
