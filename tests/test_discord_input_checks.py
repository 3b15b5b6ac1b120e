"""Input is checked before anything public or costly happens, and replies stay private.

- Bad input (a blank topic, a bad date, an over-long question) is answered privately, before
  the public "thinking" defer, and takes no rate-limit slot.
- A failure after a public defer replaces the thinking message with a short apology; a reason
  meant for the user follows privately (Discord's first follow-up would fill it in public).
- A mention of the bot's own managed role counts as a mention of the bot.
- A server admin's /reindex covers their server's own sources; global ones are for owners.
- discord.py's loggers stay at INFO when the app logs at DEBUG (they log interaction tokens).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from discord import app_commands
from discord_emulator import DiscordEmulator, Role
from support import make_services
from support_discord import restore_discord_endpoints, running_bot  # noqa: F401
from test_discord_fakes import (
    ADMIN,
    FakeGuild,
    FakeInteraction,
    FakeMessage,
    FakeQA,
    make_answer,
    make_summary,
)

from bot.cogs.admin import (
    GLOBAL_SOURCE,
    NO_OWN_SOURCES,
    AdminCog,
    source_scope,
)
from bot.cogs.ask import ROLE_UNREADABLE, AskCog, check_question, mention_question, own_role_ids
from bot.cogs.summary import TOPIC_CHARS, SummaryCog
from bot.cogs.timeline import TimelineCog
from bot.core.answer import MAX_QUESTION_CHARS
from bot.core.errors import InvalidRequest, UserError
from bot.core.models import Answer, Summary
from bot.errors import APOLOGY, REASON_SENT, BadInput, RateLimited, on_app_command_error
from bot.ratelimit import RateLimiter
from bot.services import Services
from index.records import IndexReport
from index.registry import Source
from index.sources.service import SourceError

BOT_ID = 999
OWNER = 4242
GUILD = 1


class Clock:
    """A monotonic clock that stands still (nothing leaves the rate-limit window)."""

    def __call__(self) -> float:
        return 1000.0


def invoke_error(command: Any, error: Exception) -> app_commands.CommandInvokeError:
    """What discord.py hands the tree's error handler when ``command`` raised ``error``."""
    return app_commands.CommandInvokeError(command, error)


# --- the question limit is the core's ----------------------------------------------------------


def test_the_cog_uses_the_cores_question_limit() -> None:
    assert check_question("x" * MAX_QUESTION_CHARS) == "x" * MAX_QUESTION_CHARS
    with pytest.raises(BadInput, match=f"under {MAX_QUESTION_CHARS:,} characters"):
        check_question("x" * (MAX_QUESTION_CHARS + 1))
    [question] = [p for p in AskCog.ask.parameters if p.name == "question"]
    assert question.max_value == MAX_QUESTION_CHARS  # the option's max_length


# --- bad input: private, before the defer, no rate-limit slot ---------------------------------


@pytest.mark.parametrize("topic", ["   ", "x" * (TOPIC_CHARS + 1)], ids=["blank", "too-long"])
async def test_a_bad_summary_topic_is_refused_privately_without_deferring(topic: str) -> None:
    qa = FakeQA()
    interaction = FakeInteraction()

    with pytest.raises(BadInput) as bad:
        await SummaryCog.summary.callback(SummaryCog(qa), interaction, topic)
    assert interaction.events == [] and qa.events == []  # nothing public, no work

    await on_app_command_error(interaction, invoke_error(SummaryCog.summary, bad.value))
    [reply] = interaction.events
    assert reply.name == "response.send_message" and reply.kwargs["ephemeral"] is True
    assert reply.content == bad.value.message


async def test_a_timeline_starting_in_the_future_is_refused_before_deferring() -> None:
    cog = TimelineCog(FakeQA(), today=lambda: date(2024, 10, 16))
    interaction = FakeInteraction()
    with pytest.raises(BadInput, match=r"`since` \(2024-10-17\) is in the future"):
        await TimelineCog.timeline.callback(cog, interaction, "Milton", "2024-10-17", None)
    assert interaction.events == []


