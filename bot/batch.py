"""``newsdesk ask --batch``: answer a JSONL file of questions, one JSON object per line out."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.core.errors import InvalidRequest, UserError

log = logging.getLogger(__name__)


def read_questions(path: Path, as_of_field: str | None) -> list[dict]:
    """Questions from a JSONL file: ``question``, ``qid``/``id`` and optionally a date field.

    A bad line raises InvalidRequest naming the file, the line and the problem.
    """
    questions = []
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidRequest(f"{path}:{line_no}: invalid JSON ({exc.msg})") from None
            if not isinstance(record, dict) or not str(record.get("question", "")).strip():
                raise InvalidRequest(f"{path}:{line_no}: needs a non-empty 'question' field")
            if as_of_field:
                raw = record.get(as_of_field)
                try:
                    record["_as_of"] = date.fromisoformat(str(raw)[:10])
                except ValueError:
                    raise InvalidRequest(
                        f"{path}:{line_no}: field {as_of_field!r} is not a date: {raw!r}"
                    ) from None
            questions.append(record)
    return questions


def answer_record(newsdesk, record: dict, as_of: date | None) -> dict:
    """One output line: the ask --json object plus qid, question and latency."""
    started = time.perf_counter()
    try:
        answer = newsdesk.ask(record["question"], as_of=record.get("_as_of") or as_of)
        out = answer.to_dict()
    except UserError as exc:
        out = {"answer": "", "refused": True, "citations": [], "results": [], "error": exc.message}
    out["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return {"qid": record.get("qid", record.get("id")), "question": record["question"], **out}


def run_batch(
    newsdesk,
    path: Path,
    out: Path,
    as_of_field: str | None,
    as_of: date | None,
    progress: Callable[[], None] | None = None,
) -> int:
    """Answer every question of ``path`` into ``out``; returns how many were answered.

    ``progress()`` is called after each answer.
    """
    questions = read_questions(path, as_of_field)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for record in questions:
            handle.write(json.dumps(answer_record(newsdesk, record, as_of)) + "\n")
            if progress:
                progress()
    return len(questions)
