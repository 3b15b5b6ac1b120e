"""Sending rendered contents to Discord: never a ping, never a link preview.

Every message the cogs send goes through these helpers, so the safety settings live in one
place. ``view`` (buttons) is attached to the last message of a multi-message reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord


def safe_send_kwargs(*, view: discord.ui.View | None = None) -> dict[str, Any]:
    """The keyword arguments every send gets: no mentions, no link embeds, and a view if any."""
    kwargs: dict[str, Any] = {
        "allowed_mentions": discord.AllowedMentions.none(),
        "suppress_embeds": True,
    }
    if view is not None:
        kwargs["view"] = view
    return kwargs


async def send_followups(
    interaction: discord.Interaction,
    contents: Sequence[str],
    *,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
) -> list[discord.WebhookMessage]:
    """Send ``contents`` as follow-ups of a deferred interaction (the first replaces "thinking").

    Returns the messages sent (the first is the interaction's original response).
    """
    last = len(contents) - 1
    sent = []
    for index, content in enumerate(contents):
        kwargs = safe_send_kwargs(view=view if index == last else None)
        sent.append(
            await interaction.followup.send(content, ephemeral=ephemeral, wait=True, **kwargs)
        )
    return sent


async def reply_to(
    message: discord.Message,
    contents: Sequence[str],
    *,
    view: discord.ui.View | None = None,
) -> None:
    """Reply to ``message`` (without pinging its author); further parts go to the same channel."""
    last = len(contents) - 1
    for index, content in enumerate(contents):
        kwargs = safe_send_kwargs(view=view if index == last else None)
        if index == 0:
            await message.reply(content, mention_author=False, **kwargs)
        else:
            await message.channel.send(content, **kwargs)
