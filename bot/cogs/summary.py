"""/summary: a topic's main events as dated, cited bullets."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.delivery import send_followups
from bot.core.ports import QuestionAnswering
from bot.render import render_summary


class SummaryCog(commands.Cog):
    """Summaries (and, later, timelines) of a topic."""

    def __init__(self, qa: QuestionAnswering) -> None:
        self.qa = qa

    @app_commands.command(name="summary")
    async def summary(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 200],
        days: app_commands.Range[int, 1, 365] = 7,
    ) -> None:
        """Summarise the main events about a topic, day by day, with sources.

        Args:
            topic: What to summarise, e.g. "the election" or "the heatwave"
            days: How many days back to look, from 1 to 365 (default 7)
        """
        await interaction.response.defer(thinking=True)
        result = await asyncio.to_thread(
            self.qa.summary, topic.strip(), days=days, guild_id=interaction.guild_id
        )
        await send_followups(interaction, render_summary(result))
