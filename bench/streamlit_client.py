"""What the headless load clients (bench_workshop, bench_people) share: Streamlit's
websocket opened with a session cookie as the browser opens it, a reader that hands
every message to the client, and the server process's CPU and peak memory."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import websockets


@asynccontextmanager
async def stream(url: str, cookie: str, read: Callable[[bytes], None],
                 dropped: Callable[[str], None]) -> AsyncIterator[Any]:
    """The app's websocket at ``url`` (http://…), its messages passed to ``read`` as they
    come; a socket the server drops is passed to ``dropped``, which says whether it is
    an error."""
    address = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with websockets.connect(address, subprotocols=["streamlit"],  # type: ignore[list-item]
                                  additional_headers={"Cookie": cookie},
                                  max_size=None, ping_interval=None) as ws:
        async def listen() -> None:
            try:
                async for raw in ws:
                    read(raw if isinstance(raw, bytes) else raw.encode())
                dropped(f"websocket closed by the server ({ws.close_code} {ws.close_reason})")
            except websockets.ConnectionClosed as closed:
                dropped(f"websocket closed: {closed}"[:160])
            except Exception as exc:  # the client's own failure: said, never silent
                dropped(f"reading a message failed: {type(exc).__name__}: {exc}"[:160])
                raise

        reader = asyncio.create_task(listen())
        try:
            yield ws
        finally:
            reader.cancel()


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
