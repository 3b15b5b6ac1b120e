"""Which articles a summary keeps to: those that name the topic's names (no model)."""

from __future__ import annotations

from datetime import date

from support import passage

from bot.core.summary import Summarizer
from index.search import SearchResult


class FixedSearcher:
    """Returns the same passages for every query."""

    def __init__(self, passages):
        self.passages = passages

    def search(self, query):
        return SearchResult(passages=list(self.passages))


BRIGHTWAVE = passage(
    "bw",
    "Brightwave recalls space heaters",
    "Brightwave recalled 120,000 space heaters on Monday after reports of fires.",
    day=3,
)
VELOCAR = passage(
    "vc",
    "Velocar recalls sedans",
    "Velocar recalled 40,000 sedans on Tuesday over a faulty brake recall part.",
    day=4,
)


def test_a_named_topic_keeps_to_articles_that_name_it():
    summarizer = Summarizer(FixedSearcher([BRIGHTWAVE, VELOCAR]), today=lambda: date(2025, 9, 10))
    summary = summarizer.summary("Brightwave recall", days=30)
    assert [item.citation.article_id for item in summary.items] == ["bw"]


def test_a_topic_without_names_keeps_every_matching_article():
    summarizer = Summarizer(FixedSearcher([BRIGHTWAVE, VELOCAR]), today=lambda: date(2025, 9, 10))
    summary = summarizer.summary("recall", days=30)
    assert {item.citation.article_id for item in summary.items} == {"bw", "vc"}
