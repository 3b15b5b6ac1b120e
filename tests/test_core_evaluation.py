"""The eval metrics on hand-made cases."""

from __future__ import annotations

import json
from datetime import date

import pytest
from support import SAMPLES, cli_using, invoke_cli, make_services

from bot.evaluation import (
    Scores,
    answer_recalled,
    check_gold,
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


def test_eval_command_scores_questions_and_counts_gold_not_indexed(tmp_path):
    services = make_services(tmp_path, today=date(2025, 3, 1))
    assert services.library.index_paths([SAMPLES]).failed == 0
    rows = services.catalog._query("SELECT id FROM articles WHERE title LIKE '%bombers%'")
    questions = tmp_path / "questions.jsonl"
    records = [
        {
            "question": "Who intercepted the Russian and Chinese bombers near Alaska?",
            "answer": "American and Canadian fighter jets",
            "gold_doc_ids": [rows[0][0]],
            "question_date": "2024-07-26",
        },
        {
            "question": "Which bombers flew near Alaska?",
            "answer": "Tu-95MS",
            "gold_doc_ids": ["not-in-the-index"],
            "question_date": "2024-07-26",
        },
    ]
    questions.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    with cli_using(services):
        result = invoke_cli("eval", str(questions), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{") :])["all"]
    assert summary["questions"] == 2 and summary["gold_not_indexed"] == 1
    assert summary["hit@1"] == 0.5 and summary["answer_recall"] == 1.0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["gold_indexed"] for line in lines] == [True, False]
    assert all(line["citations"] for line in lines)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"gold_doc_ids": "h-abc123"},
            "field 'gold_doc_ids' must be a non-empty list of article ids, not text",
        ),
        ({}, "field 'gold_doc_ids' is missing (the ids of the articles that answer the question)"),
        (
            {"gold_doc_ids": []},
            "field 'gold_doc_ids' is empty",
        ),
        ({"gold_doc_ids": ["a", ["b"]]}, "field 'gold_doc_ids' must hold article ids (text)"),
        ({"gold_doc_ids": ["a", " "]}, "field 'gold_doc_ids' must hold article ids (text)"),
        (
            {"gold_doc_ids": ["a"], "answer": ["Tu-95MS", "H-6"]},
            "field 'answer' must be text, not a list",
        ),
        (
            {"gold_doc_ids": ["a"], "answer": None},
            "field 'answer' is missing (the expected answer text)",
        ),
        ({"gold_doc_ids": ["a"], "answer": "  "}, "field 'answer' is empty"),
    ],
)
def test_malformed_gold_data_names_the_line_and_field(tmp_path, fields, problem):
    good = {"question": "Who?", "answer": "Tu-95MS", "gold_doc_ids": ["a"]}
    bad = {"question": "Which bombers?", "answer": "Tu-95MS", **fields}  # {}: no gold ids
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    with cli_using(make_services(tmp_path)):
        result = invoke_cli("eval", str(questions), "--as-of-field", "", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"error: {questions}:3: {problem}"
    assert not out.exists()


def test_gold_ids_and_answers_given_as_numbers_are_text():
    record = {"gold_doc_ids": [123, " h-1 "], "answer": 412}
    check_gold("q.jsonl:1", record)
    assert record == {"gold_doc_ids": ["123", "h-1"], "answer": "412"}
    assert (
        score_record(record, {"answer": "Labour won 412 seats", "results": []})["answer_recall"]
        == 1.0
    )


def test_a_whole_number_written_as_a_float_is_the_whole_number():
    record = {"gold_doc_ids": ["h-1"], "answer": 412.0}
    check_gold("q.jsonl:1", record)
    assert record["answer"] == "412"
