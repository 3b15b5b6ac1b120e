"""Turn core results into Discord message contents. Pure functions: no network, no discord I/O.

Everything returned fits Discord's limits (2,000 characters per message): long results come back
as several messages, split between blocks, or at whitespace inside a block, so no word and no
``[n]`` marker is ever cut. Text that comes from articles or a model is escaped so it cannot
format the message or ping anyone; links are wrapped in ``<...>`` so they show no preview.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote

from bot.core.activity import ActivityStats
from bot.core.models import Answer, Citation, Summary
from index.records import IndexReport, SourceStats

MESSAGE_LIMIT = 2000
QUOTE_CHARS = 280  # a quote long enough to check the claim, short enough for a phone
PASSAGE_CHARS = 1200  # the "Sources" button shows the cited passage in full, up to this
TITLE_CHARS = 150
URL_CHARS = 500
MAX_SOURCES = 10  # source blocks shown under one answer or summary
BULLET_CHARS = 350
TOP_OUTLETS = 5
REPORT_PROBLEMS = 5
PROBLEM_CHARS = 160

NO_ANSWER = "I couldn't find anything about that in the articles I have."
ELLIPSIS = "…"

_URL = re.compile(r"https?://[^\s<>]+")
_MARKDOWN_CHARS = re.compile(r"([\\*_~`|])")
_LINE_START_MARK = re.compile(r"^([ \t]*)([>#-])", re.MULTILINE)
_LINE_START_NUMBER = re.compile(r"^([ \t]*)(\d+)\.(?=[ \t])", re.MULTILINE)
_EVERYONE = re.compile(r"@(everyone|here)", re.IGNORECASE)
# <@user>, <@!user>, <@&role>, <#channel>, </command:id>, <t:stamp>, <:emoji:id>, <a:emoji:id>
_ANGLE_MENTION = re.compile(r"<(?=[@#/:]|[at]:)")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
_URL_SAFE_CHARS = ":/?#[]@!$&'()*+,;=%~-._"


# --- text safety -----------------------------------------------------------------------------


def escape_text(text: str) -> str:
    """Escape Markdown and neutralise mentions in untrusted text; ``[n]`` markers survive.

    Bare URLs are left intact (escaping an underscore inside one would break the link).
    """
    parts: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        parts.append(_escape_plain(text[pos : match.start()]))
        parts.append(match.group())
        pos = match.end()
    parts.append(_escape_plain(text[pos:]))
    return "".join(parts)


def _escape_plain(text: str) -> str:
    text = _MARKDOWN_CHARS.sub(r"\\\1", text)
    text = _LINE_START_MARK.sub(r"\1\\\2", text)
    text = _LINE_START_NUMBER.sub(r"\1\2\\.", text)
    text = text.replace("](", "]\\(")  # masked links: [text](url)
    text = _EVERYONE.sub("@\u200b\\1", text)
    return _ANGLE_MENTION.sub("<\u200b", text)


def collapse(text: str) -> str:
    """Join all whitespace (newlines included) into single spaces."""
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + ELLIPSIS


def link(url: str) -> str:
    """``<url>`` (a link without preview) for http(s) URLs; empty for anything else, and for
    a URL too long to sit in a message beside its quote (a link cut in two is no link)."""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return ""
    quoted = quote(url, safe=_URL_SAFE_CHARS)
    return f"<{quoted}>" if len(quoted) <= URL_CHARS else ""


def day_of(published: str) -> str:
    """``YYYY-MM-DD`` from an ISO date or datetime string (escaped as is otherwise)."""
    match = _DAY.match(published.strip())
    return match.group() if match else escape_text(collapse(published))


# --- splitting -------------------------------------------------------------------------------


def split_messages(blocks: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack blocks (joined by newlines) into as few messages of at most ``limit`` as possible.

    A block that fits in a message is never split; a longer one is cut at a paragraph, line,
    sentence or word boundary.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _split_long(block, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                messages.append(current)
                current = piece
    messages.append(current)
    return [message.strip() for message in messages if message.strip()]


def _split_long(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(text) > limit:
        cut = _cut_point(text, limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    for separator in ("\n\n", "\n", ". ", " "):
        index = text.rfind(separator, 0, limit)
        if index > limit // 2 or (separator == " " and index > 0):
            return index + 1 if separator == ". " else index  # keep the full stop
    return limit  # a single "word" longer than a message: nothing better to do


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` cut at its last line break (or word) before ``limit``, for single messages."""
    if len(text) <= limit:
        return text
    return _split_long(text, limit - len(ELLIPSIS))[0] + ELLIPSIS


