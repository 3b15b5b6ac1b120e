"""The eval metrics on hand-made cases."""

from __future__ import annotations

import json

import pytest

from bot.evaluation import (
    Scores,
    answer_recalled,
    citation_precision,
    hit_at,
    normalise_answer,
    reciprocal_rank,
    score_record,
)


def test_hits_count_distinct_articles_first_occurrence_wins():
    ranked = ["x", "x", "y", "gold", "z"]
    assert hit_at(ranked, {"gold"}, 1) == 0.0
    assert hit_at(ranked, {"gold"}, 3) == 1.0  # distinct: x, y, gold
    assert hit_at(ranked, {"gold"}, 2) == 0.0
    assert hit_at([], {"gold"}, 10) == 0.0


def test_reciprocal_rank():
    assert reciprocal_rank(["gold"], {"gold"}) == 1.0
    assert reciprocal_rank(["a", "a", "b", "gold"], {"gold"}) == pytest.approx(1 / 3)
    assert reciprocal_rank([f"a{i}" for i in range(10)] + ["gold"], {"gold"}) == 0.0
    assert reciprocal_rank(["a", "g2", "g1"], {"g1", "g2"}) == 0.5


def test_answer_recall_folds_quotes_case_and_whitespace():
    assert normalise_answer("“Squid  Game”") == "squid game"
    assert answer_recalled('Netflix renewed "squid\n game" today', "“Squid Game”") == 1.0
    assert answer_recalled("Netflix renewed a show", "Squid Game") == 0.0
    assert answer_recalled("anything", "") == 0.0


def test_citation_precision():
    assert citation_precision(["g", "x", "g"], {"g"}) == 0.5
    assert citation_precision([], {"g"}) is None


def test_scores_summary_averages_and_skips_uncited_precision():
    scores = Scores()
    record = {"gold_doc_ids": ["g"], "answer": "Europe"}
    good = {
        "answer": "In Europe [1]",
        "refused": False,
        "latency_ms": 10.0,
        "results": [{"article_id": "g", "score": 1}],
        "citations": [{"article_id": "g"}],
    }
    refused = {
        "answer": "I couldn't find this",
        "refused": True,
        "latency_ms": 30.0,
        "results": [{"article_id": "x", "score": 1}],
        "citations": [],
    }
    scores.add(score_record(record, good))
    scores.add(score_record(record, refused))
    summary = scores.summary()
    assert summary["hit@1"] == 0.5 and summary["answer_recall"] == 0.5
    assert summary["citation_precision"] == 1.0
    assert summary["refusal_rate"] == 0.5
    json.dumps(summary)
