"""The two services the adapters (Discord cogs, CLI, console) call.

Adapters depend on these protocols, never on the concrete classes, so tests can hand a cog a
small recording fake. All methods are synchronous and CPU-bound: async callers run them
with ``asyncio.to_thread`` so the event loop (and Discord's heartbeat) never stalls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from bot.core.models import Answer, Summary
from index.records import IndexReport, SourceStats

# progress(done, total, stage): called from the indexing thread as work advances.
ProgressCallback = Callable[[int, int, str], None]


class QuestionAnswering(Protocol):
    """Answers questions, summaries and timelines from the knowledge base."""

    def ask(
        self, question: str, *, as_of: date | None = None, guild_id: int | None = None
    ) -> Answer:
        """Answer ``question`` as of ``as_of`` (default today), with verbatim citations."""
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
