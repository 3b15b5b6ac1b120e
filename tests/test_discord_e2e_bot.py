"""The real bot (build_bot, real cogs and services) end to end against the Discord emulator.

The bot reaches the emulator only through its settings (``discord_api_base``; the gateway URL
comes from the emulator's ``GET /gateway/bot``). The services are the real ones on the sample
articles, with the fast hashing embeddings, indexed once for the module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from discord_emulator import CommandUnavailable, DiscordEmulator, Perm, StoredMessage
from support import make_services
from support_discord import restore_discord_endpoints, running_bot  # noqa: F401

from bot.core.answer import MAX_QUESTION_CHARS
from bot.core.models import Answer, Citation
from bot.render import collapse, render_answer_text, source_blocks
from bot.services import Services

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("restore_discord_endpoints")]

TODAY = date(2025, 2, 20)  # "today" for the sample corpus (2023-03 .. 2025-02)
EPHEMERAL = 1 << 6
SUPPRESS_EMBEDS = 1 << 2
COMMANDS = {"ask", "summary", "timeline", "sources", "reindex", "stats"}


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """The real services on the samples, indexed once (read-only for the tests)."""
    built = make_services(tmp_path_factory.mktemp("e2e"), today=TODAY)
    report = built.library.reindex()
    assert report.added == 21, report.summary_line()
    yield built
    built.close()


def answer_ids(message: StoredMessage) -> set[int]:
    """The recorded-answer ids the message's buttons carry."""
    return {int(custom_id.rsplit(":", 1)[1]) for custom_id in message.custom_ids()}


def assert_safe(message: StoredMessage) -> None:
    """What every public message of the bot must be: short enough, no pings, no previews."""
    assert len(message.content) <= 2000
    assert not message.pings(), message.pings()
    assert message.flags & SUPPRESS_EMBEDS


# --- start-up --------------------------------------------------------------------------------


