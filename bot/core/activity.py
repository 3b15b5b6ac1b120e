"""What the bot did, for /stats, thread follow-ups and 👍/👎 feedback (SQLite, stdlib only).

Every answer the bot gives is recorded with its question (as typed, and rewritten when it was
a follow-up), its text and citations, whether it refused, and how long it took. Feedback votes
point at an answer, so each vote is stored with the question, answer and citations it judged.
Threads remember their questions here, so a follow-up still has its context after a restart.

One connection, serialised by a lock: callers run the methods from worker threads.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.core.models import Answer, Citation, Summary
from index.sqlite import SQLiteDatabase

FILENAME = "activity.sqlite3"
QUESTION_KINDS = ("ask", "mention", "followup")  # what counts as a question in the stats
THREAD_HISTORY = 10  # earlier questions of a thread handed to the follow-up rewriter

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    guild_id TEXT NOT NULL DEFAULT '',
    channel_id TEXT NOT NULL DEFAULT '',
    thread_id TEXT NOT NULL DEFAULT '',
    user_id TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    standalone TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    refused INTEGER NOT NULL,
    latency_ms REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_thread ON answers(thread_id) WHERE thread_id != '';
CREATE INDEX IF NOT EXISTS answers_guild ON answers(guild_id, kind);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id INTEGER NOT NULL REFERENCES answers(id),
    user_id TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    at REAL NOT NULL,
    PRIMARY KEY (answer_id, user_id)
);
"""


@dataclass(frozen=True)
class AnswerRecord:
    """One recorded answer (or summary/timeline) and the question it answered."""

    id: int
    at: datetime
    kind: str
    guild_id: int | None
    channel_id: int | None
    thread_id: int | None
    user_id: int | None
    question: str
    standalone: str
    answer: str
    citations: list[Citation]
    refused: bool
    latency_ms: float


@dataclass(frozen=True)
class FeedbackRecord:
    """A 👍 (+1) or 👎 (-1) vote, with the answer it was about."""

    vote: int
    user_id: int | None
    at: datetime
    answer: AnswerRecord


@dataclass(frozen=True)
class ActivityStats:
    """Counts and latencies for /stats (per server, or everything)."""

    questions: int  # questions answered (not refused), from /ask, mentions and follow-ups
    refusals: int
    summaries: int  # /summary and /timeline results
    thumbs_up: int
    thumbs_down: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None


