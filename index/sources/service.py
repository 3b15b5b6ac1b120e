"""Source administration: add, list, remove and re-index sources (the core behind CLI and Discord).

Every method is synchronous: web fetching runs on a private event loop in the calling thread,
so async callers (the bot) run these with ``asyncio.to_thread`` and their loop never blocks.

Scoping: a source with a ``guild_id`` serves that server only. Its articles get ids prefixed
with the server (``g<guild>-<id>``) so two servers' copies of one story never collide, and the
catalog tags their chunks with the server so search in any other server cannot see them.

One run per source at a time (a lock per source, held across processes); writes to the store
are serialised by the indexer's own lock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from index.articles import Article, ParseProblem, read_paths
from index.catalog import Catalog
from index.errors import UserError
from index.locks import LockBusy, LockDir
from index.pipeline import Indexer
from index.records import IndexReport
from index.registry import Source, SourceRegistry
from index.sources.fetch import (
    FetchError,
    PrivateAddressError,
    check_public_host,
    redact_url,
    url_problem,
)
from index.sources.intervals import MIN_INTERVAL, next_due
from index.sources.readers import Outcome, SourceSettings, detect_kind, read_source, run_async

__all__ = ["SourceBusy", "SourceError", "SourceService", "SourceSettings"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
CONFIG_SOURCE = "config"  # the folders in NEWSDESK_SOURCE_PATHS (and `newsdesk index`)
ALL_SOURCES = "*"
ALL_LOCK = "all-sources"
MAX_ERROR_CHARS = 300


class SourceError(UserError):
    """A source request that cannot be done; the message is safe to show to an admin."""


class SourceBusy(SourceError):
    """A re-index of this source is already running; ``started`` says since when."""

    def __init__(self, source_id: str, started: datetime | None) -> None:
        when = f" (started {started:%Y-%m-%d %H:%M:%S} UTC)" if started else ""
        label = "all sources" if source_id == ALL_SOURCES else source_id
        super().__init__(f"A re-index of {label} is already running{when}; try again later.")
        self.source_id = source_id
        self.started = started


class SourceService:
    """The registry, the readers and the indexer, behind one set of admin operations."""

    def __init__(
        self,
        registry: SourceRegistry,
        catalog: Catalog,
        indexer: Indexer,
        locks: LockDir,
        settings: SourceSettings | None = None,
    ) -> None:
        self.registry = registry
        self.catalog = catalog
        self.indexer = indexer
        self.locks = locks
        self.settings = settings or SourceSettings()

    # ---- listing ----------------------------------------------------------------------

    def list(self, guild_id: str | None = None) -> list[Source]:
        """Sources usable in ``guild_id`` (global ones and its own); all when None."""
        counts = self.catalog.source_counts()
        out = [self._config_source(counts)] if self.settings.config_paths else []
        for source in self.registry.all():
            if guild_id is None or source.guild_id in ("", guild_id):
                out.append(replace(source, article_count=counts.get(source.id, 0)))
        return out

    def get(self, source_id: str, guild_id: str | None = None) -> Source:
        """One source by id (as seen from ``guild_id``); SourceError when there is none."""
        source_id = source_id.strip()
        for source in self.list(guild_id):
            if source.id == source_id:
                return source
        raise SourceError(f"There is no source {source_id!r}. `source list` shows the ids.")

    def _config_source(self, counts: dict[str, int]) -> Source:
        return Source(
            id=CONFIG_SOURCE,
            kind="path",
            location=", ".join(str(p) for p in self.settings.config_paths),
            last_run=_meta_time(self.catalog.get_meta("config_last_run")),
            article_count=counts.get("", 0),
        )

    # ---- adding and removing ----------------------------------------------------------

    def add(
        self,
        location: str,
        *,
        kind: str | None = None,
        every: int | None = None,
        guild_id: str = "",
        trusted: bool = True,
    ) -> Source:
        """Register a folder, file, feed or page. URLs without ``kind`` are looked at once to
        tell a feed from a page. Added sources are read on their next run."""
        location = location.strip()
        if not location:
            raise SourceError("Give a feed or page URL, or a folder or file path.")
        if every is not None and every < MIN_INTERVAL:
            raise SourceError("Poll at most once a minute (e.g. 30m, 2h, 1d).")
        if location.lower().startswith(("http://", "https://")):
            if kind not in (None, "feed", "page"):
                raise SourceError("A URL is a feed or a page, not a path.")
            problem = url_problem(location)
            if problem:  # refused whatever the kind: every run would fail the same way
                raise SourceError(f"{redact_url(location)}: {problem}.")
            if not trusted and self.settings.guard_untrusted:
                self._refuse_private(location)
            kind = kind or self._detect_kind(location, trusted)
        else:
            if not trusted:
                raise SourceError("Only the bot's owners can add files or folders; give a URL.")
            if kind not in (None, "path"):
                raise SourceError(f"{location} is not a URL (feeds and pages need http(s)://).")
            path = Path(location).expanduser()
            if not path.exists():
                raise SourceError(f"{location}: no such file or folder.")
            location, kind = str(path.resolve()), "path"
        try:
            return self.registry.add(
                kind, location, interval_seconds=every, guild_id=guild_id, trusted=trusted
            )
        except ValueError as exc:
            raise SourceError(str(exc)) from None

    def _refuse_private(self, url: str) -> None:
        """Refuse a private address now, whatever the kind: every run would refuse it."""
        try:
            run_async(check_public_host(url))
        except PrivateAddressError as exc:
            raise SourceError(_private_refusal(url, exc)) from None

    def _detect_kind(self, url: str, trusted: bool) -> str:
        try:
            return detect_kind(url, self.settings, trusted)
        except PrivateAddressError as exc:  # a redirect there: giving the kind would not help
            raise SourceError(_private_refusal(url, exc)) from None
        except FetchError as exc:
            raise SourceError(
                f"Could not read {redact_url(url)}: {exc.reason}. "
                "Give the kind (feed or page) to add it anyway."
            ) from None

    def remove(self, source_id: str, *, guild_id: str | None = None) -> tuple[Source, int]:
        """Remove a source with its articles and chunks; returns it and how many articles went.

        ``guild_id`` is the caller's server: it may remove its own sources only (None: any).
        """
        source = self.get(source_id, guild_id)
        if source.id == CONFIG_SOURCE:
            raise SourceError("The configured folders come from NEWSDESK_SOURCE_PATHS; edit that.")
        if guild_id is not None and source.guild_id != guild_id:
            raise SourceError(
                f"{source.id} serves every server; only the bot's owners can remove it."
            )
        try:
            with self.locks.hold(_lock_name(source.id)):
                return source, self._remove(source)
        except LockBusy as busy:
            raise SourceBusy(source.id, busy.started) from None

    def _remove(self, source: Source) -> int:
        # Flag first: if we die half-way, resume_removals() finishes the job on the next start.
        self.registry.mark_removing(source.id)
        removed = self.indexer.remove(self.catalog.article_ids_for_source(source.id))
        self.registry.delete(source.id)
        log.info("removed source %s and its %d article(s)", source.id, removed)
        return removed

    def resume_removals(self) -> None:
        """Finish removals that a crash interrupted."""
        for source in self.registry.all():
            if source.removing:
                try:
                    with self.locks.hold(_lock_name(source.id)):
                        self._remove(source)
                except LockBusy:
                    continue  # someone else is on it

    # ---- re-indexing ------------------------------------------------------------------

    def run(
        self, source_id: str, progress: Progress | None = None, *, guild_id: str | None = None
    ) -> IndexReport:
        """Re-index one source; SourceBusy if it is already running."""
        source = self.get(source_id, guild_id)
        report = self._run_locked(source, progress)
        assert report is not None
        return report

    def run_all(
        self,
        progress: Progress | None = None,
        *,
        guild_id: str | None = None,
        own_only: bool = False,
    ) -> IndexReport:
        """Re-index every source usable in ``guild_id`` (all when None), one after another;
        with ``own_only``, only the server's own sources, not the global ones.

        A source already running elsewhere is skipped and named in the report's problems.
        """
        started = time.perf_counter()
        total = IndexReport()
        try:
            with self.locks.hold(ALL_LOCK):
                self.resume_removals()
                for source in self.list(guild_id):
                    if source.removing or (own_only and source.guild_id != guild_id):
                        continue
                    try:
                        report = self._run_locked(source, progress)
                    except SourceBusy as busy:
                        total.problems.append(busy.message)
                        continue
                    if report is not None:
                        _merge(total, report, source.id)
        except LockBusy as busy:
            raise SourceBusy(ALL_SOURCES, busy.started) from None
        total.seconds = time.perf_counter() - started
        return total

    def due(self, now: float | None = None) -> list[Source]:
        """Sources with an interval whose next run is due (failures back off)."""
        now = time.time() if now is None else now
        return [s for s in self.registry.all() if not s.removing and _is_due(s, now)]

    def run_if_due(
        self, source_id: str, progress: Progress | None = None, now: float | None = None
    ) -> IndexReport | None:
        """Run a polled source unless it is running elsewhere or another process just ran it."""
        source = self.registry.get(source_id)
        if source is None or source.removing:
            return None
        try:
            return self._run_locked(source, progress, due_at=time.time() if now is None else now)
        except SourceBusy:
            return None

    def _run_locked(
        self, source: Source, progress: Progress | None, *, due_at: float | None = None
    ) -> IndexReport | None:
        """Run holding the source's lock; with ``due_at``, only if still due at that time."""
        try:
            with self.locks.hold(_lock_name(source.id)):
                if due_at is not None:
                    fresh = self.registry.get(source.id)
                    if fresh is None or not _is_due(fresh, due_at):
                        return None  # another process ran it a moment ago
                    source = fresh
                return self._run(source, progress)
        except LockBusy as busy:
            raise SourceBusy(source.id, busy.started) from None

    def _run(self, source: Source, progress: Progress | None) -> IndexReport:
        try:
            return self._run_unguarded(source, progress)
        except Exception as exc:
            # A bug, not a bad source: still recorded, so polling backs off instead of looping.
            if source.id != CONFIG_SOURCE:
                self.registry.record_run(
                    source.id, error=f"internal error ({type(exc).__name__})", failed=True
                )
            raise

    def _run_unguarded(self, source: Source, progress: Progress | None) -> IndexReport:
        log.info("re-indexing %s (%s %s)", source.id, source.kind, redact_url(source.location))
        started = time.perf_counter()
        if source.id == CONFIG_SOURCE:
            outcome = Outcome(items=read_paths(list(self.settings.config_paths)))
        else:
            states = self.registry.entry_states(source.id)
            outcome = read_source(source, self.catalog, self.settings, progress, states)
        if outcome.error:
            problem = f"{redact_url(source.location)}: {outcome.error}"
            report = IndexReport(failed=1, problems=[problem])
        else:
            owner = "" if source.id == CONFIG_SOURCE else source.id
            report = self.indexer.index(
                _scoped(outcome.items, source.guild_id), progress, owner, source.guild_id
            )
            report.unchanged += outcome.skipped
            report.problems[:0] = outcome.warnings
        report.seconds = time.perf_counter() - started
        self._record(source, report, outcome)
        return report

    def _record(self, source: Source, report: IndexReport, outcome: Outcome) -> None:
        if source.id == CONFIG_SOURCE:
            self.catalog.set_meta("config_last_run", str(int(time.time())))
            return
        error = outcome.error
        failures = report.problems[len(outcome.warnings) :]
        if not error and report.failed and failures:
            error = f"{report.failed} item(s) failed; first: {failures[0]}"
        elif not error and report.problems:
            error = report.problems[0]
        # Keep the feed's validators only when every entry was read (no failure, no stand-in
        # for a failed page): else a 304 would stop the next run from retrying them.
        clean = not outcome.error and not report.failed and not outcome.retrying
        # A run in which every item failed is a failure too: it backs off like one.
        read = report.added + report.updated + report.unchanged
        self.registry.record_run(
            source.id,
            error=error[:MAX_ERROR_CHARS],
            summary=report.summary_line(),
            failed=bool(outcome.error) or (report.failed > 0 and read == 0),
            etag=outcome.etag if clean else None,
            last_modified=outcome.last_modified if clean else None,
        )
        if outcome.entry_states is not None:
            self.registry.set_entry_states(source.id, outcome.entry_states)


def _private_refusal(url: str, exc: PrivateAddressError) -> str:
    return (
        f"Could not add {redact_url(url)}: {exc.reason}. Sources added in a server may not "
        "reach private or local addresses; only the bot's owners can add this one."
    )


def _scoped(
    items: Iterable[Article | ParseProblem], guild_id: str
) -> Iterator[Article | ParseProblem]:
    """A server's own copies get ids of their own: two servers never share an article row."""
    for item in items:
        if guild_id and isinstance(item, Article):
            yield replace(item, id=f"g{guild_id}-{item.id}")
        else:
            yield item


def _is_due(source: Source, now: float) -> bool:
    due = next_due(source.last_run, source.interval_seconds, source.failures)
    return due is not None and due <= now


def _lock_name(source_id: str) -> str:
    return f"source-{source_id}"


def _merge(total: IndexReport, report: IndexReport, source_id: str) -> None:
    total.added += report.added
    total.updated += report.updated
    total.unchanged += report.unchanged
    total.removed += report.removed
    total.failed += report.failed
    total.chunks_embedded += report.chunks_embedded
    total.problems += [f"[{source_id}] {p}" for p in report.problems]


def _meta_time(value: str | None) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value and value.isdigit() else None
