"""Recording fakes for the Discord adapter's tests (and a few tests that keep the fakes honest).

The fakes take exactly the keyword arguments discord.py's methods take that the adapter uses,
so a typo in a cog fails loudly; and they enforce Discord's rules that matter here: an
interaction is answered once, and follow-ups or edits come only after it was answered.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.core.llm_stream import Draft
from bot.core.models import Answer, Citation, Summary, SummaryItem
from bot.settings import Settings
from index.records import IndexReport, SourceStats

ADMIN = discord.Permissions(manage_guild=True)
MEMBER = discord.Permissions(send_messages=True, read_messages=True)


@dataclass
class Call:
    """One recorded call: who was called, and with what."""

    name: str
    kwargs: dict[str, Any]

    @property
    def content(self) -> str | None:
        """The message content the call carried, if any."""
        return self.kwargs.get("content")


class Events(list[Call]):
    """The shared, ordered log of everything the fakes were asked to do."""

    def record(self, name: str, **kwargs: Any) -> None:
        """Append a call."""
        self.append(Call(name, kwargs))

    def names(self) -> list[str]:
        """The calls' names, in order."""
        return [call.name for call in self]

    def messages(self) -> list[Call]:
        """The calls that put text in front of a user (sends, replies and edits)."""
        return [call for call in self if "content" in call.kwargs]


class FakeResponse:
    """``interaction.response``: may be used once.

    It keeps the flags of the original response as Discord would: a "thinking" defer shows
    LOADING (and its ephemeral bit) until the first follow-up or an edit fills it.
    """

    def __init__(self, events: Events) -> None:
        self._events = events
        self._done = False
        self.original_flags: discord.MessageFlags | None = None

    def is_done(self) -> bool:
        """Whether the interaction was answered (deferred or replied to)."""
        return self._done

    def _answer(self) -> None:
        if self._done:
            raise AssertionError("interaction answered twice (discord.InteractionResponded)")
        self._done = True

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        """Record a defer."""
        self._answer()
        self._events.record("response.defer", ephemeral=ephemeral, thinking=thinking)
        self.original_flags = discord.MessageFlags(ephemeral=ephemeral, loading=True)

    async def send_message(
        self,
        content: str | None = None,
        *,
        embed: discord.Embed | None = None,
        embeds: list[discord.Embed] | None = None,
        ephemeral: bool = False,
        allowed_mentions: discord.AllowedMentions | None = None,
        suppress_embeds: bool = False,
        view: discord.ui.View | None = None,
    ) -> None:
        """Record an immediate reply."""
        self._answer()
        self.original_flags = discord.MessageFlags(ephemeral=ephemeral)
        self._events.record(
            "response.send_message",
            content=content,
            embed=embed,
            embeds=embeds,
            ephemeral=ephemeral,
            allowed_mentions=allowed_mentions,
            suppress_embeds=suppress_embeds,
            view=view,
        )


class FakeFollowup:
    """``interaction.followup`` (a webhook)."""

    def __init__(self, events: Events, response: FakeResponse) -> None:
        self._events = events
        self._response = response

    async def send(
        self,
        content: str | None = None,
        *,
        embed: discord.Embed | None = None,
        embeds: list[discord.Embed] | None = None,
        ephemeral: bool = False,
        allowed_mentions: discord.AllowedMentions | None = None,
        suppress_embeds: bool = False,
        view: discord.ui.View | None = None,
        wait: bool = False,
    ) -> None:
        """Record a follow-up message."""
        if not self._response.is_done():
            raise AssertionError("follow-up sent before the interaction was answered")
        flags = self._response.original_flags
        if flags is not None and flags.loading:
            # The first follow-up fills the "thinking" message, keeping its ephemeral bit.
            self._response.original_flags = discord.MessageFlags(ephemeral=flags.ephemeral)
        self._events.record(
            "followup.send",
            content=content,
            embed=embed,
            embeds=embeds,
            ephemeral=ephemeral,
            allowed_mentions=allowed_mentions,
            suppress_embeds=suppress_embeds,
            view=view,
        )


@dataclass
class FakeUser:
    """A user or member."""

    id: int
    bot: bool = False