class ActivityStore(SQLiteDatabase):
    """The activity log; ``path`` ":memory:" keeps it for the life of the process only."""

    def __init__(self, path: Path | str = ":memory:", clock: Callable[[], float] = time.time):
        self.path = path
        self._clock = clock
        super().__init__(path, SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ActivityStore:
        """The store kept beside the catalog, in ``data_dir``."""
        return cls(Path(data_dir) / FILENAME)

    # --- writing -------------------------------------------------------------------------

    def record(
        self,
        kind: str,
        question: str,
        text: str,
        citations: Sequence[Citation],
        *,
        refused: bool,
        latency_s: float,
        standalone: str = "",
        guild_id: int | None = None,
        channel_id: int | None = None,
        thread_id: int | None = None,
        user_id: int | None = None,
    ) -> int:
        """Store one result; returns its id (the buttons under the answer carry it)."""
        row = (
            self._clock(),
            kind,
            _id_text(guild_id),
            _id_text(channel_id),
            _id_text(thread_id),
            _id_text(user_id),
            question,
            standalone or question,
            text,
            json.dumps([c.to_dict() for c in citations], ensure_ascii=False),
            int(refused),
            round(latency_s * 1000, 3),
        )
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO answers(at, kind, guild_id, channel_id, thread_id, user_id, question,"
                " standalone, answer, citations, refused, latency_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

    def record_answer(self, kind: str, question: str, answer: Answer, **fields: object) -> int:
        """Store an Answer (see :meth:`record` for the keyword fields)."""
        return self.record(
            kind, question, answer.text, answer.citations, refused=answer.refused, **fields
        )

    def record_summary(self, kind: str, topic: str, summary: Summary, **fields: object) -> int:
        """Store a summary or timeline: its dated bullets as the text, refused when empty."""
        text = "\n".join(f"{item.day} {item.text}" for item in summary.items)
        citations = [item.citation for item in summary.items]
        return self.record(kind, topic, text, citations, refused=summary.empty, **fields)

    def attach_thread(self, answer_id: int, thread_id: int) -> None:
        """The answer opened ``thread_id``: follow-ups there continue from its question."""
        with self.transaction() as db:
            db.execute(
                "UPDATE answers SET thread_id = ? WHERE id = ?", (_id_text(thread_id), answer_id)
            )

    def vote(self, answer_id: int, user_id: int, vote: int) -> bool:
        """Record (or change) a user's 👍 (+1) / 👎 (-1) on an answer; False if it is unknown."""
        if vote not in (-1, 1):
            raise ValueError(f"a vote is +1 or -1, not {vote!r}")
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            db.execute(
                "INSERT INTO feedback(answer_id, user_id, vote, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(answer_id, user_id) DO UPDATE SET vote = excluded.vote,"
                " at = excluded.at",
                (answer_id, _id_text(user_id), vote, self._clock()),
            )
        return True

    # --- reading -------------------------------------------------------------------------

    def get(self, answer_id: int) -> AnswerRecord | None:
        """One recorded answer, or None."""
        rows = self._query(f"SELECT {_COLUMNS} FROM answers WHERE id = ?", [answer_id])
        return _record(rows[0]) if rows else None

    def thread_questions(self, thread_id: int, limit: int = THREAD_HISTORY) -> list[str]:
        """The standalone questions asked in a thread, oldest first (the last ``limit``)."""
        rows = self._query(
            "SELECT standalone FROM answers WHERE thread_id = ? AND kind IN (?, ?, ?)"
            " ORDER BY id DESC LIMIT ?",
            [_id_text(thread_id), *QUESTION_KINDS, limit],
        )
        return [row[0] for row in reversed(rows)]

    def knows_thread(self, thread_id: int) -> bool:
        """True when an answer of ours lives in (or opened) ``thread_id``."""
        rows = self._query(
            "SELECT 1 FROM answers WHERE thread_id = ? LIMIT 1", [_id_text(thread_id)]
        )
        return bool(rows)

    def feedback(self, guild_id: int | None = None) -> list[FeedbackRecord]:
        """Every vote with its answer, oldest first (one server's, or all)."""
        sql = (
            f"SELECT f.vote, f.user_id, f.at, {_COLUMNS_A} FROM feedback f"
            " JOIN answers a ON a.id = f.answer_id"
        )
        params: list[object] = []
        if guild_id is not None:
            sql += " WHERE a.guild_id = ?"
            params.append(_id_text(guild_id))
        rows = self._query(sql + " ORDER BY f.at, f.answer_id", params)
        return [
            FeedbackRecord(vote, _int_or_none(user), _time(at), _record(rest))
            for vote, user, at, *rest in rows
        ]

    def stats(self, guild_id: int | None = None) -> ActivityStats:
        """Questions answered, refusals, summaries, feedback and latency percentiles."""
        where, params = ("WHERE guild_id = ?", [_id_text(guild_id)]) if guild_id else ("", [])
        rows = self._query(f"SELECT kind, refused, latency_ms FROM answers {where}", params)
        questions = [(refused, ms) for kind, refused, ms in rows if kind in QUESTION_KINDS]
        latencies = sorted(ms for _, ms in questions)
        votes = self._query(
            "SELECT f.vote, COUNT(*) FROM feedback f JOIN answers a ON a.id = f.answer_id "
            + where.replace("guild_id", "a.guild_id")
            + " GROUP BY f.vote",
            params,
        )
        by_vote = dict(votes)
        return ActivityStats(
            questions=sum(1 for refused, _ in questions if not refused),
            refusals=sum(1 for refused, _ in questions if refused),
            summaries=sum(1 for kind, _, _ in rows if kind not in QUESTION_KINDS),
            thumbs_up=by_vote.get(1, 0),
            thumbs_down=by_vote.get(-1, 0),
            latency_p50_ms=percentile(latencies, 50),
            latency_p95_ms=percentile(latencies, 95),
        )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile of sorted ``values`` (linear interpolation); None if empty."""
    if not values:
        return None
    rank = (len(values) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return values[low] + (values[high] - values[low]) * (rank - low)


_FIELDS = (
    "id at kind guild_id channel_id thread_id user_id question standalone answer citations "
    "refused latency_ms"
).split()
_COLUMNS = ", ".join(_FIELDS)
_COLUMNS_A = ", ".join(f"a.{name}" for name in _FIELDS)


def _record(row: Sequence) -> AnswerRecord:
    values = dict(zip(_FIELDS, row, strict=True))
    return AnswerRecord(
        id=values["id"],
        at=_time(values["at"]),
        kind=values["kind"],
        guild_id=_int_or_none(values["guild_id"]),
        channel_id=_int_or_none(values["channel_id"]),
        thread_id=_int_or_none(values["thread_id"]),
        user_id=_int_or_none(values["user_id"]),
        question=values["question"],
        standalone=values["standalone"],
        answer=values["answer"],
        citations=[Citation(**c) for c in json.loads(values["citations"])],
        refused=bool(values["refused"]),
        latency_ms=values["latency_ms"],
    )


def _id_text(value: int | None) -> str:
    # Text, so "" can stand for "none" (the columns are NOT NULL and indexed).
    return "" if value is None else str(value)


def _int_or_none(value: str) -> int | None:
    return int(value) if value else None


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
