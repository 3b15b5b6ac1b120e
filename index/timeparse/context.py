"""What rules work with: a rule, the match it found in its question, the window it resolves to."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from index.timeparse.lexicon import MONTHS, NOT_NAMES, TRIGGERS, WEEKDAYS


@dataclass(frozen=True)
class Span:
    """A resolved window before clamping; ``void`` marks a phrase that is not a window."""

    since: date | None
    until: date | None
    recent: bool = False
    explicit: bool = False  # an absolute calendar reference (wins ties)
    void: bool = False


VOID = Span(None, None, void=True)


@dataclass(frozen=True)
class Ctx:
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
        """The token right before the match, lowercased."""
        return self.before().lower()

    def triggered(self, words: frozenset[str] = TRIGGERS) -> bool:
        """A trigger word precedes; "of" counts only after a lowercase word ("end of")."""
        word = self.prev_word()
        if word == "of":
            return self.before(2)[:1].islower()
        return word in words

    def after_name(self) -> bool:
        """A capitalised non-trigger word precedes, mid-sentence ("Theresa May", "Black Friday")."""
        token = self.before()
        if not re.fullmatch(r"[A-Z][a-z]+", token) or token.lower() in NOT_NAMES:
            return False
        head = self.question[: self.match.start()].rstrip()
        return not _sentence_start(self.question, len(head) - len(token))

    def before_name(self) -> bool:
        """A capitalised word (not a month or weekday) follows ("March Madness", "Sunday Times")."""
        token = self.after()
        return bool(re.match(r"[A-Z][a-z]", token)) and token.lower() not in (*MONTHS, *WEEKDAYS)

    def title_mid(self, group: str | int = 0) -> bool:
        """The group is title-cased mid-sentence ("USA Today", "ABC's This Week")."""
        pos, text = self.match.start(group), self.match.group(group)
        title = text[:1].isupper() and not text.isupper()
        return title and not _sentence_start(self.question, pos)


def _sentence_start(text: str, pos: int) -> bool:
    head = text[:pos].rstrip().rstrip("\"'“‘([")
    return not head or head[-1] in ".!?:;"


Handler = Callable[[re.Match[str], Ctx], Span | None]


@dataclass(frozen=True)
class Rule:
    """One phrasing: a regex and the handler that resolves its match (None: not a time)."""

    pattern: re.Pattern[str]
    handler: Handler
    prepositions: bool = True  # may take "since"/"until"/"before"/"after"/"in"/"on" in front


def rule(pattern: str, handler: Handler, prepositions: bool = True) -> Rule:
    """A case-insensitive rule."""
    return Rule(re.compile(pattern, re.IGNORECASE), handler, prepositions)
