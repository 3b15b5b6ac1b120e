"""The real bot driven against the Discord emulator: shared by the end-to-end test files."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord.http
import discord.webhook.async_
import pytest
from discord.gateway import DiscordWebSocket
from discord_emulator import DiscordEmulator
from discord_emulator.clients import running_client
from support import make_settings

from bot.client import NewsdeskBot, build_bot
from bot.core.activity import ActivityStore
from bot.services import Services


@pytest.fixture
def restore_discord_endpoints() -> Iterator[None]:
    """The API base and gateway are process-wide in discord.py: put them back."""
    saved = (discord.http.Route.BASE, discord.webhook.async_.Route.BASE)
    gateway = DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE, discord.webhook.async_.Route.BASE = saved
    DiscordWebSocket.DEFAULT_GATEWAY = gateway


@asynccontextmanager
async def running_bot(
    emulator: DiscordEmulator,
    services: Services,
    tmp_path: Path,
    *,
    qa: Any = None,
    **settings: Any,
) -> AsyncIterator[NewsdeskBot]:
    """``build_bot`` from settings pointing at the emulator; started, synced, always closed."""
    config = make_settings(
        tmp_path,
        discord_api_base=emulator.api_base,
        dev_guild_id=emulator.world.guild.id,  # commands are synced there on start
        **settings,
    )
    activity = ActivityStore.in_data_dir(config.data_dir)
    bot = build_bot(
        config,
        qa or services.newsdesk,
        services.library,
        activity=activity,
        guild_ready_timeout=0.05,
    )
    try:
        async with running_client(bot, emulator.token, ready_timeout=10):
            await emulator.wait_for_sync(guild=emulator.world.guild)
            yield bot
    finally:
        activity.close()
    assert not emulator.unhandled, f"routes the emulator does not serve: {emulator.unhandled}"
