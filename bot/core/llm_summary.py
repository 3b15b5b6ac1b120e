"""Summaries and timelines written by the LLM: map over the passages, then reduce.

Map: the passages go to the model in small numbered batches (``summarize.md``); it lists the
events each batch reports, one cited line per event. Reduce: the notes of every batch are
merged into the main events (``summarize_reduce.md``). Citations are checked as for answers:
a line that cites no real passage is dropped, and each kept line gets the sentence of its
passage that best supports it, quoted verbatim. ``items`` returns None when the LLM fails or
nothing cited is left, and the Summarizer falls back to its extractive bullets.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from langchain_core.messages import HumanMessage

from bot.core.answer import spread
from bot.core.citations import make_citation
from bot.core.llm import ChatClient, LLMUnavailable
from bot.core.llm_citations import best_span, cited_lines, format_passages, supports
from bot.core.models import SummaryItem
from bot.core.prompts import Prompts
from index.records import Passage

log = logging.getLogger(__name__)

Note = tuple[str, int]  # (event sentence, global passage number)


class LLMSummaryWriter:
    """Dated, cited bullets about a topic, written by the LLM from retrieved passages."""

    def __init__(
        self,
        client: ChatClient,
        prompts: Prompts,
        max_passages: int = 24,
        batch_size: int = 6,
        workers: int = 3,
    ) -> None:
        self.client = client
        self.prompts = prompts
        self.max_passages = max_passages
        self.batch_size = batch_size
        self.workers = workers

    def items(
        self,
        topic: str,
        passages: list[Passage],
        *,
        when: str,
        limit: int,
        one_per_day: bool,
    ) -> list[SummaryItem] | None:
        """Up to ``limit`` bullets in date order (one per day for timelines), else None."""
        chosen = spread(passages, self.max_passages)
        if not chosen:
            return None
        notes = self._map(topic, chosen, when)
        if not notes:
            log.warning("LLM summary produced no cited event; using the extractive summary")
            return None
        if len(chosen) > self.batch_size:
            notes = self._reduce(topic, notes, when, limit) or notes
        items = _items(notes, chosen, limit, one_per_day)
        return items or None

    def _map(self, topic: str, chosen: list[Passage], when: str) -> list[Note]:
        """Cited event notes of every batch (global passage numbers), in batch order."""
        starts = range(0, len(chosen), self.batch_size)
        prompts = [
            self.prompts.summarize.render(
                topic=topic,
                when=when,
                passages=format_passages(chosen[s : s + self.batch_size], start=s + 1),
            )
            for s in starts
        ]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            replies = list(pool.map(self._complete, prompts))
        if all(r is None for r in replies):
            return []
        notes: list[Note] = []
        for s, reply in zip(starts, replies, strict=True):
            batch_numbers = set(range(s + 1, min(s + self.batch_size, len(chosen)) + 1))
            for claim, numbers in cited_lines(reply or "", batch_numbers):
                notes.append((claim, numbers[0]))
        return notes

    def _reduce(self, topic: str, notes: list[Note], when: str, limit: int) -> list[Note]:
        """The notes merged into the main events; [] when the reduce call gives nothing."""
        listed = "\n".join(f"- {claim} [{n}]" for claim, n in notes)
        prompt = self.prompts.summarize_reduce.render(
            topic=topic, when=when, limit=limit, notes=listed
        )
        reply = self._complete(prompt)
        noted = {n for _, n in notes}
        return [(claim, numbers[0]) for claim, numbers in cited_lines(reply or "", noted)]

    def _complete(self, prompt: str) -> str | None:
        try:
            return self.client.complete([HumanMessage(content=prompt)])
        except LLMUnavailable as exc:
            log.warning("LLM summary call failed (%s)", exc)
            return None


def _items(
    notes: list[Note], chosen: list[Passage], limit: int, one_per_day: bool
) -> list[SummaryItem]:
    """Notes as dated bullets with verbatim citations, in date order, numbered from 1."""
    picked: list[tuple[str, Passage, int, int]] = []
    seen_spans: set[tuple[str, int]] = set()
    seen_days: set[date] = set()
    for claim, n in notes:
        passage = chosen[n - 1]
        start, end = best_span(claim, passage)
        if not supports(claim, passage.body_text(start, end)):
            continue  # the note cites a passage that does not say it
        day = passage.published.date()
        if (passage.article_id, start) in seen_spans or (one_per_day and day in seen_days):
            continue
        seen_spans.add((passage.article_id, start))
        seen_days.add(day)
        picked.append((claim, passage, start, end))
        if len(picked) >= limit:
            break
    picked.sort(key=lambda t: (t[1].published, t[2]))
    return [
        SummaryItem(
            day=passage.published.date(),
            text=claim,
            citation=make_citation(n, passage, start, end),
        )
        for n, (claim, passage, start, end) in enumerate(picked, start=1)
    ]


def period(since: date | None, until: date) -> str:
    """The window in words for the prompts: '2024-10-01 to 2024-10-07' or 'up to …'."""
    return f"{since.isoformat()} to {until.isoformat()}" if since else f"up to {until.isoformat()}"
