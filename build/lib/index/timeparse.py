"""Deterministic time-expression parsing for date-aware retrieval (no model, stdlib only).

``parse_time_window(question, as_of)`` finds a phrase such as "last week", "on Sunday",
"in July 2024" or "recently" and turns it into an inclusive date window relative to the day
the question was asked. Each phrasing is one row of ``_RULES``: a regex plus a small handler.

Decisions, where English is ambiguous (false windows hurt retrieval more than missed ones):

- Nothing lies in the future: ``until`` is clamped to ``as_of``; a phrase wholly in the future
  ("next week", "later this year", "in 2030", "by Friday") gives no window.
- "this week" = the 7 days ending today (as_of-6 .. as_of), recent=True, as is "earlier this
  week". "last week" = the previous calendar week, Monday .. Sunday.
- "Sunday"/"on Sunday" = the most recent Sunday on or before as_of (today on a Sunday);
  "last Sunday" = 1-7 days back; "this Sunday" = the Sunday of the current Monday-Sunday week.
- "over/this/the weekend" = the most recent Saturday-Sunday on or before as_of; "last weekend"
  asked on a Saturday or Sunday is the weekend before.
- A month without a year is the most recent one that has begun ("in July" asked in March 2024
  = July 2023; asked in July = July 1 .. as_of); "last July" = the latest July before this
  month. A day without a year is the most recent one on or before as_of.
- Month names need a day, a year or a trigger word before them (in, since, by, last, ...), and
  are no time when followed by a capitalised word ("March Madness", "in June Carter's songs")
  or preceded by a name ("Theresa May").
- A bare year counts only after in/since/during/from/until/till/through/throughout/before/
  after/between/of (not "Act of 1964") and never before a capitalised word ("in 2022 World
  Cup"); "the 2022 World Cup", "2022 election" and "by 2020" are not windows.
- Named days are no windows: "Black Friday", "Super Tuesday", "Friday the 13th", "May Day",
  and the spelled-out "Fourth of July" (a holiday name); "July 4th" and "the 4th of July" are
  dates. "the January 6 committee" (a date after "the") is a name, not a window.
- "past N days" = as_of-N .. as_of; "N days ago" = that day; weeks/months/years ago = a window
  one unit wide centred on the date; vague counts (few, several) are doubled and open to today.
- "recently", "lately", "latest", "newest", "most recent", "a recent", "right now" -> recent
  window as_of-14 .. as_of ("in recent weeks" 28 days, "in recent months" 90).
- Seasons are meteorological (summer = June-August, winter = December-February); "this summer"
  is the current one, or a past one begun this year or ended within 60 days ("this fall" in
  June is in the future: no window); "winter 2021" is ambiguous and not a window.
- Everyday words written as titles mid-sentence are names: "USA Today", "ABC's This Week".
- Several phrases: overlapping matches keep the longest; then the narrowest window wins
  (ties: non-recent, then explicit calendar dates, then the earliest in the question).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

__all__ = ["TimeWindow", "parse_time_window", "strip_time_phrase"]


@dataclass(frozen=True)
class TimeWindow:
    """A date window found in a question; both ends inclusive, ``until`` never after as_of."""

    since: date | None
    until: date | None
    phrase: str
    start: int
    end: int
    recent: bool = False


# --- vocabulary -------------------------------------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august")
_FULL_MONTHS += ("september", "october", "november", "december")
_MONTHS = {name: i for i, name in enumerate(_FULL_MONTHS, start=1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())} | {"sept": 9})
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_NUMBERS |= {"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_NUMBERS |= {"fifteen": 15, "twenty": 20, "thirty": 30, "twenty-four": 24, "forty-eight": 48}
_VAGUE = {"a few": 3, "few": 3, "a couple of": 2, "a couple": 2, "couple of": 2, "several": 5}
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
# Words before a month/day/year that make it a time reference ("in May", not "Theresa May").
_TRIGGERS = frozenset(
    {"in", "on", "since", "during", "until", "till", "through", "throughout", "before", "after"}
    | {"by", "from", "between", "of", "as", "and", "to"}
)
# Capitalised words before a month or weekday that are not names ("On Sunday", "Last May").
_NOT_NAMES = _TRIGGERS | set(_WEEKDAYS) | set(_MONTHS) | {"last", "this", "early", "late", "mid"}
# Prefixes/suffixes that make a weekday part of a name ("Black Friday", "Sunday Times").
_NAMED_DAY_PREFIX = {"black", "cyber", "super", "good", "easter", "palm", "ash", "fat", "bloody"}
_NAMED_DAY_PREFIX |= {"holy", "giving", "shrove", "maundy", "bowl", "business"}
_NAMED_DAY_SUFFIX = {"school", "schools", "times", "telegraph", "mirror", "express", "paper"}
_NAMED_DAY_SUFFIX |= {"papers", "post", "best", "roast", "football", "league", "club"}


def _alt(words: object) -> str:
    """A regex alternation, longest first so "sept" wins over "sep"; spaces match any run."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len)[::-1])


