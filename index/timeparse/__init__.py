"""Deterministic time-expression parsing for date-aware retrieval (no model, stdlib only).

``parse_time_window(question, as_of)`` finds a phrase such as "last week", "on Sunday",
"in July 2024" or "recently" and turns it into an inclusive date window relative to the day
the question was asked. Each phrasing is one row of ``matching.RULES``: a regex plus a small
handler.

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

The package, one purpose a module: ``lexicon`` (month, weekday and number words, the words that
make a phrase a name, regex fragments and the phrases that are never windows), ``dates`` (date
arithmetic), ``context`` (a rule, its match in the question, the window it resolves to),
``relative`` and ``calendar_refs`` and ``ranges`` (the rules: a regex and its handler each),
``matching`` (running the rules, prepositions, clamping, choosing one window) and this module
(the public API).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from index.timeparse.matching import choose, find_candidates

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


def parse_time_window(question: str, as_of: date) -> TimeWindow | None:
    """Find the most specific time phrase in ``question`` and resolve it relative to ``as_of``.

    Returns None when the question has no time phrase, or only names ("Black Friday"), future
    references ("next week") or ambiguous tokens ("Theresa May", "the 2022 World Cup").
    """
    best = choose(find_candidates(question, as_of))
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
