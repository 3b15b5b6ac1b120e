"""The words time phrases are made of, the words that make them names, and regex fragments."""

from __future__ import annotations

import re

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FULL_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august")
FULL_MONTHS += ("september", "october", "november", "december")
MONTHS = {name: i for i, name in enumerate(FULL_MONTHS, start=1)}
MONTHS.update({name[:3]: i for name, i in list(MONTHS.items())} | {"sept": 9})
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
NUMBERS |= {"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
NUMBERS |= {"fifteen": 15, "twenty": 20, "thirty": 30, "twenty-four": 24, "forty-eight": 48}
VAGUE = {"a few": 3, "few": 3, "a couple of": 2, "a couple": 2, "couple of": 2, "several": 5}
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
# Words before a month/day/year that make it a time reference ("in May", not "Theresa May").
TRIGGERS = frozenset(
    {"in", "on", "since", "during", "until", "till", "through", "throughout", "before", "after"}
    | {"by", "from", "between", "of", "as", "and", "to"}
)
# Capitalised words before a month or weekday that are not names ("On Sunday", "Last May").
NOT_NAMES = TRIGGERS | set(WEEKDAYS) | set(MONTHS) | {"last", "this", "early", "late", "mid"}
# Prefixes/suffixes that make a weekday part of a name ("Black Friday", "Sunday Times").
NAMED_DAY_PREFIX = {"black", "cyber", "super", "good", "easter", "palm", "ash", "fat", "bloody"}
NAMED_DAY_PREFIX |= {"holy", "giving", "shrove", "maundy", "bowl", "business"}
NAMED_DAY_SUFFIX = {"school", "schools", "times", "telegraph", "mirror", "express", "paper"}
NAMED_DAY_SUFFIX |= {"papers", "post", "best", "roast", "football", "league", "club"}
# Nouns that turn a date without a year into an event's name ("Jan. 6 hearings").
EVENT_NOUNS = {"committee", "hearing", "hearings", "panel", "attack", "attacks", "riot", "riots"}
EVENT_NOUNS |= {"insurrection", "rioters", "probe", "investigation", "commission", "parade"}


def _alt(words: object) -> str:
    """A regex alternation, longest first so "sept" wins over "sep"; spaces match any run."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len)[::-1])


WD = _alt(WEEKDAYS)
MON_FULL = _alt(FULL_MONTHS)
MON_ANY = rf"(?:{_alt(MONTHS)})\.?"
NUM = _alt([*NUMBERS, *VAGUE]) + r"|\d{1,3}"
YEAR = r"(?:19|20)\d\d\b(?![-–/]\d|%)"
DAY = r"\d{1,2}(?:st|nd|rd|th)?\b(?![%:]|[.,]\d)"
UNIT = r"hours?|days?|weeks?|months?|years?"
SEASON_WORDS = "spring|summer|autumn|fall|winter"

# Phrases that are no window and mask what they cover: names, the future, idioms.
BLOCKERS = (
    rf"\b(?:next|coming|upcoming)\s+(?:week(?:end)?|month|year|{WD}|{MON_FULL}|{SEASON_WORDS})\b",
    r"\bthe\s+following\s+(?:day|week(?:end)?|month|year)\b",
    r"\blater\s+(?:today|tonight|this\s+\w+)\b|\btomorrow\b",
    r"\b(?:by|until|before)\s+the\s+end\s+of\s+(?:this|the)\s+(?:week|month|year)\b",
    rf"\b(?:{_alt(NAMED_DAY_PREFIX)})\s+(?:{WD})\b|\bfriday\s+the\s+13th\b",
    r"\bfourth\s+of\s+july\b|\bmay\s+day\b|\bmarch\s+madness\b|\blast\s+week\s+tonight\b",
    r"\bat\s+the\s+latest\b|\bin\s+recent\s+years\b",
    r"\b(?:the\s+)?(?:first|last|final)\s+(?:\d+\s+)?(?:days?|weeks?|weekend|months?)\s+of\b",
)
