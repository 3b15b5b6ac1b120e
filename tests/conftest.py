"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from discord_emulator import DiscordEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    """A started Discord emulator with the default world (see tests/discord_emulator).

    Close every client you start before the test ends; the emulator stops at teardown.
    """
    from discord_emulator import DiscordEmulator

    emu = DiscordEmulator(heartbeat_interval=1.0)
    emu.seed_default_world()
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()