class FakeInteraction:
    """An application-command interaction that records what the adapter did with it."""

    def __init__(
        self,
        *,
        guild_id: int | None = 1,
        user_id: int = 42,
        permissions: discord.Permissions = MEMBER,
        events: Events | None = None,
    ) -> None:
        self.events = events if events is not None else Events()
        self.guild_id = guild_id
        self.user = FakeUser(user_id)
        self.permissions = permissions
        self.command = None
        self.response = FakeResponse(self.events)
        self.followup = FakeFollowup(self.events, self.response)

    async def edit_original_response(
        self,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
        embeds: list[discord.Embed] | None = None,
        allowed_mentions: discord.AllowedMentions | None = None,
        view: discord.ui.View | None = None,
    ) -> None:
        """Record an edit of the (deferred) original response."""
        if not self.response.is_done():
            raise AssertionError("original response edited before the interaction was answered")
        flags = self.response.original_flags
        if flags is not None:
            self.response.original_flags = discord.MessageFlags(ephemeral=flags.ephemeral)
        self.events.record(
            "edit_original_response",
            content=content,
            embed=embed,
            embeds=embeds,
            allowed_mentions=allowed_mentions,
        )

    async def original_response(self) -> SimpleNamespace:
        """The original response as a GET returns it (only its flags are modelled)."""
        if self.response.original_flags is None:
            raise AssertionError("original response fetched before the interaction was answered")
        return SimpleNamespace(flags=self.response.original_flags)


class FakeTyping:
    """``channel.typing()`` as an async context manager."""

    def __init__(self, events: Events) -> None:
        self._events = events

    async def __aenter__(self) -> None:
        self._events.record("typing.start")

    async def __aexit__(self, *exc_info: object) -> None:
        self._events.record("typing.stop")


class FakeChannel:
    """A text channel."""

    def __init__(self, events: Events, channel_id: int = 7) -> None:
        self.id = channel_id
        self._events = events

    def typing(self) -> FakeTyping:
        """The typing indicator."""
        return FakeTyping(self._events)

    async def send(
        self,
        content: str | None = None,
        *,
        allowed_mentions: discord.AllowedMentions | None = None,
        suppress_embeds: bool = False,
        view: discord.ui.View | None = None,
    ) -> None:
        """Record a message sent to the channel."""
        self._events.record(
            "channel.send",
            content=content,
            allowed_mentions=allowed_mentions,
            suppress_embeds=suppress_embeds,
            view=view,
        )


@dataclass
class FakeGuild:
    """A server; ``me`` is the bot's member (with its roles), when a test needs it."""

    id: int
    me: Any = None


class FakeMessage:
    """A message in a server channel."""

    def __init__(
        self,
        content: str,
        *,
        author: FakeUser | None = None,
        guild_id: int | None = 1,
        events: Events | None = None,
    ) -> None:
        self.events = events if events is not None else Events()
        self.content = content
        self.author = author or FakeUser(42)
        self.guild = FakeGuild(guild_id) if guild_id is not None else None
        self.channel = FakeChannel(self.events)
        self.role_mentions: list[Any] = []

    async def reply(
        self,
        content: str | None = None,
        *,
        mention_author: bool | None = None,
        allowed_mentions: discord.AllowedMentions | None = None,
        suppress_embeds: bool = False,
        view: discord.ui.View | None = None,
    ) -> None:
        """Record a reply to this message."""
        self.events.record(
            "message.reply",
            content=content,
            mention_author=mention_author,
            allowed_mentions=allowed_mentions,
            suppress_embeds=suppress_embeds,
            view=view,
        )


def allows_no_mentions(allowed: object) -> bool:
    """True when ``allowed`` is an AllowedMentions that lets nobody be pinged."""
    return isinstance(allowed, discord.AllowedMentions) and not any(
        (allowed.everyone, allowed.users, allowed.roles, allowed.replied_user)
    )


def on_main_thread() -> bool:
    """True when called on the test's event-loop thread (the main thread)."""
    return threading.current_thread() is threading.main_thread()


class FakeQA:
    """A QuestionAnswering service with canned results; records each call and its thread."""

    def __init__(
        self,
        answer: Answer | None = None,
        summary: Summary | None = None,
        *,
        error: Exception | None = None,
        events: Events | None = None,
    ) -> None:
        self.answer = answer or make_answer()
        self.summary_result = summary or make_summary()
        self.error = error
        self.events = events if events is not None else Events()

    def ask(
        self, question: str, *, as_of: date | None = None, guild_id: int | None = None
    ) -> Answer:
        """Record the question; return the canned answer (or raise the canned error)."""
        self.events.record(
            "qa.ask", question=question, guild_id=guild_id, on_main_thread=on_main_thread()
        )
        if self.error:
            raise self.error
        return self.answer

    # Scripted drafts for ``stream``, as an LLM answerer's would come before its answer.
    drafts: tuple[str, ...] = ()

    async def stream(
        self, question: str, *, as_of: date | None = None, guild_id: int | None = None
    ) -> AsyncIterator[Draft | Answer]:
        """The scripted drafts, then ``ask``'s answer (asked off the event loop, like the core)."""
        for text in self.drafts:
            await asyncio.sleep(0)  # a real stream gives the event loop a turn between items
            yield Draft(text)
        yield await asyncio.to_thread(self.ask, question, as_of=as_of, guild_id=guild_id)

    def summary(
        self,
        topic: str,
        *,
        since: date | None = None,
        until: date | None = None,
        days: int | None = None,
        as_of: date | None = None,
        guild_id: int | None = None,
    ) -> Summary:
        """Record the request; return the canned summary."""
        self.events.record(
            "qa.summary",
            topic=topic,
            days=days,
            guild_id=guild_id,
            on_main_thread=on_main_thread(),
        )
        return self.summary_result

    def timeline(self, topic: str, **kwargs: Any) -> Summary:
        """Not used by these cogs yet."""
        raise AssertionError("timeline is not wired yet")


