"""The two services the adapters (Discord cogs, CLI, console) call.

Adapters depend on these protocols, never on the concrete classes, so tests can hand a cog a
small recording fake. All methods but ``stream`` are synchronous and CPU-bound: async callers
run them with ``asyncio.to_thread`` so the event loop (and Discord's heartbeat) never stalls.
``stream`` is asynchronous and runs its CPU-bound steps off the event loop itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from bot.core.models import Answer, Summary
from index.records import IndexReport, SourceStats
from index.registry import Source

if TYPE_CHECKING:  # the streaming types pull in LangChain: not needed at run time here
    from bot.core.llm_stream import StreamItem

# progress(done, total, stage): called from the indexing thread as work advances.
ProgressCallback = Callable[[int, int, str], None]


class QuestionAnswering(Protocol):
    """Answers questions, summaries and timelines from the knowledge base."""

    def ask(
        self, question: str, *, as_of: date | None = None, guild_id: int | None = None
    ) -> Answer:
        """Answer ``question`` as of ``as_of`` (default today), with verbatim citations."""
        ...

    def stream(
        self, question: str, *, as_of: date | None = None, guild_id: int | None = None
    ) -> AsyncIterator[StreamItem]:
        """``ask`` as a stream: Drafts while an LLM writes (none otherwise), then the Answer.

        The Answer is always the last item, and the same one ``ask`` would give.
        """
        ...

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
        """The main events about ``topic`` as dated, cited bullets in date order."""
        ...

    def timeline(
        self,
        topic: str,
        *,
        since: date | None = None,
        until: date | None = None,
        as_of: date | None = None,
        guild_id: int | None = None,
    ) -> Summary:
        """A chronological list of dated events about ``topic``, one per day at most."""
        ...


class Library(Protocol):
    """What the knowledge base holds, and re-indexing it."""

    def stats(self, guild_id: int | None = None) -> SourceStats:
        """Counts of articles and chunks, first and last date, articles per outlet."""
        ...

    def reindex(self, progress: ProgressCallback | None = None) -> IndexReport:
        """Re-index the configured sources; unchanged articles cost nothing."""
        ...

    def last_reindex(self, guild_id: int | None = None) -> datetime | None:
        """When a source usable in ``guild_id`` was last re-indexed (None: never or unknown)."""
        ...


class SourceAdmin(Protocol):
    """Managing the sources (``index.sources.service.SourceService``). Methods raise
    ``SourceError`` (message safe to show) and ``SourceBusy`` (a run is in progress)."""

    def list(self, guild_id: str | None = None) -> list[Source]:
        """Sources usable in ``guild_id`` (global ones and its own); all when None."""
        ...

    def get(self, source_id: str, guild_id: str | None = None) -> Source:
        """One source by id, as seen from ``guild_id``."""
        ...

    def add(
        self,
        location: str,
        *,
        kind: str | None = None,
        every: int | None = None,
        guild_id: str = "",
        trusted: bool = True,
    ) -> Source:
        """Register a folder, file, feed or page (``guild_id``: serve that server only)."""
        ...

    def remove(self, source_id: str, *, guild_id: str | None = None) -> tuple[Source, int]:
        """Remove a source with its articles; returns it and how many articles went."""
        ...

    def run(
        self,
        source_id: str,
        progress: ProgressCallback | None = None,
        *,
        guild_id: str | None = None,
    ) -> IndexReport:
        """Re-index one source."""
        ...

    def run_all(
        self,
        progress: ProgressCallback | None = None,
        *,
        guild_id: str | None = None,
        own_only: bool = False,
    ) -> IndexReport:
        """Re-index every source usable in ``guild_id`` (all when None); with ``own_only``,
        only that server's own sources."""
        ...


class SourcePolling(Protocol):
    """What the scheduler needs: which sources are due, and running one if still due."""

    def due(self, now: float | None = None) -> list[Source]:
        """Sources with an interval whose next run is due."""
        ...

    def run_if_due(
        self, source_id: str, progress: ProgressCallback | None = None, now: float | None = None
    ) -> IndexReport | None:
        """Run a source unless it is running elsewhere or no longer due (then None)."""
        ...

    def resume_removals(self) -> None:
        """Finish source removals a crash interrupted."""
        ...


class Sources(SourceAdmin, SourcePolling, Protocol):
    """Both: what the bot is given when it manages and polls sources."""
