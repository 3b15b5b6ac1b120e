"""``newsdesk source add|list|remove`` and ``newsdesk reindex [SOURCE_ID] [--watch] [--json]``.

Attached to the main app at the end of bot/cli.py. Sources added here are
trusted (they may be local files and private addresses) and global unless ``--guild`` is given.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

source_app = typer.Typer(
    help="Manage the sources: folders, files, RSS/Atom feeds and web pages.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
EXIT_BUSY = 3


def _cli():
    from bot import cli  # the main app's helpers (services, console, progress bar)

    return cli


def _source_errors():
    from index.sources.service import SourceBusy, SourceError

    return SourceError, SourceBusy


def _fail(message: str, code: int = 2) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


@source_app.command("add")
def add(
    location: Annotated[str, typer.Argument(help="A feed or page URL, or a file or folder.")],
    every: Annotated[
        str | None, typer.Option("--every", help="Poll interval, e.g. 30m, 2h, 1d.")
    ] = None,
    guild: Annotated[
        int | None, typer.Option("--guild", help="Serve this Discord server only.")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="feed, page or path (default: detected)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a source; it is read on the next `reindex` (or poll, with --every)."""
    from index.sources.intervals import parse_interval

    source_error, _ = _source_errors()
    try:
        seconds = parse_interval(every) if every else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--every") from None
    try:
        added = (
            _cli()
            .services()
            .sources.add(
                location, kind=kind, every=seconds, guild_id=str(guild or ""), trusted=True
            )
        )
    except source_error as exc:
        _fail(exc.message)
    if as_json:
        print(json.dumps(added.to_dict(), indent=2))
        return
    hint = "polled from `newsdesk run` or `newsdesk reindex --watch`" if seconds else "manual"
    _cli()._console().print(
        f"Added [bold]{added.id}[/bold] ({added.kind}, {hint}). "
        f"Read it now: newsdesk reindex {added.id}"
    )


@source_app.command("list")
def list_sources(as_json: JsonFlag = False) -> None:
    """Every source, its scope, article count, last run and last error."""
    found = _cli().services().sources.list()
    if as_json:
        print(json.dumps([s.to_dict() for s in found], indent=2, ensure_ascii=False))
        return
    _cli()._console().print(_sources_table(found))


@source_app.command("remove")
def remove(
    source_id: Annotated[str, typer.Argument(help="The source's id (see `source list`).")],
    as_json: JsonFlag = False,
) -> None:
    """Remove a source with its articles and their passages."""
    source_error, source_busy = _source_errors()
    try:
        removed, count = _cli().services().sources.remove(source_id)
    except source_busy as exc:
        _fail(exc.message, EXIT_BUSY)
    except source_error as exc:
        _fail(exc.message)
    if as_json:
        print(json.dumps({"removed": removed.id, "articles": count}))
    else:
        _cli()._console().print(f"Removed {removed.id} and its {count} article(s).")


def reindex(
    source_id: Annotated[
        str | None, typer.Argument(help="Only this source (default: all of them).")
    ] = None,
    as_json: JsonFlag = False,
    watch: Annotated[
        bool,
        typer.Option("--watch", help="Keep polling sources on their interval (no Discord)."),
    ] = False,
    tick: Annotated[
        float, typer.Option("--tick", min=1.0, help="With --watch: seconds between checks.")
    ] = 30.0,
    cycles: Annotated[int | None, typer.Option("--cycles", hidden=True)] = None,
) -> None:
    """Re-index the sources (unchanged articles cost nothing); --watch keeps polling."""
    if watch:
        if source_id:
            raise typer.BadParameter("--watch polls every source; leave out SOURCE_ID")
        _watch(tick, cycles, as_json)
        return
    from bot.terminal import report_markup

    cli = _cli()
    source_error, source_busy = _source_errors()
    sources = cli.services().sources
    if source_id:
        label, work = f"Re-indexing {source_id}", lambda cb: sources.run(source_id, cb)
    else:
        label, work = "Re-indexing", sources.run_all
    try:
        # The progress bar goes to stderr: with --json, stdout carries the report alone.
        report = cli._run_with_progress(label, work)
    except source_busy as exc:
        _fail(exc.message, EXIT_BUSY)
    except source_error as exc:
        _fail(exc.message)
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        cli._console().print(report_markup(report))
    if report.failed and report.added + report.updated + report.unchanged == 0:
        raise typer.Exit(1)


def _watch(tick: float, cycles: int | None, as_json: bool) -> None:
    """Poll due sources until interrupted, printing one line per finished run."""
    import asyncio

    from bot.scheduler import Scheduler

    def show(source_id: str, report) -> None:
        if as_json:
            print(json.dumps({"source": source_id, **report.to_dict()}), flush=True)
        else:
            print(f"{source_id}: {report.summary_line()}", flush=True)

    services = _cli().services()
    scheduler = Scheduler(services.sources, tick=tick, on_report=show)
    print(f"Watching sources (checking every {tick:g} s; Ctrl+C stops).", file=sys.stderr)
    if not services.settings.chroma_url:
        # Embedded Chroma keeps its vector index in each process's memory: a bot running
        # beside this watcher would not see its new passages until restarted.
        print(
            "note: with the embedded store, run the bot with polling instead, or point both "
            "at a Chroma server (NEWSDESK_CHROMA_URL).",
            file=sys.stderr,
        )
    try:
        asyncio.run(scheduler.run_forever(cycles))
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)


def _sources_table(found):
    from rich.markup import escape
    from rich.table import Table

    from index.sources.intervals import format_interval
    from index.sources.redact import redact_url

    table = Table("id", "kind", "location", "every", "scope", "articles", "last run", "last error")
    for s in found:
        table.add_row(
            s.id,
            s.kind,
            escape(redact_url(s.location)),
            format_interval(s.interval_seconds),
            f"server {s.guild_id}" if s.guild_id else "all",
            str(s.article_count),
            s.last_run.strftime("%Y-%m-%d %H:%M UTC") if s.last_run else "never",
            escape(s.last_error),
        )
    return table
