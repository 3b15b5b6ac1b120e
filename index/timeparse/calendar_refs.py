"""Calendar references: "July 4", "the 4th of July 2024", "in March", "early 2023", "the 1990s",
"last summer"."""

from __future__ import annotations

import re
from datetime import date

from index.timeparse.context import VOID, Ctx, Rule, Span, rule
from index.timeparse.dates import day_number, latest_year, month_end, shift_months
from index.timeparse.lexicon import (
    DAY,
    EVENT_NOUNS,
    MON_ANY,
    MON_FULL,
    MONTHS,
    SEASON_WORDS,
    SEASONS,
    TRIGGERS,
    YEAR,
)


def _month(m: re.Match[str], ctx: Ctx) -> Span | None:
    rel, pos = (m["rel"] or "").lower(), (m["pos"] or "").lower()
    if pos and pos not in ("early", "mid", "late"):  # "the first week of", "the last days of"
        pos = "early" if "first" in pos else "late"
    if ctx.after_name():
        return None
    if not m["year"]:
        # Without a year a month needs a cue, and lowercase "may"/"march" a real trigger.
        modal = m["month"] in ("may", "march")
        cued = ctx.triggered() or (bool(rel or pos) and not modal)
        if not cued or ctx.before_name():
            return None
    month, as_of = MONTHS[m["month"].lower().rstrip(".")], ctx.as_of
    if m["year"]:
        year = int(m["year"])
    elif rel == "this":
        year = as_of.year
    elif rel == "last":
        year = as_of.year if month < as_of.month else as_of.year - 1
    else:
        year = latest_year(as_of, month)
    first, last = date(year, month, 1), month_end(year, month)
    if pos:  # early 1-10, mid 11-20, late 21-end
        first, last = {
            "early": (first, first.replace(day=10)),
            "mid": (first.replace(day=11), first.replace(day=20)),
            "late": (first.replace(day=21), last),
        }[pos]
    return Span(first, last, explicit=bool(m["year"]))


def _day_span(ctx: Ctx, month: int, day: int, year: str | None) -> Span | None:
    """One calendar day; without a year the latest one on or before as_of (leap days too)."""
    if year:
        try:
            found = date(int(year), month, day)
        except ValueError:
            return None
        return Span(found, found, explicit=True)
    for back in range(9):  # Feb 29 recurs within 8 years
        try:
            found = date(latest_year(ctx.as_of, month, day) - back, month, day)
        except ValueError:
            continue
        return Span(found, found, explicit=True)
    return None


def _date_month_first(m: re.Match[str], ctx: Ctx) -> Span | None:
    """ "July 4", "Jan. 6, 2021"; not "the January 6 committee" nor "march 5 miles"."""
    if ctx.prev_word() in {"the", "a", "an"} or ctx.after_name():
        return None
    if not m["year"] and ctx.after().lower() in EVENT_NOUNS:
        return None
    ambiguous = m["month"].islower() and m["month"] in ("march", "may")
    if (
        ambiguous
        and not m["year"]
        and not ctx.triggered()
        and re.match(r"\s+\w", m.string[m.end() :])
    ):
        return None
    return _day_span(ctx, MONTHS[m["month"].lower().rstrip(".")], day_number(m["day"]), m["year"])


def _date_day_first(m: re.Match[str], ctx: Ctx) -> Span | None:
    """ "4 July 2024", "the 4th of July"; a bare "3 March" needs a trigger or a clause end."""
    clause_end = not re.match(r"\s*\w", m.string[m.end() :])
    if not (m["the"] or m["year"] or ctx.triggered() or clause_end):
        return None
    return _day_span(ctx, MONTHS[m["month"].lower().rstrip(".")], day_number(m["day"]), m["year"])


def _iso_date(m: re.Match[str], ctx: Ctx) -> Span | None:
    if not 1 <= int(m["month"]) <= 12:
        return None
    return _day_span(ctx, int(m["month"]), int(m["day"]), m["year"])


