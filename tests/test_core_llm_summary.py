"""LLM summaries and timelines: map over passage batches, reduce, citations checked."""

from __future__ import annotations

from datetime import date

from llm_fakes import PROMPTS, FakeSearcher, body_of, four_passages, passage, scripted_client

from bot.core.answer import spread
from bot.core.citations import verify_citation
from bot.core.llm_summary import LLMSummaryWriter, period
from bot.core.summary import Summarizer

MAP_ALL = (
    "- The Kestrel Bay bridge reopened after eight months of repairs [1]\n"
    "- The Northland central bank held its rate at 3.5 percent [2]\n"
    "- Ferries were cancelled because of high winds [3]\n"
    "- A made-up event [7]\n"
    "An uncited line\n"
    "- Mayor Ilse Varga cut a ribbon at the bridge [4]"
)


def writer(*replies, batch_size=6):
    return LLMSummaryWriter(scripted_client(*replies), PROMPTS, batch_size=batch_size, workers=1)


def test_one_batch_gives_dated_cited_bullets_in_date_order():
    w = writer(MAP_ALL)
    items = w.items("news", four_passages(), when="up to 2024-05-05", limit=8, one_per_day=False)
    assert [i.text for i in items] == [
        "The Kestrel Bay bridge reopened after eight months of repairs",
        "Mayor Ilse Varga cut a ribbon at the bridge",
        "The Northland central bank held its rate at 3.5 percent",
        "Ferries were cancelled because of high winds",
    ]
    assert [i.day for i in items] == [date(2024, 5, 2)] * 2 + [date(2024, 5, 3)] * 2
    assert [i.citation.n for i in items] == [1, 2, 3, 4]
    assert all(verify_citation(i.citation, body_of(i.citation.article_id)) for i in items)
    assert items[1].citation.quote.startswith("Mayor Ilse Varga cut a ribbon")
    (prompt,) = w.client.model.calls[0]
    assert 'List the events about "news"' in prompt.content and "up to 2024-05-05" in prompt.content


def test_timeline_keeps_one_event_per_day_and_the_limit():
    items = writer(MAP_ALL).items("news", four_passages(), when="x", limit=8, one_per_day=True)
    assert [(i.day, i.citation.article_id) for i in items] == [
        (date(2024, 5, 2), "bridge-1"),
        (date(2024, 5, 3), "rates-1"),
    ]
    limited = writer(MAP_ALL).items("news", four_passages(), when="x", limit=1, one_per_day=False)
    assert len(limited) == 1 and limited[0].citation.article_id == "bridge-1"


def test_batches_are_mapped_then_reduced_with_numbers_checked():
    w = writer(
        "- The bridge reopened after repairs [1]\n- Rates were held [2]\n- Out of batch [3]",
        "- Ferries were cancelled [3]\n- The mayor cut a ribbon [4]",
        "- The bridge reopened and the mayor cut a ribbon [4]\n- Rates held [2]\n- Invented [9]",
        batch_size=2,
    )
    items = w.items("news", four_passages(), when="x", limit=5, one_per_day=False)
    first, second, reduce = (call[0].content for call in w.client.model.calls)
    assert '<passage n="1"' in first and '<passage n="3"' not in first
    assert '<passage n="3"' in second and '<passage n="4"' in second
    assert "- The bridge reopened after repairs [1]" in reduce
    assert "Out of batch" not in reduce  # a batch may only cite its own passages
    assert "at most 5 lines" in reduce
    assert [i.text for i in items] == [
        "The bridge reopened and the mayor cut a ribbon",
        "Rates held",
    ]


def test_reduce_that_gives_nothing_keeps_the_notes():
    w = writer("- The bridge reopened [1]", "- Ferries were cancelled [3]", "NONE", batch_size=2)
    items = w.items("news", four_passages(), when="x", limit=5, one_per_day=False)
    assert [i.text for i in items] == ["The bridge reopened", "Ferries were cancelled"]


def test_failure_or_nothing_cited_gives_none():
    assert (
        writer(TimeoutError()).items("n", four_passages(), when="x", limit=5, one_per_day=False)
        is None
    )
    assert writer("NONE").items("n", four_passages(), when="x", limit=5, one_per_day=False) is None
    assert writer().items("n", [], when="x", limit=5, one_per_day=False) is None


def test_spread_takes_articles_in_turn():
    passages = [passage("bridge-1", 0), passage("bridge-1", 1), passage("rates-1", 0)]
    assert [p.chunk_id for p in spread(passages, 2)] == ["bridge-1:0", "rates-1:0"]


def test_period_words():
    assert period(date(2024, 5, 1), date(2024, 5, 7)) == "2024-05-01 to 2024-05-07"
    assert period(None, date(2024, 5, 7)) == "up to 2024-05-07"


def summarizer(*replies) -> Summarizer:
    return Summarizer(
        FakeSearcher(four_passages()), today=lambda: date(2024, 5, 5), writer=writer(*replies)
    )


def test_summarizer_uses_the_llm_bullets():
    summary = summarizer(MAP_ALL).summary("Kestrel Bay bridge", days=7)
    assert len(summary.items) == 4
    assert summary.items[0].text == "The Kestrel Bay bridge reopened after eight months of repairs"


def test_summarizer_falls_back_to_extractive_bullets_when_the_llm_fails():
    summary = summarizer(TimeoutError()).timeline("Kestrel Bay bridge")
    assert summary.items
    for item in summary.items:
        assert item.text == " ".join(item.citation.quote.split())  # extractive: verbatim


def test_a_note_citing_a_passage_that_does_not_say_it_is_dropped():
    swapped = (
        "- The Kestrel Bay bridge reopened after eight months of repairs [3]\n"
        "- Ferries were cancelled because of high winds [3]"
    )
    items = writer(swapped).items("news", four_passages(), when="x", limit=8, one_per_day=False)
    assert [i.text for i in items] == ["Ferries were cancelled because of high winds"]
