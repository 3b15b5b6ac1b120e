"""The source registry: which folders, files, feeds and pages the bot reads, and how they fared.

Persisted in the catalog's SQLite file (its own table, its own connection), so it survives
restarts and is backed up with the catalog. Ids are short (``s1``, ``s2`` ...) and never reused.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from index.articles import canonical_url
from index.sources.redact import redact_url
from index.sqlite import SQLiteDatabase

KINDS = ("path", "feed", "page")

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    location TEXT NOT NULL,
    interval_seconds INTEGER,
    guild_id TEXT NOT NULL DEFAULT '',
    trusted INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    last_run INTEGER,
    last_ok INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    last_summary TEXT NOT NULL DEFAULT '',
    failures INTEGER NOT NULL DEFAULT 0,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    removing INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, location, guild_id)
);
CREATE TABLE IF NOT EXISTS feed_entries (
    source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    link TEXT NOT NULL,
    stamp INTEGER,
    retry INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source_id, link)
);
CREATE TABLE IF NOT EXISTS source_counter (id INTEGER PRIMARY KEY CHECK (id = 1), next INTEGER);
"""


@dataclass(frozen=True)
class Source:
    """One registered source. ``guild_id`` is "" for a global source (serves every server)."""

    id: str
    kind: str
    location: str
    interval_seconds: int | None = None
    guild_id: str = ""
    trusted: bool = True  # added from the CLI or by an owner: may reach private addresses
    created_at: datetime | None = None
    last_run: datetime | None = None
    last_ok: datetime | None = None
    last_error: str = ""
    last_summary: str = ""
    failures: int = 0
    etag: str = ""
    last_modified: str = ""
    removing: bool = False
    article_count: int = field(default=0, compare=False)

    def to_dict(self) -> dict:
        """The JSON shape of ``newsdesk source list --json``."""
        return {
            "id": self.id,
            "kind": self.kind,
            "location": self.location,
            "interval_seconds": self.interval_seconds,
            "guild_id": self.guild_id or None,
            "articles": self.article_count,
            "last_run": _iso(self.last_run),
            "last_ok": _iso(self.last_ok),
            "last_error": self.last_error or None,
            "last_summary": self.last_summary or None,
            "failures": self.failures,
        }


@dataclass(frozen=True)
class EntryState:
    """What a feed's runs learned about one of its entries (known by its link)."""

    stamp: int | None = None  # the entry's updated (else published) time when last read
    retry: bool = False  # its page failed and the entry's own text stood in: fetch it again


