"""FTS5 query text from a question: its meaningful words, quoted so that no user text is
read as FTS5 syntax."""

from __future__ import annotations

import re

# Words too common to help a keyword search (kept short: BM25 already discounts them).
STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does for from had has have
    he her his how i in into is it its me my of on or our she so than that the their them
    then there these they this those to was we were what when where which who whom whose why
    will with would you your about after before over under up out not no yes just also
    recently recent latest new news week weeks month year day days ago today yesterday""".split()
)


def fts_query(text: str) -> str:
    """An FTS5 OR-query of the meaningful words of ``text`` (quoted: no syntax injection)."""
    return " OR ".join(f'"{w}"' for w in dict.fromkeys(_meaningful_words(text)))


def fts_pairs_query(text: str, distance: int) -> str:
    """An FTS5 OR-query of each two consecutive meaningful words of ``text`` occurring
    within ``distance`` words of each other (the stopwords between them are skipped)."""
    words = _meaningful_words(text)
    pairs = dict.fromkeys((a, b) for a, b in zip(words, words[1:], strict=False) if a != b)
    return " OR ".join(f'NEAR("{a}" "{b}", {distance})' for a, b in pairs)


def _meaningful_words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text.lower()) if w not in STOPWORDS and len(w) > 1]
