"""Running every rule over a question: prepositions, clamping to as-of, choosing one window."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from index.timeparse import calendar_refs, ranges, relative
from index.timeparse.context import VOID, Ctx, Rule, Span, rule
from index.timeparse.lexicon import BLOCKERS


def _block(m: re.Match[str], ctx: Ctx) -> Span | None:
    return VOID


# Void phrases first (names, future, idioms), then the phrasings in the order they are tried.
RULES: tuple[Rule, ...] = (
    *(rule(pattern, _block, prepositions=False) for pattern in BLOCKERS),
    *relative.RULES,
    *calendar_refs.RULES,
    *ranges.RULES,
)

_PREPOSITION = re.compile(
    r"(?:\b(?P<prep>as\s+of|so\s+far|since|from|until|till|through(?:out)?|before|after|by"
    r"|during|in|on)\s+)?(?P<part>(?:\bat\s+)?\bthe\s+(?:end|start|beginning|middle)\s+of\s+)?$",
    re.IGNORECASE,
)


def _with_preposition(question: str, start: int, span: Span, as_of: date) -> tuple[int, Span]:
    """Take a preposition in front into the phrase and let it open or close the window."""
    found = _PREPOSITION.search(question, 0, start)
    if span.void or not found or not (found["prep"] or found["part"]):
        return start, span
    prep, one = " ".join((found["prep"] or "").lower().split()), timedelta(days=1)
    if prep in ("since", "from"):
        span = replace(span, until=as_of)
    elif prep in ("until", "till", "through", "by"):
        span = replace(span, since=None)
    elif prep == "before":
        span = replace(span, since=None, until=span.since - one) if span.since else VOID
    elif prep == "after":
        span = replace(span, since=span.until + one, until=as_of) if span.until else VOID
    return found.start(), span


def _clamp(span: Span, as_of: date) -> Span:
    """Nothing after as_of; a window that starts after as_of is no window."""
    if span.void:
        return span
    until = as_of if span.until is None else min(span.until, as_of)
    if span.since is not None and span.since > until:
        return VOID
    return replace(span, until=until)


@dataclass(frozen=True)
class Candidate:
    """A phrase found in the question (its start and end) and its clamped window."""

    start: int
    end: int
    span: Span

    def rank(self) -> tuple[int, bool, bool, int]:
        """Narrowest first; ties go to non-recent, then explicit dates, then the earliest."""
        since = self.span.since or date.min
        width = (self.span.until - since).days
        return width, self.span.recent, not self.span.explicit, self.start


def find_candidates(question: str, as_of: date) -> list[Candidate]:
    """Every phrase any rule matches in ``question``, resolved relative to ``as_of``."""
    found = []
    for row in RULES:
        for match in row.pattern.finditer(question):
            span = row.handler(match, Ctx(question, as_of, match))
            if span is None:
                continue
            start = match.start()
            if row.prepositions:
                start, span = _with_preposition(question, start, span, as_of)
            found.append(Candidate(start, match.end(), _clamp(span, as_of)))
    return found


def choose(candidates: list[Candidate]) -> Candidate | None:
    """Longest phrase wins an overlap (a void phrase masks what it covers); then narrowest."""
    kept: list[Candidate] = []
    for cand in sorted(candidates, key=lambda c: (c.start - c.end, not c.span.void, c.start)):
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    live = [c for c in kept if not c.span.void]
    return min(live, key=Candidate.rank) if live else None
