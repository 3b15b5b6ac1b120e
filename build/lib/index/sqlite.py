"""One SQLite connection shared by threads: the base of the catalog, the source registry and
the activity log (each keeps its own file and schema)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

MEMORY = ":memory:"


class SQLiteDatabase:
    """A connection serialised by a lock, with immediate transactions.

    ``path`` ":memory:" keeps the data for the life of the object only.
    """

    def __init__(self, path: Path | str, schema: str = "") -> None:
        if str(path) != MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # isolation_level=None: transactions are explicit (see ``transaction``).
        self._db = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=30
        )
        if str(path) != MEMORY:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._prepare()
        if schema:
            self._db.executescript(schema)

    def _prepare(self) -> None:
        """Runs before the schema is applied (migrations of older layouts)."""

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An immediate transaction: all of it is written, or none of it."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Iterable[object] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()
