"""Checking a model's citations: what the model says is kept only where a real passage backs it.

The model cites passages as ``[n]``. Afterwards:

- a marker naming a passage that does not exist is removed, and so is the sentence when all
  of its markers were invented (that claim has no support);
- a sentence with no marker at all is dropped: every claim must be cited (this also drops
  framing like "Here is what happened:" and anything the model echoed from an article);
- each remaining citation gets the sentence of its passage that best supports the claim,
  quoted verbatim with its body offsets (``make_citation``), and the markers are renumbered
  in order of use.

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


@dataclass(frozen=True)
class CheckedText:
    """Model text whose every kept claim cites a real passage, with verbatim citations."""

    text: str
    citations: list[Citation]
    dropped: int  # sentences removed (invented or missing citations)


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
    for line in raw.strip().splitlines():
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
    for line in raw.strip().splitlines():
        kept: list[str] = []
        for sentence in _sentences(line):
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
    removed from the claim, numbers outside ``valid`` ignored, uncited lines dropped.
    """
    out = []
    for line in raw.strip().splitlines():
        body = _strip_bullet(line)
        cited = [int(n) for group in MARKER.findall(body) for n in re.split(r"[,;]", group)]
        numbers = [n for n in dict.fromkeys(cited) if n in valid]
        claim = _tidy(MARKER.sub("", body))
        if numbers and claim:
            out.append((claim, numbers))
    return out


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
    """The sentence with its markers renumbered, or None when no marker names a real passage."""
    cited = [int(n) for group in MARKER.findall(sentence) for n in re.split(r"[,;]", group)]
    valid = [
        n for n in dict.fromkeys(cited) if 1 <= n <= len(passages) and passages[n - 1].text.strip()
    ]
    if not valid:
        return None
    claim = _tidy(MARKER.sub("", sentence))
    new_numbers: dict[int, int] = {}
    for n in valid:
        passage = passages[n - 1]
        start, end = best_span(claim, passage)
        key = (n, start, end)
        if key not in numbered:
            numbered[key] = len(numbered) + 1
            citations.append(make_citation(numbered[key], passage, start, end))
        new_numbers[n] = numbered[key]

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
