"""/summary: a topic's main events as dated, cited bullets."""

from __future__ import annotations

import asyncio
import time

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.delivery import send_followups
from bot.core.activity import ActivityStore
from bot.core.models import Summary
from bot.core.ports import QuestionAnswering
from bot.render import render_summary


async def record_summary(
    activity: ActivityStore | None,
    kind: str,
    topic: str,
    result: Summary,
    started: float,
    interaction: discord.Interaction,
) -> None:
    """Count a summary or timeline in the activity log (/stats), off the event loop."""
    if activity is None:
        return
    await asyncio.to_thread(
        activity.record,
        kind,
        topic,
        "\n".join(f"{item.day} {item.text}" for item in result.items),
        [item.citation for item in result.items],
        refused=result.empty,
        latency_s=time.perf_counter() - started,
        guild_id=interaction.guild_id,
        user_id=interaction.user.id,
    )


class SummaryCog(commands.Cog):
    """Summaries of a topic."""

    def __init__(self, qa: QuestionAnswering, activity: ActivityStore | None = None) -> None:
        self.qa = qa
        self.activity = activity

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
        started = time.perf_counter()
        result = await asyncio.to_thread(
            self.qa.summary, topic.strip(), days=days, guild_id=interaction.guild_id
        )
        await send_followups(interaction, render_summary(result))
        await record_summary(self.activity, "summary", topic, result, started, interaction)
