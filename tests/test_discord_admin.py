"""/reindex: who may run it, progress edits from the worker thread, and the final report.

Without a source registry /reindex re-reads the configured folders, which every server
shares: only the bot's owners may run it (server admins re-index their own sources, see
test_discord_sources.py).
"""

from __future__ import annotations

import asyncio
import threading
import time

import discord
import pytest
from test_discord_fakes import (
    ADMIN,
    MEMBER,
    FakeInteraction,
    FakeLibrary,
    allows_no_mentions,
)

from bot.cogs.admin import BUSY, OWNERS_ONLY, REFUSAL, STARTING, AdminCog, ProgressRelay
from bot.render import render_report
from index.records import IndexReport

OWNER = 4242


def make_cog(library: FakeLibrary, interval: float = 0.01) -> AdminCog:
    return AdminCog(library, owner_ids=[OWNER], progress_interval=interval)


@pytest.mark.parametrize(
    "interaction",
    [
        FakeInteraction(permissions=MEMBER),
        FakeInteraction(guild_id=None, permissions=ADMIN),  # a DM: no server to manage
    ],
    ids=["member", "dm"],
)
async def test_reindex_is_refused_politely_and_nothing_runs(interaction: FakeInteraction) -> None:
    library = FakeLibrary()

    await AdminCog.reindex.callback(make_cog(library), interaction)

    assert library.events == []
    [call] = interaction.events
    assert call.name == "response.send_message"
    assert call.content == REFUSAL
    assert call.kwargs["ephemeral"] is True
    assert allows_no_mentions(call.kwargs["allowed_mentions"])


@pytest.mark.parametrize(
    "interaction",
    [
        FakeInteraction(permissions=ADMIN),
        FakeInteraction(permissions=discord.Permissions(administrator=True)),
    ],
    ids=["manage-server", "administrator"],
)
async def test_server_admins_may_not_re_read_the_shared_library(
    interaction: FakeInteraction,
) -> None:
    library = FakeLibrary()

    await AdminCog.reindex.callback(make_cog(library), interaction)

    assert library.events == []
    [call] = interaction.events
    assert call.name == "response.send_message" and call.content == OWNERS_ONLY
    assert call.kwargs["ephemeral"] is True


@pytest.mark.parametrize(
    "interaction",
    [
        FakeInteraction(user_id=OWNER, permissions=MEMBER),
        FakeInteraction(user_id=OWNER, guild_id=None, permissions=MEMBER),
    ],
    ids=["owner", "owner-in-dm"],
)
async def test_reindex_runs_for_owners_with_progress_and_report(
    interaction: FakeInteraction,
) -> None:
    report = IndexReport(
        added=2, updated=1, unchanged=40, failed=1, seconds=0.3, problems=["a.json: bad date"]
    )
    library = FakeLibrary(report=report, steps=8, step_seconds=0.02, events=interaction.events)

    await AdminCog.reindex.callback(make_cog(library), interaction)

    names = interaction.events.names()
    assert names[:3] == ["response.defer", "edit_original_response", "library.reindex"]
    assert interaction.events[0].kwargs == {"ephemeral": True, "thinking": True}
    assert interaction.events[2].kwargs["on_main_thread"] is False
    edits = [call for call in interaction.events if call.name == "edit_original_response"]
    assert edits[0].content == STARTING
    progress = [call.content for call in edits[1:-1]]
    assert progress, "no progress edit was made"
    assert all(
        text.startswith("Indexing… ") and text.endswith("/8 articles (reading)")
        for text in progress
    )
    assert edits[-1].content == render_report(report)
    assert "added 2 · updated 1 · unchanged 40 · removed 0 · failed 1" in edits[-1].content
    assert "a.json: bad date" in edits[-1].content
    assert all(allows_no_mentions(call.kwargs["allowed_mentions"]) for call in edits)


async def test_progress_edits_are_rate_limited() -> None:
    interaction = FakeInteraction(user_id=OWNER)
    library = FakeLibrary(steps=100, step_seconds=0.002)
    interval = 0.1

    started = time.monotonic()
    await AdminCog.reindex.callback(make_cog(library, interval=interval), interaction)
    elapsed = time.monotonic() - started

    edits = [call for call in interaction.events if call.name == "edit_original_response"]
    progress = edits[1:-1]  # between "starting" and the report
    assert 1 <= len(progress) <= elapsed / interval + 1
    assert len(progress) < library.steps / 4


async def test_a_second_reindex_while_one_runs_is_turned_away() -> None:
    library = FakeLibrary()
    library.release.clear()  # the first run blocks until released
    cog = make_cog(library)
    first = FakeInteraction(user_id=OWNER)
    running = asyncio.create_task(AdminCog.reindex.callback(cog, first))
    while not library.events:
        await asyncio.sleep(0.005)

    second = FakeInteraction(user_id=OWNER)
    await AdminCog.reindex.callback(cog, second)
    library.release.set()
    await running

    assert [call.content for call in second.events] == [BUSY]
    assert second.events[0].kwargs["ephemeral"] is True
    assert len(library.events) == 1
    assert first.events[-1].content == render_report(library.report)


async def test_progress_relay_marshals_updates_from_another_thread() -> None:
    shown: list[str] = []

    async def edit(text: str) -> None:
        shown.append(text)

    async with ProgressRelay(edit, interval=0.01) as relay:
        worker = threading.Thread(target=relay.report, args=(120, 480, ""))
        worker.start()
        worker.join()
        await asyncio.sleep(0.05)

    assert shown == ["Indexing… 120/480 articles"]
