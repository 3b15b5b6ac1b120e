"""Records the knowledge base hands out: retrieved passages, ranked articles, stats, reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk of an article, with where it sits in the article body."""

    chunk_id: str
    article_id: str
    title: str
    url: str
    source: str
    published: datetime
    text: str
    start_char: int
    end_char: int
    score: float = 0.0

    def body_text(self, start: int, end: int) -> str:
        """The article body between ``start`` and ``end`` (body offsets inside this passage)."""
        return self.text[start - self.start_char : end - self.start_char]


@dataclass(frozen=True)
class RankedArticle:
    """One article of the ranked retrieval results (best first)."""

    article_id: str
    score: float


@dataclass(frozen=True)
class SourceStats:
    """What the knowledge base holds (``newsdesk sources``)."""

    articles: int
    chunks: int
    first: date | None
    last: date | None
    by_source: dict[str, int]

    def to_dict(self) -> dict:
        """The JSON shape of ``newsdesk sources --json``."""
        return {
            "articles": self.articles,
            "chunks": self.chunks,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "by_source": self.by_source,
        }


@dataclass
class IndexReport:
    """Counts of one indexing run, and the problems met on the way."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON shape of ``newsdesk index --json``."""
        return asdict(self)

    def summary_line(self) -> str:
        """One human line: ``added 3 · updated 1 · unchanged 20 · removed 0 · failed 2``."""
        return (
            f"added {self.added} · updated {self.updated} · unchanged {self.unchanged} · "
            f"removed {self.removed} · failed {self.failed}"
        )
