"""Retrieval and answer quality on RealTime QA, dev and test splits (prints a table).

Indexes ../shared/eval/realtimeqa/corpus.jsonl.gz into --data-dir with the real model when
it is not there yet (about 25 minutes on 2 cores; later runs find it unchanged and skip the
work), then replays both question splits as of their dates, with no LLM. Duplicate detection
is off here: the benchmark's gold ids name one of several identical copies of a story.

Two configurations are measured: the defaults (every outlet counts the same), and the
quiz's own outlet favoured with NEWSDESK_SOURCE_WEIGHTS (the questions are CNN's news quiz,
written from CNN's articles; a server that follows one main outlet would set the same).

    .venv/bin/python bench/bench_eval.py [--data-dir bench/out/realtimeqa]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation import run_eval  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.terminal import eval_markdown  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "realtimeqa"
CONFIGURATIONS = [("defaults", {}), ("cnn.com=2", {"cnn.com": 2.0})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "out" / "realtimeqa")
    parser.add_argument("--eval-dir", type=Path, default=EVAL)
    args = parser.parse_args()
    rows = []
    for label, weights in CONFIGURATIONS:
        # Dedupe off: the benchmark's gold ids name one of several identical copies of a
        # story, and keeping another copy would count as a miss.
        settings = Settings(
            _env_file=None, data_dir=args.data_dir, dedupe=False, source_weights=weights
        )
        services = Services(settings)
        if not rows:
            report = services.library.index_paths([args.eval_dir / "corpus.jsonl.gz"])
            print(f"index: {report.summary_line()} ({report.seconds:.0f} s)")
        services.newsdesk.ask("warm up")  # load the model outside the timings
        for split in ("dev", "test"):
            summaries = run_eval(
                services.newsdesk,
                args.eval_dir / f"questions_{split}.jsonl",
                "question_date",
                args.data_dir / f"results_{split}_{label.split()[0]}.jsonl",
            )
            rows.append((f"{split}, {label}", summaries["all"]))
        services.close()
    print(eval_markdown(rows, label="split, configuration"))


if __name__ == "__main__":
    main()
