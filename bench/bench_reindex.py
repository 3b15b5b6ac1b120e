"""Benchmark incremental re-indexing of the RealTime QA corpus (not a test: it prints figures).

Re-indexes ../shared/eval/realtimeqa/corpus.jsonl.gz into a store in a temporary folder and
prints, for a run where nothing changed and for runs where a share of the articles changed
(1 % by default): wall time, articles added/updated/unchanged, and chunks embedded.

The store is either a copy of an existing full index (``--from-index DIR``, e.g. a folder
with catalog.sqlite3 and chroma/ built with the current chunking; the original is never
modified), or built here first (slow with the real model: ~30 chunks/s on 2 cores).
``--fake-embeddings`` swaps the model for the word-hashing fake: timings of the runs then
leave out the model's cost, and say so.

    .venv/bin/python bench/bench_reindex.py --from-index /work/evaldata
    .venv/bin/python bench/bench_reindex.py --fake-embeddings          # builds its own index
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from index.articles import Article, ParseProblem, read_paths  # noqa: E402
from index.embeddings import HashingEmbeddings  # noqa: E402
from index.records import IndexReport  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "realtimeqa"
UPDATE_NOTE = "This story was updated after publication with a correction to one detail."


def changed_corpus(
    corpus: Path, share: float, edits: dict[str, str], seed: int
) -> Iterator[Article | ParseProblem]:
    """The corpus as read from disk with ``share`` more of its articles edited (in memory
    only); ``edits`` keeps earlier runs' edits, so each run changes exactly its share."""
    items = list(read_paths([corpus]))
    untouched = [i for i in items if isinstance(i, Article) and i.id not in edits]
    rng = random.Random(seed)
    count = max(1, round(sum(isinstance(i, Article) for i in items) * share))
    for article in rng.sample(untouched, count):
        edits[article.id] = f"{article.body}\n\n{UPDATE_NOTE} (run {seed})"
    for item in items:
        if isinstance(item, Article) and item.id in edits:
            yield replace(item, body=edits[item.id])
        else:
            yield item


def build_services(data: Path, corpus: Path, fake: bool) -> Services:
    settings = Settings(_env_file=None, data_dir=data, source_paths=[corpus])
    return Services(settings, embeddings=HashingEmbeddings() if fake else None)


def embedded(services: Services) -> int | str:
    """Texts the model embedded so far in this process (0 when the model never loaded)."""
    model = services.embeddings
    if isinstance(model, HashingEmbeddings):
        return model.documents_embedded
    return "0 (model never loaded)" if model._model is None else "see chunks_embedded"


def timed(label: str, work: Callable[[], IndexReport]) -> IndexReport:
    started = time.perf_counter()
    report = work()
    seconds = time.perf_counter() - started
    print(
        f"{label}: {seconds:.2f} s · {report.summary_line()} · "
        f"{report.chunks_embedded} chunks embedded"
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=EVAL / "corpus.jsonl.gz")
    parser.add_argument("--from-index", type=Path, help="copy this index instead of building")
    parser.add_argument("--fake-embeddings", action="store_true")
    parser.add_argument("--shares", default="0.01,0.02", help="changed shares to time")
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    model = (
        "FAKE word-hashing embeddings (model cost left out)"
        if args.fake_embeddings
        else ("the real model (all-MiniLM-L6-v2)")
    )
    print(f"embeddings: {model}")

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        if args.from_index:
            started = time.perf_counter()
            shutil.copytree(args.from_index, data)
            print(f"copied {args.from_index} in {time.perf_counter() - started:.1f} s")
        services = build_services(data, args.corpus, args.fake_embeddings)
        if not args.from_index:
            timed("first index (builds the store)", lambda: services.sources.run("config"))
        print(f"store: {services.catalog.stats()[0]:,} articles, {services.store.count():,} chunks")

        # The first run on a store indexed before duplicate detection existed fingerprints
        # every stored article once; later runs only compare hashes.
        timed(
            "re-index, nothing changed, first run (one-time fingerprinting)",
            lambda: services.sources.run("config"),
        )
        timed(
            "re-index, nothing changed (`newsdesk reindex config`)",
            lambda: services.sources.run("config"),
        )
        print(f"  texts embedded by the model so far: {embedded(services)}")

        if not args.fake_embeddings:
            started = time.perf_counter()
            services.embeddings.embed_query("load the model")
            print(
                f"model load (once per process, left out below): "
                f"{time.perf_counter() - started:.1f} s"
            )
        edits: dict[str, str] = {}
        for n, share in enumerate(float(s) for s in args.shares.split(",")):
            report = timed(
                f"re-index, {share:.0%} of articles changed",
                lambda share=share, n=n: services.indexer.index(
                    changed_corpus(args.corpus, share, edits, seed=n + 1)
                ),
            )
            if report.chunks_embedded:
                print(
                    f"  = {report.chunks_embedded / report.seconds:.1f} chunks/s for the "
                    "changed part"
                )
        services.close()


if __name__ == "__main__":
    main()
