"""/ask, /summary, /sources and mention replies, driven through the commands' callbacks."""

from __future__ import annotations

import logging

import pytest
from test_discord_fakes import (
    Events,
    FakeInteraction,
    FakeLibrary,
    FakeMessage,
    FakeQA,
    FakeUser,
    allows_no_mentions,
    make_answer,
    make_summary,
)

from bot.cogs.ask import EMPTY_MENTION, AskCog, mention_question
from bot.cogs.sources import SourcesCog
from bot.cogs.summary import SummaryCog
from bot.errors import APOLOGY, BadInput
from bot.render import MESSAGE_LIMIT, render_answer, render_summary
from index.records import SourceStats

BOT_ID = 999


def assert_safe_sends(events: Events) -> None:
    """Every message: no mentions allowed, no link previews, within Discord's limit."""
    messages = events.messages()
    assert messages
    for call in messages:
        assert allows_no_mentions(call.kwargs["allowed_mentions"]), call
        assert call.kwargs["suppress_embeds"] is True, call
        assert len(call.content) <= MESSAGE_LIMIT


async def test_ask_defers_first_then_answers_off_the_event_loop() -> None:
    events = Events()
    interaction = FakeInteraction(guild_id=77, events=events)
    qa = FakeQA(events=events)

    await AskCog.ask.callback(AskCog(qa), interaction, "Who approved the harbour plan?")

    assert events.names() == ["response.defer", "qa.ask", "followup.send"]
    assert events[0].kwargs == {"ephemeral": False, "thinking": True}
    assert events[1].kwargs == {
        "question": "Who approved the harbour plan?",
        "guild_id": 77,
        "on_main_thread": False,
    }
    assert [call.content for call in events.messages()] == render_answer(qa.answer)
    assert_safe_sends(events)


async def test_ask_sends_a_huge_answer_as_several_follow_ups_within_limits() -> None:
    answer = make_answer(citations=15, quote="passage " * 400, text="Many things happened. " * 300)
    interaction = FakeInteraction()

    await AskCog.ask.callback(AskCog(FakeQA(answer)), interaction, "What happened?")

    follow_ups = [call for call in interaction.events if call.name == "followup.send"]
    assert len(follow_ups) > 1
    assert all(call.kwargs["ephemeral"] is False for call in follow_ups)
    assert_safe_sends(interaction.events)


async def test_ask_rejects_a_blank_question_privately_without_calling_the_core() -> None:
    qa = FakeQA()
    interaction = FakeInteraction()
    with pytest.raises(BadInput):
        await AskCog.ask.callback(AskCog(qa), interaction, "   ")
    assert qa.events == []
    # Nothing was deferred publicly, so the central handler's reply can still be private.
    assert not interaction.response.is_done()


async def test_summary_passes_days_and_renders_bullets_in_order() -> None:
    events = Events()
    interaction = FakeInteraction(guild_id=5, events=events)
    qa = FakeQA(summary=make_summary(), events=events)

    await SummaryCog.summary.callback(SummaryCog(qa), interaction, " harbour plan ", 30)

    assert events.names()[:2] == ["response.defer", "qa.summary"]
    assert events[1].kwargs == {
        "topic": "harbour plan",
        "days": 30,
        "guild_id": 5,
        "on_main_thread": False,
    }
    contents = [call.content for call in events.messages()]
    assert contents == render_summary(qa.summary_result)
    bullets = [line for line in contents[0].splitlines() if line.startswith("• ")]
    assert [b[2:12] for b in bullets] == ["2024-05-01", "2024-05-03", "2024-05-06"]
    assert all(b.endswith(("[1]", "[2]", "[3]")) for b in bullets)
    assert_safe_sends(events)


async def test_sources_shows_the_library_overview_for_this_server() -> None:
    events = Events()
    stats = SourceStats(12, 80, None, None, {"Example Gazette": 12})
    library = FakeLibrary(stats=stats, events=events)
    interaction = FakeInteraction(guild_id=9, events=events)

    await SourcesCog.sources.callback(SourcesCog(library), interaction)

    assert events.names() == ["response.defer", "library.stats", "followup.send"]
    assert events[1].kwargs == {"guild_id": 9, "on_main_thread": False}
    assert "12 articles in 80 passages" in events[2].content
    assert "Example Gazette (12)" in events[2].content
    assert_safe_sends(events)


@pytest.mark.parametrize(
    ("content", "question"),
    [
        (f"<@{BOT_ID}> who won?", "who won?"),
        (f"<@!{BOT_ID}>, who won?", "who won?"),
        (f"Hey <@{BOT_ID}>: who   won?", "Hey who won?"),
        (f"<@{BOT_ID}>", ""),
        ("<@123> who won?", None),
        ("@everyone who won?", None),
    ],
)
def test_mention_question_strips_the_bots_mention(content: str, question: str | None) -> None:
    assert mention_question(content, BOT_ID) == question


async def test_a_mention_is_answered_like_ask_in_a_reply() -> None:
    events = Events()
    qa = FakeQA(events=events)
    message = FakeMessage(f"<@{BOT_ID}> who approved the plan?", guild_id=3, events=events)

    await AskCog(qa, bot_user_id=lambda: BOT_ID).on_message(message)

    assert events.names() == ["typing.start", "qa.ask", "typing.stop", "message.reply"]
    assert events[1].kwargs["question"] == "who approved the plan?"
    assert events[1].kwargs["guild_id"] == 3
    assert events[1].kwargs["on_main_thread"] is False
    assert events[3].content == render_answer(qa.answer)[0]
    assert events[3].kwargs["mention_author"] is False
    assert_safe_sends(events)


async def test_a_long_mention_answer_continues_in_the_channel() -> None:
    answer = make_answer(citations=15, quote="passage " * 400)
    message = FakeMessage(f"<@{BOT_ID}> what happened?")

    await AskCog(FakeQA(answer), bot_user_id=lambda: BOT_ID).on_message(message)

    names = [call.name for call in message.events.messages()]
    assert names[0] == "message.reply"
    assert set(names[1:]) == {"channel.send"}
    assert_safe_sends(message.events)


@pytest.mark.parametrize(
    "message",
    [
        FakeMessage(f"<@{BOT_ID}> who won?", author=FakeUser(5, bot=True)),
        FakeMessage(f"<@{BOT_ID}> who won?", author=FakeUser(BOT_ID, bot=True)),
        FakeMessage("who won?"),
        FakeMessage("@everyone who won?"),
    ],
)
async def test_bots_and_messages_without_a_mention_are_ignored(message: FakeMessage) -> None:
    qa = FakeQA()
    await AskCog(qa, bot_user_id=lambda: BOT_ID).on_message(message)
    assert qa.events == []
    assert message.events == []


async def test_a_bare_mention_gets_a_hint() -> None:
    qa = FakeQA()
    message = FakeMessage(f"<@{BOT_ID}>")

    await AskCog(qa, bot_user_id=lambda: BOT_ID).on_message(message)

    assert qa.events == []
    assert [call.content for call in message.events.messages()] == [EMPTY_MENTION]


async def test_a_failing_mention_answer_apologises_and_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = FakeMessage(f"<@{BOT_ID}> who won?")
    qa = FakeQA(error=RuntimeError("store exploded: /secret/path"))

    with caplog.at_level(logging.ERROR):
        await AskCog(qa, bot_user_id=lambda: BOT_ID).on_message(message)

    [reply] = message.events.messages()
    assert reply.content == APOLOGY
    assert "exploded" not in reply.content
    assert any(
        record.exc_info and "exploded" in str(record.exc_info[1]) for record in caplog.records
    )
