"""Rendering core results for Discord: format, safety and limits."""

from __future__ import annotations

import random
import re
from datetime import date

from test_discord_fakes import make_answer, make_citation, make_summary

from bot.core.models import Answer, Summary
from bot.render import (
    MESSAGE_LIMIT,
    NO_ANSWER,
    escape_text,
    link,
    render_answer,
    render_progress,
    render_report,
    render_stats,
    render_summary,
    split_messages,
)
from index.records import IndexReport, SourceStats

HOSTILE = "Vote now @everyone and @here, ask <@123> or <@!123456789012345678> in <#55> **bold** _x_"


def assert_within_limits(messages: list[str]) -> None:
    assert messages, "nothing rendered"
    for message in messages:
        assert 0 < len(message) <= MESSAGE_LIMIT


def assert_harmless(text: str) -> None:
    """No live mention syntax and no unescaped bold/italic markers left in ``text``."""
    assert not re.search(r"@(everyone|here)", text)
    assert not re.search(r"<[@#]", text)
    assert not re.search(r"(?<!\\)\*\*", text)
    assert not re.search(r"(?<!\\)_x", text)


def test_answer_lists_each_source_with_title_outlet_date_link_and_quote() -> None:
    answer = make_answer(citations=2)
    [message] = render_answer(answer)

    assert message.startswith(
        "The council approved measure 1 [1]. The council approved measure 2 [2]."
    )
    assert "**Sources**" in message
    assert (
        "[1] Harbour council votes on plan 1 — Example Gazette, 2024-05-02 "
        "<https://news.example.org/story-1>\n> The council approved measure 1 after a long debate."
    ) in message
    assert "[2] Harbour council votes on plan 2 — Example Gazette, 2024-05-03" in message


def test_a_source_without_url_has_no_link() -> None:
    answer = Answer(text="It rained [1].", citations=[make_citation(1, url="")])
    [message] = render_answer(answer)
    assert "[1] Harbour council votes on plan 1 — Example Gazette, 2024-05-02\n>" in message
    assert "<" not in message


def test_only_http_links_are_shown_and_they_cannot_escape_their_brackets() -> None:
    assert link("javascript:alert(1)") == ""
    assert link("https://example.org/a b>c") == "<https://example.org/a%20b%3Ec>"


def test_a_link_too_long_to_fit_is_left_out_rather_than_cut() -> None:
    url = "https://example.org/" + "a" * 2100
    answer = Answer(text="It rained [1].", citations=[make_citation(1, url=url)])
    messages = render_answer(answer)
    assert all(len(m) <= 2000 for m in messages)
    assert "example.org" not in "".join(messages)
    assert "> " in messages[-1]  # the quote still follows its source line


def test_a_huge_answer_is_split_into_messages_within_limits_without_cutting_words() -> None:
    long_text = " ".join(
        f"Sentence number {i} says something about the harbour [{i % 15 + 1}]." for i in range(400)
    )
    answer = make_answer(citations=15, text=long_text, quote="word " * 600)  # 3,000-char quotes

    messages = render_answer(answer)

    assert_within_limits(messages)
    assert len(messages) > 2
    rendered_words = " ".join(messages).split()
    # Every word of the answer (markers included) arrives whole and in order.
    assert rendered_words[: len(long_text.split())] == long_text.split()
    # The first ten sources are listed once each, then how many more there are.
    for n in range(1, 16):
        listed = sum(line.startswith(f"[{n}] ") for m in messages for line in m.splitlines())
        assert listed == (1 if n <= 10 else 0)
    assert messages[-1].endswith("…and 5 more sources.")
    # Quotes are shortened with an ellipsis, never cut mid-word.
    quotes = [line for m in messages for line in m.splitlines() if line.startswith("> ")]
    assert len(quotes) == 10
    assert all(q.endswith("word…") and len(q) < 400 for q in quotes)


def test_article_text_cannot_ping_or_break_formatting() -> None:
    answer = Answer(
        text=f"Quoted: {HOSTILE} [1]",
        citations=[
            make_citation(1, title=f"Title {HOSTILE}", source="@everyone News", quote=HOSTILE)
        ],
    )
    messages = render_answer(answer)

    text = "\n".join(messages)
    # Our own bold header is the only bold; everything from the article is escaped.
    assert_harmless(text.replace("**Sources**", ""))
    assert r"\*\*bold\*\*" in text
    assert "[1]" in text


