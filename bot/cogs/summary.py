"""/summary: a topic's main events as dated, cited bullets.

The topic is checked before the public "thinking" reply and before the rate limit, so a bad
one gets a private answer and costs no slot (as for /ask and /timeline).
"""

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
from bot.errors import checked_text
from bot.ratelimit import RateLimiter, take_slot
from bot.render import render_summary

TOPIC_CHARS = 200  # /summary's and /timeline's topic option (Discord checks it too)


def check_topic(topic: str) -> str:
    """The topic, tidied; BadInput when it is blank or too long."""
    return checked_text(
        topic,
        limit=TOPIC_CHARS,
        what="topic",
        if_empty="Please name a topic, e.g. “the election” or “the heatwave”.",
    )


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
        activity.record_summary,
        kind,
        topic,
        result,
        latency_s=time.perf_counter() - started,
        guild_id=interaction.guild_id,
        user_id=interaction.user.id,
    )


class SummaryCog(commands.Cog):
    """Summaries of a topic."""

    def __init__(
        self,
        qa: QuestionAnswering,
        activity: ActivityStore | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.qa = qa
        self.activity = activity
        self.limiter = limiter

    @app_commands.command(name="summary")
    async def summary(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, TOPIC_CHARS],
        days: app_commands.Range[int, 1, 365] = 7,
    ) -> None:
        """Summarise the main events about a topic, day by day, with sources.

        Args:
            topic: What to summarise, e.g. "the election" or "the heatwave"
            days: How many days back to look, from 1 to 365 (default 7)
        """
        topic = check_topic(topic)
        take_slot(self.limiter, interaction.user.id)
        await interaction.response.defer(thinking=True)
        started = time.perf_counter()
        result = await asyncio.to_thread(
            self.qa.summary, topic, days=days, guild_id=interaction.guild_id
        )
        await send_followups(interaction, render_summary(result))
        await record_summary(self.activity, "summary", topic, result, started, interaction)