async def test_bad_slash_input_takes_no_rate_limit_slot() -> None:
    limiter = RateLimiter(1, clock=Clock())
    qa = FakeQA()
    ask = AskCog(qa, limiter=limiter)
    summary = SummaryCog(qa, limiter=limiter)
    timeline = TimelineCog(qa, limiter=limiter)

    for bad_input in (
        lambda i: AskCog.ask.callback(ask, i, "  "),
        lambda i: SummaryCog.summary.callback(summary, i, "  "),
        lambda i: TimelineCog.timeline.callback(timeline, i, "Milton", "8 October", None),
    ):
        with pytest.raises(UserError):
            await bad_input(FakeInteraction())

    await AskCog.ask.callback(ask, FakeInteraction(), "Who won?")  # the one slot is still free
    assert [call.name for call in qa.events] == ["qa.ask"]
    limited = FakeInteraction()
    with pytest.raises(RateLimited):
        await SummaryCog.summary.callback(summary, limited, "Milton")
    assert limited.events == []  # over the limit: refused before the defer too


async def test_a_bad_mention_is_explained_and_takes_no_rate_limit_slot() -> None:
    limiter = RateLimiter(1, clock=Clock())
    qa = FakeQA()
    cog = AskCog(qa, bot_user_id=lambda: BOT_ID, limiter=limiter)
    too_long = FakeMessage(f"<@{BOT_ID}> " + "why " * MAX_QUESTION_CHARS)
    empty = FakeMessage(f"<@{BOT_ID}>")
    fine = FakeMessage(f"<@{BOT_ID}> who won?")

    for message in (too_long, empty, fine):
        await cog.on_message(message)

    [reply] = too_long.events.messages()
    assert f"under {MAX_QUESTION_CHARS:,} characters" in reply.content
    assert len(empty.events.messages()) == 1
    assert [call.kwargs["question"] for call in qa.events] == ["who won?"]


# --- failures after a public defer -------------------------------------------------------------


async def test_a_reason_after_a_public_defer_is_private_and_the_public_message_says_little() -> (
    None
):
    interaction = FakeInteraction()
    await interaction.response.defer(thinking=True)

    reason = "Please choose between 1 and 3650 days."
    await on_app_command_error(
        interaction, invoke_error(SummaryCog.summary, InvalidRequest(reason))
    )

    edit, private = interaction.events[1:]
    assert (edit.name, edit.content) == ("edit_original_response", REASON_SENT)
    assert private.name == "followup.send" and private.kwargs["ephemeral"] is True
    assert private.content == reason


async def test_after_a_private_defer_the_reason_fills_the_private_message() -> None:
    interaction = FakeInteraction()
    await interaction.response.defer(ephemeral=True, thinking=True)

    await on_app_command_error(interaction, invoke_error(SummaryCog.summary, BadInput("No.")))

    [reply] = interaction.events[1:]
    assert reply.name == "followup.send" and reply.kwargs["ephemeral"] is True
    assert reply.content == "No."


async def test_once_the_public_answer_is_shown_a_later_notice_is_a_new_private_message() -> None:
    interaction = FakeInteraction()
    await interaction.response.defer(thinking=True)
    await interaction.followup.send("the answer")  # fills the thinking message

    await on_app_command_error(interaction, invoke_error(SummaryCog.summary, BadInput("Hm.")))

    notice = interaction.events[-1]
    assert notice.name == "followup.send" and notice.kwargs["ephemeral"] is True
    assert "edit_original_response" not in interaction.events.names()  # the answer stays


# --- a mention of the bot's own role -------------------------------------------------------------


def managed_role(role_id: int, bot_id: int | None) -> SimpleNamespace:
    """A role as discord.py shows it: managed for ``bot_id``, or a plain role (None)."""
    tags = SimpleNamespace(bot_id=bot_id) if bot_id is not None else None
    return SimpleNamespace(id=role_id, tags=tags, is_bot_managed=lambda: bot_id is not None)


def test_only_the_bots_own_managed_role_counts_as_the_bot() -> None:
    me = SimpleNamespace(
        roles=[managed_role(5, BOT_ID), managed_role(6, 1234), managed_role(7, None)]
    )
    assert own_role_ids(FakeGuild(GUILD, me=me), BOT_ID) == {5}
    assert own_role_ids(None, BOT_ID) == frozenset()
    assert mention_question("<@&5> who won?", BOT_ID, {5}) == "who won?"
    assert mention_question("<@&6> who won?", BOT_ID, {5}) is None


