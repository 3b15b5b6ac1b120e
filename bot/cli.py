"""The ``newsdesk`` command line. Heavy imports happen inside commands: --help stays fast."""

from __future__ import annotations

import functools
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.core.days import parse_day

app = typer.Typer(
    help="Newsdesk: answers questions about news events from your articles, with citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the store lives (default NEWSDESK_DATA_DIR or ./data)."),
]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Answer as on this day (YYYY-MM-DD); default today."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]

_state: dict = {}


@app.callback()
def main(
    data_dir: DataDir = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Log debug detail.")] = False,
) -> None:
    """Newsdesk: answers questions about news events from your articles, with citations."""
    _state["data_dir"] = data_dir
    _state["verbose"] = verbose


def services():
    """The composition root for this invocation (built once, on first use)."""
    if "services" not in _state:
        from bot.services import Services
        from bot.settings import SettingsError, check_paths, load_settings

        try:
            settings = load_settings()
            if _state.get("data_dir"):
                settings.data_dir = _state["data_dir"]
            check_paths(settings, "--data-dir" if _state.get("data_dir") else "NEWSDESK_DATA_DIR")
        except SettingsError as exc:
            _fail_settings(exc)
        logging.basicConfig(
            level="DEBUG" if _state.get("verbose") else settings.log_level,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        # discord.py's DEBUG logs show interaction webhook URLs, tokens included: never below INFO.
        logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLogger().level))
        _state["services"] = Services(settings)
    return _state["services"]


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True, stderr=stderr)


