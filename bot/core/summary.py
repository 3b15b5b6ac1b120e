"""Summaries and timelines: a topic's main events as dated, cited bullets in date order.

Both use the same window logic as answers: an explicit since/until, else a time
expression in the topic ("in October"), else the last ``days`` days (summaries) or
everything up to the as-of day (timelines).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.answer import plan_window, today_utc
from bot.core.citations import make_citation
from bot.core.errors import InvalidRequest
from bot.core.extractive import ExtractiveAnswerer, ScoredSentence, near_copy
from bot.core.lexical import article_texts, content_stems, name_groups, names_present
from bot.core.llm_summary import LLMSummaryWriter, period
from bot.core.models import Summary, SummaryItem
from index.search import Searcher, SearchQuery

MAX_DAYS = 3650  # a summary reaches back ten years at most
LEAD_BONUS = 0.15  # news leads state the event: prefer an article's first sentences


@dataclass(frozen=True)
class SummarySettings:
    """Sizes of summaries and timelines."""

    default_days: int = 7
    summary_items: int = 8
    timeline_items: int = 15
    articles_searched: int = 30
    min_coverage: float = 0.3


class Summarizer:
    """Builds summaries and timelines from the hybrid search."""

    def __init__(
        self,
        searcher: Searcher,
        settings: SummarySettings | None = None,
        today: Callable[[], date] = today_utc,
        writer: LLMSummaryWriter | None = None,
    ) -> None:
        self.searcher = searcher
        self.settings = settings or SummarySettings()
        self.today = today
        self._ranker = ExtractiveAnswerer()
        # With an LLM configured, it writes the bullets; the extractive ones are the fallback.
        self.writer = writer

    def summary(
        self,
        topic: str,
        *,
        since: date | None = None,
        until: date | None = None,
        days: int | None = None,
        as_of: date | None = None,
        guild_id: int | None = None,
    ) -> Summary:
        """The main events about ``topic`` in the window, one bullet per article."""
        as_of = as_of or self.today()
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise InvalidRequest(f"Please choose between 1 and {MAX_DAYS} days.")
        topic, search_text, since, until = self._window(topic, since, until, as_of)
        if since is None:
            since = (until or as_of) - timedelta(days=(days or self.settings.default_days) - 1)
        return self._build(
            topic, search_text, (since, until), as_of, guild_id, self.settings.summary_items
        )

    def timeline(
        self,
        topic: str,
        *,
        since: date | None = None,
        until: date | None = None,
        as_of: date | None = None,
        guild_id: int | None = None,
    ) -> Summary:
        """A chronological list of dated events about ``topic``, at most one per day."""
        as_of = as_of or self.today()
        topic, search_text, since, until = self._window(topic, since, until, as_of)
        return self._build(
            topic,
            search_text,
            (since, until),
            as_of,
            guild_id,
            self.settings.timeline_items,
            one_per_day=True,
        )

    def _window(
        self, topic: str, since: date | None, until: date | None, as_of: date
    ) -> tuple[str, str, date | None, date | None]:
        """(topic, the topic without its time phrase, since, until); InvalidRequest when the
        window is empty."""
        topic = " ".join(topic.split())
        if not topic:
            raise InvalidRequest("Please name a topic.")
        if since and until and since > until:
            raise InvalidRequest(f"The start date {since} is after the end date {until}.")
        if since and since > as_of:
            raise InvalidRequest(f"The start date {since} is after the as-of day {as_of}.")
        search_text = topic
        if since is None and until is None:
            # "Milton in October": the window comes from the phrase, the search from the rest.
            since, until, search_text = plan_window(topic, as_of)
        return topic, search_text or topic, since, until

    def _build(
        self,
        topic: str,
        search_text: str,
        window: tuple[date | None, date | None],
        as_of: date,
        guild_id: int | None,
        limit: int,
        one_per_day: bool = False,
    ) -> Summary:
        since, until = window
        query = SearchQuery(
            text=search_text,
            as_of=as_of,
            since=since,
            until=until,
            guild_id=str(guild_id or ""),
            articles=self.settings.articles_searched,
            hard_window=True,
        )
        result = self.searcher.search(query)
        last = min(until or as_of, as_of)
        in_window = [
            p for p in result.passages if (since or date.min) <= p.published.date() <= last
        ]
        if self.writer is not None:
            window = period(since, until or as_of)
            items = self.writer.items(
                topic, in_window, when=window, limit=limit, one_per_day=one_per_day
            )
            if items:
                return Summary(topic=topic, items=items, since=since, until=until or as_of)
        picks = self._best_per_article(search_text, in_window)
        picks = _one_per_day(picks) if one_per_day else picks
        picks = sorted(picks[:limit], key=lambda s: (s.passage.published, s.start))
        items = [
            SummaryItem(
                day=s.passage.published.date(),
                text=" ".join(s.text.split()),
                citation=make_citation(n, s.passage, s.start, s.end),
            )
            for n, s in enumerate(picks, start=1)
        ]
        return Summary(topic=topic, items=items, since=since, until=until or as_of)

    def _best_per_article(self, topic: str, passages) -> list[ScoredSentence]:
        """Each relevant article's best sentence, best articles first, near-copies dropped."""
        ranked = self._ranker.rank_sentences(topic, passages)
        named = _articles_naming(topic, passages)
        best: dict[str, tuple[float, ScoredSentence]] = {}
        for s in ranked:
            if s.coverage < self.settings.min_coverage or s.passage.article_id not in named:
                continue
            score = s.score + (
                LEAD_BONUS
                if s.start - s.passage.start_char < 400 and s.passage.start_char == 0
                else 0.0
            )
            if s.passage.article_id not in best or score > best[s.passage.article_id][0]:
                best[s.passage.article_id] = (score, s)
        ordered = [s for _, s in sorted(best.values(), key=lambda t: -t[0])]
        kept: list[ScoredSentence] = []
        for s in ordered:
            if not any(near_copy(s.text, k.text, 0.7) for k in kept):
                kept.append(s)
        return kept


def _articles_naming(topic: str, passages) -> set[str]:
    """Ids of the articles whose title and passages name the topic's names ("Brightwave" of
    "Brightwave recall": another company's recall is not part of its story)."""
    groups = name_groups(topic, first_word=True)
    texts = article_texts(passages)
    return {
        article_id
        for article_id, parts in texts.items()
        if names_present(groups, set(content_stems(" ".join(parts))))
    }


def _one_per_day(picks: list[ScoredSentence]) -> list[ScoredSentence]:
    seen: set[date] = set()
    out = []
    for s in picks:
        day = s.passage.published.date()
        if day not in seen:
            seen.add(day)
            out.append(s)
    return out
