"""/source add, /source list, /source remove: the news sources, for server admins.

Hidden from members (default permissions: Manage Server) and checked again at run time. A
source added in a server serves that server only; the bot's owners may add global sources
(scope "all servers"), local files and folders, and addresses on private networks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.admin import is_admin, is_owner, source_scope
from bot.cogs.delivery import send_followups
from bot.core.ports import SourceAdmin
from bot.errors import send_ephemeral
from bot.render import clip, collapse, escape_text, link, shorten, split_messages
from index.registry import Source
from index.sources.intervals import format_interval, parse_interval
from index.sources.redact import redact_url
from index.sources.service import SourceBusy, SourceError

log = logging.getLogger(__name__)

REFUSAL = "Sorry, only server admins (Manage Server) can manage the news sources."
GLOBAL_REFUSAL = "Only the bot's owners can add sources for all servers."
NO_SOURCES = "No sources yet. Add a feed or a page with `/source add`."
LOCATION_CHARS = 120
ERROR_CHARS = 160
AUTOCOMPLETE_LIMIT = 25  # Discord's maximum number of choices


def busy_text(busy: SourceBusy) -> str:
    """``A re-index of s3 is already running (started <relative time>)``."""
    label = "all sources" if busy.source_id == "*" else f"`{busy.source_id}`"
    when = f" (started {discord.utils.format_dt(busy.started, 'R')})" if busy.started else ""
    return f"A re-index of {label} is already running{when}; this one was not started."


def scope_text(source: Source) -> str:
    """``this server`` or ``all servers``."""
    return "this server" if source.guild_id else "all servers"


def render_source(source: Source) -> str:
    """One source as a short block: id, kind, location, interval, scope, counts, last run."""
    # A private feed's URL may carry a token: lists show it masked.
    shown = redact_url(source.location)
    location = link(shown) or f"`{escape_text(shorten(shown, LOCATION_CHARS))}`"
    head = f"**`{source.id}`** {source.kind} {location}"
    facts = [
        f"every {format_interval(source.interval_seconds)}"
        if source.interval_seconds
        else "manual",
        scope_text(source),
        f"{source.article_count:,} articles",
        f"last run {_when(source.last_run)}",
    ]
    lines = [head, " · ".join(facts)]
    if source.last_error:
        error = escape_text(shorten(collapse(source.last_error), ERROR_CHARS))
        lines.append(f"⚠ {error}")
    return "\n".join(lines)


def render_sources(sources: Iterable[Source]) -> list[str]:
    """The list of sources as message contents (split to fit Discord's limit)."""
    blocks = [render_source(s) + "\n" for s in sources]
    if not blocks:
        return [NO_SOURCES]
    return split_messages(["**News sources**", *blocks])


def render_added(source: Source) -> str:
    """The reply to /source add."""
    when = (
        f"It is polled every {format_interval(source.interval_seconds)}, starting within a minute."
        if source.interval_seconds
        else f"Read it now with `/reindex source:{source.id}`."
    )
    return clip(f"Added {render_source(source)}\n{when}")


def _when(moment: datetime | None) -> str:
    return discord.utils.format_dt(moment, "R") if moment else "never"


class SourceAdminCog(commands.Cog):
    """Adding, listing and removing the sources the bot reads."""

    source = app_commands.Group(
        name="source",
        description="Manage the news sources (server admins only)",
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, sources: SourceAdmin, owner_ids: Iterable[int] = ()) -> None:
        self.sources = sources
        self.owner_ids = frozenset(owner_ids)

    @source.command(name="add")
    @app_commands.describe(
        url="The feed's or page's address (https://...)",
        every="How often to check it, e.g. 30m, 2h or 1d (default: only on /reindex)",
        kind="Feed or single page (default: detected)",
        everywhere="Serve every server, not just this one (bot owners only)",
    )
    @app_commands.choices(
        kind=[
            app_commands.Choice(name="feed (RSS or Atom)", value="feed"),
            app_commands.Choice(name="single web page", value="page"),
        ]
    )
    async def add(
        self,
        interaction: discord.Interaction,
        url: str,
        every: str | None = None,
        kind: str | None = None,
        everywhere: bool = False,
    ) -> None:
        """Add a news feed or web page for this server (server admins only)."""
        if not is_admin(interaction, self.owner_ids):
            await send_ephemeral(interaction, REFUSAL)
            return
        owner = is_owner(interaction, self.owner_ids)
        if everywhere and not owner:
            await send_ephemeral(interaction, GLOBAL_REFUSAL)
            return
        try:
            seconds = parse_interval(every) if every else None
        except ValueError as exc:
            await send_ephemeral(interaction, clip(f"Sorry, {exc}."))
            return
        guild = "" if everywhere or interaction.guild_id is None else str(interaction.guild_id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            added = await asyncio.to_thread(
                self.sources.add, url, kind=kind, every=seconds, guild_id=guild, trusted=owner
            )
        except SourceError as exc:
            await send_followups(interaction, [clip(exc.message)], ephemeral=True)
            return
        log.info("source %s added by %s in %s", added.id, interaction.user.id, guild or "all")
        await send_followups(interaction, [render_added(added)], ephemeral=True)

    @source.command(name="list")
    async def list_sources(self, interaction: discord.Interaction) -> None:
        """See the news sources this server uses (server admins only)."""
        if not is_admin(interaction, self.owner_ids):
            await send_ephemeral(interaction, REFUSAL)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await asyncio.to_thread(
            self.sources.list, source_scope(interaction, self.owner_ids)
        )
        await send_followups(interaction, render_sources(found), ephemeral=True)

    @source.command(name="remove")
    @app_commands.describe(source="The source's id, from /source list")
    async def remove(self, interaction: discord.Interaction, source: str) -> None:
        """Remove a source and the articles it brought (server admins only)."""
        if not is_admin(interaction, self.owner_ids):
            await send_ephemeral(interaction, REFUSAL)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        # Owners may remove any source; admins only their own server's.
        scope = None if is_owner(interaction, self.owner_ids) else str(interaction.guild_id or "")
        try:
            removed, count = await asyncio.to_thread(self.sources.remove, source, guild_id=scope)
        except SourceBusy as busy:
            await send_followups(interaction, [busy_text(busy)], ephemeral=True)
            return
        except SourceError as exc:
            await send_followups(interaction, [clip(exc.message)], ephemeral=True)
            return
        log.info("source %s removed by %s", removed.id, interaction.user.id)
        text = f"Removed `{removed.id}` and its {count:,} article{'s' if count != 1 else ''}."
        await send_followups(interaction, [text], ephemeral=True)

    @remove.autocomplete("source")
    async def _source_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # Members may see the command (servers can open it up) but not the sources.
        if not is_admin(interaction, self.owner_ids):
            return []
        return await source_choices(
            self.sources, source_scope(interaction, self.owner_ids), current
        )


async def source_choices(
    sources: SourceAdmin, scope: str | None, current: str, *, own_only: bool = False
) -> list[app_commands.Choice[str]]:
    """Autocomplete: the sources visible in ``scope`` whose id or location matches ``current``
    (``own_only``: only the server's own, not the global ones)."""
    found = await asyncio.to_thread(sources.list, scope)
    needle = current.strip().lower()
    choices = []
    for source in found:
        # Matched on the masked location: typing a token's first letters must not tell.
        shown = redact_url(source.location)
        if own_only and source.guild_id != scope:
            continue
        if needle and needle not in source.id.lower() and needle not in shown.lower():
            continue
        name = shorten(f"{source.id} · {source.kind} · {shown}", 100)
        choices.append(app_commands.Choice(name=name, value=source.id))
    return choices[:AUTOCOMPLETE_LIMIT]