def _progress_bar(label: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    return Progress(
        f"[bold]{label}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        # stdout carries the result alone (`--json` output stays valid JSON when piped).
        console=_console(stderr=True),
        transient=False,
    )


def _run_with_progress(label: str, work):
    """Run ``work(progress_callback)`` under a rich progress bar.

    The callback takes ``(done, total)``, plus the indexer's stage name, which is not shown.
    The bar appears at the first call, so input rejected before any work shows no bar.
    """
    bar = _progress_bar(label)
    task = bar.add_task(label, total=None)

    def advance(done: int, total: int, stage: str = "") -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        return work(advance)
    finally:
        if bar.live.is_started:
            bar.stop()


def friendly(command):
    """Turn a user error raised by the core into one clear line and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from bot.core.errors import UserError
        from bot.settings import SettingsError

        try:
            return command(*args, **kwargs)
        except UserError as exc:
            _fail(exc.message)
        except SettingsError as exc:  # found on first use, e.g. no Chroma server at the URL
            _fail_settings(exc)

    return wrapper


@app.command()
@friendly
def index(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of articles.")],
    as_json: JsonFlag = False,
) -> None:
    """Index articles from files and folders (.txt, .md, .jsonl, .jsonl.gz)."""
    from bot.terminal import report_markup

    library = services().library
    report = _run_with_progress("Indexing", lambda cb: library.index_paths(paths, cb))
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        _console().print(report_markup(report))
    if report.added + report.updated + report.unchanged == 0:
        if report.failed == 0:  # nothing read and nothing wrong: say why there was nothing
            from index.articles import ARTICLE_SUFFIXES

            where = ", ".join(str(p) for p in paths)
            print(
                f"error: no article files found in {where} "
                f"(looked for {', '.join(ARTICLE_SUFFIXES)}; hidden files are skipped)",
                file=sys.stderr,
            )
        raise typer.Exit(1)


@app.command()
@friendly
def ask(
    question: Annotated[str | None, typer.Argument(help="Your question.")] = None,
    as_of: AsOf = None,
    as_json: JsonFlag = False,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", help="JSONL file of questions.", exists=True, dir_okay=False),
    ] = None,
    as_of_field: Annotated[
        str | None,
        typer.Option(
            "--as-of-field", help="With --batch: the field holding each question's as-of date."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="With --batch: where to write the answers (JSONL).")
    ] = None,
) -> None:
    """Ask a question; the answer quotes and cites the articles it comes from."""
    if batch is not None:
        from bot.batch import run_batch

        if out is None:
            raise typer.BadParameter("--batch needs --out FILE.jsonl")
        work = functools.partial(
            run_batch, services().newsdesk, batch, out, as_of_field, parse_day(as_of, "--as-of")
        )
        count = _run_with_progress("Answering", lambda cb: work(progress=cb))
        _console().print(f"{count} answers written to {out}")
        return
    if not question:
        raise typer.BadParameter("give a QUESTION, or --batch FILE.jsonl")
    from bot.terminal import answer_markup

    answer = services().newsdesk.ask(question, as_of=parse_day(as_of, "--as-of"))
    if as_json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        _console().print(answer_markup(answer))


@app.command()
@friendly
def summary(
    topic: Annotated[str, typer.Argument(help="What to summarise.")],
    days: Annotated[
        int, typer.Option("--days", min=1, max=3650, help="How many days back from the as-of day.")
    ] = 7,
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """The main events about a topic, as dated bullets with citations."""
    from bot.terminal import summary_markup

    result = services().newsdesk.summary(topic, days=days, as_of=parse_day(as_of, "--as-of"))
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _console().print(summary_markup(result))


@app.command()
@friendly
def timeline(
    topic: Annotated[str, typer.Argument(help="The story to trace.")],
    since: Annotated[str | None, typer.Option("--since", help="First day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day (YYYY-MM-DD).")] = None,
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """A chronological list of dated events about a topic, with citations."""
    from bot.terminal import summary_markup

    result = services().newsdesk.timeline(
        topic,
        since=parse_day(since, "--since"),
        until=parse_day(until, "--until"),
        as_of=parse_day(as_of, "--as-of"),
    )
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _console().print(summary_markup(result, heading="Timeline"))


@app.command("eval")
@friendly
def evaluate(
    questions: Annotated[
        Path,
        typer.Argument(
            help="JSONL: question, answer, gold_doc_ids, …", exists=True, dir_okay=False
        ),
    ],
    as_of_field: Annotated[
        str | None, typer.Option("--as-of-field", help="Field with each question's date.")
    ] = "question_date",
    out: Annotated[Path | None, typer.Option("--out", help="Per-question results (JSONL).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Replay questions as of their dates and report Hit@k, MRR, answer recall and more."""
    from bot.evaluation import run_eval
    from bot.terminal import eval_table

    summaries = _run_with_progress(
        "Evaluating",
        lambda cb: run_eval(
            services().newsdesk,
            questions,
            as_of_field or None,
            out,
            progress=cb,
            indexed=lambda ids: services().catalog.placements(ids).keys(),
        ),
    )
    if as_json:
        print(json.dumps(summaries, indent=2))
    else:
        _console().print(eval_table(summaries))


@app.command()
@friendly
def sources(as_json: JsonFlag = False) -> None:
    """What the bot knows: articles, chunks, first and last date, articles per outlet."""
    from bot.terminal import stats_markup

    stats = services().library.stats()
    if as_json:
        print(json.dumps(stats.to_dict(), indent=2, ensure_ascii=False))
    else:
        _console().print(stats_markup(stats))


@app.command()
@friendly
def chat() -> None:
    """Open the terminal console (ask, summary, timeline, sources, reindex, help, quit)."""
    from bot.console import Console

    Console(_long_running_services()).run()


def _long_running_services():
    """services(), with the Chroma server reached now: a wrong NEWSDESK_CHROMA_URL is
    reported at start, not at the first question."""
    s = services()
    s.check_store()
    return s


@app.command()
@friendly
def run() -> None:
    """Run the Discord bot; without DISCORD_TOKEN, open the terminal console instead."""
    s = _long_running_services()
    if s.settings.discord_token is None:
        print(
            "No DISCORD_TOKEN set: opening the terminal console instead of connecting to Discord.",
            file=sys.stderr,
        )
        from bot.console import Console

        Console(s).run()
        return
    import asyncio

    from bot.client import run_bot

    asyncio.run(run_bot(s.settings, s.newsdesk, s.library, sources=s.sources))


@app.command("sync-commands")
@friendly
def sync_commands(
    guild: Annotated[
        int | None,
        typer.Option("--guild", help="Sync to this server only (instant)."),
    ] = None,
    everywhere: Annotated[
        bool,
        typer.Option("--global", help="Sync to every server (can take up to an hour)."),
    ] = False,
) -> None:
    """Register the slash commands with Discord (in one server, or globally)."""
    s = services()
    if s.settings.discord_token is None:
        _fail("DISCORD_TOKEN is not set.")
    if guild is None and not everywhere and s.settings.dev_guild_id is None:
        _fail("give --guild ID (one server, instant) or --global (every server).")
    import asyncio

    from bot.client import sync_commands as sync

    asyncio.run(
        sync(s.settings, s.newsdesk, s.library, guild, globally=everywhere, sources=s.sources)
    )


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(2)


def _fail_settings(exc) -> None:
    """One ``error: NAME: reason`` line per bad setting, exit code 2."""
    for problem in exc.problems:
        print(f"error: {problem}", file=sys.stderr)
    raise typer.Exit(2)


# `newsdesk source add|list|remove` and `newsdesk reindex [SOURCE_ID] [--watch] [--json]`.
from bot.cli_sources import reindex as _reindex  # noqa: E402
from bot.cli_sources import source_app as _source_app  # noqa: E402

app.command("reindex")(friendly(_reindex))
# The source commands report their own source errors; settings errors found on first use
# (an unreachable Chroma server) still need the one-line report.
for _command in _source_app.registered_commands:
    _command.callback = friendly(_command.callback)
app.add_typer(_source_app, name="source")
