"""Names in a question: capitalised people, places, organisations and acronyms, found
without a model (the follow-up rules need to know what a question is about)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

WH_WORDS = frozenset("what who whom whose when where why how which".split())
AUXILIARIES = frozenset(
    "did does do is are was were has have had will would can could should may might".split()
)
# Capitalised at the start of a sentence for grammar, not because they are names.
COMMON_WORDS = (
    WH_WORDS
    | AUXILIARIES
    | frozenset(
        """a an the this that these those and but or so then also if in on at of for to from by
        with about near after before since during between over under into i you we they he she
        it me us them my your our their his her its tell explain describe give show list
        summarise summarize any anything some please why ok okay yes no any all not
        according""".split()
    )
)
MONTHS_AND_DAYS = frozenset(
    [m.lower() for m in calendar.month_name if m]
    + [m.lower() for m in calendar.month_abbr if m]
    + [d.lower() for d in calendar.day_name]
)
LOCATIVE = frozenset("in near at from across over into around outside inside off".split())
NAME_JOINERS = frozenset("of de del la le von van and &".split())

_WORD = re.compile(r"[A-Za-z0-9][\w'’.&-]*")


@dataclass(frozen=True)
class Name:
    """A capitalised name in a question: its text (with a leading "the") and position."""

    text: str
    start: int
    end: int
    locative: bool  # after "in", "near", "at", ...


def names_in(text: str) -> list[Name]:
    """Capitalised names (people, places, organisations, acronyms) in ``text``, in order."""
    names: list[Name] = []
    tokens = list(_WORD.finditer(text))
    i = 0
    while i < len(tokens):
        if not _is_name_token(tokens, i, text):
            i += 1
            continue
        j = i
        while j + 1 < len(tokens):
            nxt = tokens[j + 1]
            if _is_name_token(tokens, j + 1, text) and _adjacent(text, tokens[j], nxt):
                j += 1
            elif (
                nxt.group().lower() in NAME_JOINERS
                and j + 2 < len(tokens)
                and _is_name_token(tokens, j + 2, text)
            ):
                j += 2
            else:
                break
        start, end = tokens[i].start(), tokens[j].end()
        before = text[:start].rstrip().split()
        if before and before[-1].lower() == "the":
            start = text.rfind(before[-1], 0, start)
            before = before[:-1]
        locative = bool(before) and before[-1].lower() in LOCATIVE
        names.append(Name(text[start:end], start, end, locative))
        i = j + 1
    return names


def _is_name_token(tokens: list[re.Match[str]], i: int, text: str) -> bool:
    word = tokens[i].group().rstrip(".'’")
    lower = word.lower()
    if not word or not word[0].isupper() or word == "I" or lower in MONTHS_AND_DAYS:
        return False
    sentence_start = i == 0 or text[: tokens[i].start()].rstrip().endswith((".", "?", "!", ":"))
    return not (sentence_start and lower in COMMON_WORDS) and lower not in {"the", "a", "an"}


def _adjacent(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    return text[left.end() : right.start()] == " "
