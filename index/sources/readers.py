"""Reading a source: a folder or file, a web page, or a feed and the pages it links to.

Web fetching runs on a private event loop in the calling thread (``asyncio.run``), so the
callers (the service, run by the bot with ``asyncio.to_thread``) stay synchronous.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from index.articles import Article, ParseProblem, read_paths
from index.catalog import Catalog
from index.registry import EntryState, Source
from index.sources.feeds import (
    FEED_ACCEPT,
    PAGE_ACCEPT,
    EntryRun,
    FeedEntry,
    FeedError,
    FeedParse,
    entry_articles,
    is_html,
    parse_feed,
    sniffs_as_feed,
)
from index.sources.fetch import Fetched, Fetcher, FetchError, FetchLimits
from index.sources.web import Hints, page_article

log = logging.getLogger(__name__)
T = TypeVar("T")

Progress = Callable[[int, int, str], None]
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",
)


@dataclass(frozen=True)
class SourceSettings:
    """Limits for reading sources."""

    fetch: FetchLimits = field(default_factory=FetchLimits)
    feed_max_entries: int = 200
    concurrency: int = 4
    config_paths: tuple[Path, ...] = ()
    # Sources added by server admins may not reach private addresses (off only in tests).
    guard_untrusted: bool = True


@dataclass
class Outcome:
    """What reading a source gave: items to index, and what the index report cannot know."""

    items: Iterable[Article | ParseProblem] = ()
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str = ""  # the source as a whole failed
    etag: str | None = None
    last_modified: str | None = None
    # A feed's entry states after this run (None: the feed was not read, keep them).
    entry_states: dict[str, EntryState] | None = None

    @property
    def retrying(self) -> bool:
        """Some entry's page failed and is to be fetched again on the next run."""
        return any(s.retry for s in (self.entry_states or {}).values())


def read_source(
    source: Source,
    catalog: Catalog,
    settings: SourceSettings,
    progress: Progress | None = None,
    entry_states: dict[str, EntryState] | None = None,
) -> Outcome:
    """What a source holds now; a failure of the whole source is ``Outcome.error``.

    ``entry_states`` is what the feed's last run left (see ``SourceRegistry.entry_states``).
    """
    if source.kind == "path":
        return Outcome(items=read_paths(source.location))
    reader = _WebReader(catalog, settings)
    try:
        if source.kind == "page":
            return run_async(reader.read_page(source))
        return run_async(reader.read_feed(source, progress, entry_states or {}))
    except (FetchError, FeedError) as exc:
        return Outcome(error=exc.reason if isinstance(exc, FetchError) else str(exc))


def detect_kind(url: str, settings: SourceSettings, trusted: bool) -> str:
    """``feed`` or ``page``, from a look at what ``url`` serves; FetchError if unreachable."""
    reader = _WebReader(None, settings)
    fetched = run_async(reader.fetch(url, "*/*", trusted))
    return "feed" if looks_like_feed(fetched) else "page"