async def test_a_role_mention_is_answered_like_a_mention_of_the_bot() -> None:
    qa = FakeQA()
    cog = AskCog(qa, bot_user_id=lambda: BOT_ID)
    message = FakeMessage("<@&5>, where did Milton make landfall?")
    message.guild.me = SimpleNamespace(roles=[managed_role(5, BOT_ID)])
    other = FakeMessage("<@&7> where did Milton make landfall?")
    other.guild.me = message.guild.me

    await cog.on_message(message)
    await cog.on_message(other)

    assert [call.kwargs["question"] for call in qa.events] == ["where did Milton make landfall?"]
    assert other.events.messages() == []


# --- /reindex: server admins re-index their own sources only -------------------------------------


class FakeSources:
    """A source registry with the service's scoping rules; records what it re-indexes."""

    def __init__(self, *sources: Source) -> None:
        self.sources = list(sources)
        self.runs: list[object] = []

    def list(self, guild_id: str | None = None) -> list[Source]:
        return [s for s in self.sources if guild_id is None or s.guild_id in ("", guild_id)]

    def get(self, source_id: str, guild_id: str | None = None) -> Source:
        for source in self.list(guild_id):
            if source.id == source_id:
                return source
        raise SourceError(f"There is no source {source_id}.")

    def run(self, source_id: str, progress: Any = None, *, guild_id: str | None = None):
        self.runs.append(source_id)
        return IndexReport(added=1)

    def run_all(
        self, progress: Any = None, *, guild_id: str | None = None, own_only: bool = False
    ) -> IndexReport:
        self.runs.append(("all", guild_id, own_only))
        return IndexReport(added=1)


def registry() -> FakeSources:
    return FakeSources(
        Source("g1", "feed", "https://global.test/feed"),  # global: serves every server
        Source("s2", "page", "https://own.test/page", guild_id=str(GUILD)),
        Source("s3", "page", "https://other.test/page", guild_id="2"),
    )


async def reindex(sources: FakeSources, source: str | None, **who: Any) -> str:
    """Run /reindex as ``who`` (FakeInteraction's arguments); the last text shown."""
    cog = AdminCog(object(), owner_ids=[OWNER], progress_interval=0.01, sources=sources)
    interaction = FakeInteraction(permissions=ADMIN, **who)
    await AdminCog.reindex.callback(cog, interaction, source)
    return interaction.events.messages()[-1].content


async def test_a_server_admin_may_not_reindex_a_global_source() -> None:
    sources = registry()
    assert await reindex(sources, "g1") == GLOBAL_SOURCE.format(id="g1")
    assert await reindex(sources, "s3") == "There is no source s3."  # another server's
    assert sources.runs == []


async def test_a_server_admins_reindex_covers_their_own_sources_only() -> None:
    sources = registry()
    assert "added 1 ·" in await reindex(sources, "s2")
    assert "added 1 ·" in await reindex(sources, None)  # "all": the server's own, no global
    assert sources.runs == ["s2", ("all", str(GUILD), True)]
    lonely = FakeSources(Source("g1", "feed", "https://global.test/feed"))
    assert await reindex(lonely, None) == NO_OWN_SOURCES and lonely.runs == []


class BrokenSources(FakeSources):
    def run(self, source_id: str, progress: Any = None, *, guild_id: str | None = None):
        raise RuntimeError("disk full")


async def test_a_reindex_that_fails_unexpectedly_says_so_in_its_status_message() -> None:
    sources = BrokenSources(Source("s2", "page", "https://own.test/page", guild_id=str(GUILD)))
    cog = AdminCog(object(), owner_ids=[OWNER], progress_interval=0.01, sources=sources)
    interaction = FakeInteraction(permissions=ADMIN)
    await AdminCog.reindex.callback(cog, interaction, "s2")
    shown = interaction.events.messages()
    assert shown[-1].content == APOLOGY and shown[-1].name == "edit_original_response"
    assert "disk full" not in " ".join(m.content or "" for m in shown)


