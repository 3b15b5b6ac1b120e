"""Indexing: parse results in, chunks embedded and written, a report out.

Writes are ordered so a crash at any point leaves a consistent store:
1. the catalog journals the articles about to change (``pending``);
2. their chunks are embedded and upserted into Chroma, stale chunk ids deleted;
3. one SQLite transaction records the articles, chunks and keyword rows and clears the journal.
The catalog decides what search may see, so a chunk written in step 2 without step 3 is
invisible; ``recover`` removes such orphans and puts back the vectors of the version the
catalog still holds (so Chroma and the catalog agree again), or, if that version can no longer
be rebuilt, marks the article for re-embedding. A removal is journalled too (``REMOVAL``);
recovery finishes it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

from index.articles import Article, ParseProblem
from index.catalog import Catalog, ChunkRow
from index.chunking import MODEL_TOKEN_CAP, Chunk, TokenCounter, chunk_article, chunk_id
from index.records import IndexReport
from index.store import VectorStore, chunk_metadata

if TYPE_CHECKING:
    from index.dedupe import Deduplicator, DuplicateCheck

log = logging.getLogger(__name__)

# progress(done, total, stage)
Progress = Callable[[int, int, str], None]
BATCH_CHUNKS = 256
REMOVAL = -1  # the journal's chunk count for an article being removed
MAX_PROBLEMS_KEPT = 200


@dataclass
class Indexer:
    """Writes articles into the catalog and the vector store, incrementally."""

    catalog: Catalog
    store: VectorStore
    count_tokens: TokenCounter
    max_chunk_tokens: int = 200
    # Skips a story already stored (other owner, same canonical URL, near-identical text).
    dedupe: Deduplicator | None = None
    # Serialises writers across threads and processes (recover() must not meet a live run).
    write_lock: Callable[[], AbstractContextManager[object]] | None = None
    model_cap: int = MODEL_TOKEN_CAP  # the embedding model's input cap, in tokens

    def index(
        self,
        items: Iterable[Article | ParseProblem],
        progress: Progress | None = None,
        source_id: str = "",
        guild_id: str = "",
    ) -> IndexReport:
        """Index parsed articles; unchanged ones (same content hash) cost nothing."""
        started = time.perf_counter()
        with self._writing():
            self.recover()
            report = IndexReport()
            check = self.dedupe.begin(source_id, guild_id) if self.dedupe else None
            changed = self._triage(items, report, check)
            total = len(changed)
            done = 0
            for batch in self._batches(changed):
                self._write_batch(batch, source_id, guild_id)
                report.chunks_embedded += sum(len(chunks) for _, chunks in batch)
                done += len(batch)
                if progress:
                    progress(done, total, "embedding")
            if check and check.superseded:  # only once the copy replacing them is stored
                report.removed += self._remove(check.superseded)
        report.seconds = time.perf_counter() - started
        log.info("index: %s (%.1f s)", report.summary_line(), report.seconds)
        return report

    def remove(self, article_ids: list[str]) -> int:
        """Remove articles from the store and the catalog; returns how many were known."""
        with self._writing():
            return self._remove(article_ids)

    def _writing(self) -> AbstractContextManager[object]:
        return self.write_lock() if self.write_lock else nullcontext()

    def _remove(self, article_ids: list[str]) -> int:
        known = {aid: self.catalog.chunk_count(aid) for aid in article_ids}
        known = {aid: n for aid, n in known.items() if n or self.catalog.article(aid)}
        self.catalog.mark_pending({aid: REMOVAL for aid in known})
        self.store.delete([chunk_id(aid, i) for aid, n in known.items() for i in range(n)])
        self.catalog.remove_articles(known)
        return len(known)

    def recover(self) -> None:
        """Undo writes and finish removals that a crash interrupted (see the module docstring)."""
        pending = self.catalog.pending()
        if not pending:
            return
        log.warning("recovering %d article(s) from an interrupted re-index", len(pending))
        removals = [aid for aid, planned in pending.items() if planned == REMOVAL]
        if removals:
            counts = {aid: self.catalog.chunk_count(aid) for aid in removals}
            self.store.delete([chunk_id(aid, i) for aid, n in counts.items() for i in range(n)])
            self.catalog.remove_articles(removals)
        settled: set[str] = set(removals)
        for article_id, planned in pending.items():
            if planned == REMOVAL:
                continue
            known = self.catalog.chunk_count(article_id)
            candidates = [chunk_id(article_id, i) for i in range(max(planned, known))]
            in_catalog = self.catalog.chunks(candidates)
            self.store.delete([c for c in candidates if c not in in_catalog])
            if in_catalog and self._restore(article_id, in_catalog):
                settled.add(article_id)
        # New articles need nothing more; the rest are re-embedded on the next run.
        self.catalog.invalidate([aid for aid in pending if aid not in settled])

    def _restore(self, article_id: str, rows: dict[str, ChunkRow]) -> bool:
        """Write again the vectors of the version the catalog holds (a crash may have deleted
        or overwritten them); False when the chunking no longer gives the stored spans."""
        article = self.catalog.article(article_id)
        place = self.catalog.placements([article_id]).get(article_id)
        if article is None or place is None:
            return False
        chunks = chunk_article(article, self.count_tokens, self.max_chunk_tokens, self.model_cap)
        spans = {c.id: (c.start_char, c.end_char) for c in chunks}
        if spans != {cid: (row.start_char, row.end_char) for cid, row in rows.items()}:
            return False
        metadatas = [chunk_metadata(article, c, place.source_id, place.guild_id) for c in chunks]
        self.store.upsert(chunks, metadatas)
        # The article's row is left as it was: rewriting it would move its indexed_at (a
        # feed would take a lost update for done) and recompute its hash from the stored copy.
        self.catalog.settle([article_id])
        return True

    def _triage(
        self,
        items: Iterable[Article | ParseProblem],
        report: IndexReport,
        check: DuplicateCheck | None = None,
    ) -> list[Article]:
        """Count problems and unchanged articles; return the articles to write."""
        hashes = self.catalog.hashes()
        seen: set[str] = set()
        changed: list[Article] = []
        for item in items:
            if isinstance(item, ParseProblem):
                report.failed += 1
                if len(report.problems) < MAX_PROBLEMS_KEPT:
                    report.problems.append(str(item))
                continue
            if item.id in seen:
                continue  # the same id twice in one run: the first one wins
            seen.add(item.id)
            old = hashes.get(item.id)
            if old == item.content_hash():
                report.unchanged += 1
                continue
            if check is not None and check.is_duplicate(item, stored=old is not None):
                report.unchanged += 1  # the story is stored already (another copy or owner)
                continue
            if old is None:
                report.added += 1
            else:
                report.updated += 1
            changed.append(item)
        return changed

    def _batches(self, changed: list[Article]) -> Iterable[list[tuple[Article, list[Chunk]]]]:
        batch: list[tuple[Article, list[Chunk]]] = []
        size = 0
        for article in changed:
            chunks = chunk_article(
                article, self.count_tokens, self.max_chunk_tokens, self.model_cap
            )
            batch.append((article, chunks))
            size += len(chunks)
            if size >= BATCH_CHUNKS:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def _write_batch(
        self, batch: list[tuple[Article, list[Chunk]]], source_id: str, guild_id: str
    ) -> None:
        old_counts = {a.id: self.catalog.chunk_count(a.id) for a, _ in batch}
        self.catalog.mark_pending({a.id: len(chunks) for a, chunks in batch})
        chunks = [c for _, cs in batch for c in cs]
        metadatas = [chunk_metadata(a, c, source_id, guild_id) for a, cs in batch for c in cs]
        self.store.upsert(chunks, metadatas)
        stale = [chunk_id(a.id, i) for a, cs in batch for i in range(len(cs), old_counts[a.id])]
        if stale:
            self.store.delete(stale)
        self.catalog.commit_articles(batch, source_id, guild_id)
