"""Plain-terminal rendering of answers, summaries, stats and reports (CLI and console)."""

from __future__ import annotations

import textwrap

from rich.markup import escape

from bot.core.models import Answer, Citation, Summary
from index.records import IndexReport, SourceStats


def answer_markup(answer: Answer) -> str:
    """Rich markup for an answer: the text, then each source with its quoted passage."""
    lines = [escape(answer.text)]
    if answer.citations:
        lines += ["", "[bold]Sources[/bold]"]
        lines += [_citation_markup(c) for c in answer.citations]
    return "\n".join(lines)


def summary_markup(summary: Summary, heading: str = "Summary") -> str:
    """Rich markup for a summary or timeline: dated bullets, then the sources."""
    if summary.empty:
        window = f" between {summary.since} and {summary.until}" if summary.since else ""
        return f"Nothing in the indexed articles about “{escape(summary.topic)}”{window}."
    lines = [f"[bold]{heading}: {escape(summary.topic)}[/bold]"]
    lines += [f"• {i.day} — {escape(i.text)} [{i.citation.n}]" for i in summary.items]
    lines += ["", "[bold]Sources[/bold]"]
    lines += [_source_line(i.citation) for i in summary.items]
    return "\n".join(lines)


def stats_markup(stats: SourceStats) -> str:
    """Rich markup for what the knowledge base holds."""
    span = f"{stats.first} … {stats.last}" if stats.first else "no articles yet"
    lines = [f"{stats.articles} articles, {stats.chunks} chunks ({span})"]
    lines += [f"  {escape(name)}: {count}" for name, count in list(stats.by_source.items())[:15]]
    return "\n".join(lines)


def report_markup(report: IndexReport) -> str:
    """Rich markup for an index report, with the first problems."""
    lines = [
        f"{report.summary_line()} · {report.chunks_embedded} chunks embedded "
        f"in {report.seconds:.1f} s"
    ]
    lines += [f"  [yellow]skipped[/yellow] {escape(p)}" for p in report.problems[:10]]
    if len(report.problems) > 10:
        lines.append(f"  … and {len(report.problems) - 10} more")
    return "\n".join(lines)


def _citation_markup(c: Citation) -> str:
    quote = textwrap.fill(
        " ".join(c.quote.split()), width=96, initial_indent="    > ", subsequent_indent="    > "
    )
    return f"{_source_line(c)}\n{escape(quote)}"


def _source_line(c: Citation) -> str:
    outlet = f" — {escape(c.source)}" if c.source else ""
    url = f" {escape(c.url)}" if c.url else ""
    article_id = f"[dim]({escape(c.article_id)})[/dim]"
    return f"[{c.n}] {escape(c.title)}{outlet}, {c.published}{url}  {article_id}"


def eval_table(summaries: dict[str, dict]):
    """A rich table of eval summaries: one row per metric, one column per group
    ("all", then each question type), so it stays readable in a narrow terminal."""
    from rich.table import Table

    table = Table(title="Newsdesk eval")
    table.add_column("metric")
    for name in summaries:
        table.add_column(name, justify="right")
    for metric in EVAL_METRICS:
        cells = []
        for summary in summaries.values():
            value = summary.get(metric, 0)
            whole = metric in ("questions", "gold_not_indexed") or metric.endswith("_ms")
            cells.append(f"{value:.0f}" if whole else f"{value:.3f}")
        table.add_row(metric.replace("_", " "), *cells)
    return table


EVAL_METRICS = [
    "questions",
    "hit@1",
    "hit@4",
    "hit@10",
    "mrr@10",
    "answer_recall",
    "citation_precision",
    "refusal_rate",
    "latency_p50_ms",
    "latency_p95_ms",
    "gold_not_indexed",
]


def eval_markdown(rows: list[tuple[str, dict]], label: str = "run") -> str:
    """A Markdown table of eval summaries, one row per (label, summary) — for the README."""
    metrics = [m for m in EVAL_METRICS if m not in ("questions", "gold_not_indexed")]
    lines = ["| " + label + " | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    for name, summary in rows:
        cells = [f"{summary[m]:.0f}" if m.endswith("_ms") else f"{summary[m]:.3f}" for m in metrics]
        lines.append(f"| {name} ({summary['questions']}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)
