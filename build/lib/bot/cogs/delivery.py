"""Sending rendered contents to Discord: never a ping, never a link preview.

Every message the cogs send goes through these helpers, so the safety settings live in one
place. ``view`` (buttons) is attached to the last message of a multi-message reply.

:class:`StreamedReply` shows an answer while an LLM writes it: the first draft is sent as the
reply (for a deferred interaction it fills the "thinking" message), later drafts edit it about
once a second, and the final pages replace it. Without drafts (the extractive answerer) it
sends the final pages exactly as :func:`send_followups` does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import discord

from bot.core.llm_stream import Draft, StreamItem, throttle
from bot.core.models import Answer
from bot.render import MESSAGE_LIMIT, clip, escape_text

log = logging.getLogger(__name__)

DRAFT_INTERVAL = 1.0  # seconds between draft edits: well inside Discord's edit rate limit
IN_PROGRESS = " …"  # after a draft's text: the answer is still being written

# send(index, content, view) sends the index-th message of a reply and returns it.
Send = Callable[[int, str, discord.ui.View | None], Awaitable[Any]]
# edit(message, content, view) edits a message that send returned.
Edit = Callable[[Any, str, discord.ui.View | None], Awaitable[Any]]


@dataclass(frozen=True)
class Target:
    """Where a reply goes: how to send its messages, and how to edit one that was sent."""

    send: Send
    edit: Edit


def safe_send_kwargs(*, view: discord.ui.View | None = None) -> dict[str, Any]:
    """The keyword arguments every send gets: no mentions, no link embeds, and a view if any."""
    kwargs: dict[str, Any] = {
        "allowed_mentions": discord.AllowedMentions.none(),
        "suppress_embeds": True,
    }
    if view is not None:
        kwargs["view"] = view
    return kwargs


def safe_edit_kwargs(*, view: discord.ui.View | None = None) -> dict[str, Any]:
    """The keyword arguments every edit gets: no mentions, and a view if any."""
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if view is not None:
        kwargs["view"] = view
    return kwargs


def followup_target(interaction: discord.Interaction, *, ephemeral: bool = False) -> Target:
    """Follow-ups of a deferred interaction (the first one replaces "thinking")."""

    async def send(index: int, content: str, view: discord.ui.View | None) -> Any:
        kwargs = safe_send_kwargs(view=view)
        return await interaction.followup.send(content, ephemeral=ephemeral, wait=True, **kwargs)

    async def edit(message: Any, content: str, view: discord.ui.View | None) -> Any:
        # A webhook edit sends no flags, so the message keeps its "no previews" flag.
        return await message.edit(content=content, **safe_edit_kwargs(view=view))

    return Target(send, edit)


def reply_target(message: discord.Message) -> Target:
    """A reply to ``message`` (without pinging its author); further parts go to its channel."""

    async def send(index: int, content: str, view: discord.ui.View | None) -> Any:
        kwargs = safe_send_kwargs(view=view)
        if index == 0:
            return await message.reply(content, mention_author=False, **kwargs)
        return await message.channel.send(content, **kwargs)

    async def edit(sent: Any, content: str, view: discord.ui.View | None) -> Any:
        # Message.edit sends its flags every time: without suppress=True previews come back.
        return await sent.edit(content=content, suppress=True, **safe_edit_kwargs(view=view))

    return Target(send, edit)


async def send_all(
    send: Send, contents: Sequence[str], view: discord.ui.View | None = None
) -> list[Any]:
    """Send ``contents`` in order with ``view`` on the last one; returns the messages sent."""
    last = len(contents) - 1
    return [
        await send(index, content, view if index == last else None)
        for index, content in enumerate(contents)
    ]


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
    return await send_all(followup_target(interaction, ephemeral=ephemeral).send, contents, view)


def render_draft(text: str) -> str:
    """A draft as message content: escaped, clipped to fit, marked as still in progress."""
    return clip(escape_text(text.strip()), MESSAGE_LIMIT - len(IN_PROGRESS)) + IN_PROGRESS


class StreamedReply:
    """One reply that shows an answer's drafts while it streams in, then its final pages.

    ``collect`` shows the drafts (at most one per ``interval`` seconds) and returns the final
    Answer; ``finish`` puts the rendered pages in place. A draft that cannot be shown (an
    HTTP error, a rate limit discord.py gave up on) is skipped: it never costs the answer.
    """

    def __init__(
        self,
        target: Target,
        *,
        interval: float = DRAFT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.interval = interval
        self.clock = clock
        self.message: Any = None  # the message showing the drafts, once one was sent

    async def collect(self, items: AsyncIterator[StreamItem]) -> Answer:
        """Show each draft of ``items`` (throttled); return the final Answer.

        If the stream fails, the draft is taken down (best effort) and the error raised.
        """
        answer: Answer | None = None
        try:
            async with aclosing(throttle(items, self.interval, self.clock)) as stream:
                async for item in stream:
                    if isinstance(item, Draft):
                        await self._show(item)
                    else:
                        answer = item
        except Exception:
            await self.discard()
            raise
        if answer is None:
            await self.discard()
            raise RuntimeError("the answer stream ended without an answer")
        return answer

    async def finish(
        self, contents: Sequence[str], view: discord.ui.View | None = None
    ) -> list[Any]:
        """Replace the draft with ``contents`` (first page edited in, the rest sent after it).

        Without a draft the pages are simply sent. Returns the messages, first page first.
        """
        if self.message is None or not contents:
            await self.discard()
            return await send_all(self.target.send, contents, view)
        last = len(contents) - 1
        try:
            first = await self.target.edit(self.message, contents[0], view if last == 0 else None)
        except discord.HTTPException:
            log.warning(
                "Could not replace the draft with the answer; sending it anew", exc_info=True
            )
            await self.discard()
            return await send_all(self.target.send, contents, view)
        rest = [
            await self.target.send(index, content, view if index == last else None)
            for index, content in enumerate(contents[1:], start=1)
        ]
        return [first or self.message, *rest]

    async def discard(self) -> None:
        """Delete the draft message, if any (best effort: a stale draft is only cosmetic)."""
        message, self.message = self.message, None
        if message is None:
            return
        try:
            await message.delete()
        except discord.HTTPException:
            log.warning("Could not delete a draft answer", exc_info=True)

    async def _show(self, draft: Draft) -> None:
        content = render_draft(draft.text)
        try:
            if self.message is None:
                # Sent like any reply, so it carries the no-ping, no-preview settings for good.
                self.message = await self.target.send(0, content, None)
            else:
                await self.target.edit(self.message, content, None)
        except discord.HTTPException:
            log.warning("Could not show a draft answer; waiting for the next", exc_info=True)
