"""The answer chain (LangChain LCEL): plan the search, retrieve passages, compose an answer.

``plan`` reads the as-of day and any time expression ("last week", "in July"); ``retrieve``
runs the hybrid date-aware search; ``compose`` hands the passages to the answerer (the
extractive one by default) which returns text with ``[n]`` markers and verbatim citations.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from bot.core.errors import InvalidRequest
from bot.core.models import Answer
from index.records import Passage
from index.search import Searcher, SearchQuery, SearchResult
from index.timeparse import TimeWindow, parse_time_window, strip_time_phrase

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1_000
# Said before an answer none of whose sources is dated in the period the question names.
OUTSIDE_WINDOW = "Nothing I found is dated {since} to {until}; the closest reports say: "


class Answerer(Protocol):
    """Turns a question and retrieved passages into a cited Answer."""

    def answer(self, question: str, passages: list[Passage], when: str = "") -> Answer:
        """A cited answer, or a refusal when the passages do not support one."""
        ...


def today_utc() -> date:
    """Today's date in UTC (the default as-of day)."""
    return datetime.now(UTC).date()


def plan_window(question: str, as_of: date) -> tuple[date | None, date | None, str]:
    """The (since, until) window a question asks for, and the question for keyword search.

    A vague recency ask ("latest", "recently") gives no hard window: the search's recency
    prior already favours recent articles, and a hard cut would lose older context.
    """
    window: TimeWindow | None = parse_time_window(question, as_of)
    keyword_text = strip_time_phrase(question, window) if window else question
    if window is None or window.recent:
        return None, None, keyword_text
    return window.since, window.until, keyword_text


class AnswerService:
    """Answers questions through the LCEL chain; see the module docstring."""

    def __init__(
        self,
        searcher: Searcher,
        answerer: Answerer,
        passages_per_answer: int = 12,
        result_articles: int = 10,
        today: Callable[[], date] = today_utc,
    ) -> None:
        self.searcher = searcher
        self.answerer = answerer
        self.passages_per_answer = passages_per_answer
        self.result_articles = result_articles
        self.today = today
        self.chain: Runnable = (
            RunnableLambda(self._plan, name="plan")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._compose, name="compose")
        )

    def ask(
        self, question: str, *, as_of: date | None = None, guild_id: int | None = None
    ) -> Answer:
        """Answer ``question`` as of ``as_of`` (default today), with verbatim citations."""
        return self.chain.invoke(self.request(question, as_of, guild_id))

    def request(self, question: str, as_of: date | None, guild_id: int | None) -> dict:
        """The chain's input for a question; InvalidRequest if it is empty or too long."""
        question = " ".join(question.split())
        if not question:
            raise InvalidRequest("Please ask a question.")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidRequest(f"Please keep questions under {MAX_QUESTION_CHARS} characters.")
        return {"question": question, "as_of": as_of or self.today(), "guild_id": guild_id}

    def _plan(self, request: dict) -> dict:
        as_of: date = request["as_of"]
        since, until, keyword_text = plan_window(request["question"], as_of)
        query = SearchQuery(
            text=request["question"],
            as_of=as_of,
            since=since,
            until=until,
            keyword_text=keyword_text,
            guild_id=str(request["guild_id"] or ""),
            articles=self.result_articles,
        )
        return {**request, "query": query}

    def _retrieve(self, request: dict) -> dict:
        return {**request, "result": self.searcher.search(request["query"])}

    def _compose(self, request: dict) -> Answer:
        query: SearchQuery = request["query"]
        result: SearchResult = request["result"]
        passages = spread(result.passages, self.passages_per_answer)
        answer = self.answerer.answer(request["question"], passages, when=_when(query))
        if query.since and not answer.refused and not _any_within(answer, query):
            until = query.until or query.as_of
            answer.text = OUTSIDE_WINDOW.format(since=query.since, until=until) + answer.text
        answer.results = result.articles
        answer.as_of = query.as_of
        answer.window = (query.since, query.until)
        return answer


def spread(passages: list[Passage], limit: int) -> list[Passage]:
    """Up to ``limit`` passages, round-robin over articles so several sources are heard."""
    by_article: dict[str, list[Passage]] = {}
    for passage in passages:
        by_article.setdefault(passage.article_id, []).append(passage)
    out: list[Passage] = []
    depth = 0
    while len(out) < limit and any(len(ps) > depth for ps in by_article.values()):
        for ps in by_article.values():
            if len(ps) > depth and len(out) < limit:
                out.append(ps[depth])
        depth += 1
    return out


def _any_within(answer: Answer, query: SearchQuery) -> bool:
    """True when some citation is dated inside the query's window (or the day after it:
    news of an event is often dated the day after)."""
    last = (query.until or query.as_of) + timedelta(days=1)
    return any(
        query.since.isoformat() <= c.published[:10] <= last.isoformat() for c in answer.citations
    )


def _when(query: SearchQuery) -> str:
    if query.since:
        return f" between {query.since} and {query.until or query.as_of}"
    return f" as of {query.as_of}"