class _WebReader:
    """Pages and feeds, with the fetch limits and the private-address guard applied."""

    def __init__(self, catalog: Catalog | None, settings: SourceSettings) -> None:
        self.catalog = catalog
        self.settings = settings

    async def read_page(self, source: Source) -> Outcome:
        """The article on a page source."""
        fetched = await self.fetch(source.location, PAGE_ACCEPT, source.trusted)
        hints = Hints(stored_published=self._stored_date(source, fetched.url))
        item = page_article(fetched, hints)
        if isinstance(item, ParseProblem):
            return Outcome(error=item.reason)
        return Outcome(items=[item])

    def _stored_date(self, source: Source, url: str) -> datetime | None:
        """The date the page's article was stored with: this source's own copy first, else a
        copy at the same URL usable where the source serves. None when it is new."""
        if self.catalog is None:
            return None
        ids = self.catalog.article_ids_for_source(source.id)
        ids += [
            place.article_id
            for place in self.catalog.placements_at_url(url)
            if place.guild_id in ("", source.guild_id)
        ]
        stored = self.catalog.articles(ids)
        return next((stored[i].published for i in ids if i in stored), None)

    async def read_feed(
        self, source: Source, progress: Progress | None, states: dict[str, EntryState]
    ) -> Outcome:
        """The new entries of a feed source (a conditional GET: 304 means nothing new)."""
        async with self._fetcher(source.trusted) as fetcher:
            fetched = await fetcher.get(
                source.location,
                accept=FEED_ACCEPT,
                etag=source.etag,
                last_modified=source.last_modified,
            )
            if fetched.not_modified:
                return Outcome(etag=source.etag, last_modified=source.last_modified)
            feed = parse_feed(fetched, self.settings.feed_max_entries)
            known = self._known_entries(source, states) if self.catalog else (lambda e: False)
            run = await entry_articles(fetcher, feed, known, progress, self.settings.concurrency)
        return Outcome(
            items=run.items,
            skipped=run.skipped,
            warnings=feed.warnings + run.warnings,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            entry_states=_next_states(feed, run, states),
        )

    def _known_entries(
        self, source: Source, states: dict[str, EntryState]
    ) -> Callable[[FeedEntry], bool]:
        """Whether an entry's link is stored where this source serves, unchanged since."""
        hashes = self.catalog.hashes()

        def known(entry: FeedEntry) -> bool:
            seen = states.get(entry.link, EntryState())
            if not entry.link or seen.retry:
                return False  # a stand-in for a page that failed is not final: try the page
            changed_at = entry.changed_at
            # indexed_at moves only when the content does: a page read since the entry's stamp
            # last moved (or under a future date) was unchanged, and is not read again.
            moved = changed_at is not None and int(changed_at.timestamp()) != seen.stamp
            for place in self.catalog.placements_at_url(entry.link):
                visible = place.guild_id in ("", source.guild_id)
                fresh = hashes.get(place.article_id, "") != ""  # "" = to be redone (recovery)
                stale = moved and changed_at.timestamp() > place.indexed_at
                if visible and fresh and not (stale and place.source_id == source.id):
                    return True
            return False

        return known

    async def fetch(self, url: str, accept: str, trusted: bool) -> Fetched:
        """One URL, with the limits and (for untrusted sources) the private-address guard."""
        async with self._fetcher(trusted) as fetcher:
            return await fetcher.get(url, accept=accept)

    def _fetcher(self, trusted: bool) -> Fetcher:
        block = self.settings.guard_untrusted and not trusted
        return Fetcher(self.settings.fetch, block_private=block)


def _next_states(
    feed: FeedParse, run: EntryRun, before: dict[str, EntryState]
) -> dict[str, EntryState]:
    """The feed's entry states after ``run``: entries read now are recorded afresh, entries
    not fetched (or failed) keep their state, and entries gone from the feed are forgotten."""
    current = {entry.link for entry in feed.entries if entry.link}
    states = {link: state for link, state in before.items() if link in current}
    for entry in run.read:
        if entry.link:
            changed = entry.changed_at
            stamp = int(changed.timestamp()) if changed else None
            states[entry.link] = EntryState(stamp, retry=entry.link in run.stand_ins)
    return states


def run_async(coroutine: Coroutine[object, object, T]) -> T:
    """Run web fetching on a private event loop in this thread (never on a caller's loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # Called from inside an event loop: an async caller forgot asyncio.to_thread. Run it
    # aside rather than fail; the caller's loop waits, which its log will show.
    log.warning("source service called on an event loop; use asyncio.to_thread")
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def looks_like_feed(fetched: Fetched) -> bool:
    """Whether ``fetched`` is to be read as a feed: the body starts like one, or the type
    says feed and the body is not HTML. parse_feed judges by the same two tests."""
    if sniffs_as_feed(fetched.body):
        return True
    return fetched.media_type in FEED_TYPES and not is_html(fetched)