async def test_owners_reindex_global_sources_and_everything() -> None:
    sources = registry()
    await reindex(sources, "g1", user_id=OWNER)
    await reindex(sources, None, user_id=OWNER)
    await reindex(sources, None, user_id=OWNER, guild_id=None)
    assert sources.runs == ["g1", ("all", str(GUILD), False), ("all", None, False)]


async def test_reindex_autocomplete_offers_admins_only_what_they_may_run() -> None:
    sources = registry()
    cog = AdminCog(object(), owner_ids=[OWNER], sources=sources)
    admin = await cog._source_choices(FakeInteraction(permissions=ADMIN), "")
    owner = await cog._source_choices(FakeInteraction(user_id=OWNER), "")
    assert [c.value for c in admin] == ["s2"]
    assert [c.value for c in owner] == ["g1", "s2"]
    # A member (the server opened /reindex to everyone) is offered nothing.
    assert await cog._source_choices(FakeInteraction(), "") == []


async def test_autocomplete_does_not_match_a_masked_secret() -> None:
    sources = FakeSources(Source("g1", "feed", "https://global.test/feed?token=abc123"))
    cog = AdminCog(object(), owner_ids=[OWNER], sources=sources)
    owner = FakeInteraction(user_id=OWNER)
    assert [c.value for c in await cog._source_choices(owner, "global.test")] == ["g1"]
    assert await cog._source_choices(owner, "token=a") == []
    assert all("abc123" not in c.name for c in await cog._source_choices(owner, ""))


def test_one_helper_decides_which_sources_a_caller_sees() -> None:
    owners = [OWNER]
    assert source_scope(FakeInteraction(user_id=OWNER, guild_id=None), owners) is None
    assert source_scope(FakeInteraction(user_id=OWNER), owners) == str(GUILD)
    assert source_scope(FakeInteraction(permissions=ADMIN), owners) == str(GUILD)
    assert source_scope(FakeInteraction(guild_id=None), owners) == ""


# --- logging -------------------------------------------------------------------------------


@contextmanager
def bare_root_logger() -> Iterator[None]:
    """The root logger without handlers, as in a fresh process, so ``basicConfig`` applies;
    pytest's handlers and every level are put back after."""
    root, discord_log = logging.getLogger(), logging.getLogger("discord")
    handlers, level, discord_level = root.handlers[:], root.level, discord_log.level
    root.handlers.clear()
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()  # the stderr handler basicConfig added
        root.handlers[:] = handlers
        root.setLevel(level)
        discord_log.setLevel(discord_level)


@pytest.mark.parametrize(
    ("verbose", "level", "discord_level"),
    [(True, "INFO", logging.INFO), (False, "WARNING", logging.WARNING)],
    ids=["-v", "warning"],
)
def test_discord_loggers_stay_at_info_or_above(
    monkeypatch: pytest.MonkeyPatch, verbose: bool, level: str, discord_level: int
) -> None:
    from bot import cli

    monkeypatch.setattr(cli, "_state", {})
    monkeypatch.setattr("bot.settings.Settings", lambda: SimpleNamespace(log_level=level))
    monkeypatch.setattr("bot.settings.check_paths", lambda settings, name: None)
    monkeypatch.setattr("bot.services.Services", lambda settings: object())
    with bare_root_logger():
        cli.main(data_dir=None, verbose=verbose)
        cli.services()

        assert logging.getLogger().level == (logging.DEBUG if verbose else logging.WARNING)
        assert logging.getLogger("discord").getEffectiveLevel() == discord_level
        # The webhook adapter logs each request's URL, token included, at DEBUG.
        assert not logging.getLogger("discord.webhook.async_").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("bot.cogs.ask").isEnabledFor(logging.DEBUG) is verbose


# --- end to end, against the Discord emulator ------------------------------------------------


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """Services for the bot's library; the answers come from CannedQA (nothing indexed)."""
    built = make_services(tmp_path_factory.mktemp("input-checks"), today=date(2024, 10, 16))
    yield built
    built.close()