class FakeLibrary:
    """A Library with canned stats; ``reindex`` reports ``steps`` progress updates."""

    def __init__(
        self,
        stats: SourceStats | None = None,
        report: IndexReport | None = None,
        *,
        steps: int = 0,
        step_seconds: float = 0.0,
        events: Events | None = None,
    ) -> None:
        self.stats_result = stats or SourceStats(0, 0, None, None, {})
        self.report = report or IndexReport(added=3, unchanged=7, seconds=1.5)
        self.steps = steps
        self.step_seconds = step_seconds
        self.events = events if events is not None else Events()
        self.release = threading.Event()
        self.release.set()

    def stats(self, guild_id: int | None = None) -> SourceStats:
        """Record the request; return the canned stats."""
        self.events.record("library.stats", guild_id=guild_id, on_main_thread=on_main_thread())
        return self.stats_result

    def reindex(self, progress: Any = None) -> IndexReport:
        """Record the run, report progress from this (worker) thread, return the report."""
        self.events.record("library.reindex", on_main_thread=on_main_thread())
        self.release.wait(timeout=5)
        for done in range(1, self.steps + 1):
            if progress is not None:
                progress(done, self.steps, "reading")
            time.sleep(self.step_seconds)
        return self.report


# --- builders --------------------------------------------------------------------------------


def make_citation(n: int, **overrides: Any) -> Citation:
    """A citation with plausible (made-up) values."""
    values: dict[str, Any] = {
        "n": n,
        "article_id": f"article-{n}",
        "title": f"Harbour council votes on plan {n}",
        "url": f"https://news.example.org/story-{n}",
        "source": "Example Gazette",
        "published": f"2024-05-{n % 28 + 1:02d}T09:30:00+00:00",
        "quote": f"The council approved measure {n} after a long debate.",
        "start_char": 0,
        "end_char": 50,
        "score": 0.9,
    }
    values.update(overrides)
    return Citation(**values)


def make_answer(citations: int = 2, text: str | None = None, **overrides: Any) -> Answer:
    """An answer citing ``citations`` passages."""
    cited = [make_citation(n, **overrides) for n in range(1, citations + 1)]
    body = text or " ".join(f"The council approved measure {c.n} [{c.n}]." for c in cited)
    return Answer(text=body, citations=cited)


def make_summary() -> Summary:
    """A three-item summary, deliberately out of date order."""
    return Summary(
        topic="harbour plan",
        items=[
            SummaryItem(date(2024, 5, 3), "The plan was published.", make_citation(2)),
            SummaryItem(date(2024, 5, 1), "The council met.", make_citation(1)),
            SummaryItem(date(2024, 5, 6), "Work began [3]", make_citation(3)),
        ],
        since=date(2024, 4, 30),
        until=date(2024, 5, 7),
    )


def make_settings(**env: Any) -> Settings:
    """Settings from keyword arguments named like the environment variables, no .env file."""
    return Settings(_env_file=None, **env)


# --- the fakes behave like Discord -----------------------------------------------------------


async def test_an_interaction_can_only_be_answered_once() -> None:
    interaction = FakeInteraction()
    await interaction.response.defer()
    with pytest.raises(AssertionError, match="answered twice"):
        await interaction.response.send_message("again")


async def test_follow_ups_need_an_answered_interaction() -> None:
    interaction = FakeInteraction()
    with pytest.raises(AssertionError, match="before the interaction was answered"):
        await interaction.followup.send("too early")


async def test_fakes_reject_unknown_keyword_arguments() -> None:
    interaction = FakeInteraction()
    await interaction.response.defer()
    with pytest.raises(TypeError):
        await interaction.followup.send("hi", allowed_mention=None)  # type: ignore[call-arg]
