"""The central app-command error handler: safe messages, apologies, never a traceback."""

from __future__ import annotations

import logging

import discord
import pytest
from discord import app_commands
from test_discord_fakes import FakeInteraction, FakeQA, allows_no_mentions

from bot.cogs.ask import AskCog
from bot.errors import (
    APOLOGY,
    BadInput,
    NotAllowed,
    RateLimited,
    on_app_command_error,
    user_message_for,
)


def invoke_error(error: Exception) -> app_commands.CommandInvokeError:
    """What discord.py hands the tree's error handler when a command raised ``error``."""
    return app_commands.CommandInvokeError(AskCog(FakeQA()).ask, error)


async def test_a_user_facing_error_before_any_reply_is_sent_ephemerally() -> None:
    interaction = FakeInteraction()

    await on_app_command_error(interaction, invoke_error(BadInput("Please ask a question.")))

    [call] = interaction.events
    assert call.name == "response.send_message"
    assert call.content == "Please ask a question."
    assert call.kwargs["ephemeral"] is True
    assert allows_no_mentions(call.kwargs["allowed_mentions"])


async def test_an_unexpected_error_after_defer_is_logged_and_apologised_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    interaction = FakeInteraction()
    await interaction.response.defer(thinking=True)

    with caplog.at_level(logging.ERROR):
        await on_app_command_error(interaction, invoke_error(KeyError("chroma internals")))

    # The public "thinking" message becomes the apology (a follow-up would fill it anyway, in
    # public whatever its flags): short, with nothing internal, and not repeated privately.
    [call] = interaction.events[1:]
    assert call.name == "edit_original_response"
    assert call.content == APOLOGY
    assert allows_no_mentions(call.kwargs["allowed_mentions"])
    assert "chroma" not in call.content and "Traceback" not in call.content
    [record] = [r for r in caplog.records if r.exc_info]
    assert isinstance(record.exc_info[1], KeyError)


async def test_an_ask_that_raises_ends_in_an_apology_through_the_handler() -> None:
    interaction = FakeInteraction()
    cog = AskCog(FakeQA(error=RuntimeError("boom")))
    with pytest.raises(RuntimeError) as raised:
        await AskCog.ask.callback(cog, interaction, "what?")

    await on_app_command_error(interaction, invoke_error(raised.value))

    assert interaction.events.names() == ["response.defer", "edit_original_response"]
    assert interaction.events[-1].content == APOLOGY


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (NotAllowed(), "Sorry, only server admins can do that."),
        (RateLimited(12.4), "You're asking a bit fast. Try again in 12 s."),
        (app_commands.CommandOnCooldown(app_commands.Cooldown(1, 60), 3.2), "Try again in 3 s."),
        (app_commands.CheckFailure(), "Sorry, only server admins can do that."),
    ],
)
def test_known_errors_map_to_their_safe_message(error: Exception, message: str) -> None:
    assert user_message_for(error).endswith(message)


class _HTTPResponse:
    status = 404
    reason = "Not Found"


async def test_a_reply_that_cannot_be_sent_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    interaction = FakeInteraction()

    async def expired(*args: object, **kwargs: object) -> None:
        raise discord.NotFound(_HTTPResponse(), "Unknown interaction")

    interaction.response.send_message = expired  # type: ignore[method-assign]

    with caplog.at_level(logging.WARNING):
        await on_app_command_error(interaction, invoke_error(BadInput("x")))

    assert "Could not send an error reply" in caplog.text


def test_a_core_user_error_reaches_the_user_as_its_message() -> None:
    from bot.core.errors import InvalidRequest
    from bot.errors import user_message_for

    message = "The start date 2024-05-02 is after the end date 2024-05-01."
    assert user_message_for(InvalidRequest(message)) == message
