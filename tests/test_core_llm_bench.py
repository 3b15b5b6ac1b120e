"""bench/bench_llm.py: skipped with a clear message when no LLM endpoint is configured."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_llm.py"


@pytest.fixture
def bench(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("NEWSDESK_LLM_MODEL", "NEWSDESK_LLM_BASE_URL", "NEWSDESK_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    spec = importlib.util.spec_from_file_location("bench_llm", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_skipped_without_an_endpoint(bench, tmp_path, capsys):
    assert bench.main(["--data-dir", str(tmp_path / "data")]) == 0
    assert "skipped" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()  # nothing was indexed or written


def test_an_endpoint_needs_a_model_and_a_url_or_key(bench, tmp_path):
    def configured(*argv):
        return bench.endpoint_configured(bench.llm_settings(bench.parse_args(list(argv))))

    assert not configured("--base-url", "http://127.0.0.1:9/v1")
    assert not configured("--model", "m")
    assert configured("--model", "m", "--base-url", "http://127.0.0.1:9/v1")
    assert configured("--model", "m", "--provider", "ollama")


def test_limit_cuts_the_questions(bench, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "a"}\n{"question": "b"}\n\n{"question": "c"}\n')
    args = bench.parse_args(["--questions", str(questions), "--limit", "2"])
    work = tmp_path / "work"
    work.mkdir()
    subset = bench.questions_file(args, work)
    assert subset.read_text().splitlines() == ['{"question": "a"}', '{"question": "b"}']
