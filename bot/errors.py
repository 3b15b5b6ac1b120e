"""Errors a Discord user may see, and the one place that turns any error into a reply.

A :class:`UserFacingError` carries a message that is safe to show as is. Anything else is a
bug: it is logged with its traceback and the user gets a short apology, never a stack trace.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.core.errors import UserError
from bot.render import clip, collapse

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
NOT_ALLOWED = "Sorry, only server admins can do that."
# Shown to everyone in place of a public "thinking" message; the reason goes to the user only.
REASON_SENT = "Sorry, I couldn't do that. I've sent you the reason privately."


class UserFacingError(UserError):
    """An error of the Discord adapter whose message is safe to show to the user.

    The core raises its own ``UserError``s (bad date range, empty question); both kinds
    reach the user as their message.
    """


class NotAllowed(UserFacingError):
    """The user may not run this command."""

    def __init__(self, message: str = NOT_ALLOWED) -> None:
        super().__init__(message)


class BadInput(UserFacingError):
    """The user's input cannot be used (empty question, bad date, ...)."""


def checked_text(text: str, *, limit: int, what: str, if_empty: str) -> str:
    """``text`` with its whitespace collapsed; BadInput saying ``if_empty`` when it is blank,
    or asking to keep the ``what`` under ``limit`` characters."""
    text = collapse(text)
    if not text:
        raise BadInput(if_empty)
    if len(text) > limit:
        raise BadInput(f"Please keep the {what} under {limit:,} characters.")
    return text


class RateLimited(UserFacingError):
    """The user asked too often; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: float, message: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(
            message or f"You're asking a bit fast. Try again in {max(1, round(retry_after))} s."
        )


class ConfigurationError(UserFacingError):
    """The bot cannot start as configured (missing token, no guild to sync to, ...)."""


def user_message_for(error: BaseException) -> str:
    """The safe text to show for ``error``; logs a traceback when it is a bug.

    Unwraps discord.py's ``CommandInvokeError`` so the original exception decides.
    """
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserError):
        return error.message
    if isinstance(error, app_commands.CommandOnCooldown):
        return RateLimited(error.retry_after).message
    if isinstance(error, app_commands.CheckFailure):
        # Failed permission checks (e.g. a command used where it is not allowed).
        return NOT_ALLOWED
    log.exception("Unexpected error while handling a Discord request", exc_info=error)
    return APOLOGY


async def send_ephemeral(
    interaction: discord.Interaction, content: str, *, public: str = REASON_SENT
) -> None:
    """Send ``content`` so that only the user sees it, whether or not the interaction was answered.

    After a public "thinking" defer, Discord's first follow-up fills that public message whatever
    its flags say. So the thinking message is replaced by ``public`` (short, nothing internal)
    first, and ``content`` follows privately, unless it is the same text.
    """
    kwargs = {
        "ephemeral": True,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    content = clip(content)  # an over-long reply would be refused, and the user told nothing
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(content, **kwargs)
            return
        if await _thinking_in_public(interaction):
            await interaction.edit_original_response(
                content=public, allowed_mentions=discord.AllowedMentions.none()
            )
            if content == public:
                return
        await interaction.followup.send(content, **kwargs)
    except discord.HTTPException:
        # The interaction may have expired (15 minutes); nothing left to tell the user.
        log.warning("Could not send an error reply to the interaction", exc_info=True)


async def _thinking_in_public(interaction: discord.Interaction) -> bool:
    """Whether the interaction's response is still a public "thinking" message."""
    try:
        original = await interaction.original_response()
    except discord.NotFound:
        return False  # taken down (a streamed draft, say): follow-ups are new messages
    return original.flags.loading and not original.flags.ephemeral


async def on_app_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    """The command tree's central error handler (``tree.on_error``).

    A bug's apology is short and safe enough to replace a public "thinking" message as is.
    """
    message = user_message_for(error)
    await send_ephemeral(
        interaction, message, public=APOLOGY if message == APOLOGY else REASON_SENT
    )