def _year(m: re.Match[str], ctx: Ctx) -> Span | None:
    pos = " ".join((m["pos"] or "").lower().split())
    if not (pos or ctx.triggered(TRIGGERS - {"by", "and", "to", "on", "as"})) or ctx.before_name():
        return None
    year = int(m["year"])
    first, last = {
        "": (1, 12),
        "early": (1, 4),
        "mid": (5, 8),
        "late": (9, 12),
        "the end of": (9, 12),
        "the start of": (1, 4),
        "the beginning of": (1, 4),
    }[pos]
    return Span(date(year, first, 1), month_end(year, last), explicit=True)


def _decade(m: re.Match[str], ctx: Ctx) -> Span | None:
    if not ctx.triggered():
        return None
    start = int(m["decade"]) * 10
    return Span(date(start, 1, 1), date(start + 9, 12, 31), explicit=True)


def _season(m: re.Match[str], ctx: Ctx) -> Span | None:
    rel, name = " ".join((m["rel"] or "").lower().split()), m["season"].lower()
    if (name == "fall" and ctx.after().lower() == "of") or (not rel and not m["year"]):
        return None
    if rel == "the" and not (m["over"] or ctx.triggered()):
        return None
    start_month, as_of = SEASONS[name], ctx.as_of
    if m["year"]:  # winter straddles two years: "winter 2021" is ambiguous
        year = int(m["year"])
        if name == "winter":
            return None
        return Span(date(year, start_month, 1), month_end(year, start_month + 2), explicit=True)
    spans = []
    for year in range(as_of.year - 2, as_of.year + 1):
        first = date(year, start_month, 1)
        last = shift_months(first, 2)
        spans.append((first, month_end(last.year, last.month)))
    begun = [s for s in spans if s[0] <= as_of]
    ended = [s for s in begun if s[1] < as_of]
    if rel == "this":  # the current season, or a past one begun this year or just ended
        current = [s for s in begun if s[1] >= as_of]
        current = current or [
            s for s in ended if s[0].year == as_of.year or (as_of - s[1]).days <= 60
        ]
        return Span(*current[-1]) if current else VOID
    return Span(*(ended if rel in ("last", "this past", "past") else begun)[-1])


_PART_OF = r"(?:the\s+)?(?:first|last|final)\s+(?:few\s+)?(?:days?|weeks?)\s+of"

RULES: tuple[Rule, ...] = (
    rule(
        rf"\b(?P<month>{MON_ANY})\s+(?P<day>{DAY})(?:,?\s+(?P<year>{YEAR}))?",
        _date_month_first,
    ),
    rule(
        rf"\b(?P<the>the\s+)?(?P<day>{DAY})\s+(?:of\s+)?(?P<month>{MON_ANY})(?!\w)"
        rf"(?:,?\s+(?P<year>{YEAR}))?",
        _date_day_first,
    ),
    rule(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b", _iso_date),
    rule(
        rf"\b(?:(?P<rel>last|this)\s+)?(?:(?P<pos>early|mid|late|{_PART_OF})[\s-]+)?"
        rf"(?P<month>{MON_FULL}|{MON_ANY}(?=,?\s+(?:19|20)\d\d))(?!\w)(?:,?\s+(?P<year>{YEAR}))?",
        _month,
    ),
    rule(
        r"\b(?:(?P<pos>early|mid|late|the\s+(?:end|start|beginning)\s+of)[\s-]+)?"
        rf"(?P<year>{YEAR})",
        _year,
    ),
    rule(r"\b(?:the\s+)?(?P<decade>(?:19|20)\d)0s\b", _decade),
    rule(
        r"\b(?P<over>over\s+)?(?:(?P<rel>this\s+past|this|last|past|the)\s+)?"
        rf"(?P<season>{SEASON_WORDS})\b(?:\s+(?:of\s+)?(?P<year>{YEAR}))?",
        _season,
    ),
)
