"""Data that crosses the core's boundary: passages in, answers and summaries out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from index.records import Passage, RankedArticle

__all__ = ["Answer", "Citation", "Passage", "RankedArticle", "Summary", "SummaryItem"]


@dataclass(frozen=True)
class Citation:
    """A cited passage: the verbatim quote and its offsets in the article body."""

    n: int
    article_id: str
    title: str
    url: str
    source: str
    published: str
    quote: str
    start_char: int
    end_char: int
    score: float = 0.0

    def to_dict(self) -> dict:
        """A JSON-ready dict (the ``--json`` and batch output format)."""
        return asdict(self)


@dataclass
class Answer:
    """An answer: text with ``[n]`` markers, its citations, and whether it refused."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    results: list[RankedArticle] = field(default_factory=list)
    as_of: date | None = None
    window: tuple[date | None, date | None] = (None, None)

    def to_dict(self) -> dict:
        """The JSON shape of ``newsdesk ask --json``."""
        return {
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "results": [
                {"article_id": r.article_id, "score": round(r.score, 6)} for r in self.results
            ],
        }


@dataclass(frozen=True)
class SummaryItem:
    """One dated bullet of a summary or timeline, cited by ``citation``."""

    day: date
    text: str
    citation: Citation


@dataclass
class Summary:
    """A topic's main events as dated, cited bullets in date order."""

    topic: str
    items: list[SummaryItem] = field(default_factory=list)
    since: date | None = None
    until: date | None = None

    @property
    def empty(self) -> bool:
        """True when nothing in the window matched the topic."""
        return not self.items

    def to_dict(self) -> dict:
        """The JSON shape of ``newsdesk summary --json``."""
        return {
            "topic": self.topic,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "items": [
                {"date": i.day.isoformat(), "text": i.text, "citation": i.citation.to_dict()}
                for i in self.items
            ],
        }
