"""/sources: what the library holds."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.delivery import send_followups
from bot.core.ports import Library
from bot.render import render_stats


class SourcesCog(commands.Cog):
    """An overview of the articles the bot answers from."""

    def __init__(self, library: Library) -> None:
        self.library = library

    @app_commands.command(name="sources")
    async def sources(self, interaction: discord.Interaction) -> None:
        """See what I know: how many articles, from which dates and which outlets."""
        await interaction.response.defer(thinking=True)
        stats = await asyncio.to_thread(self.library.stats, interaction.guild_id)
        await send_followups(interaction, [render_stats(stats)])
