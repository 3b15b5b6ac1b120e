"""``newsdesk ask --batch``: answer a JSONL file of questions, one JSON object per line out."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.core.days import FIRST_DAY, LAST_DAY
from bot.core.errors import InvalidRequest, UserError
from index.articles import FieldError, check_text

log = logging.getLogger(__name__)

# progress(done, total) after each answered question.
Progress = Callable[[int, int], None]


def read_questions(
    path: Path, as_of_field: str | None, check: Callable[[str, dict], None] | None = None
) -> list[dict]:
    """Questions from a JSONL file: ``question``, ``qid``/``id`` and optionally a date field.

    The whole file is checked before anything is answered: a bad line raises InvalidRequest
    naming the file, the line and the problem, so no partial output is ever written.
    ``check(where, record)`` checks more fields (``where`` is ``file:line``).
    """
    questions = []
    for line_no, line in _lines(path):
        if not line.strip():
            continue
        record = _json_object(path, line_no, line)
        _check_question(path, line_no, record)
        if as_of_field:
            record["_as_of"] = _as_of(path, line_no, record, as_of_field)
        if check:
            check(f"{path}:{line_no}", record)
        questions.append(record)
    return questions


def _lines(path: Path) -> list[tuple[int, str]]:
    """The file's lines, numbered; InvalidRequest when it cannot be read or is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidRequest(f"{path}: cannot read ({exc.strerror or exc})") from None
    lines = []
    for line_no, raw in enumerate(data.splitlines(), start=1):
        try:
            # A BOM (Windows editors write one) is not part of the first record.
            lines.append((line_no, raw.decode("utf-8-sig" if line_no == 1 else "utf-8")))
        except UnicodeDecodeError:
            raise InvalidRequest(f"{path}:{line_no}: not UTF-8 text") from None
    return lines


def _json_object(path: Path, line_no: int, line: str) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"{path}:{line_no}: invalid JSON ({exc.msg})") from None
    except (RecursionError, ValueError):  # absurd nesting, or an integer of thousands of digits
        raise InvalidRequest(f"{path}:{line_no}: invalid JSON") from None
    if not isinstance(record, dict):
        raise InvalidRequest(f"{path}:{line_no}: a line must be a JSON object with 'question'")
    return record


def _check_question(path: Path, line_no: int, record: dict) -> None:
    question = record.get("question")
    if question is None:
        raise InvalidRequest(f"{path}:{line_no}: needs a non-empty 'question' field")
    if not isinstance(question, str):
        raise InvalidRequest(f"{path}:{line_no}: field 'question' must be text")
    if not question.strip():
        raise InvalidRequest(f"{path}:{line_no}: needs a non-empty 'question' field")
    try:
        check_text("question", question)  # a JSON-escaped lone surrogate breaks the search
    except FieldError as exc:
        raise InvalidRequest(f"{path}:{line_no}: {exc}") from None


def _as_of(path: Path, line_no: int, record: dict, field_name: str) -> date:
    raw = record.get(field_name)
    try:
        # A datetime ("2024-07-26T10:00:00Z") is taken for its day.
        day = date.fromisoformat(raw[:10]) if isinstance(raw, str) else None
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidRequest(f"{path}:{line_no}: field {field_name!r} is not a date: {raw!r}")
    return day


def open_output(out: Path, questions_path: Path) -> TextIO:
    """``out`` opened for writing, after checking it is a file that is not the input.

    Raises InvalidRequest (one line, naming the path) before anything is written.
    """
    if out.is_dir():
        raise InvalidRequest(f"--out {out} is a folder; give a file name.")
    # Resolved first: "sub/../q.jsonl" is the input too, even before "sub" exists.
    same = out.resolve() == questions_path.resolve()
    if same or (out.exists() and out.samefile(questions_path)):  # or a hard link to it
        raise InvalidRequest(f"--out {out} is the questions file; writing would erase it.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return out.open("w", encoding="utf-8")
    except OSError as exc:
        raise InvalidRequest(f"--out {out}: cannot write ({exc.strerror or exc})") from None


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
    progress: Progress | None = None,
) -> int:
    """Answer every question of ``path`` into ``out``; returns how many were answered.

    The questions and ``out`` are checked first (InvalidRequest, nothing written).
    """
    questions = read_questions(path, as_of_field)
    with open_output(out, path) as handle:
        for done, record in enumerate(questions, start=1):
            handle.write(json.dumps(answer_record(newsdesk, record, as_of)) + "\n")
            if progress:
                progress(done, len(questions))
    return len(questions)