def test_escaping_keeps_citation_markers_and_links_intact() -> None:
    assert escape_text("It grew [1] and fell [2].") == "It grew [1] and fell [2]."
    assert escape_text("see https://example.org/a_b_c") == "see https://example.org/a_b_c"
    assert escape_text("[click](https://evil.example)") == r"[click]\(https://evil.example)"
    assert escape_text("> quoted\n# header\n- item") == "\\> quoted\n\\# header\n\\- item"


def test_a_refused_answer_shows_the_refusal_without_sources() -> None:
    answer = Answer(
        text="I don't know: the articles I have don't say.",
        citations=[make_citation(1)],
        refused=True,
    )
    assert render_answer(answer) == ["I don't know: the articles I have don't say."]


def test_an_empty_answer_says_so() -> None:
    assert render_answer(Answer(text="  ", refused=True)) == [NO_ANSWER]


def test_summary_is_dated_bullets_in_date_order_with_their_sources() -> None:
    [message] = render_summary(make_summary())

    lines = message.splitlines()
    assert lines[0] == "**harbour plan** · 2024-04-30 → 2024-05-07"
    assert lines[1:4] == [
        "• 2024-05-01 — The council met. [1]",
        "• 2024-05-03 — The plan was published. [2]",
        "• 2024-05-06 — Work began [3]",
    ]
    assert "**Sources**" in message
    assert [line[:4] for line in lines if re.match(r"\[\d\] ", line)] == ["[1] ", "[2] ", "[3] "]


def test_an_empty_summary_says_nothing_was_found() -> None:
    [message] = render_summary(Summary(topic="volcano"))
    assert message == "I found nothing about **volcano** in that period."


def test_a_long_summary_stays_within_limits() -> None:
    summary = make_summary()
    summary.items = summary.items * 40
    assert_within_limits(render_summary(summary))


def test_stats_show_counts_dates_and_top_outlets() -> None:
    stats = SourceStats(
        articles=1480,
        chunks=15120,
        first=date(2024, 1, 2),
        last=date(2024, 6, 30),
        by_source={f"Outlet {i}": 10 * i for i in range(1, 8)} | {"@everyone Daily": 1},
    )
    text = render_stats(stats)

    assert "1,480 articles in 15,120 passages" in text
    assert "2024-01-02 → 2024-06-30" in text
    assert (
        "Top outlets: Outlet 7 (70) · Outlet 6 (60) · Outlet 5 (50) · Outlet 4 (40) · "
        "Outlet 3 (30) and 3 more" in text
    )


def test_empty_stats_point_to_reindex() -> None:
    assert "/reindex" in render_stats(SourceStats(0, 0, None, None, {}))


def test_progress_reads_like_a_status_line() -> None:
    assert render_progress(120, 480) == "Indexing… 120/480 articles"
    assert render_progress(10, 90, "embedding") == "Indexing… 10/90 passages (embedding)"
    assert render_progress(0, 0, "scanning") == "Indexing… (scanning)"


def test_report_shows_summary_and_first_problems_within_limits() -> None:
    report = IndexReport(
        added=3,
        failed=9,
        seconds=2.25,
        problems=[f"feeds/{i}_bad.xml line {i}: missing <title> " + "_" * 900 for i in range(9)],
    )
    text = render_report(report)

    assert len(text) <= MESSAGE_LIMIT
    assert "Re-index finished in 2.2 s." in text
    assert report.summary_line() in text
    assert text.count("\n• ") == 5
    assert "…and 4 more" in text


def test_split_messages_never_exceeds_the_limit_or_cuts_a_word() -> None:
    rng = random.Random(7)
    words = ["".join(rng.choices("abcdef", k=rng.randint(1, 12))) for _ in range(3000)]
    blocks = [" ".join(words[i : i + rng.randint(1, 400)]) for i in range(0, 3000, 200)]

    messages = split_messages(blocks, limit=300)

    assert all(len(m) <= 300 for m in messages)
    assert " ".join(messages).split() == " ".join(blocks).split()
