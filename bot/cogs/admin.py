"""/reindex [source]: re-read the sources, for server admins and the bot's owners only.

A server admin re-indexes their server's own sources (one, or all of them). The global
sources serve every server, so re-reading them (or the whole library) is for the bot's owners.
:func:`is_owner` and :func:`source_scope` decide who sees which sources, here and in /source
add and list.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.ports import Library, ProgressCallback, SourceAdmin
from bot.errors import APOLOGY, send_ephemeral
from bot.render import clip, render_progress, render_report
from index.records import IndexReport

log = logging.getLogger(__name__)

REFUSAL = "Sorry, only server admins (Manage Server) can re-index the library."
OWNERS_ONLY = "Sorry, only the bot's owners can re-index the library every server shares."
GLOBAL_SOURCE = "`{id}` serves every server; only the bot's owners can re-index it."
NO_OWN_SOURCES = "This server has no sources of its own to re-index. Add one with `/source add`."
BUSY = "A re-index is already running; this one was not started."
STARTING = "Indexing… starting"


def is_owner(interaction: discord.Interaction, owner_ids: Iterable[int]) -> bool:
    """True for the bot's owners (``NEWSDESK_OWNER_IDS``)."""
    return interaction.user.id in set(owner_ids)


def is_admin(interaction: discord.Interaction, owner_ids: Iterable[int]) -> bool:
    """True for the bot's owners, and for members with Manage Server in this server."""
    if is_owner(interaction, owner_ids):
        return True
    if interaction.guild_id is None:
        return False
    permissions = interaction.permissions
    return permissions.manage_guild or permissions.administrator


def source_scope(interaction: discord.Interaction, owner_ids: Iterable[int]) -> str | None:
    """The sources the caller sees: every one (None) for an owner outside a server; else the
    server's id ("" outside one), which shows that server's own sources and the global ones."""
    if is_owner(interaction, owner_ids) and interaction.guild_id is None:
        return None
    return str(interaction.guild_id or "")


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
    @app_commands.describe(
        source="Only this source (its id from /source list); default: all you may re-index"
    )
    async def reindex(self, interaction: discord.Interaction, source: str | None = None) -> None:
        """Re-read the news sources and update the library (server admins only)."""
        # default_permissions only hides the command; permissions are checked here as well.
        if not is_admin(interaction, self.owner_ids):
            await send_ephemeral(interaction, REFUSAL)
            return
        if self.sources is not None:
            await self._reindex_sources(interaction, self.sources, source)
            return
        if not is_owner(interaction, self.owner_ids):
            # Without a source registry the library is the configured folders: every server's.
            await send_ephemeral(interaction, OWNERS_ONLY)
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
        try:
            async with ProgressRelay(edit, self.progress_interval) as relay:
                report = await asyncio.to_thread(self.library.reindex, relay.report)
        except Exception:
            await _failed(edit)
            return
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

        scope = source_scope(interaction, self.owner_ids)
        owner = is_owner(interaction, self.owner_ids)
        await edit(STARTING)
        try:
            async with ProgressRelay(edit, self.progress_interval) as relay:
                try:
                    report = await asyncio.to_thread(
                        self._run, sources, source_id, relay.report, scope, owner
                    )
                except SourceBusy as busy:
                    report, message = None, busy_text(busy)
                except SourceError as exc:  # its message may repeat the user's option: clip it
                    report, message = None, clip(exc.message)
        except Exception:
            await _failed(edit)
            return
        if report is None:
            await edit(message)
            return
        log.info("Re-index of %s from Discord: %s", source_id or "all", report.summary_line())
        await edit(render_report(report))

    @staticmethod
    def _run(
        sources: SourceAdmin,
        source_id: str | None,
        progress: ProgressCallback,
        scope: str | None,
        owner: bool,
    ) -> IndexReport:
        """The re-index the caller may run (blocking): owners any source in ``scope``, server
        admins only their server's own; SourceError when the source is not theirs."""
        from index.sources.service import SourceError

        if not source_id:
            if owner:
                return sources.run_all(progress, guild_id=scope)
            if not any(s.guild_id == scope for s in sources.list(scope)):
                raise SourceError(NO_OWN_SOURCES)
            return sources.run_all(progress, guild_id=scope, own_only=True)
        source = sources.get(source_id, scope)
        if not owner and source.guild_id != scope:
            raise SourceError(GLOBAL_SOURCE.format(id=source.id))
        return sources.run(source.id, progress, guild_id=scope)

    @reindex.autocomplete("source")
    async def _source_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # Members may see the command (servers can open it up) but not the sources.
        if self.sources is None or not is_admin(interaction, self.owner_ids):
            return []
        from bot.cogs.sources_admin import source_choices

        # Server admins are offered only the sources they may re-index: their server's own.
        own_only = not is_owner(interaction, self.owner_ids)
        scope = source_scope(interaction, self.owner_ids)
        return await source_choices(self.sources, scope, current, own_only=own_only)


async def _failed(edit: Callable[[str], Awaitable[None]]) -> None:
    """A re-index that failed unexpectedly: logged, and the status message says so (the
    tree's handler would leave it at "starting" and apologise in a second message)."""
    log.exception("Re-index from Discord failed")
    await edit(APOLOGY)
