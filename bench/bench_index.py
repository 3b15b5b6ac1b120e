"""Benchmark indexing and asking on the RealTime QA corpus (not a test: it prints figures).

Indexes ../shared/eval/realtimeqa/corpus.jsonl.gz — by default only the articles dated
within --since/--until (a date-bounded subset, for speed; --all for everything) — into a
temporary store with the real model, then prints: chunks embedded per second, the time of
a re-index when nothing changed, and ask latency p50/p95 over the dev questions.

    .venv/bin/python bench/bench_index.py [--all] [--since 2022-06-01 --until 2022-06-30]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from index.articles import Article, read_paths  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "realtimeqa"


def select(corpus: Path, since: date | None, until: date | None) -> list[Article]:
    """Articles of the corpus published within [since, until] (all when both are None)."""
    articles = [a for a in read_paths([corpus]) if isinstance(a, Article)]
    return [
        a
        for a in articles
        if (since is None or a.published.date() >= since)
        and (until is None or a.published.date() <= until)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=EVAL / "corpus.jsonl.gz")
    parser.add_argument("--questions", type=Path, default=EVAL / "questions_dev.jsonl")
    parser.add_argument("--since", type=date.fromisoformat, default=date(2022, 6, 1))
    parser.add_argument("--until", type=date.fromisoformat, default=date(2022, 6, 30))
    parser.add_argument("--all", action="store_true", help="index the whole corpus")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")
    since, until = (None, None) if args.all else (args.since, args.until)
    articles = select(args.corpus, since, until)
    scope = "whole corpus" if args.all else f"subset {since} … {until}"
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"articles: {len(articles)} ({scope})")

    with tempfile.TemporaryDirectory() as tmp:
        services = Services(Settings(_env_file=None, data_dir=Path(tmp)))
        services.embeddings.embed_query("warm up")  # load the model outside the timing

        report = services.indexer.index(articles)
        print(
            f"first index: {report.chunks_embedded} chunks in {report.seconds:.1f} s = "
            f"{report.chunks_embedded / report.seconds:.1f} chunks/s"
        )

        started = time.perf_counter()
        again = services.indexer.index(select(args.corpus, since, until))
        print(
            f"re-index, nothing changed (incl. reading the file): "
            f"{time.perf_counter() - started:.2f} s, {again.chunks_embedded} chunks embedded, "
            f"{again.unchanged} unchanged"
        )

        latencies = ask_latencies(services, args.questions)
        print(
            f"ask latency over {len(latencies)} questions: "
            f"p50 {statistics.median(latencies):.0f} ms, "
            f"p95 {statistics.quantiles(latencies, n=20)[-1]:.0f} ms"
        )
        services.close()


def ask_latencies(services: Services, questions: Path) -> list[float]:
    """Milliseconds per ask, each question replayed as of its own date."""
    latencies = []
    for line in questions.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        started = time.perf_counter()
        services.newsdesk.ask(record["question"], as_of=date.fromisoformat(record["question_date"]))
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


if __name__ == "__main__":
    main()