# --- answers and summaries -------------------------------------------------------------------


def citation_block(citation: Citation, quote_chars: int = QUOTE_CHARS) -> str:
    """``[n] Title — Outlet, YYYY-MM-DD <url>`` and the quoted passage as a block quote."""
    title = escape_text(shorten(collapse(citation.title), TITLE_CHARS)) or "Untitled"
    meta = ", ".join(
        part
        for part in (
            escape_text(shorten(collapse(citation.source), 60)),
            day_of(citation.published),
        )
        if part
    )
    line = f"[{citation.n}] {title}"
    if meta:
        line += f" — {meta}"
    url = link(citation.url)
    if url:
        line += f" {url}"
    quote_text = escape_text(shorten(collapse(citation.quote), quote_chars))
    return f"{line}\n> {quote_text}" if quote_text else line


def source_blocks(citations: Iterable[Citation]) -> list[str]:
    """The sources section: a header, then one block per citation in ``n`` order (at most
    MAX_SOURCES: an answer citing thirty passages must not fill a channel)."""
    unique = {citation.n: citation for citation in citations}
    if not unique:
        return []
    return ["\n**Sources**", *_capped(unique, citation_block)]


def _capped(unique: dict[int, Citation], block) -> list[str]:
    """``block(citation)`` for the first MAX_SOURCES citations by ``n``, then how many more."""
    numbers = sorted(unique)
    blocks = [block(unique[n]) for n in numbers[:MAX_SOURCES]]
    if len(numbers) > MAX_SOURCES:
        blocks.append(f"…and {len(numbers) - MAX_SOURCES} more sources.")
    return blocks


def render_answer_text(answer: Answer) -> str:
    """The answer's own text (with its ``[n]`` markers), escaped; the refusal if it refused."""
    return escape_text(answer.text.strip()) or NO_ANSWER


def render_answer(answer: Answer) -> list[str]:
    """An answer as message contents: the text, then its sources (none when it refused)."""
    blocks = [render_answer_text(answer)]
    if not answer.refused:
        blocks += source_blocks(answer.citations)
    return split_messages(blocks)


def render_followup(answer: Answer, asked: str) -> list[str]:
    """An answer to a thread follow-up, led by the standalone question that was searched."""
    line = f"-# Answering: {escape_text(shorten(collapse(asked), 300))}"
    blocks = [line, render_answer_text(answer)]
    if not answer.refused:
        blocks += source_blocks(answer.citations)
    return split_messages(blocks)


def render_passages(citations: Iterable[Citation]) -> list[str]:
    """The cited passages in full (the "Sources" button): one block per citation."""
    unique = {citation.n: citation for citation in citations}
    if not unique:
        return ["This answer cites no passages."]
    blocks = _capped(unique, lambda citation: citation_block(citation, PASSAGE_CHARS))
    return split_messages(["**Quoted passages**", *blocks])