class SourceRegistry(SQLiteDatabase):
    """The persisted list of sources. Thread-safe (one connection behind a lock)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    def add(
        self,
        kind: str,
        location: str,
        *,
        interval_seconds: int | None = None,
        guild_id: str = "",
        trusted: bool = True,
    ) -> Source:
        """Register a source and return it; raise ValueError if it is already registered."""
        if kind not in KINDS:
            raise ValueError(f"unknown source kind {kind!r} (expected one of {', '.join(KINDS)})")
        with self.transaction() as db:
            rows = db.execute(
                "SELECT id, location FROM sources WHERE kind = ? AND guild_id = ?",
                (kind, guild_id),
            ).fetchall()
            same = _same_location(kind, location)
            existing = next((sid for sid, there in rows if same(there)), None)
            if existing:
                raise ValueError(f"{redact_url(location)} is already registered as {existing}")
            number = _next_number(db)
            source_id = f"s{number}"
            db.execute(
                "INSERT INTO sources(id, kind, location, interval_seconds, guild_id, trusted, "
                "created_at) VALUES (?,?,?,?,?,?,?)",
                (
                    source_id,
                    kind,
                    location,
                    interval_seconds,
                    guild_id,
                    int(trusted),
                    int(time.time()),
                ),
            )
        found = self.get(source_id)
        assert found is not None
        return found

    def get(self, source_id: str) -> Source | None:
        """The source with this id, or None."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM sources WHERE id = ?", (source_id,)
            ).fetchone()
        return _source(row) if row else None

    def all(self) -> list[Source]:
        """Every source, in the order they were added."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM sources ORDER BY created_at, CAST(SUBSTR(id, 2) AS INT)"
            ).fetchall()
        return [_source(r) for r in rows]

    def record_run(
        self,
        source_id: str,
        *,
        error: str = "",
        summary: str = "",
        failed: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Note a finished run: when, its summary, its error; failures count up until a success."""
        now = int(time.time())
        with self.transaction() as db:
            db.execute(
                "UPDATE sources SET last_run = ?, last_error = ?, last_summary = ?, "
                "failures = CASE WHEN ? THEN failures + 1 ELSE 0 END, "
                "last_ok = CASE WHEN ? THEN last_ok ELSE ? END WHERE id = ?",
                (now, error, summary, int(failed), int(failed), now, source_id),
            )
            if etag is not None or last_modified is not None:
                db.execute(
                    "UPDATE sources SET etag = ?, last_modified = ? WHERE id = ?",
                    (etag or "", last_modified or "", source_id),
                )

    def entry_states(self, source_id: str) -> dict[str, EntryState]:
        """The state of a feed's entries by link, as its last run left it."""
        with self._lock:
            rows = self._db.execute(
                "SELECT link, stamp, retry FROM feed_entries WHERE source_id = ?", (source_id,)
            ).fetchall()
        return {link: EntryState(stamp, bool(retry)) for link, stamp, retry in rows}

    def set_entry_states(self, source_id: str, states: dict[str, EntryState]) -> None:
        """Replace a feed's entry states (entries gone from the feed are forgotten)."""
        with self.transaction() as db:
            db.execute("DELETE FROM feed_entries WHERE source_id = ?", (source_id,))
            db.executemany(
                "INSERT INTO feed_entries(source_id, link, stamp, retry) VALUES (?,?,?,?)",
                [(source_id, link, s.stamp, int(s.retry)) for link, s in states.items()],
            )

    def mark_removing(self, source_id: str) -> None:
        """Flag a source as being removed: it is no longer run, and removal resumes on restart."""
        with self.transaction() as db:
            db.execute("UPDATE sources SET removing = 1 WHERE id = ?", (source_id,))

    def delete(self, source_id: str) -> None:
        """Forget a source (its articles must already be gone)."""
        with self.transaction() as db:
            db.execute("DELETE FROM sources WHERE id = ?", (source_id,))


_COLUMNS = (
    "id, kind, location, interval_seconds, guild_id, trusted, created_at, last_run, last_ok, "
    "last_error, last_summary, failures, etag, last_modified, removing"
)


def _next_number(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT next FROM source_counter WHERE id = 1").fetchone()
    number = row[0] if row else 1
    db.execute("INSERT OR REPLACE INTO source_counter(id, next) VALUES (1, ?)", (number + 1,))
    return number


def _source(row: tuple) -> Source:
    (
        sid,
        kind,
        location,
        interval,
        guild,
        trusted,
        created,
        last_run,
        last_ok,
        error,
        summary,
        failures,
        etag,
        modified,
        removing,
    ) = row
    return Source(
        id=sid,
        kind=kind,
        location=location,
        interval_seconds=interval,
        guild_id=guild,
        trusted=bool(trusted),
        created_at=_dt(created),
        last_run=_dt(last_run),
        last_ok=_dt(last_ok),
        last_error=error,
        last_summary=summary,
        failures=failures,
        etag=etag,
        last_modified=modified,
        removing=bool(removing),
    )


def _dt(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _same_location(kind: str, location: str):
    """A test for locations naming the same source: URLs compared in canonical form
    ("/feed" and "/feed/", tracking parameters), paths as written."""
    if kind == "path":
        return lambda other: other == location
    wanted = canonical_url(location)
    return lambda other: canonical_url(other) == wanted