_WD = _alt(_WEEKDAYS)
_MON_FULL = _alt(_FULL_MONTHS)
_MON_ANY = rf"(?:{_alt(_MONTHS)})\.?"
_NUM = _alt([*_NUMBERS, *_VAGUE]) + r"|\d{1,3}"
_YEAR = r"(?:19|20)\d\d\b(?![-–/]\d|%)"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?\b(?![%:]|[.,]\d)"
_UNIT = r"hours?|days?|weeks?|months?|years?"


# --- date arithmetic ----------------------------------------------------------------------------


def _shift_months(day: date, months: int) -> date:
    """``day`` moved by whole months, the day clamped to the target month's length."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _units_back(as_of: date, n: int, unit: str) -> date:
    """The day ``n`` units before ``as_of`` (hours round up to whole days)."""
    unit = unit.rstrip("s")
    if unit == "hour":
        return as_of - timedelta(days=max(1, -(-n // 24)))
    if unit in ("day", "week"):
        return as_of - timedelta(days=n * (7 if unit == "week" else 1))
    return _shift_months(as_of, -n * (12 if unit == "year" else 1))


def _day_number(text: str) -> int:
    """The number of "4", "4th", "21st"."""
    return int(text.rstrip("stndrh"))


def _latest_weekday(as_of: date, weekday: int) -> date:
    """The most recent ``weekday`` (0 = Monday) on or before ``as_of``."""
    return as_of - timedelta(days=(as_of.weekday() - weekday) % 7)


def _latest_year(as_of: date, month: int, day: int = 1) -> int:
    """The latest year in which month/day is not after ``as_of``."""
    return as_of.year if (month, day) <= (as_of.month, as_of.day) else as_of.year - 1


# --- candidates and context ------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    """A resolved window before clamping; ``void`` marks a phrase that is not a window."""

    since: date | None
    until: date | None
    recent: bool = False
    explicit: bool = False  # an absolute calendar reference (wins ties)
    void: bool = False


_VOID = _Span(None, None, void=True)


@dataclass(frozen=True)
class _Ctx:
    """A match plus the question around it, for handlers that look at neighbouring words."""

    question: str
    as_of: date
    match: re.Match[str]

    def before(self, n: int = 1) -> str:
        """The n-th whitespace-separated token before the match ('' if punctuation abuts)."""
        head = self.question[: self.match.start()]
        if head and not head[-1].isspace():
            return ""
        tokens = head.split()
        return tokens[-n] if len(tokens) >= n else ""

    def after(self) -> str:
        """The token right after the match ('' when punctuation or nothing follows)."""
        found = re.match(r"\s+([\w'’-]+)", self.question[self.match.end() :])
        return found.group(1) if found else ""

    def prev_word(self) -> str:
        return self.before().lower()

    def triggered(self, words: frozenset[str] = _TRIGGERS) -> bool:
        """A trigger word precedes; "of" counts only after a lowercase word ("end of")."""
        word = self.prev_word()
        if word == "of":
            return self.before(2)[:1].islower()
        return word in words

    def after_name(self) -> bool:
        """A capitalised non-trigger word precedes, mid-sentence ("Theresa May", "Black Friday")."""
        token = self.before()
        if not re.fullmatch(r"[A-Z][a-z]+", token) or token.lower() in _NOT_NAMES:
            return False
        head = self.question[: self.match.start()].rstrip()
        return not _sentence_start(self.question, len(head) - len(token))

    def before_name(self) -> bool:
        """A capitalised word (not a month or weekday) follows ("March Madness", "Sunday Times")."""
        token = self.after()
        return bool(re.match(r"[A-Z][a-z]", token)) and token.lower() not in (*_MONTHS, *_WEEKDAYS)

    def title_mid(self, group: str | int = 0) -> bool:
        """The group is title-cased mid-sentence ("USA Today", "ABC's This Week")."""
        pos, text = self.match.start(group), self.match.group(group)
        title = text[:1].isupper() and not text.isupper()
        return title and not _sentence_start(self.question, pos)


def _sentence_start(text: str, pos: int) -> bool:
    head = text[:pos].rstrip().rstrip("\"'“‘([")
    return not head or head[-1] in ".!?:;"


_Handler = Callable[[re.Match[str], _Ctx], _Span | None]


# --- handlers: relative days and periods -----------------------------------------------------


def _today(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    return None if ctx.title_mid("word") else _Span(ctx.as_of, ctx.as_of)


def _yesterday(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    if ctx.title_mid("word"):
        return None
    day = ctx.as_of - timedelta(days=2 if m["before"] else 1)
    return _Span(day, day)


def _last_night(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    return _Span(ctx.as_of - timedelta(days=1), ctx.as_of)


def _weekday(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    rel = " ".join((m["rel"] or "").lower().split())
    if ctx.prev_word() in {"the", "a", "an", "every", "each", "next", "coming", "by"}:
        return None
    if ctx.prev_word() in _NAMED_DAY_PREFIX or ctx.after_name() or ctx.before_name():
        return None
    if ctx.after().lower() in _NAMED_DAY_SUFFIX:
        return None
    weekday = _WEEKDAYS.index(m["wd"].lower())
    as_of = ctx.as_of
    if rel == "this":  # the named day of the current Monday..Sunday week, if reached
        day = as_of - timedelta(days=as_of.weekday() - weekday)
        return _Span(day, day) if day <= as_of else _VOID
    day = _latest_weekday(as_of, weekday)
    if rel in ("last", "this past") and day == as_of:
        day -= timedelta(days=7)
    return _Span(day, day)


def _weekend(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    if ctx.title_mid("rel"):
        return None
    saturday = _latest_weekday(ctx.as_of, 5)
    if m["rel"].lower() == "last" and ctx.as_of.weekday() >= 5:
        saturday -= timedelta(days=7)
    return _Span(saturday, saturday + timedelta(days=1))


def _period(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    """this/last week, month, year (calendar), with "this past" meaning the rolling unit."""
    if ctx.title_mid("rel"):
        return None
    rel, unit, as_of = " ".join(m["rel"].lower().split()), m["unit"].lower(), ctx.as_of
    if unit == "week" and rel != "last":
        return _Span(as_of - timedelta(days=6), as_of, recent=True)
    if rel == "this past":
        return _Span(_units_back(as_of, 1, unit), as_of)
    if unit == "week":
        monday = as_of - timedelta(days=as_of.weekday() + 7)
        return _Span(monday, monday + timedelta(days=6))
    if unit == "month":
        first = as_of.replace(day=1)
        if rel == "this":
            return _Span(first, as_of)
        last = first - timedelta(days=1)
        return _Span(last.replace(day=1), last)
    year = as_of.year - (rel == "last")
    return _Span(date(year, 1, 1), date(year, 12, 31))


def _count(text: str) -> tuple[int, bool]:
    """A spelled or digit count and whether it is vague ("a few")."""
    key = " ".join(text.lower().split())
    if key in _VAGUE:
        return _VAGUE[key], True
    return (int(key) if key.isdigit() else _NUMBERS[key]), False


def _past_n(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    if m["n"] is None and (
        m["unit"].endswith("s") or not (m["the"] or m["which"].lower() == "past")
    ):
        return None  # "past years" is vague; bare "last week" is the calendar week
    n, vague = _count(m["n"]) if m["n"] else (1, False)
    if n == 0 or n > 1000:
        return None
    return _Span(_units_back(ctx.as_of, n * (2 if vague else 1), m["unit"].lower()), ctx.as_of)


def _ago(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    n, vague = _count(m["n"])
    unit, as_of = m["unit"].lower().rstrip("s"), ctx.as_of
    if n == 0 or n > 1000:
        return None
    if unit == "hour":
        return _Span(_units_back(as_of, n, unit), as_of)
    if vague:
        return _Span(_units_back(as_of, 2 * n, unit), as_of - timedelta(days=1))
    target = _units_back(as_of, n, unit)
    half = {"day": 0, "week": 3, "month": 15, "year": 182}[unit]
    return _Span(target - timedelta(days=half), target + timedelta(days=half))


def _recent(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    days = {"weeks": 28, "months": 90}.get((m["unit"] or "").lower(), 14)
    return _Span(ctx.as_of - timedelta(days=days), ctx.as_of, recent=True)


def _block(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    return _VOID


# --- handlers: calendar references -----------------------------------------------------------


def _month(m: re.Match[str], ctx: _Ctx) -> _Span | None:
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
    month, as_of = _MONTHS[m["month"].lower().rstrip(".")], ctx.as_of
    if m["year"]:
        year = int(m["year"])
    elif rel == "this":
        year = as_of.year
    elif rel == "last":
        year = as_of.year if month < as_of.month else as_of.year - 1
    else:
        year = _latest_year(as_of, month)
    first, last = date(year, month, 1), _month_end(year, month)
    if pos:  # early 1-10, mid 11-20, late 21-end
        first, last = {
            "early": (first, first.replace(day=10)),
            "mid": (first.replace(day=11), first.replace(day=20)),
            "late": (first.replace(day=21), last),
        }[pos]
    return _Span(first, last, explicit=bool(m["year"]))


def _day_span(ctx: _Ctx, month: int, day: int, year: str | None) -> _Span | None:
    """One calendar day; without a year the latest one on or before as_of (leap days too)."""
    if year:
        try:
            found = date(int(year), month, day)
        except ValueError:
            return None
        return _Span(found, found, explicit=True)
    for back in range(9):  # Feb 29 recurs within 8 years
        try:
            found = date(_latest_year(ctx.as_of, month, day) - back, month, day)
        except ValueError:
            continue
        return _Span(found, found, explicit=True)
    return None


def _date_month_first(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    """ "July 4", "Jan. 6, 2021"; not "the January 6 committee" nor "march 5 miles"."""
    if ctx.prev_word() in {"the", "a", "an"} or ctx.after_name():
        return None
    if not m["year"] and ctx.after().lower() in _EVENT_NOUNS:
        return None
    ambiguous = m["month"].islower() and m["month"] in ("march", "may")
    if (
        ambiguous
        and not m["year"]
        and not ctx.triggered()
        and re.match(r"\s+\w", m.string[m.end() :])
    ):
        return None
    return _day_span(ctx, _MONTHS[m["month"].lower().rstrip(".")], _day_number(m["day"]), m["year"])


def _date_day_first(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    """ "4 July 2024", "the 4th of July"; a bare "3 March" needs a trigger or a clause end."""
    clause_end = not re.match(r"\s*\w", m.string[m.end() :])
    if not (m["the"] or m["year"] or ctx.triggered() or clause_end):
        return None
    return _day_span(ctx, _MONTHS[m["month"].lower().rstrip(".")], _day_number(m["day"]), m["year"])


def _iso_date(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    if not 1 <= int(m["month"]) <= 12:
        return None
    return _day_span(ctx, int(m["month"]), int(m["day"]), m["year"])


def _year(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    pos = " ".join((m["pos"] or "").lower().split())
    if not (pos or ctx.triggered(_TRIGGERS - {"by", "and", "to", "on", "as"})) or ctx.before_name():
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
    return _Span(date(year, first, 1), _month_end(year, last), explicit=True)


def _decade(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    if not ctx.triggered():
        return None
    start = int(m["decade"]) * 10
    return _Span(date(start, 1, 1), date(start + 9, 12, 31), explicit=True)


def _season(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    rel, name = " ".join((m["rel"] or "").lower().split()), m["season"].lower()
    if (name == "fall" and ctx.after().lower() == "of") or (not rel and not m["year"]):
        return None
    if rel == "the" and not (m["over"] or ctx.triggered()):
        return None
    start_month, as_of = _SEASONS[name], ctx.as_of
    if m["year"]:  # winter straddles two years: "winter 2021" is ambiguous
        year = int(m["year"])
        if name == "winter":
            return None
        return _Span(date(year, start_month, 1), _month_end(year, start_month + 2), explicit=True)
    spans = []
    for year in range(as_of.year - 2, as_of.year + 1):
        first = date(year, start_month, 1)
        last = _shift_months(first, 2)
        spans.append((first, _month_end(last.year, last.month)))
    begun = [s for s in spans if s[0] <= as_of]
    ended = [s for s in begun if s[1] < as_of]
    if rel == "this":  # the current season, or a past one begun this year or just ended
        current = [s for s in begun if s[1] >= as_of]
        current = current or [
            s for s in ended if s[0].year == as_of.year or (as_of - s[1]).days <= 60
        ]
        return _Span(*current[-1]) if current else _VOID
    return _Span(*(ended if rel in ("last", "this past", "past") else begun)[-1])


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
            return date(year, self.month, 1), _month_end(year, self.month)
        return date(year, 1, 1), date(year, 12, 31)


_TERM_FORMS = (
    re.compile(rf"(?P<month>{_MON_ANY})\s+(?P<day>{_DAY})(?:,?\s+(?P<year>{_YEAR}))?", re.I),
    re.compile(
        rf"(?P<day>{_DAY})\s+(?:of\s+)?(?P<month>{_MON_ANY})(?:,?\s+(?P<year>{_YEAR}))?", re.I
    ),
    re.compile(rf"(?P<month>{_MON_FULL}|{_MON_ANY}(?=,?\s+\d))(?:,?\s+(?P<year>{_YEAR}))?", re.I),
    re.compile(rf"(?P<year>{_YEAR})"),
    re.compile(rf"(?P<weekday>{_WD})", re.I),
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
                month=_MONTHS[parts["month"].lower().rstrip(".")] if parts.get("month") else None,
                day=_day_number(parts["day"]) if parts.get("day") else None,
                weekday=_WEEKDAYS.index(parts["weekday"].lower()) if parts.get("weekday") else None,
            )
    return None


def _term_until_now(term: _Term, as_of: date) -> _Span | None:
    """ "between Monday and today", "from March to now": like "since"."""
    if term.weekday is not None:
        return _Span(_latest_weekday(as_of, term.weekday), as_of)
    try:
        return _Span(term.bounds(term.year or _latest_year(as_of, *term.key()))[0], as_of)
    except ValueError:
        return None


def _range(m: re.Match[str], ctx: _Ctx) -> _Span | None:
    """ "between March and May", "from March to May 2023", "from Monday to Wednesday"."""
    first = _parse_term(m["a"])
    if first is not None and m["b"].lower() in ("today", "now"):
        return _term_until_now(first, ctx.as_of)
    last = _parse_term(m["b"])
    if first is None or last is None or (first.weekday is None) != (last.weekday is None):
        return None
    if first.weekday is not None:
        end = _latest_weekday(ctx.as_of, last.weekday)
        return _Span(end - timedelta(days=(last.weekday - first.weekday) % 7), end)
    key = _Term.key
    year_a, year_b = first.year, last.year
    if year_a is None and year_b is None:
        year_a = _latest_year(ctx.as_of, *key(first))
    if year_a is None:
        year_a = year_b if key(first) <= key(last) else year_b - 1
    if year_b is None:
        year_b = year_a if key(last) >= key(first) else year_a + 1
    try:
        since, until = first.bounds(year_a)[0], last.bounds(year_b)[1]
    except ValueError:
        return None
    explicit = first.year is not None or last.year is not None
    return _Span(since, until, explicit=explicit) if since <= until else None


# --- the rule table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    handler: _Handler
    prepositions: bool = True  # may take "since"/"until"/"before"/"after"/"in"/"on" in front


def _rule(pattern: str, handler: _Handler, prepositions: bool = True) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), handler, prepositions)


_SEASON_WORDS = "spring|summer|autumn|fall|winter"
_BLOCKERS = (
    rf"\b(?:next|coming|upcoming)\s+(?:week(?:end)?|month|year|{_WD}|{_MON_FULL}|{_SEASON_WORDS})\b",
    r"\bthe\s+following\s+(?:day|week(?:end)?|month|year)\b",
    r"\blater\s+(?:today|tonight|this\s+\w+)\b|\btomorrow\b",
    r"\b(?:by|until|before)\s+the\s+end\s+of\s+(?:this|the)\s+(?:week|month|year)\b",
    rf"\b(?:{_alt(_NAMED_DAY_PREFIX)})\s+(?:{_WD})\b|\bfriday\s+the\s+13th\b",
    r"\bfourth\s+of\s+july\b|\bmay\s+day\b|\bmarch\s+madness\b|\blast\s+week\s+tonight\b",
    r"\bat\s+the\s+latest\b|\bin\s+recent\s+years\b",
    r"\b(?:the\s+)?(?:first|last|final)\s+(?:\d+\s+)?(?:days?|weeks?|weekend|months?)\s+of\b",
)
# Nouns that turn a date without a year into an event's name ("Jan. 6 hearings").
_EVENT_NOUNS = {"committee", "hearing", "hearings", "panel", "attack", "attacks", "riot", "riots"}
_EVENT_NOUNS |= {"insurrection", "rioters", "probe", "investigation", "commission", "parade"}
_PART_OF = r"(?:the\s+)?(?:first|last|final)\s+(?:few\s+)?(?:days?|weeks?)\s+of"
_TIME_OF_DAY = r"morning|afternoon|evening|night"

# (pattern, handler, takes a preposition in front). Void phrases first: names, future, idioms.
_RULES: tuple[_Rule, ...] = (
    *(_rule(pattern, _block, prepositions=False) for pattern in _BLOCKERS),
    # Relative days and periods.
    _rule(
        r"\b(?:earlier\s+)?(?P<word>today|tonight|this\s+(?:morning|afternoon|evening))\b", _today
    ),
    _rule(
        r"\b(?P<before>the\s+day\s+before\s+)?(?P<word>yesterday)"
        r"(?:\s+(?:morning|afternoon|evening))?\b",
        _yesterday,
    ),
    _rule(r"\blast\s+night\b", _last_night),
    _rule(
        rf"\b(?:(?P<rel>last|this\s+past|this|early|late)\s+)?(?P<wd>{_WD})\b(?![.-]\w)"
        rf"(?:['’]s\b|\s+(?:{_TIME_OF_DAY})\b(?:['’]s\b)?)?",
        _weekday,
    ),
    _rule(
        r"\b(?:(?:over|at|during|on)\s+)?(?P<rel>this\s+past|this|last|the|past)\s+weekend\b",
        _weekend,
    ),
    _rule(
        r"\b(?:(?:so\s+far|as\s+of|earlier)\s+)?(?P<rel>this\s+past|this|last)\s+"
        r"(?P<unit>week|month|year)\b",
        _period,
    ),
    _rule(
        r"\b(?:(?:in|over|during|within|for)\s+)?(?P<the>the\s+)?(?P<which>past|last|previous)\s+"
        rf"(?:(?P<n>{_NUM})\s+)?(?P<unit>{_UNIT})\b",
        _past_n,
        prepositions=False,
    ),
    _rule(rf"\b(?P<n>{_NUM})\s+(?P<unit>{_UNIT})\s+ago\b", _ago),
    _rule(
        r"\b(?:recently|lately|right\s+now|(?:the\s+)?(?:latest|newest)|a\s+recent"
        r"|(?:the\s+)?most\s+recent(?:ly)?|in\s+recent\s+(?P<unit>days|weeks|months))\b",
        _recent,
        prepositions=False,
    ),
    # Calendar references.
    _rule(
        rf"\b(?P<month>{_MON_ANY})\s+(?P<day>{_DAY})(?:,?\s+(?P<year>{_YEAR}))?",
        _date_month_first,
    ),
    _rule(
        rf"\b(?P<the>the\s+)?(?P<day>{_DAY})\s+(?:of\s+)?(?P<month>{_MON_ANY})(?!\w)"
        rf"(?:,?\s+(?P<year>{_YEAR}))?",
        _date_day_first,
    ),
    _rule(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b", _iso_date),
    _rule(
        rf"\b(?:(?P<rel>last|this)\s+)?(?:(?P<pos>early|mid|late|{_PART_OF})[\s-]+)?"
        rf"(?P<month>{_MON_FULL}|{_MON_ANY}(?=,?\s+(?:19|20)\d\d))(?!\w)(?:,?\s+(?P<year>{_YEAR}))?",
        _month,
    ),
    _rule(
        r"\b(?:(?P<pos>early|mid|late|the\s+(?:end|start|beginning)\s+of)[\s-]+)?"
        rf"(?P<year>{_YEAR})",
        _year,
    ),
    _rule(r"\b(?:the\s+)?(?P<decade>(?:19|20)\d)0s\b", _decade),
    _rule(
        r"\b(?P<over>over\s+)?(?:(?P<rel>this\s+past|this|last|past|the)\s+)?"
        rf"(?P<season>{_SEASON_WORDS})\b(?:\s+(?:of\s+)?(?P<year>{_YEAR}))?",
        _season,
    ),
    _rule(
        rf"\b(?:between|from)\s+(?P<a>{_TERM})\s+(?:and|to|until|till|through|-|–)\s+"
        rf"(?P<b>{_TERM}|today|now)(?!\w)",
        _range,
        prepositions=False,
    ),
)

_PREPOSITION = re.compile(
    r"(?:\b(?P<prep>as\s+of|so\s+far|since|from|until|till|through(?:out)?|before|after|by"
    r"|during|in|on)\s+)?(?P<part>(?:\bat\s+)?\bthe\s+(?:end|start|beginning|middle)\s+of\s+)?$",
    re.IGNORECASE,
)


def _with_preposition(question: str, start: int, span: _Span, as_of: date) -> tuple[int, _Span]:
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
        span = replace(span, since=None, until=span.since - one) if span.since else _VOID
    elif prep == "after":
        span = replace(span, since=span.until + one, until=as_of) if span.until else _VOID
    return found.start(), span


def _clamp(span: _Span, as_of: date) -> _Span:
    """Nothing after as_of; a window that starts after as_of is no window."""
    if span.void:
        return span
    until = as_of if span.until is None else min(span.until, as_of)
    if span.since is not None and span.since > until:
        return _VOID
    return replace(span, until=until)


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    span: _Span

    def rank(self) -> tuple[int, bool, bool, int]:
        """Narrowest first; ties go to non-recent, then explicit dates, then the earliest."""
        since = self.span.since or date.min
        width = (self.span.until - since).days
        return width, self.span.recent, not self.span.explicit, self.start


def _candidates(question: str, as_of: date) -> list[_Candidate]:
    found = []
    for rule in _RULES:
        for match in rule.pattern.finditer(question):
            span = rule.handler(match, _Ctx(question, as_of, match))
            if span is None:
                continue
            start = match.start()
            if rule.prepositions:
                start, span = _with_preposition(question, start, span, as_of)
            found.append(_Candidate(start, match.end(), _clamp(span, as_of)))
    return found


def _choose(candidates: list[_Candidate]) -> _Candidate | None:
    """Longest phrase wins an overlap (a void phrase masks what it covers); then narrowest."""
    kept: list[_Candidate] = []
    for cand in sorted(candidates, key=lambda c: (c.start - c.end, not c.span.void, c.start)):
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    live = [c for c in kept if not c.span.void]
    return min(live, key=_Candidate.rank) if live else None


# --- public API --------------------------------------------------------------------------------


def parse_time_window(question: str, as_of: date) -> TimeWindow | None:
    """Find the most specific time phrase in ``question`` and resolve it relative to ``as_of``.

    Returns None when the question has no time phrase, or only names ("Black Friday"), future
    references ("next week") or ambiguous tokens ("Theresa May", "the 2022 World Cup").
    """
    best = _choose(_candidates(question, as_of))
    if best is None:
        return None
    span = best.span
    return TimeWindow(
        since=span.since,
        until=span.until,
        phrase=question[best.start : best.end],
        start=best.start,
        end=best.end,
        recent=span.recent,
    )


def strip_time_phrase(question: str, window: TimeWindow | None) -> str:
    """The question without the window's phrase (for keyword search), whitespace tidied."""
    text = question
    if window is not None:
        start, end = window.start, window.end
        if question[start:end] != window.phrase:  # a window from another string: find the phrase
            start = question.lower().find(window.phrase.lower()) if window.phrase else -1
            end = start + len(window.phrase)
        if start >= 0:
            text = f"{question[:start]} {question[end:]}"
    text = " ".join(text.split())
    text = re.sub(r"\s+([?.!,;:])", r"\1", text)
    text = re.sub(r"[,;:]+(?=[?.!,;:]|$)", "", text)
    return re.sub(r"^[,;:]\s*", "", text)
