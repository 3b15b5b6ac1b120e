"""Buttons, /timeline, /stats, the rate limit and follow-up rendering, through the callbacks."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import discord
import pytest
from test_discord_fakes import (
    ADMIN,
    Events,
    FakeInteraction,
    FakeLibrary,
    FakeMessage,
    FakeQA,
    allows_no_mentions,
    make_answer,
    make_citation,
    make_summary,
    on_main_thread,
)

from bot.cogs.ask import NO_THREAD_HERE, AskCog
from bot.cogs.stats import REFUSAL, StatsCog
from bot.cogs.timeline import TimelineCog
from bot.cogs.views import FORGOTTEN, TEMPLATE, AnswerButtons, custom_id
from bot.core.activity import ActivityStats, ActivityStore
from bot.core.errors import InvalidRequest, UserError
from bot.core.models import Answer, Summary
from bot.errors import APOLOGY, RateLimited, on_app_command_error
from bot.ratelimit import RateLimiter, polite_message
from bot.render import (
    MESSAGE_LIMIT,
    PASSAGE_CHARS,
    render_activity,
    render_answer,
    render_followup,
    render_passages,
    render_summary,
)
from index.records import SourceStats

BOT_ID = 999


class Clock:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TimelineQA(FakeQA):
    """FakeQA with a timeline that records its arguments (or raises ``timeline_error``)."""

    def __init__(self, *args: Any, timeline_error: Exception | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.timeline_error = timeline_error

    def timeline(self, topic: str, **kwargs: Any) -> Summary:
        self.events.record("qa.timeline", topic=topic, **kwargs, on_main_thread=on_main_thread())
        if self.timeline_error:
            raise self.timeline_error
        return make_summary()


class StatsLibrary(FakeLibrary):
    """FakeLibrary that also knows when it was last re-indexed."""

    def __init__(self, last: datetime | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.last = last

    def last_reindex(self, guild_id: int | None = None) -> datetime | None:
        self.events.record("library.last_reindex", guild_id=guild_id)
        return self.last


class CommandInteraction(FakeInteraction):
    """A slash-command interaction as the tree's check sees it, with a channel."""

    def __init__(self, name: str = "ask", channel: object = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.type = discord.InteractionType.application_command
        self.data = {"name": name}
        self.channel = channel


class LimitedMessage(FakeMessage):
    """A FakeMessage whose reply also takes ``delete_after`` (as discord.py's does), and
    which records reactions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reactions: list[str] = []

    async def reply(
        self, content: str | None = None, *, delete_after: float | None = None, **kwargs: Any
    ) -> None:
        await super().reply(content, **kwargs)
        self.events[-1].kwargs["delete_after"] = delete_after

    async def add_reaction(self, emoji: str) -> None:
        self.reactions.append(emoji)


# --- the rate limit --------------------------------------------------------------------------


def test_the_limit_allows_n_a_minute_per_user_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(3, clock=clock)

    assert [limiter.hit(1) for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 20
    assert limiter.hit(1) == pytest.approx(40.0)  # the first request frees a slot at +60 s
    assert limiter.hit(2) == 0.0  # per user
    clock.now += 40
    assert limiter.hit(1) == 0.0  # the window slid past the first requests
    clock.now += 30
    assert [limiter.hit(1) for _ in range(3)] == [0.0, 0.0, pytest.approx(30.0)]


def test_the_limit_can_be_off_and_owners_are_exempt() -> None:
    assert all(RateLimiter(0).hit(1) == 0.0 for _ in range(100))
    owner = RateLimiter(1, exempt=[7])
    assert all(owner.hit(7) == 0.0 for _ in range(10))
    assert owner.hit(8) == 0.0 and owner.hit(8) > 0


def test_the_notice_is_polite_and_says_when() -> None:
    limiter = RateLimiter(2, clock=Clock())
    limiter.check(5)
    limiter.check(5)
    with pytest.raises(RateLimited) as limited:
        limiter.check(5)
    assert limited.value.message == polite_message(2, 60.0)
    assert limited.value.message == (
        "Sorry, I can take 2 questions a minute from each person, and you've reached that. "
        "Please try again in 60 s."
    )
    assert polite_message(6, 0.2).endswith("in 1 s.")


async def test_a_command_over_the_limit_stops_before_deferring_and_is_told_privately() -> None:
    limiter = RateLimiter(1, clock=Clock())
    qa = TimelineQA()
    cog = TimelineCog(qa, limiter=limiter)
    first, second = CommandInteraction("timeline"), CommandInteraction("timeline")

    await TimelineCog.timeline.callback(cog, first, "harbour")
    with pytest.raises(RateLimited) as limited:
        await TimelineCog.timeline.callback(cog, second, "harbour")
    await on_app_command_error(
        second, discord.app_commands.CommandInvokeError(TimelineCog.timeline, limited.value)
    )

    assert [call.name for call in qa.events] == ["qa.timeline"]  # the second never ran
    [notice] = second.events
    assert notice.name == "response.send_message" and notice.kwargs["ephemeral"] is True
    assert notice.content.startswith("Sorry, I can take 1 question a minute")
    assert allows_no_mentions(notice.kwargs["allowed_mentions"])


async def test_mentions_share_the_limit_and_get_a_notice_that_goes_away() -> None:
    limiter = RateLimiter(1, clock=Clock())
    qa = FakeQA()
    cog = AskCog(qa, bot_user_id=lambda: BOT_ID, limiter=limiter)
    first = LimitedMessage(f"<@{BOT_ID}> who won?")
    second = LimitedMessage(f"<@{BOT_ID}> and now?")

    await cog.on_message(first)
    await cog.on_message(second)

    assert [call.kwargs["question"] for call in qa.events] == ["who won?"]
    [notice] = second.events.messages()
    assert notice.name == "message.reply" and "try again in 60 s" in notice.content
    assert notice.kwargs["delete_after"] == pytest.approx(60.0)
    assert notice.kwargs["mention_author"] is False


async def test_a_user_over_the_limit_is_told_once_per_wait_then_gets_a_reaction() -> None:
    cog = AskCog(FakeQA(), bot_user_id=lambda: BOT_ID, limiter=RateLimiter(1, clock=Clock()))
    messages = [LimitedMessage(f"<@{BOT_ID}> question {n}?") for n in range(4)]
    for message in messages:
        await cog.on_message(message)

    assert len(messages[1].events.messages()) == 1  # the notice
    for later in messages[2:]:
        assert later.events.messages() == [] and later.reactions == ["⏳"]


# --- /ask records, buttons -------------------------------------------------------------------


async def test_ask_records_the_answer_and_puts_buttons_under_the_last_part() -> None:
    activity = ActivityStore()
    buttons = AnswerButtons(activity)
    answer = make_answer(citations=15, quote="passage " * 400)
    qa = FakeQA(answer)
    cog = AskCog(qa, activity=activity, views=buttons.view_for)
    interaction = FakeInteraction(guild_id=3, user_id=42)

    await AskCog.ask.callback(cog, interaction, "What happened?")

    sends = [call for call in interaction.events if call.name == "followup.send"]
    assert len(sends) > 1 and all(call.kwargs["view"] is None for call in sends[:-1])
    view = sends[-1].kwargs["view"]
    record = activity.get(1)
    assert [item.custom_id for item in view.children] == [
        custom_id("sources", 1),
        custom_id("up", 1),
        custom_id("down", 1),
    ]
    assert view.timeout is None
    assert (record.question, record.guild_id, record.user_id) == ("What happened?", 3, 42)
    assert record.citations == answer.citations and record.answer == answer.text


async def test_a_refusal_gets_only_the_feedback_buttons() -> None:
    activity = ActivityStore()
    buttons = AnswerButtons(activity)
    refusal = Answer(text="I couldn't find this.", refused=True)
    cog = AskCog(FakeQA(refusal), activity=activity, views=buttons.view_for)
    interaction = FakeInteraction()

    await AskCog.ask.callback(cog, interaction, "Who is the mayor of Atlantis?")

    view = interaction.events[-1].kwargs["view"]
    assert [item.custom_id for item in view.children] == [custom_id("up", 1), custom_id("down", 1)]
    assert activity.stats().refusals == 1


async def test_a_thread_cannot_be_opened_outside_a_text_channel() -> None:
    cog = AskCog(FakeQA())
    interaction = CommandInteraction(channel=None)

    await AskCog.ask.callback(cog, interaction, "Who won?", True)

    last = interaction.events[-1]
    assert last.name == "followup.send" and last.content == NO_THREAD_HERE
    assert last.kwargs["ephemeral"] is True


async def test_the_sources_button_shows_the_full_passages_ephemerally() -> None:
    activity = ActivityStore()
    long_quote = "The **council** met @everyone. " + "It voted on the plan. " * 100
    answer = make_answer(citations=3, quote=long_quote)
    n = activity.record_answer("ask", "What happened?", answer, latency_s=0.1)
    buttons = AnswerButtons(activity)
    interaction = FakeInteraction()

    await buttons.clicked(interaction, "sources", n)

    first, *rest = interaction.events.messages()
    assert first.name == "response.send_message" and first.kwargs["ephemeral"] is True
    assert all(call.name == "followup.send" and call.kwargs["ephemeral"] for call in rest)
    contents = [call.content for call in interaction.events.messages()]
    assert contents == render_passages(answer.citations)
    assert "\\*\\*council\\*\\*" in contents[0] and "@everyone" not in "".join(contents)
    assert all(len(c) <= MESSAGE_LIMIT for c in contents)
    assert all(allows_no_mentions(c.kwargs["allowed_mentions"]) for c in interaction.events)


async def test_votes_are_stored_and_thanked_ephemerally() -> None:
    activity = ActivityStore()
    n = activity.record_answer("ask", "Q?", make_answer(), latency_s=0.1)
    buttons = AnswerButtons(activity)
    up, down = FakeInteraction(user_id=1), FakeInteraction(user_id=2)

    await buttons.clicked(up, "up", n)
    await buttons.clicked(down, "down", n)

    assert [(f.user_id, f.vote) for f in activity.feedback()] == [(1, 1), (2, -1)]
    for interaction, emoji in ((up, "👍"), (down, "👎")):
        [reply] = interaction.events.messages()
        assert reply.kwargs["ephemeral"] is True and emoji in reply.content


async def test_a_click_on_a_forgotten_answer_or_a_failure_gets_a_short_reply() -> None:
    buttons = AnswerButtons(ActivityStore())
    forgotten = FakeInteraction()
    await buttons.clicked(forgotten, "sources", 404)
    assert [c.content for c in forgotten.events.messages()] == [FORGOTTEN]

    class Broken(ActivityStore):
        def vote(self, answer_id: int, user_id: int, vote: int) -> bool:
            raise RuntimeError("disk on fire")

    failing = FakeInteraction()
    await AnswerButtons(Broken()).clicked(failing, "up", 1)
    assert [c.content for c in failing.events.messages()] == [APOLOGY]


async def test_a_button_is_rebuilt_from_its_custom_id_after_a_restart() -> None:
    activity = ActivityStore()
    n = activity.record_answer("ask", "Q?", make_answer(), latency_s=0.1)
    restarted = AnswerButtons(activity)  # a new cog: nothing kept in memory from before
    match = re.fullmatch(TEMPLATE, custom_id("up", n))
    interaction = FakeInteraction(user_id=9)

    item = await restarted.button.from_custom_id(interaction, None, match)
    await item.callback(interaction)

    assert (item.action, item.answer_id) == ("up", n)
    assert [(f.user_id, f.vote) for f in activity.feedback()] == [(9, 1)]


# --- /timeline -------------------------------------------------------------------------------


async def test_timeline_passes_the_dates_and_renders_a_timeline() -> None:
    events = Events()
    qa = TimelineQA(events=events)
    interaction = FakeInteraction(guild_id=4, events=events)

    await TimelineCog.timeline.callback(
        TimelineCog(qa), interaction, " harbour plan ", "2024-05-01", "2024-05-31"
    )

    assert events.names()[:2] == ["response.defer", "qa.timeline"]
    assert events[1].kwargs == {
        "topic": "harbour plan",
        "since": date(2024, 5, 1),
        "until": date(2024, 5, 31),
        "guild_id": 4,
        "on_main_thread": False,
    }
    contents = [call.content for call in events.messages()]
    assert contents == render_summary(make_summary(), heading="Timeline")
    assert contents[0].startswith("**Timeline: harbour plan**")


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("May 1", None, "`since` must be a date like 2024-07-25, not `May 1`."),
        (None, "2024-13-01", "`until` must be a date like 2024-07-25, not `2024-13-01`."),
        ("2024-06-01", "2024-05-01", "`since` (2024-06-01) is after `until` (2024-05-01)."),
    ],
)
async def test_timeline_rejects_bad_dates_before_deferring(
    since: str | None, until: str | None, message: str
) -> None:
    qa = TimelineQA()
    interaction = FakeInteraction()
    with pytest.raises(UserError) as error:
        await TimelineCog.timeline.callback(TimelineCog(qa), interaction, "x", since, until)
    assert error.value.message == message
    assert interaction.events == [] and qa.events == []


async def test_timeline_lets_the_cores_safe_errors_reach_the_user() -> None:
    from bot.errors import user_message_for

    # (A blank topic no longer reaches the core: the cog refuses it before deferring.)
    message = "The start date 2024-05-02 is after the as-of day 2024-05-01."
    qa = TimelineQA(timeline_error=InvalidRequest(message))
    with pytest.raises(InvalidRequest) as raised:
        await TimelineCog.timeline.callback(TimelineCog(qa), FakeInteraction(), "x", None, None)
    assert user_message_for(raised.value) == message


async def test_summaries_and_timelines_are_counted_for_stats() -> None:
    activity = ActivityStore()
    qa = TimelineQA()
    await TimelineCog.timeline.callback(
        TimelineCog(qa, activity), FakeInteraction(), "Milton", None, None
    )
    assert activity.stats().summaries == 1


# --- /stats ----------------------------------------------------------------------------------


async def test_stats_refuse_members() -> None:
    library = StatsLibrary(None)
    interaction = FakeInteraction()

    await StatsCog.stats.callback(StatsCog(ActivityStore(), library), interaction)

    [reply] = interaction.events
    assert reply.name == "response.send_message" and reply.content == REFUSAL
    assert reply.kwargs["ephemeral"] is True and library.events == []


async def test_stats_show_an_admin_this_servers_figures() -> None:
    activity = ActivityStore()
    n = activity.record_answer("ask", "Q?", make_answer(), latency_s=0.5, guild_id=8)
    activity.vote(n, 1, 1)
    activity.record_answer("ask", "Other server?", make_answer(), latency_s=9, guild_id=9)
    last = datetime(2025, 2, 1, 12, 0, tzinfo=UTC)
    library = StatsLibrary(last, stats=SourceStats(21, 90, None, None, {}))
    interaction = FakeInteraction(guild_id=8, permissions=ADMIN)

    await StatsCog.stats.callback(StatsCog(activity, library), interaction)

    assert interaction.events[0].kwargs == {"ephemeral": True, "thinking": True}
    [reply] = interaction.events.messages()
    assert reply.kwargs["ephemeral"] is True
    assert "Questions answered: 1 · refused: 0" in reply.content
    assert "👍 1 · 👎 0" in reply.content and "p50 0.50 s · p95 0.50 s" in reply.content
    assert "Index: 21 articles in 90 passages" in reply.content
    assert f"Last re-index: <t:{int(last.timestamp())}:R>" in reply.content
    assert [c.kwargs["guild_id"] for c in library.events if "guild_id" in c.kwargs] == [8, 8]


async def test_the_bots_owner_sees_stats_without_admin_rights() -> None:
    interaction = FakeInteraction(user_id=77)
    await StatsCog.stats.callback(
        StatsCog(ActivityStore(), StatsLibrary(None), owner_ids=[77]), interaction
    )
    assert "Last re-index: not recorded" in interaction.events.messages()[0].content


# --- rendering -------------------------------------------------------------------------------


def test_a_follow_up_answer_leads_with_the_question_that_was_searched() -> None:
    answer = make_answer(citations=1)
    contents = render_followup(answer, "Why did the *Fed* cut @everyone?")
    first_line = contents[0].splitlines()[0]
    assert first_line == "-# Answering: Why did the \\*Fed\\* cut @\u200beveryone?"
    assert contents[0].split("\n", 1)[1] == render_answer(answer)[0]


def test_passages_are_shown_in_full_up_to_a_limit_and_escaped() -> None:
    short = make_citation(1, quote="A *short* quote.")
    long = make_citation(2, quote="word " * 1000)
    contents = render_passages([long, short, short])
    joined = "\n".join(contents)
    assert joined.index("[1]") < joined.index("[2]") and joined.count("[1]") == 1
    assert "A \\*short\\* quote." in joined
    quote_lines = [line for line in joined.splitlines() if line.startswith("> word")]
    assert all(len(line) <= PASSAGE_CHARS + 3 for line in quote_lines)
    assert render_passages([]) == ["This answer cites no passages."]


def test_activity_figures_render_dashes_when_nothing_was_asked() -> None:
    text = render_activity(
        ActivityStats(0, 0, 0, 0, 0, None, None), SourceStats(0, 0, None, None, {}), None
    )
    assert "Answer time: p50 – · p95 –" in text and "not recorded" in text
