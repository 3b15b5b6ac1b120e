"""Streamed answers in Discord: drafts edited into the reply, then the final answer in place.

Driven through the cog's callbacks and :class:`bot.cogs.delivery.StreamedReply` with
recording fakes whose sent messages can be edited (and made to fail like Discord can).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from test_discord_fakes import (
    Events,
    FakeFollowup,
    FakeInteraction,
    FakeMessage,
    FakeQA,
    allows_no_mentions,
    make_answer,
)

from bot.cogs.ask import AskCog
from bot.cogs.delivery import IN_PROGRESS, StreamedReply, Target, render_draft
from bot.core.activity import ActivityStore
from bot.core.followup import Rewrite
from bot.core.llm_stream import Draft, StreamItem
from bot.core.models import Answer
from bot.errors import APOLOGY
from bot.render import MESSAGE_LIMIT, render_answer, render_followup

BOT_ID = 999
# As the core shows them: cited sentences only, markers hidden until the answer is checked.
DRAFTS = ("The council met.", "The council met. It approved the plan.")


@dataclass
class FakeHTTPResponse:
    """What discord.HTTPException reads from a response."""

    status: int = 429
    reason: str = "Too Many Requests"


def http_error(status: int = 429) -> discord.HTTPException:
    """The error discord.py raises when Discord refuses a request (after its own retries)."""
    return discord.HTTPException(FakeHTTPResponse(status), "You are being rate limited.")


def never(content: str) -> bool:
    """A failure rule that never fails."""
    return False


def is_draft(content: str) -> bool:
    """True for draft contents (they end with the in-progress marker)."""
    return content.endswith(IN_PROGRESS)


class SentWebhookMessage:
    """A follow-up the bot sent (discord.py's WebhookMessage: its edit takes no ``suppress``).

    Edits and the deletion are recorded in the shared events; ``fail_edit(content)`` decides
    which edits Discord refuses (raising HTTPException).
    """

    def __init__(self, events: Events, fail_edit: Callable[[str], bool] = never) -> None:
        self._events = events
        self._fail_edit = fail_edit

    async def edit(
        self,
        *,
        content: str | None = None,
        allowed_mentions: discord.AllowedMentions | None = None,
        view: discord.ui.View | None = None,
    ) -> SentWebhookMessage:
        """Record an edit (or refuse it)."""
        return self._edited(content, allowed_mentions=allowed_mentions, view=view)

    def _edited(self, content: str | None, **kwargs: Any) -> SentWebhookMessage:
        if self._fail_edit(content or ""):
            self._events.record("message.edit.failed", content=content)
            raise http_error()
        self._events.record("message.edit", content=content, **kwargs)
        return self

    async def delete(self) -> None:
        """Record a deletion."""
        self._events.record("message.delete")


class SentMessage(SentWebhookMessage):
    """A channel message the bot sent (discord.py's Message: its edit sends ``suppress``)."""

    async def edit(  # type: ignore[override]
        self,
        *,
        content: str | None = None,
        suppress: bool = False,
        allowed_mentions: discord.AllowedMentions | None = None,
        view: discord.ui.View | None = None,
    ) -> SentMessage:
        """Record an edit (or refuse it), with the suppress-embeds flag it sets."""
        self._edited(content, suppress=suppress, allowed_mentions=allowed_mentions, view=view)
        return self


class EditableFollowup(FakeFollowup):
    """``interaction.followup`` whose sends return editable messages (``wait=True``)."""

    def __init__(self, interaction: StreamingInteraction) -> None:
        super().__init__(interaction.events, interaction.response)
        self._interaction = interaction

    async def send(self, content: str | None = None, **kwargs: Any) -> SentWebhookMessage:
        """Record the follow-up; fail the first ``fail_sends`` of them."""
        if self._interaction.fail_sends > 0:
            self._interaction.fail_sends -= 1
            raise http_error(500)
        await super().send(content, **kwargs)
        return SentWebhookMessage(self._events, self._interaction.fail_edit)


class StreamingInteraction(FakeInteraction):
    """A FakeInteraction whose follow-ups can be edited, as discord.py's WebhookMessages."""

    def __init__(self, fail_edit: Callable[[str], bool] = never, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail_edit = fail_edit
        self.fail_sends = 0
        self.followup = EditableFollowup(self)


class StreamingMessage(FakeMessage):
    """A user's message whose replies (and channel sends) return editable messages."""

    def __init__(self, content: str, fail_edit: Callable[[str], bool] = never, **kwargs: Any):
        super().__init__(content, **kwargs)
        self.fail_edit = fail_edit
        sent = self.channel.send

        async def channel_send(content: str | None = None, **kwargs: Any) -> SentMessage:
            await sent(content, **kwargs)
            return SentMessage(self.events, fail_edit)

        self.channel.send = channel_send  # type: ignore[method-assign]

    async def reply(self, content: str | None = None, **kwargs: Any) -> SentMessage:
        """Record the reply; return it as an editable message."""
        await super().reply(content, **kwargs)
        return SentMessage(self.events, self.fail_edit)


def streaming_qa(
    answer: Answer | None = None, drafts: tuple[str, ...] = DRAFTS, **kwargs: Any
) -> FakeQA:
    """A FakeQA that streams ``drafts`` before its answer (as with an LLM answerer)."""
    qa = FakeQA(answer, **kwargs)
    qa.drafts = drafts
    return qa


def assert_no_pings(events: Events) -> None:
    """Every send and edit forbids all mentions."""
    sends = [call for call in events if "allowed_mentions" in call.kwargs]
    assert sends
    for call in sends:
        assert allows_no_mentions(call.kwargs["allowed_mentions"]), call
        assert call.content is None or len(call.content) <= MESSAGE_LIMIT


def shown(events: Events) -> list[tuple[str, str]]:
    """(call name, content) of every message put in front of users, in order."""
    return [(call.name, call.content) for call in events.messages()]


# --- StreamedReply on its own ----------------------------------------------------------------


class Clock:
    """A monotonic clock the test sets."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def timed(items: list[tuple[float, StreamItem]], clock: Clock) -> AsyncIterator[StreamItem]:
    """``items`` as a stream, each arriving at its time on ``clock``."""
    for at, item in items:
        clock.now = at
        yield item


def recording_target(events: Events, fail_edit: Callable[[str], bool] = never) -> Target:
    """A Target that records its sends and returns editable messages."""

    async def send(index: int, content: str, view: discord.ui.View | None) -> SentMessage:
        events.record(
            "send",
            index=index,
            content=content,
            view=view,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        return SentMessage(events, fail_edit)

    async def edit(message: SentMessage, content: str, view: discord.ui.View | None) -> object:
        return await message.edit(
            content=content, allowed_mentions=discord.AllowedMentions.none(), view=view
        )

    return Target(send, edit)


async def test_drafts_are_throttled_to_one_a_second_and_the_answer_replaces_them() -> None:
    events, clock = Events(), Clock()
    answer = make_answer()
    items: list[tuple[float, StreamItem]] = [
        (0.0, Draft("a")),
        (0.3, Draft("a b")),
        (0.6, Draft("a b c")),
        (1.2, Draft("a b c d")),
        (1.5, Draft("a b c d e")),
        (1.6, answer),
    ]
    reply = StreamedReply(recording_target(events), clock=clock)

    got = await reply.collect(timed(items, clock))
    sent = await reply.finish(["final page"])

    assert got is answer
    assert shown(events) == [
        ("send", "a …"),  # the first draft at once
        ("message.edit", "a b c d …"),  # then the newest, a second later; the rest skipped
        ("message.edit", "final page"),
    ]
    assert len(sent) == 1 and isinstance(sent[0], SentMessage)
    assert_no_pings(events)


async def test_without_drafts_the_pages_are_simply_sent() -> None:
    events = Events()
    reply = StreamedReply(recording_target(events))
    view = discord.ui.View()

    await reply.collect(timed([(0.0, make_answer())], Clock()))
    sent = await reply.finish(["one", "two"], view)

    assert [(c.name, c.kwargs["index"], c.content) for c in events] == [
        ("send", 0, "one"),
        ("send", 1, "two"),
    ]
    assert [c.kwargs["view"] for c in events] == [None, view] and len(sent) == 2


async def test_a_draft_is_escaped_clipped_and_marked_in_progress() -> None:
    hostile = render_draft("**Big** news @everyone <@123> [x](https://evil.example)")
    assert hostile.endswith(" …") and "@everyone" not in hostile and "<@123>" not in hostile
    assert "\\*\\*Big\\*\\*" in hostile
    long = render_draft("word " * 1000)
    assert len(long) <= MESSAGE_LIMIT and long.endswith("… …")


async def test_an_ended_stream_without_an_answer_takes_the_draft_down() -> None:
    events = Events()
    reply = StreamedReply(recording_target(events))
    with pytest.raises(RuntimeError, match="without an answer"):
        await reply.collect(timed([(0.0, Draft("half"))], Clock()))
    assert events.names() == ["send", "message.delete"]


# --- /ask -----------------------------------------------------------------------------------


async def test_ask_streams_drafts_into_the_deferred_message_then_the_answer() -> None:
    qa = streaming_qa()
    interaction = StreamingInteraction(events=qa.events)

    await AskCog.ask.callback(AskCog(qa), interaction, "Who approved the plan?")

    events = interaction.events
    # The drafts arrive at once: the first fills the "thinking" message, the second is
    # throttled away, and the final answer is edited in its place.
    assert events.names() == ["response.defer", "followup.send", "qa.ask", "message.edit"]
    assert events[1].content == "The council met." + IN_PROGRESS
    assert events[1].kwargs["suppress_embeds"] is True  # no previews, for good
    assert [events[3].content] == render_answer(qa.answer)
    assert_no_pings(events)


async def test_a_long_streamed_answer_continues_in_follow_ups_with_buttons_on_the_last() -> None:
    answer = make_answer(citations=15, quote="passage " * 400)
    activity = ActivityStore()
    views: list[discord.ui.View] = []

    def view_for(answer_id: int, sources: bool) -> discord.ui.View:
        views.append(discord.ui.View())
        return views[-1]

    qa = streaming_qa(answer)
    interaction = StreamingInteraction(events=qa.events)
    cog = AskCog(qa, activity=activity, views=view_for)

    await AskCog.ask.callback(cog, interaction, "What happened?")

    pages = render_answer(answer)
    assert len(pages) > 2
    after_draft = shown(interaction.events)[1:]
    assert after_draft == [
        ("message.edit", pages[0]),
        *[("followup.send", page) for page in pages[1:]],
    ]
    finals = [c for c in interaction.events.messages() if not is_draft(c.content)]
    assert [c.kwargs["view"] for c in finals] == [None] * (len(pages) - 1) + views
    assert activity.get(1).answer == answer.text
    assert_no_pings(interaction.events)


async def test_failing_draft_edits_never_lose_the_answer(caplog: pytest.LogCaptureFixture) -> None:
    events, clock = Events(), Clock()
    items: list[tuple[float, StreamItem]] = [
        (0.0, Draft("a")),
        (1.1, Draft("a b")),
        (2.2, Draft("a b c")),
        (2.3, make_answer()),
    ]
    reply = StreamedReply(recording_target(events, fail_edit=is_draft), clock=clock)

    with caplog.at_level(logging.WARNING):
        await reply.collect(timed(items, clock))
        await reply.finish(["final page"])

    assert [(c.name, c.content) for c in events] == [
        ("send", "a …"),
        ("message.edit.failed", "a b …"),  # e.g. a 429 discord.py gave up on
        ("message.edit.failed", "a b c …"),
        ("message.edit", "final page"),
    ]
    assert caplog.text.count("Could not show a draft answer") == 2


async def test_a_failing_first_draft_and_a_refused_final_edit_still_deliver_the_answer() -> None:
    qa = streaming_qa()
    refuse_all = StreamingInteraction(fail_edit=lambda content: True, events=qa.events)

    await AskCog.ask.callback(AskCog(qa), refuse_all, "Who approved the plan?")

    # The final edit was refused: the draft goes, the answer is sent anew.
    assert refuse_all.events.names()[-3:] == [
        "message.edit.failed",
        "message.delete",
        "followup.send",
    ]
    assert refuse_all.events[-1].content == render_answer(qa.answer)[0]

    no_draft = StreamingInteraction(events=Events())
    no_draft.fail_sends = 1  # the draft's send fails (a 500 after discord.py's retries)
    await AskCog.ask.callback(AskCog(streaming_qa()), no_draft, "Who approved the plan?")
    assert shown(no_draft.events) == [("followup.send", render_answer(qa.answer)[0])]


async def test_a_stream_that_fails_after_a_draft_takes_the_draft_down() -> None:
    qa = streaming_qa(error=RuntimeError("search index gone"))
    interaction = StreamingInteraction(events=qa.events)

    with pytest.raises(RuntimeError, match="index gone"):  # the central handler apologises
        await AskCog.ask.callback(AskCog(qa), interaction, "Who approved the plan?")

    assert interaction.events.names()[-2:] == ["qa.ask", "message.delete"]


# --- mentions and thread follow-ups -----------------------------------------------------------


async def test_a_mention_streams_into_its_reply() -> None:
    qa = streaming_qa()
    message = StreamingMessage(f"<@{BOT_ID}> who approved the plan?", events=qa.events)

    await AskCog(qa, bot_user_id=lambda: BOT_ID).on_message(message)

    assert message.events.names() == [
        "typing.start",
        "message.reply",
        "qa.ask",
        "typing.stop",
        "message.edit",
    ]
    assert (
        is_draft(message.events[1].content) and message.events[1].kwargs["mention_author"] is False
    )
    assert message.events[-1].content == render_answer(qa.answer)[0]
    # discord.py's Message.edit sends the flags each time: previews must stay suppressed.
    assert message.events[-1].kwargs["suppress"] is True
    assert_no_pings(message.events)


async def test_a_failing_mention_stream_replaces_its_draft_with_an_apology() -> None:
    qa = streaming_qa(error=RuntimeError("boom"))
    message = StreamingMessage(f"<@{BOT_ID}> who approved the plan?", events=qa.events)

    await AskCog(qa, bot_user_id=lambda: BOT_ID).on_message(message)

    assert shown(message.events)[-1] == ("message.reply", APOLOGY)
    assert "message.delete" in message.events.names()


async def test_a_thread_follow_up_streams_then_leads_with_the_searched_question() -> None:
    qa = streaming_qa()
    message = StreamingMessage(f"<@{BOT_ID}> and why?", events=qa.events)

    def rewrite(question: str, history: list[str], today: object) -> Rewrite:
        return Rewrite("Why did the council approve the plan?", "pronoun")

    cog = AskCog(qa, bot_user_id=lambda: BOT_ID, rewrite=rewrite)
    await cog._answer_followup(message, "and why?", thread=55)

    asked = [c for c in qa.events if c.name == "qa.ask"]
    assert [c.kwargs["question"] for c in asked] == ["Why did the council approve the plan?"]
    assert shown(message.events) == [
        ("message.reply", "The council met." + IN_PROGRESS),
        ("message.edit", render_followup(qa.answer, "Why did the council approve the plan?")[0]),
    ]
    assert_no_pings(message.events)
