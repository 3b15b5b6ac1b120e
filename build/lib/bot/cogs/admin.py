"""/reindex [source]: re-read the sources, for server admins and the bot's owners only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from functools import partial

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.ports import Library, SourceAdmin
from bot.errors import send_ephemeral
from bot.render import clip, render_progress, render_report

log = logging.getLogger(__name__)

REFUSAL = "Sorry, only server admins (Manage Server) can re-index the library."
BUSY = "A re-index is already running; this one was not started."
STARTING = "Indexing… starting"


def is_admin(interaction: discord.Interaction, owner_ids: Iterable[int]) -> bool:
    """True for the bot's owners, and for members with Manage Server in this server."""
    if interaction.user.id in set(owner_ids):
        return True
    if interaction.guild_id is None:
        return False
    permissions = interaction.permissions
    return permissions.manage_guild or permissions.administrator


class ProgressRelay:
    """Carries progress from the indexing thread to an edited message, at most once per interval.

    The worker thread only hands the latest text to the event loop (``call_soon_threadsafe``);
    a task on the loop edits the message when the text changed. Edits therefore never race,
    and the final report, sent after the relay stops, is never overwritten by a late update.
    """

    def __init__(self, edit: Callable[[str], Awaitable[object]], interval: float = 1.0) -> None:
        self._edit = edit
        self._interval = interval
        self._loop = asyncio.get_running_loop()
        self._latest: str | None = None
        self._shown: str | None = None
        self._task: asyncio.Task[None] | None = None

    def report(self, done: int, total: int, stage: str = "") -> None:
        """The progress callback; safe to call from any thread."""
        self._loop.call_soon_threadsafe(self._set_latest, render_progress(done, total, stage))

    def _set_latest(self, text: str) -> None:
        self._latest = text

    async def flush(self) -> None:
        """Edit the message if the progress changed since the last edit."""
        text = self._latest
        if text is None or text == self._shown:
            return
        self._shown = text
        try:
            await self._edit(text)
        except discord.HTTPException:
            log.warning("Could not update the re-index progress message", exc_info=True)

    async def _pump(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.flush()

    async def __aenter__(self) -> ProgressRelay:
        self._task = asyncio.create_task(self._pump())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class AdminCog(commands.Cog):
    """Maintenance commands for server admins and the bot's owners."""

    def __init__(
        self,
        library: Library,
        owner_ids: Iterable[int] = (),
        progress_interval: float = 1.0,
        sources: SourceAdmin | None = None,
    ) -> None:
        self.library = library
        self.owner_ids = frozenset(owner_ids)
        self.progress_interval = progress_interval
        self.sources = sources  # the source registry; without it, /reindex reads the folders
        self._running = False

    @app_commands.command(name="reindex")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(source="Only this source (its id from /source list); default: all")
    async def reindex(self, interaction: discord.Interaction, source: str | None = None) -> None:
        """Re-read the news sources and update the library (server admins only)."""
        # default_permissions only hides the command; permissions are checked here as well.
        if not is_admin(interaction, self.owner_ids):
            await send_ephemeral(interaction, REFUSAL)
            return
        if self.sources is not None:
            await self._reindex_sources(interaction, self.sources, source)
            return
        if self._running:
            await send_ephemeral(interaction, BUSY)
            return
        self._running = True
        try:
            await self._reindex(interaction)
        finally:
            self._running = False

    async def _reindex(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)

        async def edit(text: str) -> None:
            await interaction.edit_original_response(
                content=text, allowed_mentions=discord.AllowedMentions.none()
            )

        await edit(STARTING)
        async with ProgressRelay(edit, self.progress_interval) as relay:
            report = await asyncio.to_thread(self.library.reindex, relay.report)
        log.info("Re-index from Discord: %s", report.summary_line())
        await edit(render_report(report))

    async def _reindex_sources(
        self, interaction: discord.Interaction, sources: SourceAdmin, source_id: str | None
    ) -> None:
        """One source, or all the server may use; one run per source at a time (the service's
        locks hold across processes), so a second request learns when the first started."""
        from bot.cogs.sources_admin import busy_text
        from index.sources.service import SourceBusy, SourceError

        await interaction.response.defer(ephemeral=True, thinking=True)

        async def edit(text: str) -> None:
            await interaction.edit_original_response(
                content=text, allowed_mentions=discord.AllowedMentions.none()
            )

        owner_anywhere = interaction.user.id in self.owner_ids and interaction.guild_id is None
        scope = None if owner_anywhere else str(interaction.guild_id or "")
        await edit(STARTING)
        async with ProgressRelay(edit, self.progress_interval) as relay:
            if source_id:
                work = partial(sources.run, source_id, relay.report, guild_id=scope)
            else:
                work = partial(sources.run_all, relay.report, guild_id=scope)
            try:
                report = await asyncio.to_thread(work)
            except SourceBusy as busy:
                report, message = None, busy_text(busy)
            except SourceError as exc:  # its message may repeat the user's option: clip it
                report, message = None, clip(exc.message)
        if report is None:
            await edit(message)
            return
        log.info("Re-index of %s from Discord: %s", source_id or "all", report.summary_line())
        await edit(render_report(report))

    @reindex.autocomplete("source")
    async def _source_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if self.sources is None:
            return []
        from bot.cogs.sources_admin import source_choices

        owner_anywhere = interaction.user.id in self.owner_ids and interaction.guild_id is None
        scope = None if owner_anywhere else str(interaction.guild_id or "")
        return await source_choices(self.sources, scope, current)
