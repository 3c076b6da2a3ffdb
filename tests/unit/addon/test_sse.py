"""Reading the command stream's server-sent events (pure)."""

from __future__ import annotations

from addon import sse


def test_events_comments_and_junk() -> None:
    lines = [b"retry: 3000\n", b"\n", b"event: hello\n", b'data: {"state_url": "/s"}\n', b"\n",
             b": keep-alive\n", b"\n", b"event: command\r\n", b"id: 7\r\n",
             b'data: {"id": 7,\n', b'data: "command": "pause"}\n', b"\n",
             b"event: command\n", b"data: not json\n", b"\n", b"event: command\n"]
    assert list(sse.events(lines)) == [("hello", {"state_url": "/s"}),
                                       ("command", {"id": 7, "command": "pause"})]
