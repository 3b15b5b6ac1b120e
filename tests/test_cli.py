"""The newsdesk CLI: JSON shapes, batch answering, sources, exit codes (fake embeddings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import SAMPLES, cli_using, invoke_cli, make_services


@pytest.fixture
def indexed(tmp_path):
    services = make_services(tmp_path)
    services.library.index_paths([SAMPLES])
    with cli_using(services):
        yield services


invoke = invoke_cli


def test_ask_json_has_the_documented_shape(indexed):
    result = invoke(
        "ask", "Who intercepted the bombers near Alaska?", "--as-of", "2024-08-01", "--json"
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) >= {"answer", "refused", "citations", "results"}
    assert data["citations"], data
    keys = {
        "n",
        "article_id",
        "title",
        "url",
        "source",
        "published",
        "quote",
        "start_char",
        "end_char",
    }
    assert keys <= set(data["citations"][0])
    assert len(data["results"]) >= 10
    assert all(set(r) == {"article_id", "score"} for r in data["results"])


def test_bad_as_of_is_a_clear_usage_error(indexed):
    result = invoke("ask", "anything", "--as-of", "2024-02-30")
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_batch_answers_every_line_with_its_own_as_of(indexed, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "qid": "a",
                "question": "Who intercepted the bombers near Alaska?",
                "asked": "2024-08-01",
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "b",
                "question": "Who intercepted the bombers near Alaska?",
                "asked": "2024-07-01",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = invoke("ask", "--batch", str(questions), "--as-of-field", "asked", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["qid"] for r in rows] == ["a", "b"]
    assert rows[0]["question"].startswith("Who intercepted")
    assert not rows[0]["refused"]
    # Before the patrol happened nothing can cite the bomber article.
    assert all("bomber" not in c["title"].lower() for c in rows[1]["citations"])


def test_batch_names_the_bad_line(indexed, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "ok?"}\n{"nope": 1}\n', encoding="utf-8")
    result = invoke("ask", "--batch", str(questions), "--out", str(tmp_path / "o.jsonl"))
    assert result.exit_code != 0
    assert result.exit_code == 2 and "q.jsonl:2" in result.output


def test_sources_json_counts(indexed):
    result = invoke("sources", "--json")
    data = json.loads(result.stdout)
    assert data["articles"] >= 18
    assert data["chunks"] > data["articles"]
    assert data["first"] <= data["last"]


def test_summary_and_timeline_json(indexed):
    summary = json.loads(
        invoke(
            "summary", "Hurricane Milton", "--days", "14", "--as-of", "2024-10-16", "--json"
        ).stdout
    )
    assert summary["items"] and all(i["citation"]["quote"] for i in summary["items"])
    timeline = json.loads(invoke("timeline", "Hurricane Milton", "--json").stdout)
    days = [i["date"] for i in timeline["items"]]
    assert days == sorted(days)


def test_help_does_not_import_the_heavy_parts():
    code = (
        "import sys; from bot import cli; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'chromadb') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_index_and_eval_json_is_the_whole_of_stdout(tmp_path):
    """The progress bars go to stderr, so `--json` output parses as it is."""
    services = make_services(tmp_path)
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "question": "Which bombers flew near Alaska?",
                "question_date": "2024-07-26",
                "answer": "Tu-95MS",
                "gold_doc_ids": ["h-unknown"],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    with cli_using(services):
        indexed = invoke("index", str(SAMPLES), "--json")
        evaluated = invoke("eval", str(questions), "--json")

    assert indexed.exit_code == 0 and evaluated.exit_code == 0, evaluated.output
    assert json.loads(indexed.stdout)["added"] == 21
    assert json.loads(evaluated.stdout)["all"]["questions"] == 1
    assert "Indexing" in indexed.stderr and "Evaluating" in evaluated.stderr


def test_indexing_a_folder_without_articles_says_so(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".hidden.txt").write_text("date 2024-01-01 T\n\nBody.\n", encoding="utf-8")
    (empty / "notes.csv").write_text("a,b\n", encoding="utf-8")
    with cli_using(make_services(tmp_path)):
        result = invoke("index", str(empty))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: no article files found in {empty} "
        "(looked for .txt, .md, .markdown, .jsonl, .jsonl.gz; hidden files are skipped)"
    )
