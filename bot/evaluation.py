"""``newsdesk eval``: replay questions as of their dates and score retrieval and answers.

Metrics are article-level (see README): Hit@k and MRR@10 over the distinct articles of
the ranked results, answer recall (the gold answer appears in the answer text, quotes
stripped, case and whitespace folded), citation precision (share of cited articles that
are gold), refusal rate, ask latency percentiles, and how many questions name no gold
article that the store holds.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.batch import Progress, answer_record, open_output, read_questions
from bot.core.activity import percentile
from bot.core.errors import InvalidRequest

QUOTES = "\"'“”‘’`«»"
HIT_KS = (1, 4, 10)


def normalise_answer(text: str) -> str:
    """Case-folded text with quotes removed and whitespace collapsed."""
    text = re.sub(f"[{re.escape(QUOTES)}]", "", text)
    return " ".join(text.casefold().split())


def distinct(ids: Iterable[str]) -> list[str]:
    """Ids in order, first occurrence wins."""
    return list(dict.fromkeys(ids))


def hit_at(ranked: list[str], gold: set[str], k: int) -> float:
    """1.0 when a gold article is among the first ``k`` ranked articles."""
    return 1.0 if gold & set(distinct(ranked)[:k]) else 0.0


def reciprocal_rank(ranked: list[str], gold: set[str], cutoff: int = 10) -> float:
    """1/rank of the first gold article within ``cutoff`` (0 when none)."""
    for rank, article_id in enumerate(distinct(ranked)[:cutoff], start=1):
        if article_id in gold:
            return 1.0 / rank
    return 0.0


def answer_recalled(answer_text: str, gold_answer: str) -> float:
    """1.0 when the gold answer appears in the answer text (normalised)."""
    gold = normalise_answer(gold_answer)
    return 1.0 if gold and gold in normalise_answer(answer_text) else 0.0


def citation_precision(cited: list[str], gold: set[str]) -> float | None:
    """Share of the cited (distinct) articles that are gold; None when nothing is cited."""
    cited = distinct(cited)
    if not cited:
        return None
    return sum(1 for a in cited if a in gold) / len(cited)


@dataclass
class Scores:
    """Per-question scores, aggregated into a row of the report."""

    rows: list[dict] = field(default_factory=list)

    def add(self, row: dict) -> None:
        """Add one scored question."""
        self.rows.append(row)

    def summary(self) -> dict:
        """Means of every metric, refusal rate and latency percentiles."""
        n = len(self.rows)
        if n == 0:
            return {"questions": 0}
        precisions = [
            r["citation_precision"] for r in self.rows if r["citation_precision"] is not None
        ]
        latencies = sorted(r["latency_ms"] for r in self.rows)
        out = {"questions": n}
        for k in HIT_KS:
            out[f"hit@{k}"] = sum(r[f"hit@{k}"] for r in self.rows) / n
        out["mrr@10"] = sum(r["mrr@10"] for r in self.rows) / n
        out["answer_recall"] = sum(r["answer_recall"] for r in self.rows) / n
        out["citation_precision"] = sum(precisions) / len(precisions) if precisions else 0.0
        out["refusal_rate"] = sum(1 for r in self.rows if r["refused"]) / n
        out["latency_p50_ms"] = percentile(latencies, 50)
        out["latency_p95_ms"] = percentile(latencies, 95)
        out["gold_not_indexed"] = sum(1 for r in self.rows if r.get("gold_indexed") is False)
        return out


def check_gold(where: str, record: dict) -> None:
    """Check a question's gold fields and normalise them in place (ids and answer as text).

    InvalidRequest names the line and the field: scored as they are, they would pass
    silently (ids given as one string iterated as characters, a missing list counted as a
    miss, a list answer never recalled).
    """
    record["gold_doc_ids"] = _gold_ids(where, record.get("gold_doc_ids"))
    record["answer"] = _gold_answer(where, record.get("answer"))


def _gold_ids(where: str, value: object) -> list[str]:
    if value is None:
        raise InvalidRequest(
            f"{where}: field 'gold_doc_ids' is missing (the ids of the articles "
            "that answer the question)"
        )
    if value == []:
        raise InvalidRequest(f"{where}: field 'gold_doc_ids' is empty")
    if not isinstance(value, list):
        raise InvalidRequest(
            f"{where}: field 'gold_doc_ids' must be a non-empty list of article ids, "
            f"not {_json_kind(value)}"
        )
    ids = [str(item).strip() for item in value if _is_text_or_int(item)]
    if len(ids) < len(value) or not all(ids):
        raise InvalidRequest(f"{where}: field 'gold_doc_ids' must hold article ids (text)")
    return ids


def _gold_answer(where: str, value: object) -> str:
    if value is None:
        raise InvalidRequest(f"{where}: field 'answer' is missing (the expected answer text)")
    # A number is an answer ("how many seats?": 412); a list or object is not one answer.
    if not _is_text_or_int(value) and not isinstance(value, float):
        raise InvalidRequest(f"{where}: field 'answer' must be text, not {_json_kind(value)}")
    if not str(value).strip():
        raise InvalidRequest(f"{where}: field 'answer' is empty")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 412.0 is written "412" in any answer
    return str(value)


def _is_text_or_int(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _json_kind(value: object) -> str:
    """How a JSON value reads in an error message."""
    kinds = [(bool, "true/false"), (str, "text"), (int | float, "a number"), (list, "a list")]
    return next((name for kind, name in kinds if isinstance(value, kind)), "an object")


def score_record(record: dict, result: dict) -> dict:
    """The metrics of one answered question (``result`` is an ``ask --batch`` object)."""
    gold = set(record.get("gold_doc_ids") or [])
    ranked = [r["article_id"] for r in result.get("results", [])]
    cited = [c["article_id"] for c in result.get("citations", [])]
    row = {f"hit@{k}": hit_at(ranked, gold, k) for k in HIT_KS}
    row["mrr@10"] = reciprocal_rank(ranked, gold)
    row["answer_recall"] = answer_recalled(result.get("answer", ""), str(record.get("answer", "")))
    row["citation_precision"] = citation_precision(cited, gold)
    row["refused"] = bool(result.get("refused"))
    row["latency_ms"] = result.get("latency_ms", 0.0)
    return row


def run_eval(
    newsdesk,
    questions_path: Path,
    as_of_field: str | None,
    out: Path | None,
    progress: Progress | None = None,
    indexed: Callable[[list[str]], Collection[str]] | None = None,
) -> dict[str, dict]:
    """Answer and score every question; returns summaries by group ("all" and each type).

    ``indexed`` tells which of some article ids the store holds: a question none of whose
    gold articles is indexed (never added, or skipped as a copy of another) can only miss,
    so the summaries count them as ``gold_not_indexed``. The questions (see
    :func:`check_gold`) and ``out`` are checked before anything is answered
    (InvalidRequest naming the file, line and field).
    """
    questions = read_questions(questions_path, as_of_field, check_gold)
    groups: dict[str, Scores] = defaultdict(Scores)
    handle = open_output(out, questions_path) if out else None
    try:
        for done, record in enumerate(questions, start=1):
            result = answer_record(newsdesk, record, None)
            row = score_record(record, result)
            if indexed:
                row["gold_indexed"] = bool(indexed(record["gold_doc_ids"]))
            groups["all"].add(row)
            if record.get("type"):
                groups[f"type={record['type']}"].add(row)
            if handle:
                handle.write(
                    json.dumps(
                        {
                            **result,
                            "gold_doc_ids": record.get("gold_doc_ids"),
                            "gold_answer": record.get("answer"),
                            **row,
                        }
                    )
                    + "\n"
                )
            if progress:
                progress(done, len(questions))
    finally:
        if handle:
            handle.close()
    return {name: scores.summary() for name, scores in groups.items()}
