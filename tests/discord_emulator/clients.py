"""Running a discord.py client against the emulator for the length of a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from .recording import EmulatorTimeout

ClientT = TypeVar("ClientT")


@asynccontextmanager
async def running_client(
    client: ClientT, token: str, *, ready_timeout: float = 10.0
) -> AsyncIterator[ClientT]:
    """Start ``client`` (a discord.Client/Bot), wait for on_ready, and always close it.

    The client must already point at the emulator (REST base and gateway URL). A client
    that fails to start (bad token, unknown route) raises its own error here instead of
    a bare timeout. On exit the client is closed and its task awaited, so nothing leaks.
    """
    bot: Any = client
    task = asyncio.create_task(bot.start(token), name="discord-client-under-test")
    try:
        await _until_ready(bot, task, ready_timeout)
        yield client
    finally:
        await bot.close()
        await asyncio.wait_for(task, timeout=10.0)


async def _until_ready(client: Any, task: asyncio.Task[None], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # Polling: wait_until_ready() cannot be called before login has set the client up.
    while not client.is_ready():
        if task.done():
            task.result()  # raises the client's own startup error
            raise EmulatorTimeout("the client stopped before it became ready")
        if loop.time() > deadline:
            raise EmulatorTimeout(f"the client was not ready after {timeout:.1f}s")
        await asyncio.sleep(0.01)
