"""Buttons under each answer: "Sources" (the quoted passages, ephemeral) and 👍/👎 feedback.

A button's ``custom_id`` carries what it does and the recorded answer's id
(``newsdesk:sources:42``), and clicks are dispatched by pattern (discord.py's ``DynamicItem``)
rather than by a view kept in memory: buttons keep working after the bot restarts, as long as
the activity store (a file in the data dir) still has the answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands

from bot.cogs.delivery import safe_send_kwargs
from bot.core.activity import ActivityStore
from bot.errors import send_ephemeral, user_message_for
from bot.render import render_passages

log = logging.getLogger(__name__)

TEMPLATE = r"newsdesk:(?P<action>sources|up|down):(?P<id>[0-9]+)"
FORGOTTEN = "Sorry, I no longer have the record of that answer."
THANKS = {"up": "Thanks for the 👍, noted.", "down": "Thanks for the 👎, noted: I'll do better."}
VOTES = {"up": 1, "down": -1}

ClickHandler = Callable[[discord.Interaction, str, int], Awaitable[None]]


def custom_id(action: str, answer_id: int) -> str:
    """``newsdesk:<action>:<answer id>``, the id a button is known by across restarts."""
    return f"newsdesk:{action}:{answer_id}"


def button_class(on_click: ClickHandler) -> type[discord.ui.DynamicItem[discord.ui.Button]]:
    """The answer-button type, bound to ``on_click(interaction, action, answer_id)``."""

    class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=TEMPLATE):
        """One of the buttons under an answer."""

        def __init__(self, action: str, answer_id: int) -> None:
            labels: dict[str, dict[str, Any]] = {
                "sources": {"label": "Sources", "emoji": "📰"},
                "up": {"emoji": "👍"},
                "down": {"emoji": "👎"},
            }
            super().__init__(
                discord.ui.Button(
                    style=discord.ButtonStyle.secondary,
                    custom_id=custom_id(action, answer_id),
                    **labels[action],
                )
            )
            self.action = action
            self.answer_id = answer_id

        @classmethod
        async def from_custom_id(
            cls,
            interaction: discord.Interaction,
            item: discord.ui.Item[Any],
            match: Any,
            /,
        ) -> AnswerButton:
            return cls(match["action"], int(match["id"]))

        async def callback(self, interaction: discord.Interaction) -> None:
            await on_click(interaction, self.action, self.answer_id)

    return AnswerButton


class AnswerButtons(commands.Cog):
    """Builds the button row for an answer, and handles the clicks."""

    def __init__(self, activity: ActivityStore) -> None:
        self.activity = activity
        self.button = button_class(self.clicked)
        # The client registers these with bot.add_dynamic_items, so clicks find them.
        self.dynamic_items = (self.button,)

    def view_for(self, answer_id: int, sources: bool = True) -> discord.ui.View:
        """The buttons for one recorded answer ("Sources" only when it cites something)."""
        view = discord.ui.View(timeout=None)
        for action in ("sources", "up", "down") if sources else ("up", "down"):
            view.add_item(self.button(action, answer_id))
        return view

    async def clicked(self, interaction: discord.Interaction, action: str, answer_id: int) -> None:
        """Show the passages, or store the vote; every reply is ephemeral."""
        try:
            if action == "sources":
                await self._show_sources(interaction, answer_id)
            else:
                await self._vote(interaction, action, answer_id)
        except Exception as error:  # noqa: BLE001 - the user gets a safe reply, bugs are logged
            await send_ephemeral(interaction, user_message_for(error))

    async def _show_sources(self, interaction: discord.Interaction, answer_id: int) -> None:
        record = await asyncio.to_thread(self.activity.get, answer_id)
        if record is None:
            await send_ephemeral(interaction, FORGOTTEN)
            return
        contents = render_passages(record.citations)
        await interaction.response.send_message(contents[0], ephemeral=True, **safe_send_kwargs())
        for content in contents[1:]:
            await interaction.followup.send(content, ephemeral=True, **safe_send_kwargs())

    async def _vote(self, interaction: discord.Interaction, action: str, answer_id: int) -> None:
        known = await asyncio.to_thread(
            self.activity.vote, answer_id, interaction.user.id, VOTES[action]
        )
        log.info("Feedback %s on answer %s", action, answer_id)
        await send_ephemeral(interaction, THANKS[action] if known else FORGOTTEN)