class CannedQA:
    """A QuestionAnswering with canned results; ``fail`` makes summaries raise it."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.calls: list[str] = []

    def ask(self, question: str, **_: Any) -> Answer:
        self.calls.append(f"ask {question}")
        return make_answer(citations=1)

    def summary(self, topic: str, **_: Any) -> Summary:
        self.calls.append(f"summary {topic}")
        if self.fail:
            raise self.fail
        return make_summary()

    timeline = summary


def bot_role(emulator: DiscordEmulator) -> Role:
    """The role Discord manages for the bot in the default guild."""
    return next(r for r in emulator.world.guild.roles if r.bot_id == emulator.bot.id)


@pytest.mark.emulator
@pytest.mark.usefixtures("restore_discord_endpoints")
async def test_e2e_a_blank_topic_is_answered_privately_and_costs_no_slot(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    qa = CannedQA()
    async with running_bot(emulator, services, tmp_path, qa=qa, rate_limit_per_minute=1):
        blank = await emulator.slash("summary", {"topic": "   "})
        refusal = await blank.wait_answer(timeout=10)
        asked = await emulator.slash("ask", {"question": "Who won?"})
        await asked.wait_answer(timeout=10)

    assert blank.kinds == ["callback:4"]  # answered at once: no public "thinking"
    assert refusal.ephemeral and refusal.content.startswith("Please name a topic")
    assert asked.callback.type == 5  # the blank topic took no slot of the one a minute
    assert qa.calls == ["ask Who won?"]


@pytest.mark.emulator
@pytest.mark.usefixtures("restore_discord_endpoints")
@pytest.mark.parametrize(
    ("error", "public", "private"),
    [
        (RuntimeError("chroma internals at /srv/data"), APOLOGY, None),
        (InvalidRequest("Please choose between 1 and 3650 days."), REASON_SENT, "3650 days"),
    ],
    ids=["bug", "user-error"],
)
async def test_e2e_a_failure_after_the_public_defer_shows_only_a_short_apology(
    emulator: DiscordEmulator,
    services: Services,
    tmp_path: Path,
    error: Exception,
    public: str,
    private: str | None,
) -> None:
    async with running_bot(emulator, services, tmp_path, qa=CannedQA(fail=error)):
        summary = await emulator.slash("summary", {"topic": "Milton"})
        await emulator.wait_until(
            lambda: summary.original is not None and not summary.original.loading,
            10,
            "the thinking message replaced",
        )
        if private:
            await summary.wait_followup(index=0, timeout=10)
        await emulator.settle(0.2)

    assert summary.callback.type == 5
    shown = summary.original
    assert shown.content == public and not shown.ephemeral
    public_text = " ".join(m.content for m in emulator.messages.all() if not m.ephemeral)
    assert "chroma" not in public_text and "3650" not in public_text
    if private:
        [reason] = summary.followups
        assert reason.ephemeral and private in reason.content
    else:
        assert summary.followups == []


@pytest.mark.emulator
@pytest.mark.usefixtures("restore_discord_endpoints")
async def test_e2e_a_mention_of_the_bots_role_is_answered(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    world, qa = emulator.world, CannedQA()
    editors = next(r for r in world.guild.roles if r.name == "Editors")
    async with running_bot(emulator, services, tmp_path, qa=qa, message_content_intent=True):
        await emulator.send_message(f"{editors.mention} who won?")  # someone else's role
        asked = await emulator.send_message(f"{bot_role(emulator).mention} who won?")
        reply = await emulator.wait_for_message(
            world.channel, lambda m: m.author_id == emulator.bot.id, timeout=10
        )
        await emulator.settle(0.2)

    assert int(reply.payload["message_reference"]["message_id"]) == asked.id
    assert "[1]" in reply.content and not reply.pings()
    assert qa.calls == ["ask who won?"]


@pytest.mark.emulator
@pytest.mark.usefixtures("restore_discord_endpoints")
async def test_e2e_a_role_mention_whose_text_is_withheld_gets_a_hint(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    """Without the Message Content intent the emulator withholds a role mention's text (as
    for any message that does not mention the bot's user): the user learns what to do."""
    world, qa = emulator.world, CannedQA()
    async with running_bot(emulator, services, tmp_path, qa=qa):
        await emulator.send_message(f"{bot_role(emulator).mention} who won?")
        reply = await emulator.wait_for_message(
            world.channel, lambda m: m.author_id == emulator.bot.id, timeout=10
        )

    assert reply.content == ROLE_UNREADABLE and qa.calls == []
