"""Citations: verbatim quotes with their offsets in the article body, numbered in order."""

from __future__ import annotations

from bot.core.models import Citation
from index.records import Passage


class CitationError(ValueError):
    """A quote that is not verbatim in its article: a bug, never shown to users."""


def make_citation(n: int, passage: Passage, start: int, end: int) -> Citation:
    """A citation of ``body[start:end]`` of the passage's article (offsets in the body).

    The passage's text is the body between its own offsets, so the quote is verbatim.
    """
    if not passage.start_char <= start < end <= passage.end_char:
        raise CitationError(f"quote {start}:{end} outside passage {passage.chunk_id}")
    quote = passage.body_text(start, end)
    if not quote.strip():
        raise CitationError(f"empty quote at {start}:{end} of {passage.article_id}")
    return Citation(
        n=n,
        article_id=passage.article_id,
        title=passage.title,
        url=passage.url,
        source=passage.source,
        published=passage.published.date().isoformat(),
        quote=quote,
        start_char=start,
        end_char=end,
        score=round(passage.score, 6),
    )


def verify_citation(citation: Citation, body: str) -> bool:
    """True when the citation's quote is exactly the article body at its offsets."""
    return body[citation.start_char : citation.end_char] == citation.quote
