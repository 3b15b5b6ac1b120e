"""One copy per story: duplicates by owner, canonical URL or near-identical text are skipped.

A story reaching us twice (the same canonical URL, or a wire story printed by two outlets with
a different first or last line) is stored once, so an answer cannot cite it twice. Scoping
is respected: a copy counts only where it is visible. A server's copy of a story that a
global source brings later is superseded by the global copy (removed once it is stored).

Near-identical text is found with sentence fingerprints: every sentence of six or more words
is hashed; each article keeps its eight smallest hashes as anchors (a bottom-k sketch) in a
table beside the catalog. Articles sharing an anchor, published within a week of each other,
are compared on all their sentences (Jaccard similarity). The table is derived data: it is
brought in step with the catalog's hashes at the start of each run, so a crash can never
leave it wrong for long.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field

from index.articles import Article, canonical_url
from index.catalog import Catalog
from index.sqlite import SQLiteDatabase

log = logging.getLogger(__name__)

ANCHORS = 8
MIN_SENTENCE_WORDS = 6
MIN_SENTENCES = 3
SIMILARITY = 0.6  # Jaccard of sentence sets: one sentence changed in five still matches
# Copies of one story appear within days of each other; identical text further apart is a
# site's boilerplate (a paywall or cookie notice scraped as the body), not one story.
MAX_DAYS_APART = 7
PAGE = 500

SCHEMA = """
CREATE TABLE IF NOT EXISTS fp_articles (article_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fp_anchors (anchor INTEGER NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fp_anchors_anchor ON fp_anchors(anchor);
CREATE INDEX IF NOT EXISTS fp_anchors_article ON fp_anchors(article_id);
"""
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"\w+")


def sentence_hashes(body: str) -> frozenset[int]:
    """Hashes of the normalised sentences of ``body`` that are long enough to be telling."""
    out = set()
    for sentence in _SENTENCE_END.split(body):
        words = _WORD.findall(sentence.lower())
        if len(words) >= MIN_SENTENCE_WORDS:
            digest = hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()
            out.add(int.from_bytes(digest, "big") >> 1)  # 63 bits: fits SQLite's INTEGER
    return frozenset(out)


def similar(a: frozenset[int], b: frozenset[int]) -> bool:
    """Near-identical: enough sentences on both sides, and most of them shared."""
    if len(a) < MIN_SENTENCES or len(b) < MIN_SENTENCES:
        return False
    return len(a & b) / len(a | b) >= SIMILARITY


def _close_in_time(a: Article, b: Article) -> bool:
    return abs((a.published - b.published).total_seconds()) <= MAX_DAYS_APART * 86_400


def _anchors(hashes: frozenset[int]) -> list[int]:
    return sorted(hashes)[:ANCHORS]


class Fingerprints(SQLiteDatabase):
    """The anchor table, in the catalog's SQLite file (own connection, own lock)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        super().__init__(catalog.path, SCHEMA)

    def sync(self) -> int:
        """Bring the anchors in step with the catalog; returns how many articles were redone."""
        hashes = self.catalog.hashes()
        known = dict(self._query("SELECT article_id, content_hash FROM fp_articles"))
        stale = [aid for aid, h in known.items() if hashes.get(aid) != h]
        missing = [aid for aid, h in hashes.items() if known.get(aid) != h]
        if stale:
            self._write(stale, [])
        for start in range(0, len(missing), PAGE):
            batch = missing[start : start + PAGE]
            articles = self.catalog.articles(batch)
            rows = [
                (aid, hashes[aid], sentence_hashes(articles[aid].body))
                for aid in batch
                if aid in articles
            ]
            self._write([], rows)
        if missing:
            log.info("fingerprinted %d article(s) for duplicate detection", len(missing))
        return len(missing)

    def candidates(self, hashes: frozenset[int], published_ts: int) -> set[str]:
        """Ids of stored articles published within a week of ``published_ts`` that share at
        least one anchor with ``hashes``. The date test is in SQL: a boilerplate sentence can
        anchor thousands of articles, whose bodies must not all be loaded for each check."""
        anchors = _anchors(hashes)
        if not anchors:
            return set()
        marks = ",".join("?" * len(anchors))
        span = MAX_DAYS_APART * 86_400
        rows = self._query(
            "SELECT DISTINCT f.article_id FROM fp_anchors f JOIN articles a ON a.id = f.article_id "
            f"WHERE f.anchor IN ({marks}) AND a.published_ts BETWEEN ? AND ?",
            [*anchors, published_ts - span, published_ts + span],
        )
        return {r[0] for r in rows}

    def _write(self, remove: list[str], add: list[tuple[str, str, frozenset[int]]]) -> None:
        ids = remove + [aid for aid, _, _ in add]
        with self.transaction() as db:
            db.executemany("DELETE FROM fp_anchors WHERE article_id = ?", [(a,) for a in ids])
            db.executemany("DELETE FROM fp_articles WHERE article_id = ?", [(a,) for a in ids])
            db.executemany("INSERT INTO fp_articles VALUES (?, ?)", [(aid, h) for aid, h, _ in add])
            db.executemany(
                "INSERT INTO fp_anchors VALUES (?, ?)",
                [(anchor, aid) for aid, _, hashes in add for anchor in _anchors(hashes)],
            )


@dataclass
class DuplicateCheck:
    """Duplicate decisions for one indexing run of one source (see ``Deduplicator.begin``)."""

    fingerprints: Fingerprints
    source_id: str
    guild_id: str
    superseded: list[str] = field(default_factory=list)
    _accepted: dict[str, tuple[Article, frozenset[int]]] = field(default_factory=dict)
    _accepted_anchors: dict[int, list[str]] = field(default_factory=dict)
    _accepted_urls: set[str] = field(default_factory=set)

    def is_duplicate(self, article: Article, stored: bool) -> bool:
        """True when ``article`` must not be written: another source owns its id, or another
        copy of the story is visible wherever this one would be."""
        catalog = self.fingerprints.catalog
        if stored:
            owner = catalog.placements([article.id]).get(article.id)
            return owner is not None and owner.source_id != self.source_id
        url = canonical_url(article.url)
        if url and url in self._accepted_urls:
            return True
        hashes = sentence_hashes(article.body)
        if url:
            same_url = [p for p in catalog.placements_at_url(url) if p.article_id != article.id]
            if self._covered(article, same_url):
                return True
        if self._near_copy_in_run(article, hashes):
            return True
        ids = self.fingerprints.candidates(hashes, int(article.published.timestamp()))
        ids -= {article.id}
        if ids:
            stored_copies = catalog.articles(ids)
            places = catalog.placements(ids)
            copies = [
                places[i]
                for i, a in stored_copies.items()
                if i in places and similar(hashes, sentence_hashes(a.body))
            ]
            if self._covered(article, copies):
                return True
        self._accept(article, url, hashes)
        return False

    def _covered(self, article: Article, copies: list) -> bool:
        """True if a copy is visible wherever ``article`` would be; else note superseded ones."""
        if any(p.guild_id in ("", self.guild_id) for p in copies):
            log.info("skipping %s: the same story is already stored", article.id)
            return True
        if not self.guild_id:  # a global copy makes the servers' own copies redundant
            self.superseded.extend(p.article_id for p in copies if p.guild_id)
        return False

    def _near_copy_in_run(self, article: Article, hashes: frozenset[int]) -> bool:
        ids = {aid for anchor in _anchors(hashes) for aid in self._accepted_anchors.get(anchor, ())}
        return any(
            _close_in_time(article, self._accepted[aid][0])
            and similar(hashes, self._accepted[aid][1])
            for aid in ids
        )

    def _accept(self, article: Article, url: str, hashes: frozenset[int]) -> None:
        if url:
            self._accepted_urls.add(url)
        if len(hashes) >= MIN_SENTENCES:
            self._accepted[article.id] = (article, hashes)
            for anchor in _anchors(hashes):
                self._accepted_anchors.setdefault(anchor, []).append(article.id)


class Deduplicator:
    """Starts a DuplicateCheck per run (the Indexer's ``dedupe`` hook)."""

    def __init__(self, catalog: Catalog) -> None:
        self.fingerprints = Fingerprints(catalog)

    def begin(self, source_id: str, guild_id: str) -> DuplicateCheck:
        """Sync the fingerprints with the catalog and start a run's checks."""
        self.fingerprints.sync()
        return DuplicateCheck(self.fingerprints, source_id, guild_id)

    def close(self) -> None:
        """Close the fingerprint table's connection."""
        self.fingerprints.close()
