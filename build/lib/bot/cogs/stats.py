"""/stats: how the bot is doing in this server (server admins and the bot's owners only)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.admin import is_admin
from bot.cogs.delivery import send_followups
from bot.core.activity import ActivityStats, ActivityStore
from bot.core.ports import Library
from bot.errors import send_ephemeral
from bot.render import render_activity
from index.records import SourceStats

REFUSAL = "Sorry, only server admins (Manage Server) can see the bot's stats."


class StatsCog(commands.Cog):
    """Usage and health figures for admins."""

    def __init__(
        self, activity: ActivityStore, library: Library, owner_ids: Iterable[int] = ()
    ) -> None:
        self.activity = activity
        self.library = library
        self.owner_ids = frozenset(owner_ids)

    @app_commands.command(name="stats")
    @app_commands.default_permissions(manage_guild=True)
    async def stats(self, interaction: discord.Interaction) -> None:
        """See questions answered, refusals, feedback, answer times and the library's size."""
        # default_permissions only hides the command; permissions are checked here as well.
        if not is_admin(interaction, self.owner_ids):
            await send_ephemeral(interaction, REFUSAL)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        activity, library, last = await asyncio.to_thread(self.figures, interaction.guild_id)
        content = render_activity(activity, library, last)
        await send_followups(interaction, [content], ephemeral=True)

    def figures(self, guild_id: int | None) -> tuple[ActivityStats, SourceStats, datetime | None]:
        """The activity, the library's size and the last re-index, for one server (blocking)."""
        return (
            self.activity.stats(guild_id),
            self.library.stats(guild_id),
            self.library.last_reindex(guild_id),
        )