async def test_start_up_syncs_every_command_with_its_options_and_permissions(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    async with running_bot(emulator, services, tmp_path):
        sync = await emulator.wait_for_sync(guild=emulator.world.guild)

    commands = {c["name"]: c for c in sync.payload}
    assert set(commands) == COMMANDS
    assert [s.guild_id for s in emulator.commands.syncs] == [emulator.world.guild.id]
    for command in commands.values():
        assert 10 < len(command["description"]) <= 100, command["name"]
        for option in command.get("options", []):
            assert 5 < len(option["description"]) <= 100, (command["name"], option["name"])
    ask = {o["name"]: o for o in commands["ask"]["options"]}
    assert (ask["question"]["type"], ask["question"]["required"]) == (3, True)
    assert ask["question"]["max_length"] == MAX_QUESTION_CHARS  # the core's limit
    assert (ask["thread"]["type"], ask["thread"].get("required", False)) == (5, False)
    timeline = {o["name"]: o for o in commands["timeline"]["options"]}
    assert [timeline[n].get("required", False) for n in ("topic", "since", "until")] == [
        True,
        False,
        False,
    ]
    admin_only = {n for n, c in commands.items() if c.get("default_member_permissions")}
    assert admin_only == {"reindex", "stats"}
    for name in admin_only:
        assert int(commands[name]["default_member_permissions"]) == Perm.MANAGE_GUILD
    assert emulator.intents & (1 << 15) == 0  # no Message Content intent unless configured


# --- /ask, /summary, /timeline ---------------------------------------------------------------


async def test_ask_is_deferred_within_3_s_then_answered_with_citations_and_buttons(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    async with running_bot(emulator, services, tmp_path) as bot:
        ask = await emulator.slash("ask", {"question": "Where did Hurricane Milton make landfall?"})
        answer = await ask.wait_answer(timeout=10)
        record = bot.activity_log.get(answer_ids(answer).pop())

    assert ask.callback.type == 5 and ask.time_to_callback < 3.0
    assert ask.kinds[0] == "callback:5" and answer is ask.original and not answer.ephemeral
    assert "Milton" in answer.content and "[1]" in answer.content
    assert "**Sources**" in answer.content
    assert_safe(answer)
    n = record.id
    assert answer.custom_ids() == [
        f"newsdesk:sources:{n}",
        f"newsdesk:up:{n}",
        f"newsdesk:down:{n}",
    ]
    assert record.question == "Where did Hurricane Milton make landfall?" and not record.refused
    assert record.user_id == emulator.world.member.id and record.citations
    assert record.guild_id == emulator.world.guild.id and record.latency_ms > 0


async def test_summary_lists_dated_cited_events(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    async with running_bot(emulator, services, tmp_path):
        summary = await emulator.slash("summary", {"topic": "Hurricane Milton", "days": 200})
        reply = await summary.wait_answer(timeout=10)

    assert summary.callback.type == 5 and summary.time_to_callback < 3.0
    days = re.findall(r"^• (\d{4}-\d{2}-\d{2}) — .+ \[\d+\]$", reply.content, re.MULTILINE)
    assert len(days) >= 2 and days == sorted(days)
    assert all(day.startswith("2024-10") for day in days)
    assert_safe(reply)


async def test_timeline_gives_events_in_order_within_the_dates(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    options = {"topic": "Hurricane Milton", "since": "2024-10-08", "until": "2024-10-31"}
    async with running_bot(emulator, services, tmp_path):
        timeline = await emulator.slash("timeline", options)
        reply = await timeline.wait_answer(timeout=10)
        wrong = await emulator.slash("timeline", {"topic": "Milton", "since": "8 October"})
        refusal = await wrong.wait_answer(timeout=10)

    assert reply.content.startswith("**Timeline: Hurricane Milton** · 2024-10-08 → 2024-10-31")
    days = re.findall(r"^• (\d{4}-\d{2}-\d{2}) — ", reply.content, re.MULTILINE)
    assert days == sorted(set(days)) and days[0] >= "2024-10-08" and len(days) >= 2
    assert_safe(reply)
    assert wrong.callback.type == 4 and refusal.ephemeral
    assert refusal.content == "`since` must be a date like 2024-07-25, not `8 October`."


# --- buttons ---------------------------------------------------------------------------------


async def test_sources_button_shows_the_passages_and_votes_are_stored(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    question = "Where did Hurricane Milton make landfall?"
    async with running_bot(emulator, services, tmp_path) as bot:
        ask = await emulator.slash("ask", {"question": question})
        answer = await ask.wait_answer(timeout=10)
        n = answer_ids(answer).pop()
        sources = await emulator.click(answer, f"newsdesk:sources:{n}")
        passages = await sources.wait_answer(timeout=10)
        up = await emulator.click(answer, f"newsdesk:up:{n}")
        thanks = await up.wait_answer(timeout=10)
        other = emulator.world.admin
        down = await emulator.click(answer, f"newsdesk:down:{n}", user=other)
        await down.wait_answer(timeout=10)
        feedback = bot.activity_log.feedback()
        stats = bot.activity_log.stats()

    assert sources.callback.type == 4 and passages.ephemeral
    assert passages.content.startswith("**Quoted passages**")
    record = feedback[0].answer
    assert record.citations[0].quote[:60] in passages.content.replace("\\", "")
    assert up.callback.type == 4 and thanks.ephemeral and "👍" in thanks.content
    assert [(f.vote, f.user_id) for f in feedback] == [
        (1, emulator.world.member.id),
        (-1, other.id),
    ]
    assert record.question == question and record.answer and record.citations
    assert (stats.thumbs_up, stats.thumbs_down) == (1, 1)


async def test_buttons_still_work_after_the_bot_restarts(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    async with running_bot(emulator, services, tmp_path):
        ask = await emulator.slash("ask", {"question": "Who won Super Bowl LIX?"})
        answer = await ask.wait_answer(timeout=10)
    n = answer_ids(answer).pop()

    # A new process: same data dir, fresh client and session.
    async with running_bot(emulator, services, tmp_path) as bot:
        sources = await emulator.click(answer, f"newsdesk:sources:{n}")
        passages = await sources.wait_answer(timeout=10)
        vote = await emulator.click(answer, f"newsdesk:up:{n}")
        await vote.wait_answer(timeout=10)
        votes = bot.activity_log.feedback()

    assert len(emulator.gateway.identifies) == 2
    assert passages.ephemeral and "Eagles" in passages.content
    assert [(v.vote, v.answer.id) for v in votes] == [(1, n)]


# --- permissions -----------------------------------------------------------------------------


async def test_a_member_is_refused_the_admin_commands(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    world = emulator.world
    async with running_bot(emulator, services, tmp_path):
        # Discord hides the commands from members (default_member_permissions)...
        for name in ("reindex", "stats"):
            with pytest.raises(CommandUnavailable):
                await emulator.slash(name, user=world.member)
        # ...unless the server's admins open them to everyone (Integrations settings): the
        # bot still checks permissions when the command runs.
        for command in emulator.commands.guild_commands[world.guild.id]:
            command["default_member_permissions"] = None
        refused = [await emulator.slash(name, user=world.member) for name in ("reindex", "stats")]
        replies = [await handle.wait_answer(timeout=10) for handle in refused]
        allowed = await emulator.slash("stats", user=world.admin)
        stats = await allowed.wait_answer(timeout=10)

    for handle, reply in zip(refused, replies, strict=True):
        assert handle.callback.type == 4 and reply.ephemeral
        assert reply.content.startswith("Sorry, only server admins")
    assert stats.ephemeral and "Index: 21 articles" in stats.content


async def test_stats_show_questions_refusals_feedback_and_latency(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    world = emulator.world
    async with running_bot(emulator, services, tmp_path):
        good = await emulator.slash(
            "ask", {"question": "Where did Hurricane Milton make landfall?"}
        )
        answer = await good.wait_answer(timeout=10)
        vote = await emulator.click(answer, f"newsdesk:up:{answer_ids(answer).pop()}")
        await vote.wait_answer(timeout=10)
        refused = await emulator.slash("ask", {"question": "Who is the mayor of Atlantis?"})
        await refused.wait_answer(timeout=10)
        stats = await emulator.slash("stats", user=world.admin)
        figures = await stats.wait_answer(timeout=10)

    assert figures.ephemeral
    assert "Questions answered: 1 · refused: 1" in figures.content
    assert "👍 1 · 👎 0" in figures.content
    assert re.search(r"p50 \d+\.\d\d s · p95 \d+\.\d\d s", figures.content)
    assert "Index: 21 articles" in figures.content
    assert re.search(r"Last re-index: <t:\d+:R>", figures.content)


# --- mentions and threads --------------------------------------------------------------------


async def test_a_mention_is_answered_in_a_reply(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    world = emulator.world
    async with running_bot(emulator, services, tmp_path):
        asked = await emulator.send_message(
            "where did Hurricane Milton make landfall?", mention_bot=True
        )
        reply = await emulator.wait_for_message(
            world.channel, lambda m: m.author_id == emulator.bot.id, timeout=10
        )
        await emulator.send_message("just chatting about Milton")  # no mention: no answer
        await emulator.settle(0.2)

    assert int(reply.payload["message_reference"]["message_id"]) == asked.id
    assert "Milton" in reply.content and "[1]" in reply.content
    assert_safe(reply)
    assert len(answer_ids(reply)) == 1 and len(reply.custom_ids()) == 3
    bot_messages = [m for m in emulator.channel_messages(world.channel) if m.author_id != 0]
    assert [m.author_id for m in bot_messages].count(emulator.bot.id) == 1


async def test_ask_opens_a_thread_and_a_follow_up_is_answered_in_context(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    question = "Where did Hurricane Milton make landfall?"
    async with running_bot(emulator, services, tmp_path) as bot:
        ask = await emulator.slash("ask", {"question": question, "thread": True})
        answer = await ask.wait_answer(timeout=10)
        thread = await emulator.wait_until(
            lambda: emulator.channel(answer.id), 10, "the thread on the answer"
        )
        hint = await emulator.wait_for_message(thread, timeout=10)
        await emulator.send_message("how strong was it?", channel=thread, mention_bot=True)
        reply = await emulator.wait_for_message(
            thread, lambda m: m.author_id == emulator.bot.id and m.id != hint.id, timeout=10
        )
        record = bot.activity_log.get(answer_ids(reply).pop())

    assert thread.is_thread and thread.parent_id == emulator.world.channel.id
    assert thread.name == question and thread.owner_id == emulator.bot.id
    assert "mention me" in hint.content
    assert reply.content.startswith("-# Answering: How strong was Hurricane Milton?")
    assert "Category" in reply.content and "[1]" in reply.content
    assert_safe(reply)
    assert (record.kind, record.thread_id) == ("followup", thread.id)
    assert record.question == "how strong was it?"
    assert record.standalone == "How strong was Hurricane Milton?"


async def test_a_thread_keeps_its_context_after_the_bot_restarts(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    async with running_bot(emulator, services, tmp_path):
        ask = await emulator.slash(
            "ask", {"question": "How strong was Hurricane Milton?", "thread": True}
        )
        answer = await ask.wait_answer(timeout=10)
        thread = await emulator.wait_until(lambda: emulator.channel(answer.id), 10, "a thread")
        await emulator.wait_for_message(thread, timeout=10)

    async with running_bot(emulator, services, tmp_path):
        await emulator.send_message("where did it make landfall?", channel=thread, mention_bot=True)
        reply = await emulator.wait_for_message(
            thread, lambda m: m.content.startswith("-# Answering"), timeout=10
        )

    assert reply.content.startswith("-# Answering: Where did Hurricane Milton make landfall?")


async def test_with_message_content_any_message_in_the_thread_is_a_follow_up(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    world = emulator.world
    async with running_bot(emulator, services, tmp_path, message_content_intent=True):
        ask = await emulator.slash(
            "ask", {"question": "How strong was Hurricane Milton?", "thread": True}
        )
        answer = await ask.wait_answer(timeout=10)
        thread = await emulator.wait_until(lambda: emulator.channel(answer.id), 10, "a thread")
        hint = await emulator.wait_for_message(thread, timeout=10)
        await emulator.send_message("thanks!", channel=thread)  # chit-chat: not answered
        await emulator.send_message("and where did it make landfall?", channel=thread)
        reply = await emulator.wait_for_message(
            thread, lambda m: m.author_id == emulator.bot.id and m.id != hint.id, timeout=10
        )
        await emulator.send_message("where did Milton make landfall?", channel=world.channel)
        await emulator.settle(0.2)

    assert emulator.intents & (1 << 15)
    assert "just type them" in hint.content
    assert reply.content.startswith("-# Answering: Where did Hurricane Milton make landfall?")
    assert "Milton" in reply.content.split("\n", 1)[1] and "[1]" in reply.content
    bot_messages = [m for m in emulator.channel_messages(thread) if m.author_id == emulator.bot.id]
    assert [m.id for m in bot_messages] == [hint.id, reply.id]
    # Outside the bot's threads, messages without a mention are still left alone.
    in_channel = [m for m in emulator.channel_messages(world.channel) if m.id != answer.id]
    assert all(m.author_id != emulator.bot.id for m in in_channel)


# --- faults ----------------------------------------------------------------------------------


async def test_the_answer_arrives_after_a_dropped_gateway_connection(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    async with running_bot(emulator, services, tmp_path) as bot:
        session = emulator.gateway.session
        await emulator.wait_until(lambda: bot.ws.sequence == session.seq, 5, "client caught up")
        await emulator.drop_gateway()
        # Sent while the socket is down: Discord replays it after the bot resumes.
        ask = await emulator.slash("ask", {"question": "Who won Super Bowl LIX?"})
        answer = await ask.wait_answer(timeout=15)
        assert await emulator.wait_for_resume(timeout=10) == 1

    assert len(emulator.gateway.identifies) == 1  # resumed, not re-identified
    assert ask.callback.type == 5 and "Eagles" in answer.content


async def test_the_answer_arrives_after_a_429_on_the_follow_up(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    emulator.rate_limit("POST /webhooks/*", retry_after=0.3)
    async with running_bot(emulator, services, tmp_path):
        ask = await emulator.slash("ask", {"question": "Who won Super Bowl LIX?"})
        answer = await ask.wait_answer(timeout=15)

    posts = emulator.requests_matching("POST /webhooks/*")
    assert [(p.status, p.fault) for p in posts] == [(429, "429"), (200, None)]
    assert posts[1].received_at - posts[0].received_at >= 0.3
    assert "Eagles" in answer.content and len(answer.custom_ids()) == 3


# --- limits ----------------------------------------------------------------------------------


async def test_asking_too_fast_gets_a_polite_ephemeral_notice(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    async with running_bot(emulator, services, tmp_path, rate_limit_per_minute=2):
        first = [
            await emulator.slash("ask", {"question": "Who won Super Bowl LIX?"}) for _ in range(2)
        ]
        for handle in first:
            await handle.wait_answer(timeout=10)
        third = await emulator.slash("timeline", {"topic": "Milton"})
        notice = await third.wait_answer(timeout=10)
        others = await emulator.slash(
            "ask", {"question": "Who won Super Bowl LIX?"}, user=emulator.world.admin
        )
        await others.wait_answer(timeout=10)

    assert third.callback.type == 4 and notice.ephemeral
    assert re.fullmatch(
        r"Sorry, I can take 2 questions a minute from each person, and you've reached that\. "
        r"Please try again in (\d+) s\.",
        notice.content,
    )
    assert 50 <= int(re.search(r"in (\d+) s", notice.content).group(1)) <= 60
    assert others.callback.type == 5  # the limit is per person


async def test_a_long_answer_is_split_cleanly_and_article_text_cannot_format_or_ping(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    hostile = "**Breaking** @everyone <@123> __under__ `code` [x](https://evil.example) " * 3
    citations = [
        Citation(
            n,
            f"a{n}",
            f"Story *{n}*",
            f"https://example.org/{n}",
            "Desk",
            "2025-02-10",
            hostile,
            0,
            len(hostile),
        )
        for n in range(1, 16)
    ]
    long_answer = Answer(
        text=" ".join(f"Point {n} was made @here [{n}]." for n in range(1, 16)) * 4,
        citations=citations,
    )

    class LongAnswers:
        """A QuestionAnswering whose answer is long and quotes hostile text."""

        def ask(self, question: str, **_: Any) -> Answer:
            return long_answer

    async with running_bot(emulator, services, tmp_path, qa=LongAnswers()):
        ask = await emulator.slash("ask", {"question": "Everything?"})
        await ask.wait_followup(index=2, timeout=10)
        await emulator.settle(0.2)

    parts = [m for m in emulator.messages.all() if m.interaction_id == ask.id]
    assert len(parts) >= 3 and parts[0] is ask.original
    for part in parts:
        assert_safe(part)
        assert "@everyone" not in part.content and "@here" not in part.content
        assert "<@123>" not in part.content and "**Breaking**" not in part.content
    # Cut only between words: the parts joined again are exactly the whole rendered answer.
    whole = [render_answer_text(long_answer), *source_blocks(citations)]
    assert collapse(" ".join(p.content for p in parts)) == collapse("\n".join(whole))
    assert "\\*\\*Breaking\\*\\*" in parts[-1].content
    # The buttons go under the last part only.
    assert [bool(p.custom_ids()) for p in parts] == [False] * (len(parts) - 1) + [True]
