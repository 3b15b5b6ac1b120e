"""Relative days and periods: "yesterday", "on Sunday", "last week", "3 days ago", "lately"."""

from __future__ import annotations

import re
from datetime import date, timedelta

from index.timeparse.context import VOID, Ctx, Rule, Span, rule
from index.timeparse.dates import latest_weekday, units_back
from index.timeparse.lexicon import (
    NAMED_DAY_PREFIX,
    NAMED_DAY_SUFFIX,
    NUM,
    NUMBERS,
    UNIT,
    VAGUE,
    WD,
    WEEKDAYS,
)


def _today(m: re.Match[str], ctx: Ctx) -> Span | None:
    return None if ctx.title_mid("word") else Span(ctx.as_of, ctx.as_of)


def _yesterday(m: re.Match[str], ctx: Ctx) -> Span | None:
    if ctx.title_mid("word"):
        return None
    day = ctx.as_of - timedelta(days=2 if m["before"] else 1)
    return Span(day, day)


def _last_night(m: re.Match[str], ctx: Ctx) -> Span | None:
    return Span(ctx.as_of - timedelta(days=1), ctx.as_of)


def _weekday(m: re.Match[str], ctx: Ctx) -> Span | None:
    rel = " ".join((m["rel"] or "").lower().split())
    if ctx.prev_word() in {"the", "a", "an", "every", "each", "next", "coming", "by"}:
        return None
    if ctx.prev_word() in NAMED_DAY_PREFIX or ctx.after_name() or ctx.before_name():
        return None
    if ctx.after().lower() in NAMED_DAY_SUFFIX:
        return None
    weekday = WEEKDAYS.index(m["wd"].lower())
    as_of = ctx.as_of
    if rel == "this":  # the named day of the current Monday..Sunday week, if reached
        day = as_of - timedelta(days=as_of.weekday() - weekday)
        return Span(day, day) if day <= as_of else VOID
    day = latest_weekday(as_of, weekday)
    if rel in ("last", "this past") and day == as_of:
        day -= timedelta(days=7)
    return Span(day, day)


def _weekend(m: re.Match[str], ctx: Ctx) -> Span | None:
    if ctx.title_mid("rel"):
        return None
    saturday = latest_weekday(ctx.as_of, 5)
    if m["rel"].lower() == "last" and ctx.as_of.weekday() >= 5:
        saturday -= timedelta(days=7)
    return Span(saturday, saturday + timedelta(days=1))


def _period(m: re.Match[str], ctx: Ctx) -> Span | None:
    """this/last week, month, year (calendar), with "this past" meaning the rolling unit."""
    if ctx.title_mid("rel"):
        return None
    rel, unit, as_of = " ".join(m["rel"].lower().split()), m["unit"].lower(), ctx.as_of
    if unit == "week" and rel != "last":
        return Span(as_of - timedelta(days=6), as_of, recent=True)
    if rel == "this past":
        return Span(units_back(as_of, 1, unit), as_of)
    if unit == "week":
        monday = as_of - timedelta(days=as_of.weekday() + 7)
        return Span(monday, monday + timedelta(days=6))
    if unit == "month":
        first = as_of.replace(day=1)
        if rel == "this":
            return Span(first, as_of)
        last = first - timedelta(days=1)
        return Span(last.replace(day=1), last)
    year = as_of.year - (rel == "last")
    return Span(date(year, 1, 1), date(year, 12, 31))


def _count(text: str) -> tuple[int, bool]:
    """A spelled or digit count and whether it is vague ("a few")."""
    key = " ".join(text.lower().split())
    if key in VAGUE:
        return VAGUE[key], True
    return (int(key) if key.isdigit() else NUMBERS[key]), False


def _past_n(m: re.Match[str], ctx: Ctx) -> Span | None:
    if m["n"] is None and (
        m["unit"].endswith("s") or not (m["the"] or m["which"].lower() == "past")
    ):
        return None  # "past years" is vague; bare "last week" is the calendar week
    n, vague = _count(m["n"]) if m["n"] else (1, False)
    if n == 0 or n > 1000:
        return None
    return Span(units_back(ctx.as_of, n * (2 if vague else 1), m["unit"].lower()), ctx.as_of)


def _ago(m: re.Match[str], ctx: Ctx) -> Span | None:
    n, vague = _count(m["n"])
    unit, as_of = m["unit"].lower().rstrip("s"), ctx.as_of
    if n == 0 or n > 1000:
        return None
    if unit == "hour":
        return Span(units_back(as_of, n, unit), as_of)
    if vague:
        return Span(units_back(as_of, 2 * n, unit), as_of - timedelta(days=1))
    target = units_back(as_of, n, unit)
    half = {"day": 0, "week": 3, "month": 15, "year": 182}[unit]
    return Span(target - timedelta(days=half), target + timedelta(days=half))


def _recent(m: re.Match[str], ctx: Ctx) -> Span | None:
    days = {"weeks": 28, "months": 90}.get((m["unit"] or "").lower(), 14)
    return Span(ctx.as_of - timedelta(days=days), ctx.as_of, recent=True)


_TIME_OF_DAY = r"morning|afternoon|evening|night"

# In the order they are tried (see ``matching.RULES``).
RULES: tuple[Rule, ...] = (
    rule(
        r"\b(?:earlier\s+)?(?P<word>today|tonight|this\s+(?:morning|afternoon|evening))\b", _today
    ),
    rule(
        r"\b(?P<before>the\s+day\s+before\s+)?(?P<word>yesterday)"
        r"(?:\s+(?:morning|afternoon|evening))?\b",
        _yesterday,
    ),
    rule(r"\blast\s+night\b", _last_night),
    rule(
        rf"\b(?:(?P<rel>last|this\s+past|this|early|late)\s+)?(?P<wd>{WD})\b(?![.-]\w)"
        rf"(?:['’]s\b|\s+(?:{_TIME_OF_DAY})\b(?:['’]s\b)?)?",
        _weekday,
    ),
    rule(
        r"\b(?:(?:over|at|during|on)\s+)?(?P<rel>this\s+past|this|last|the|past)\s+weekend\b",
        _weekend,
    ),
    rule(
        r"\b(?:(?:so\s+far|as\s+of|earlier)\s+)?(?P<rel>this\s+past|this|last)\s+"
        r"(?P<unit>week|month|year)\b",
        _period,
    ),
    rule(
        r"\b(?:(?:in|over|during|within|for)\s+)?(?P<the>the\s+)?(?P<which>past|last|previous)\s+"
        rf"(?:(?P<n>{NUM})\s+)?(?P<unit>{UNIT})\b",
        _past_n,
        prepositions=False,
    ),
    rule(rf"\b(?P<n>{NUM})\s+(?P<unit>{UNIT})\s+ago\b", _ago),
    rule(
        r"\b(?:recently|lately|right\s+now|(?:the\s+)?(?:latest|newest)|a\s+recent"
        r"|(?:the\s+)?most\s+recent(?:ly)?|in\s+recent\s+(?P<unit>days|weeks|months))\b",
        _recent,
        prepositions=False,
    ),
)