def render_summary(summary: Summary, heading: str = "") -> list[str]:
    """A summary as dated bullets ``• YYYY-MM-DD — text [n]`` in date order, then sources.

    ``heading`` (e.g. "Timeline") goes before the topic in the first line.
    """
    topic = escape_text(shorten(collapse(summary.topic), 100))
    if summary.empty:
        return [f"I found nothing about **{topic}** in that period."]
    header = f"**{heading}: {topic}**" if heading else f"**{topic}**"
    if summary.since and summary.until:
        header += f" · {summary.since.isoformat()} → {summary.until.isoformat()}"
    items = sorted(summary.items, key=lambda item: item.day)  # stable: keeps same-day order
    bullets = [
        f"• {item.day.isoformat()} — {_bullet_text(item.text, item.citation.n)}" for item in items
    ]
    return split_messages([header, *bullets, *source_blocks(item.citation for item in items)])


def _bullet_text(text: str, n: int) -> str:
    marker = f"[{n}]"
    text = collapse(text)
    if text.endswith(marker):
        text = text[: -len(marker)].rstrip()
    return f"{escape_text(shorten(text, BULLET_CHARS))} {marker}"


# --- library ---------------------------------------------------------------------------------


def render_stats(stats: SourceStats) -> str:
    """A short overview of the library: counts, dates covered and the top outlets."""
    if stats.articles == 0:
        return "The library is empty for now. A server admin can fill it with `/reindex`."
    lines = [f"**Library:** {stats.articles:,} articles in {stats.chunks:,} passages"]
    if stats.first and stats.last:
        lines.append(f"Covers {stats.first.isoformat()} → {stats.last.isoformat()}")
    top = sorted(stats.by_source.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_OUTLETS]
    if top:
        outlets = " · ".join(
            f"{escape_text(shorten(collapse(name), 60))} ({count:,})" for name, count in top
        )
        more = len(stats.by_source) - len(top)
        lines.append(f"Top outlets: {outlets}" + (f" and {more} more" if more > 0 else ""))
    return clip("\n".join(lines))


def render_progress(done: int, total: int, stage: str = "") -> str:
    """``Indexing… 120/480 articles`` (passages while embedding), plus the stage's name."""
    stage = escape_text(shorten(collapse(stage), 40))
    unit = "passages" if re.search(r"chunk|embed|passage", stage, re.IGNORECASE) else "articles"
    text = f"Indexing… {done:,}/{total:,} {unit}" if total > 0 else "Indexing…"
    return f"{text} ({stage})" if stage else text


def render_report(report: IndexReport, max_problems: int = REPORT_PROBLEMS) -> str:
    """The end of a re-index: its summary line and the first few problems."""
    lines = [f"Re-index finished in {report.seconds:.1f} s.", report.summary_line()]
    if report.problems:
        lines.append(f"**Problems ({len(report.problems)}):**")
        lines += [
            f"• {escape_text(shorten(collapse(problem), PROBLEM_CHARS))}"
            for problem in report.problems[:max_problems]
        ]
        more = len(report.problems) - max_problems
        if more > 0:
            lines.append(f"…and {more} more (the bot's log has them all).")
    return clip("\n".join(lines))


def render_activity(
    activity: ActivityStats, library: SourceStats, last_reindex: datetime | None
) -> str:
    """/stats: questions, refusals, feedback, latency, index size and the last re-index."""
    lines = [
        "**Newsdesk stats**",
        f"Questions answered: {activity.questions:,} · refused: {activity.refusals:,}",
        f"Summaries and timelines: {activity.summaries:,}",
        f"Feedback: 👍 {activity.thumbs_up:,} · 👎 {activity.thumbs_down:,}",
        f"Answer time: p50 {_seconds(activity.latency_p50_ms)} · "
        f"p95 {_seconds(activity.latency_p95_ms)}",
        f"Index: {library.articles:,} articles in {library.chunks:,} passages",
        "Last re-index: "
        + (f"<t:{int(last_reindex.timestamp())}:R>" if last_reindex else "not recorded"),
    ]
    return clip("\n".join(lines))


def _seconds(ms: float | None) -> str:
    return "–" if ms is None else f"{ms / 1000:.2f} s"
