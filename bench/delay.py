"""A delay line for TCP on 127.0.0.1: what `tc qdisc netem delay` would do, in user space.

This kernel has no sch_netem (and no other qdisc that delays), so network namespaces alone
cannot give the 40 ms round trip of the issue. Instead the client reaches each seeder through
a relay that holds every byte half the round trip in each direction, and holds a new
connection one round trip before it opens (the TCP handshake of a real path).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque

READ_SIZE = 64 * 1024
START_TIMEOUT = 10.0


class DelayRelay:
    """Listens on a free port of `host` and relays to `target_port` there with `rtt` seconds of
    delay (a peer's relay on its own loopback address, so the client tells peers apart)."""

    def __init__(self, target_port: int, rtt: float, host: str = "127.0.0.1") -> None:
        self.target_port = target_port
        self.host = host
        self.rtt = rtt
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-delay")
        self._server: asyncio.base_events.Server | None = None

    def start(self) -> DelayRelay:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise RuntimeError("the delay relay did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._relay, self.host, 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            tasks = asyncio.all_tasks(self._loop)
            for task in tasks:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self._loop.close()

    async def _relay(self, client_in: asyncio.StreamReader,
                     client_out: asyncio.StreamWriter) -> None:
        # Cancelled when the relay stops: ended here, since Python 3.11's start_server asks a
        # cancelled connection task for its exception and logs the CancelledError as an error
        # with its traceback (3.12 checks for cancellation first).
        with contextlib.suppress(asyncio.CancelledError):
            await self._pipe(client_in, client_out)

    async def _pipe(self, client_in: asyncio.StreamReader,
                    client_out: asyncio.StreamWriter) -> None:
        await asyncio.sleep(self.rtt)  # SYN, SYN-ACK: one round trip before any data
        try:
            server_in, server_out = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            client_out.close()
            return
        one_way = self.rtt / 2
        await asyncio.gather(_delayed_pipe(client_in, server_out, one_way),
                             _delayed_pipe(server_in, client_out, one_way),
                             return_exceptions=True)


async def _delayed_pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter,
                        delay: float) -> None:
    """Copy source to sink, each chunk `delay` seconds after it was read, in order."""
    loop = asyncio.get_running_loop()
    line: deque[tuple[float, bytes]] = deque()
    arrived = asyncio.Event()
    done = False

    async def deliver() -> None:
        while line or not done:
            if not line:
                arrived.clear()
                await arrived.wait()
                continue
            due, data = line[0]
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)  # the delay being emulated, not a poll
            line.popleft()
            if data:
                sink.write(data)
                await sink.drain()
        sink.close()

    sender = loop.create_task(deliver())
    try:
        while data := await source.read(READ_SIZE):
            line.append((loop.time() + delay, data))
            arrived.set()
    except (ConnectionError, OSError):
        pass
    finally:
        done = True
        line.append((loop.time() + delay, b""))  # the close travels the line too
        arrived.set()
        with contextlib.suppress(ConnectionError, OSError):
            await sender
