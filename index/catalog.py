"""The catalog: SQLite beside the vectors. Articles (with their hashes and bodies), chunk
spans, the keyword (FTS5) index, and a journal of writes in flight.

The catalog is the source of truth for what is indexed: a chunk that Chroma holds but the
catalog does not know is invisible to search and removed by ``recover``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from index.articles import Article, canonical_url
from index.chunking import Chunk
from index.fts import fts_pairs_query, fts_query
from index.sqlite import SQLiteDatabase

FTS_SCHEMA = """CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, text, tokenize = 'porter unicode61 remove_diacritics 2'
);"""
SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    source TEXT NOT NULL,
    authors TEXT NOT NULL,
    published_ts INTEGER NOT NULL,
    body TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    source_id TEXT NOT NULL DEFAULT '',
    guild_id TEXT NOT NULL DEFAULT '',
    indexed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published_ts);
CREATE INDEX IF NOT EXISTS articles_source_id ON articles(source_id);
CREATE INDEX IF NOT EXISTS articles_canonical_url ON articles(canonical_url);
CREATE INDEX IF NOT EXISTS articles_guild ON articles(guild_id);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE,
    article_id TEXT NOT NULL,
    chunk_index INTEGER NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    published_ts INTEGER NOT NULL,
    guild_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS pending (
    article_id TEXT PRIMARY KEY,
    chunk_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
    + FTS_SCHEMA
)


@dataclass(frozen=True)
class ChunkRow:
    """A chunk as the catalog knows it."""

    chunk_id: str
    article_id: str
    start_char: int
    end_char: int
    published_ts: int


@dataclass(frozen=True)
class KeywordHit:
    """A chunk found by the keyword index (BM25: higher is better here)."""

    chunk_id: str
    score: float
    published_ts: int


@dataclass(frozen=True)
class Placement:
    """Who owns a stored article and where it may be used ("" = everywhere)."""

    article_id: str
    source_id: str
    guild_id: str
    indexed_at: int = 0


class Catalog(SQLiteDatabase):
    """SQLite catalog. One connection, serialised by a lock (the bot calls it from threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(path, SCHEMA)
        self._db.execute("PRAGMA synchronous=NORMAL")

    def _prepare(self) -> None:
        """Rebuild a keyword index of the older one-column layout from the stored bodies
        (no re-embedding needed: the keyword index is derived from the catalog)."""
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(chunks_fts)")]
        if not columns or "title" in columns:
            return
        with self.transaction() as db:
            db.execute("DROP TABLE chunks_fts")
            db.execute(FTS_SCHEMA)
            db.execute(
                "INSERT INTO chunks_fts(rowid, title, text) "
                "SELECT c.rowid, a.title, substr(a.body, c.start_char + 1, "
                "c.end_char - c.start_char) FROM chunks c JOIN articles a ON a.id = c.article_id"
            )

    def _select_in(self, sql: str, ids: Iterable[str]) -> list[tuple]:
        """Rows of ``sql`` whose ``{marks}`` is an IN list of ``ids``, queried in batches
        (SQLite caps the number of variables in one statement)."""
        unique = list(dict.fromkeys(ids))
        rows: list[tuple] = []
        for start in range(0, len(unique), 500):
            batch = unique[start : start + 500]
            rows += self._query(sql.format(marks=",".join("?" * len(batch))), batch)
        return rows

    # ---- what is indexed -------------------------------------------------------------

    def hashes(self) -> dict[str, str]:
        """Article id -> content hash of everything indexed."""
        return dict(self._query("SELECT id, content_hash FROM articles"))

    def chunk_count(self, article_id: str) -> int:
        """How many chunks ``article_id`` has (0 when it is not indexed)."""
        rows = self._query("SELECT chunk_count FROM articles WHERE id = ?", [article_id])
        return rows[0][0] if rows else 0

    def article(self, article_id: str) -> Article | None:
        """The stored article, or None."""
        found = self.articles([article_id])
        return found.get(article_id)

    def articles(self, article_ids: Iterable[str]) -> dict[str, Article]:
        """Stored articles by id (unknown ids are left out)."""
        rows = self._select_in(
            "SELECT id, title, body, published_ts, url, source, authors "
            "FROM articles WHERE id IN ({marks})",
            article_ids,
        )
        return {row[0]: _article_from_row(row) for row in rows}

    def origins(self, article_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """Article id -> (outlet, url) of known articles: what source weights match on."""
        rows = self._select_in(
            "SELECT id, source, url FROM articles WHERE id IN ({marks})", article_ids
        )
        return {article_id: (source, url) for article_id, source, url in rows}

    def chunks(self, chunk_ids: Iterable[str]) -> dict[str, ChunkRow]:
        """Known chunks by id (ids the catalog does not know are left out)."""
        rows = self._select_in(
            "SELECT chunk_id, article_id, start_char, end_char, published_ts "
            "FROM chunks WHERE chunk_id IN ({marks})",
            chunk_ids,
        )
        return {row[0]: ChunkRow(*row) for row in rows}

    # ---- writing -----------------------------------------------------------------------

    def mark_pending(self, planned: dict[str, int]) -> None:
        """Journal the articles about to be written to the vector store (id -> new chunk count)."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO pending(article_id, chunk_count) VALUES (?, ?)",
                list(planned.items()),
            )

    def settle(self, article_ids: Iterable[str]) -> None:
        """Drop journal entries whose catalog rows are right as they stand."""
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM pending WHERE article_id = ?", [(aid,) for aid in article_ids]
            )

    def pending(self) -> dict[str, int]:
        """Articles whose vector-store write may not have completed (id -> planned chunks)."""
        return dict(self._query("SELECT article_id, chunk_count FROM pending"))

    def commit_articles(
        self,
        entries: list[tuple[Article, list[Chunk]]],
        source_id: str = "",
        guild_id: str = "",
    ) -> None:
        """Record articles, their chunks and keyword rows, and clear their journal entries,
        in one transaction."""
        now = int(datetime.now(UTC).timestamp())
        with self.transaction() as db:
            for article, chunks in entries:
                _delete_article_rows(db, article.id)
                db.execute(
                    "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        article.id,
                        article.content_hash(),
                        article.title,
                        article.url,
                        canonical_url(article.url),
                        article.source,
                        json.dumps(article.authors),
                        article.published_ts,
                        article.body,
                        len(chunks),
                        source_id,
                        guild_id,
                        now,
                    ),
                )
                for chunk in chunks:
                    rowid = db.execute(
                        "INSERT INTO chunks(chunk_id, article_id, chunk_index, start_char, "
                        "end_char, published_ts, guild_id) VALUES (?,?,?,?,?,?,?)",
                        (
                            chunk.id,
                            article.id,
                            chunk.index,
                            chunk.start_char,
                            chunk.end_char,
                            article.published_ts,
                            guild_id,
                        ),
                    ).lastrowid
                    db.execute(
                        "INSERT INTO chunks_fts(rowid, title, text) VALUES (?, ?, ?)",
                        (rowid, article.title, article.body[chunk.start_char : chunk.end_char]),
                    )
                db.execute("DELETE FROM pending WHERE article_id = ?", (article.id,))

    def remove_articles(self, article_ids: Iterable[str]) -> None:
        """Forget articles, their chunks and keyword rows, in one transaction."""
        with self.transaction() as db:
            for article_id in article_ids:
                _delete_article_rows(db, article_id)
                db.execute("DELETE FROM pending WHERE article_id = ?", (article_id,))

    def invalidate(self, article_ids: Iterable[str]) -> None:
        """Clear the hash of articles so the next run re-embeds them (journal recovery)."""
        with self.transaction() as db:
            for article_id in article_ids:
                db.execute("UPDATE articles SET content_hash = '' WHERE id = ?", (article_id,))
                db.execute("DELETE FROM pending WHERE article_id = ?", (article_id,))

    def set_meta(self, key: str, value: str) -> None:
        """Store a small named value (e.g. when the last re-index ran)."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        """A value stored with ``set_meta``, or None."""
        rows = self._query("SELECT value FROM meta WHERE key = ?", [key])
        return rows[0][0] if rows else None

    # ---- reading for search and stats --------------------------------------------------

    def keyword_search(
        self,
        query: str,
        limit: int,
        since_ts: int | None = None,
        until_ts: int | None = None,
        guild_id: str = "",
        title_weight: float = 1.0,
        pairs_within: int | None = None,
    ) -> list[KeywordHit]:
        """BM25 keyword search over chunk text and the article title, best first.

        ``title_weight`` scales matches in the title against matches in the text. With
        ``pairs_within``, only chunks where two consecutive words of ``query`` occur within
        that many words of each other match ("water cuts", "Sandy ... Hook").
        """
        match = fts_query(query) if pairs_within is None else fts_pairs_query(query, pairs_within)
        if not match:
            return []
        sql = (
            "SELECT c.chunk_id, -bm25(chunks_fts, ?, 1.0) AS score, c.published_ts "
            "FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
            "WHERE chunks_fts MATCH ? AND c.guild_id IN ('', ?)"
        )
        params: list = [title_weight, match, guild_id]
        if since_ts is not None:
            sql += " AND c.published_ts >= ?"
            params.append(since_ts)
        if until_ts is not None:
            sql += " AND c.published_ts <= ?"
            params.append(until_ts)
        sql += " ORDER BY score DESC LIMIT ?"
        params.append(limit)
        return [KeywordHit(*row) for row in self._query(sql, params)]

    def others_have_own_articles(self, guild_id: str) -> bool:
        """True when some other server has articles of its own (hidden from ``guild_id``)."""
        # A range on the guild index: with no server's own articles it finds nothing at once.
        rows = self._query(
            "SELECT 1 FROM articles WHERE guild_id > '' AND guild_id != ? LIMIT 1", [guild_id]
        )
        return bool(rows)

    def visible_chunk_ids(self, chunk_ids: Iterable[str], guild_id: str = "") -> set[str]:
        """Those of ``chunk_ids`` that exist and may be used in ``guild_id``."""
        return {cid for cid, row in self.chunk_scopes(chunk_ids).items() if row in ("", guild_id)}

    def chunk_scopes(self, chunk_ids: Iterable[str]) -> dict[str, str]:
        """Chunk id -> guild scope ("" for global) of known chunks."""
        return dict(
            self._select_in(
                "SELECT chunk_id, guild_id FROM chunks WHERE chunk_id IN ({marks})", chunk_ids
            )
        )

    def stats(self, guild_id: str = "") -> tuple[int, int, date | None, date | None, dict]:
        """(articles, chunks, first date, last date, articles per outlet) visible in a guild."""
        articles, chunks, first, last = self._query(
            "SELECT COUNT(*), COALESCE(SUM(chunk_count), 0), MIN(published_ts), "
            "MAX(published_ts) FROM articles WHERE guild_id IN ('', ?)",
            [guild_id],
        )[0]
        by_source = dict(
            self._query(
                "SELECT CASE source WHEN '' THEN '(unknown)' ELSE source END, COUNT(*) "
                "FROM articles WHERE guild_id IN ('', ?) GROUP BY 1 ORDER BY 2 DESC",
                [guild_id],
            )
        )
        return articles, chunks, _day(first), _day(last), by_source

    # ---- sources and duplicates (index.sources, index.dedupe) ---------------------------

    def article_ids_for_source(self, source_id: str) -> list[str]:
        """Ids of the articles a source brought in."""
        rows = self._query("SELECT id FROM articles WHERE source_id = ?", [source_id])
        return [r[0] for r in rows]

    def source_counts(self) -> dict[str, int]:
        """Source id -> how many articles it owns."""
        return dict(self._query("SELECT source_id, COUNT(*) FROM articles GROUP BY source_id"))

    def placements(self, article_ids: Iterable[str]) -> dict[str, Placement]:
        """Owner and scope of stored articles (unknown ids are left out)."""
        rows = self._select_in(
            "SELECT id, source_id, guild_id, indexed_at FROM articles WHERE id IN ({marks})",
            article_ids,
        )
        return {row[0]: Placement(*row) for row in rows}

    def placements_at_url(self, url: str) -> list[Placement]:
        """Owner and scope of the articles stored under the same canonical URL."""
        rows = self._query(
            "SELECT id, source_id, guild_id, indexed_at FROM articles WHERE canonical_url = ?",
            [canonical_url(url)],
        )
        return [Placement(*row) for row in rows]


def _delete_article_rows(db: sqlite3.Connection, article_id: str) -> None:
    rowids = [
        r[0] for r in db.execute("SELECT rowid FROM chunks WHERE article_id = ?", (article_id,))
    ]
    db.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(r,) for r in rowids])
    db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
    db.execute("DELETE FROM articles WHERE id = ?", (article_id,))


def _article_from_row(row: tuple) -> Article:
    article_id, title, body, ts, url, source, authors = row
    return Article(
        id=article_id,
        title=title,
        body=body,
        published=datetime.fromtimestamp(ts, UTC),
        url=url,
        source=source,
        authors=tuple(json.loads(authors)),
    )


def _day(ts: int | None) -> date | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).date()
