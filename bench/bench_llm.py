"""LLM answers on RealTime QA: the same metrics as ``newsdesk eval``, for one LLM endpoint.

Replays the dev split (by default) as of each question's date through the LLM answerer and
prints Hit@1/4/10, MRR@10, answer recall, citation precision, refusal rate and ask latency
p50/p95, plus how the LLM's answers ended (cited, refused, failed, uncited -> extractive
fallback). ``--baseline`` adds the extractive answerer's row on the same questions, so a
deployment can compare models with each other and with no LLM at all.

The endpoint comes from the usual settings (``NEWSDESK_LLM_PROVIDER``, ``_BASE_URL``,
``_MODEL``, ``_API_KEY``, ``_TIMEOUT`` in the environment or .env) or from the flags below;
with none configured the script says so and exits without running. The store is the one
``bench/bench_eval.py`` builds (it is indexed here too when missing, ~25 minutes).

    NEWSDESK_LLM_BASE_URL=http://127.0.0.1:8080/v1 NEWSDESK_LLM_MODEL=qwen2.5-7b-instruct \\
        .venv/bin/python bench/bench_llm.py [--limit 20] [--baseline] [--split test]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation import run_eval  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.terminal import eval_markdown  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "realtimeqa"
SKIP_MESSAGE = (
    "bench_llm: skipped - no LLM endpoint is configured. Set NEWSDESK_LLM_MODEL and "
    "NEWSDESK_LLM_BASE_URL (plus NEWSDESK_LLM_API_KEY if the endpoint needs one), or pass "
    "--model and --base-url."
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "out" / "realtimeqa")
    parser.add_argument("--eval-dir", type=Path, default=EVAL)
    parser.add_argument("--split", default="dev", choices=["dev", "test"])
    parser.add_argument("--questions", type=Path, help="a questions file instead of a split")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    parser.add_argument("--provider", help="openai, ollama or anthropic")
    parser.add_argument("--base-url", help="e.g. http://127.0.0.1:8080/v1")
    parser.add_argument("--model", help="the model name the endpoint serves")
    parser.add_argument("--timeout", type=float, help="seconds per LLM call")
    parser.add_argument("--baseline", action="store_true", help="also run the extractive one")
    parser.add_argument("--no-index", action="store_true", help="use the store as it is")
    return parser.parse_args(argv)


def llm_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment/.env, with the flags on top and the LLM answerer on."""
    overrides = {
        "llm_provider": args.provider,
        "llm_base_url": args.base_url,
        "llm_model": args.model,
        "llm_timeout": args.timeout,
    }
    values = {k: v for k, v in overrides.items() if v is not None}
    return Settings(data_dir=args.data_dir, answerer="llm", **values)


def endpoint_configured(settings: Settings) -> bool:
    """True when there is an LLM to talk to (a model, and for openai a URL or a key)."""
    if not settings.llm_model:
        return False
    if settings.llm_provider == "openai":
        return bool(settings.llm_base_url or settings.llm_api_key)
    return True


def questions_file(args: argparse.Namespace, workdir: Path) -> Path:
    """The questions to run: the split (or --questions), cut to --limit in a temp file."""
    path = args.questions or args.eval_dir / f"questions_{args.split}.jsonl"
    if not args.limit:
        return path
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    subset = workdir / path.name
    subset.write_text("\n".join(lines[: args.limit]) + "\n", encoding="utf-8")
    return subset


def run(services: Services, questions: Path, out: Path) -> dict:
    """Answer and score every question with ``services``' answerer."""
    return run_eval(services.newsdesk, questions, "question_date", out)["all"]


def main(argv: list[str] | None = None) -> int:
    """Run the bench; 0 also when skipped for want of an endpoint."""
    args = parse_args(argv)
    settings = llm_settings(args)
    if not endpoint_configured(settings):
        print(SKIP_MESSAGE)
        return 0
    services = Services(settings)
    if not args.no_index:
        report = services.library.index_paths([args.eval_dir / "corpus.jsonl.gz"])
        print(f"index: {report.summary_line()} ({report.seconds:.0f} s)")
    services.embeddings.embed_query("warm up")  # load the model outside the timings
    endpoint = settings.llm_base_url or "(provider default)"
    print(f"LLM: {settings.llm_provider} {settings.llm_model} at {endpoint}")
    out_dir = args.data_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        questions = questions_file(args, Path(workdir))
        label = args.questions.stem if args.questions else args.split
        rows = [(f"llm {label}", run(services, questions, out_dir / "llm_results.jsonl"))]
        outcomes = services.newsdesk.answers.answerer.outcomes
        if args.baseline:
            extractive = Services(
                settings.model_copy(update={"answerer": "extractive"}),
                embeddings=services.embeddings,  # share the loaded model
            )
            summary = run(extractive, questions, out_dir / "extractive_results.jsonl")
            rows.append((f"extractive {label}", summary))
            extractive.close()
    print(eval_markdown(rows, label="answerer"))
    print("LLM outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
