"""/timeline: a topic's dated events, oldest first, with citations (like `newsdesk timeline`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.delivery import send_followups
from bot.cogs.summary import TOPIC_CHARS, check_topic, record_summary
from bot.core.activity import ActivityStore
from bot.core.answer import today_utc
from bot.core.days import parse_day
from bot.core.ports import QuestionAnswering
from bot.errors import BadInput
from bot.ratelimit import RateLimiter, take_slot
from bot.render import render_summary

HEADING = "Timeline"


class TimelineCog(commands.Cog):
    """Timelines of a topic: at most one dated event per day, in date order."""

    def __init__(
        self,
        qa: QuestionAnswering,
        activity: ActivityStore | None = None,
        limiter: RateLimiter | None = None,
        today: Callable[[], date] = today_utc,
    ) -> None:
        self.qa = qa
        self.activity = activity
        self.limiter = limiter
        self.today = today

    @app_commands.command(name="timeline")
    async def timeline(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, TOPIC_CHARS],
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        """Trace a story day by day: dated events about a topic, oldest first, with sources.

        Args:
            topic: The story to trace, e.g. "Hurricane Milton" or "the AI Act"
            since: First day, as YYYY-MM-DD (default: as far back as the articles go)
            until: Last day, as YYYY-MM-DD (default: today)
        """
        # Checked before the (public) defer and the rate limit, like /ask: bad input gets a
        # private reply and costs no slot.
        topic = check_topic(topic)
        first, last = self.window(since, until)
        take_slot(self.limiter, interaction.user.id)
        await interaction.response.defer(thinking=True)
        started = time.perf_counter()
        result = await asyncio.to_thread(
            self.qa.timeline, topic, since=first, until=last, guild_id=interaction.guild_id
        )
        await send_followups(interaction, render_summary(result, heading=HEADING))
        await record_summary(self.activity, "timeline", topic, result, started, interaction)

    def window(self, since: str | None, until: str | None) -> tuple[date | None, date | None]:
        """The typed days as dates; BadInput when one is not a date or the window is empty."""
        first, last = parse_day(since, "`since`"), parse_day(until, "`until`")
        if first and last and first > last:
            raise BadInput(f"`since` ({first}) is after `until` ({last}).")
        # The core refuses this too, but only after the public "thinking" reply.
        if first and first > self.today():
            raise BadInput(f"`since` ({first}) is in the future.")
        return first, last
