"""Ranges between two terms: "between March and May", "from Monday to Wednesday", "from
March to now"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from index.timeparse.context import Ctx, Rule, Span, rule
from index.timeparse.dates import day_number, latest_weekday, latest_year, month_end
from index.timeparse.lexicon import DAY, MON_ANY, MON_FULL, MONTHS, WD, WEEKDAYS, YEAR


@dataclass(frozen=True)
class _Term:
    """One end of a range: a day, a month, a year or a weekday."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None

    def key(self) -> tuple[int, int]:
        """Month and day, for ordering the ends of a range within a year."""
        return self.month or 1, self.day or 1

    def bounds(self, year: int) -> tuple[date, date]:
        if self.day:
            return date(year, self.month, self.day), date(year, self.month, self.day)
        if self.month:
            return date(year, self.month, 1), month_end(year, self.month)
        return date(year, 1, 1), date(year, 12, 31)


_TERM_FORMS = (
    re.compile(rf"(?P<month>{MON_ANY})\s+(?P<day>{DAY})(?:,?\s+(?P<year>{YEAR}))?", re.I),
    re.compile(rf"(?P<day>{DAY})\s+(?:of\s+)?(?P<month>{MON_ANY})(?:,?\s+(?P<year>{YEAR}))?", re.I),
    re.compile(rf"(?P<month>{MON_FULL}|{MON_ANY}(?=,?\s+\d))(?:,?\s+(?P<year>{YEAR}))?", re.I),
    re.compile(rf"(?P<year>{YEAR})"),
    re.compile(rf"(?P<weekday>{WD})", re.I),
)
_TERM = "|".join(f"(?:{form.pattern})" for form in _TERM_FORMS)
_TERM = re.sub(r"\(\?P<\w+>", "(?:", _TERM)  # the range regex needs no inner names


def _parse_term(text: str) -> _Term | None:
    for form in _TERM_FORMS:
        found = form.fullmatch(text.strip())
        if found:
            parts = found.groupdict()
            return _Term(
                year=int(parts["year"]) if parts.get("year") else None,
                month=MONTHS[parts["month"].lower().rstrip(".")] if parts.get("month") else None,
                day=day_number(parts["day"]) if parts.get("day") else None,
                weekday=WEEKDAYS.index(parts["weekday"].lower()) if parts.get("weekday") else None,
            )
    return None


def _term_until_now(term: _Term, as_of: date) -> Span | None:
    """ "between Monday and today", "from March to now": like "since"."""
    if term.weekday is not None:
        return Span(latest_weekday(as_of, term.weekday), as_of)
    try:
        return Span(term.bounds(term.year or latest_year(as_of, *term.key()))[0], as_of)
    except ValueError:
        return None


def _range(m: re.Match[str], ctx: Ctx) -> Span | None:
    """ "between March and May", "from March to May 2023", "from Monday to Wednesday"."""
    first = _parse_term(m["a"])
    if first is not None and m["b"].lower() in ("today", "now"):
        return _term_until_now(first, ctx.as_of)
    last = _parse_term(m["b"])
    if first is None or last is None or (first.weekday is None) != (last.weekday is None):
        return None
    if first.weekday is not None:
        end = latest_weekday(ctx.as_of, last.weekday)
        return Span(end - timedelta(days=(last.weekday - first.weekday) % 7), end)
    key = _Term.key
    year_a, year_b = first.year, last.year
    if year_a is None and year_b is None:
        year_a = latest_year(ctx.as_of, *key(first))
    if year_a is None:
        year_a = year_b if key(first) <= key(last) else year_b - 1
    if year_b is None:
        year_b = year_a if key(last) >= key(first) else year_a + 1
    try:
        since, until = first.bounds(year_a)[0], last.bounds(year_b)[1]
    except ValueError:
        return None
    explicit = first.year is not None or last.year is not None
    return Span(since, until, explicit=explicit) if since <= until else None


RULES: tuple[Rule, ...] = (
    rule(
        rf"\b(?:between|from)\s+(?P<a>{_TERM})\s+(?:and|to|until|till|through|-|–)\s+"
        rf"(?P<b>{_TERM}|today|now)(?!\w)",
        _range,
        prepositions=False,
    ),
)
