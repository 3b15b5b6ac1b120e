"""Checking a model's citations: what the model says is kept only where a real passage backs it.

The model cites passages as ``[n]``. Afterwards:

- a marker naming a passage that does not exist is removed, and so is the sentence when all
  of its markers were invented (that claim has no support);
- a sentence with no marker at all is dropped: every claim must be cited (this also drops
  framing like "Here is what happened:" and anything the model echoed from an article);
- each remaining citation gets the sentence of its passage that best supports the claim,
  quoted verbatim with its body offsets (``make_citation``); a citation whose sentence does
  not share enough content words with the claim (:func:`supports`) counts as invented, so a
  marker pointing at an unrelated passage cannot lend it a real-looking quote;
- a list of sources the model appended ("Sources:", "[1] <title>") is not a claim: a
  "Sources:" heading ends the answer, and a line that is only a marker and the passage's
  title, source, link or date is dropped;
- the markers are renumbered in order of use.

When nothing cited is left, :func:`check_citations` returns None and the caller falls back.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.core.citations import make_citation
from bot.core.lexical import content_stems, coverage, idf_weights
from bot.core.models import Citation
from index.records import Passage
from index.text import sentence_spans

log = logging.getLogger(__name__)

# "[2]", "[1, 3]", and the wordier "[Passage 2]" some models write.
_ONE_MARKER = r"\[\s*(?:passages?|sources?)?\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]"
MARKER = re.compile(_ONE_MARKER, re.I)
_LEADING_MARKERS = re.compile(rf"^(?:\s*{_ONE_MARKER})+", re.I)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])")
_REFUSAL = re.compile(
    r"\b(?:can ?not|can'?t|can’t|unable to|not able to) (?:answer|find|tell)\b|^\s*NONE\s*$",
    re.I,
)
_TAG = re.compile(r"<(/?)(passages?|notes?)\b", re.I)
# "Sources:", "**References**", "### Sources used", "Sources: [1], [2]" (not "Sources said ...").
_SOURCES_HEADING = re.compile(
    r"^[\s#*_>-]*(?:sources?|references?|citations?)(?:\s+(?:used|cited))?[\s*_]*(?::[\s\[\]\d,;*_]*)?$",
    re.I,
)
# A citation holds when its quoted sentence shares at least MIN_SHARED of the claim's distinct
# content stems (all of them, for a shorter claim) and at least MIN_SHARE of them. Two words,
# not one: a shared topic word ("Milton") must not let a sentence about power cuts back a
# claim about the landfall. A third, not more: paraphrases, and claims that combine two
# passages (each backing part of it), still pass.
MIN_SHARED = 2
MIN_SHARE = 1 / 3


@dataclass(frozen=True)
class CheckedText:
    """Model text whose every kept claim cites a real passage, with verbatim citations."""

    text: str
    citations: list[Citation]
    dropped: int  # sentences removed (invented, unsupported or missing citations)


def format_passages(passages: list[Passage], start: int = 1) -> str:
    """The passages numbered from ``start``, each delimited so article text cannot pose as rules."""
    blocks = []
    for n, p in enumerate(passages, start=start):
        attrs = (
            f'n="{n}" source="{_attr(p.source)}" '
            f'published="{p.published.date().isoformat()}" title="{_attr(p.title)}"'
        )
        blocks.append(f"<passage {attrs}>\n{neutralize(p.text.strip())}\n</passage>")
    return "\n\n".join(blocks)


def neutralize(text: str) -> str:
    """Article text with our delimiter tags defused, so it cannot close its own block."""
    return _TAG.sub(lambda m: f"‹{m.group(1)}{m.group(2)}", text)


def _attr(value: str) -> str:
    return neutralize(" ".join(value.split())).replace('"', "'")


def is_refusal(text: str) -> bool:
    """True when the model says the passages do not answer (e.g. 'I cannot answer ...')."""
    return bool(_REFUSAL.search(text))


def draft_text(raw: str) -> str:
    """What to show of a reply still streaming in: its cited sentences, markers hidden.

    Uncited sentences (and a sentence whose marker has not arrived yet) stay hidden, so an
    instruction echoed from an article does not flash up; the numbers are only final once
    the whole reply is checked.
    """
    lines = []
    for line in _answer_lines(raw):
        kept = [_tidy(MARKER.sub("", s)) for s in _sentences(line) if MARKER.search(s)]
        if kept:
            lines.append(_line_prefix(line) + " ".join(kept))
    return "\n".join(lines)


def check_citations(raw: str, passages: list[Passage]) -> CheckedText | None:
    """The model's text with its citations checked (see the module docstring), else None."""
    numbered: dict[tuple[int, int, int], int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    dropped = 0
    for line in _answer_lines(raw):
        kept: list[str] = []
        for sentence in _sentences(line):
            rewritten = None
            if not _is_reference_entry(sentence, passages):
                rewritten = _rewrite(sentence, passages, numbered, citations)
            if rewritten is None:
                dropped += 1
            else:
                kept.append(rewritten)
        if kept:
            lines.append(_line_prefix(line) + " ".join(kept))
    if not citations:
        return None
    if dropped:
        log.info("dropped %d uncited or wrongly cited sentence(s) from the model's answer", dropped)
    text = "\n".join(lines).strip()
    return CheckedText(text=text, citations=citations, dropped=dropped)


def cited_lines(raw: str, valid: set[int]) -> list[tuple[str, list[int]]]:
    """(claim, cited numbers) for each line of ``raw`` that cites a number in ``valid``.

    For list-shaped replies (summary notes): one line is one claim; its markers are
    removed from the claim, numbers outside ``valid`` ignored, uncited lines dropped, and
    a "Sources:" list ends the reply.
    """
    out = []
    for line in _answer_lines(raw):
        body = _strip_bullet(line)
        numbers = [n for n in dict.fromkeys(_cited_numbers(body)) if n in valid]
        claim = _tidy(MARKER.sub("", body))
        if numbers and claim:
            out.append((claim, numbers))
    return out


def supports(claim: str, quote: str) -> bool:
    """True when ``quote`` shares enough content words with ``claim`` to back it.

    Enough: at least ``MIN_SHARED`` of the claim's distinct content stems (all of them when
    it has fewer) and at least ``MIN_SHARE`` of them. A claim without content words ("Yes.")
    is backed by nothing.
    """
    claimed = _roots(claim)
    shared = claimed & _roots(quote)
    needed = max(min(MIN_SHARED, len(claimed)), MIN_SHARE * len(claimed))
    return bool(shared) and len(shared) >= needed


def _roots(text: str) -> set[str]:
    """Content stems without a final "e": the light stemmer gives "rate" but "rates" -> "rat"."""
    return {s[:-1] if s.endswith("e") and len(s) > 3 else s for s in content_stems(text)}


def _answer_lines(raw: str) -> list[str]:
    """The reply's lines before a "Sources:" heading (what follows lists titles, not claims)."""
    lines = raw.strip().splitlines()
    for i, line in enumerate(lines):
        if _SOURCES_HEADING.match(line):
            return lines[:i]
    return lines


def _is_reference_entry(sentence: str, passages: list[Passage]) -> bool:
    """True for "[1] Milton" or "[2] Title - Source, date": a marker, then only its metadata."""
    lead = _LEADING_MARKERS.match(sentence)
    if lead is None:
        return False
    cited = [passages[n - 1] for n in _cited_numbers(lead.group(0)) if 1 <= n <= len(passages)]
    about = " ".join(
        f"{p.title} {p.source} {p.url} {p.published:%Y-%m-%d %B %b %d %Y}" for p in cited
    )
    return set(content_stems(MARKER.sub("", sentence))) <= set(content_stems(about))


def _cited_numbers(text: str) -> list[int]:
    """Every number the markers in ``text`` cite, in order ("[1, 3] ... [2]" -> 1, 3, 2)."""
    return [int(n) for group in MARKER.findall(text) for n in re.split(r"[,;]", group)]


def _plain_markers(text: str) -> str:
    """Markers in one form, '[Passage 2]' -> '[2]', so sentence splitting sees them alike."""
    return MARKER.sub(lambda m: f"[{m.group(1)}]", text)


def _sentences(line: str) -> list[str]:
    """The sentences of one line (list bullets removed), leading markers moved back."""
    body = _plain_markers(_strip_bullet(line))
    sentences = [body[s:e] for s, e in sentence_spans(body)]
    out: list[str] = []
    for sentence in sentences:
        lead = _LEADING_MARKERS.match(sentence)
        if lead and out:
            # "Claim. [2] Next claim." -> the [2] belongs to the claim before it.
            out[-1] = _append_markers(out[-1], lead.group(0))
            sentence = sentence[lead.end() :].strip()
        if sentence:
            out.append(sentence)
    return out


def _append_markers(sentence: str, markers: str) -> str:
    """``sentence`` with ``markers`` added before its closing punctuation: 'Claim [2].'"""
    markers = "".join(markers.split())
    match = re.search(r"[.!?…]+[\"'”’)]*$", sentence)
    if match:
        return f"{sentence[: match.start()]} {markers}{match.group(0)}"
    return f"{sentence} {markers}"


def _rewrite(
    sentence: str,
    passages: list[Passage],
    numbered: dict[tuple[int, int, int], int],
    citations: list[Citation],
) -> str | None:
    """The sentence with its markers renumbered, or None when none of them holds.

    A marker holds when it names a real passage whose best sentence :func:`supports` the
    claim; the others are removed.
    """
    valid = [
        n
        for n in dict.fromkeys(_cited_numbers(sentence))
        if 1 <= n <= len(passages) and passages[n - 1].text.strip()
    ]
    claim = _tidy(MARKER.sub("", sentence))
    new_numbers: dict[int, int] = {}
    for n in valid:
        passage = passages[n - 1]
        start, end = best_span(claim, passage)
        quote = passage.body_text(start, end)
        if not supports(claim, quote):
            continue
        key = (n, start, end)
        if key not in numbered:
            numbered[key] = len(numbered) + 1
            citations.append(make_citation(numbered[key], passage, start, end))
        new_numbers[n] = numbered[key]
    if not new_numbers:
        return None

    def renumber(match: re.Match) -> str:
        numbers = [int(n) for n in re.split(r"[,;]", match.group(1))]
        mapped = sorted({new_numbers[n] for n in numbers if n in new_numbers})
        return "".join(f"[{m}]" for m in mapped)

    return _tidy(MARKER.sub(renumber, sentence))


def best_span(claim: str, passage: Passage) -> tuple[int, int]:
    """Body offsets of the passage's sentence that best supports ``claim`` (first on ties)."""
    spans = sentence_spans(passage.text) or [(0, len(passage.text.rstrip()))]
    texts = [passage.text[s:e] for s, e in spans]
    stems = [set(content_stems(t)) for t in texts]
    claim_stems = content_stems(claim)
    best = 0
    if claim_stems:
        idf = idf_weights(stems)
        scores = [coverage(claim_stems, s, idf) for s in stems]
        best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    start, end = spans[best]
    return passage.start_char + start, passage.start_char + end


def _strip_bullet(line: str) -> str:
    return line[len(_line_prefix(line)) :].strip()


def _line_prefix(line: str) -> str:
    match = re.match(r"\s*(?:[-*•]|\d{1,2}[.)])\s+", line)
    return "- " if match else ""


def _tidy(text: str) -> str:
    return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))
