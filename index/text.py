"""Sentence and paragraph spans of article text, as character offsets.

Both the chunker and the extractive answerer work on spans of the original body, so
a quote is always ``body[start:end]`` verbatim.
"""

from __future__ import annotations

import re
import unicodedata

# Words that end with a period without ending a sentence.
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sen",
    "rep",
    "gov",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "st",
    "jr",
    "sr",
    "inc",
    "corp",
    "co",
    "ltd",
    "vs",
    "etc",
    "no",
    "fig",
    "approx",
    "dept",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "d.c",
    "mt",
    "ft",
    "ave",
    "blvd",
}

# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace and a
# likely sentence start: a capital, a digit or an opening quote. ``re`` has no \p{Lu}, so
# the pattern only captures the first character of the next sentence and
# ``_starts_sentence`` decides; that lets "École" or Cyrillic "В" start a sentence too.
# Scripts without case (Arabic, Hebrew, Devanagari...) start a sentence with any letter;
# their own marks (Arabic ؟, Urdu ۔, Devanagari । ॥) end one like . ! ? do.
# Alternatively a sentence ends at the full-width 。！？ (CJK text puts no space after
# them, and its next character has no case), plus closing quotes/brackets.
_BOUNDARY = re.compile(
    r"[.!?؟۔।॥][\"'”’)\]]*\s+(?=[\"'“‘(\[]?(\S))"
    r"|[。！？]+[\"'”’)\]」』）】〕〉》]*\s*"
)
_PARAGRAPH = re.compile(r"\n\s*\n")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Spans of non-blank paragraphs (separated by blank lines), whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _PARAGRAPH.finditer(text):
        spans.extend(trimmed_span(text, start, match.start()))
        start = match.end()
    spans.extend(trimmed_span(text, start, len(text)))
    return spans


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of sentences in ``text[start:end]``, never crossing a paragraph break."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for p_start, p_end in paragraph_spans(text[start:end]):
        spans.extend(_split_paragraph(text, start + p_start, start + p_end))
    return spans


def _split_paragraph(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if not _starts_sentence(match.group(1)) or _is_abbreviation(text, cursor, match.start()):
            continue
        spans.extend(trimmed_span(text, cursor, match.end()))
        cursor = match.end()
    spans.extend(trimmed_span(text, cursor, end))
    return spans


def _starts_sentence(first: str | None) -> bool:
    """True when ``first`` (the character after a sentence mark and whitespace) can start
    a sentence: an uppercase or titlecase letter, a letter of a script without case, or an
    ASCII digit.

    ``None`` means the boundary was a full-width 。！？, which always ends a sentence.
    """
    if first is None:
        return True
    # ASCII digits only, as before: other scripts' digits were never sentence starts here.
    return first in "0123456789" or unicodedata.category(first) in ("Lu", "Lt", "Lo")


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    """True when the period at ``dot`` ends an abbreviation or a single initial."""
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > sentence_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lstrip("\"'“‘([").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def trimmed_span(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[(start, end)]`` without surrounding whitespace, or ``[]`` if it is all blank."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if end > start else []
