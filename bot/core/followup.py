"""Follow-up questions in a conversation, rewritten into standalone questions (no model).

In a Discord thread people ask "and what about Canada?" or "why?" after a first question. The
search needs the whole question, so :func:`rewrite_followup` rewrites the follow-up with the
thread's previous (already standalone) question:

- an acknowledgement or reaction ("ok", "thanks!", "got it", "👍") is not a question: it
  comes back as kind "chitchat" (``is_question`` False) for the caller to leave unanswered;
- a time-only follow-up ("and in August?") keeps the previous question with the new window;
  "the week before" (day, month, year; before or after) moves the previous window;
- a shift ("what about Canada?", "and in Italy?", "Canada?") puts the new subject in place of
  the previous question's subject (a name in the same role: a place after "in"/"near" for a
  place, else the first other name), or appends it when the previous question had no name;
- a common noun phrase instead ("the death toll", "what about its stock price?") is an aspect
  of the previous subject: "What is known about the death toll of Hurricane Milton?";
- a bare question word ("why?", "how?") is asked of the previous question ("Why did ...?");
- "and now?" asks the previous question about the present;
- "tell me more" / "what happened next" ask about the previous subject;
- a pronoun ("when did it land?") is replaced by the previous subject ("he" or "she" only by
  a name that may be a person's: not a place, nor "the ..." — which leaves out "the Pope" as
  well as "the Norland election"; otherwise the previous question is added for context);
- a complete question naming nothing ("how many people died?") is about the previous
  subject, added in brackets ("How many people died (Hurricane Milton)?");
- anything else is already standalone; it inherits the previous time window only when it
  names the same names as before.

Time windows are pinned to absolute dates ("last week" -> "between October 7, 2024 and
October 13, 2024"), so a thread resumed days later still means the same period. Every rule is
deterministic: the same history and follow-up always give the same question. When an LLM
is configured, :func:`with_condenser` asks it first and falls back on these rules.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from textwrap import shorten

from bot.core.chitchat import LEADING_FILLER, is_chitchat
from bot.core.extractive import asks_for_now
from bot.core.lexical import question_names
from bot.core.names import AUXILIARIES, COMMON_WORDS, LOCATIVE, WH_WORDS, Name, names_in
from index.timeparse import TimeWindow, parse_time_window, strip_time_phrase

MAX_CONTEXT_CHARS = 400  # a previous question longer than this is cut (context, not content)

_SHIFT = re.compile(
    r"^(?:(?:what|how)\s+about|(?:and\s+)?(?:the\s+)?same\s+(?:for|with)|what\s+of|"
    r"as\s+for|regarding)\s+(?P<x>.+)$",
    re.IGNORECASE,
)
_NOTHING_LEFT = re.compile(
    r"^(?:(?:what|how)\s+about|what\s+of|as\s+for|(?:the\s+)?same\s+(?:for|with))?$",
    re.IGNORECASE,
)
_LOCATIVE_SHIFT = re.compile(r"^(?P<prep>in|near|at|for|from)\s+(?P<x>.+)$", re.IGNORECASE)
_BARE_WH = re.compile(
    r"^(?P<wh>why|how|when|where|who|how come|how so|why so|since when|what for|by how much|"
    r"how many|how much)$",
    re.IGNORECASE,
)
_WH_SYNONYMS = {"how come": "why", "why so": "why", "what for": "why", "how so": "how"}
_MORE = re.compile(
    r"^(?:tell me more|more|more details|details|what else|anything else|go on|"
    r"more about (?:it|that|this))$",
    re.IGNORECASE,
)
_NEXT = re.compile(
    r"^(?:what happened next|what happened after that|what next|then what|what then|next|"
    r"and then|what now)$",
    re.IGNORECASE,
)
_NOW = re.compile(
    r"^(?:(?:what|how)\s+about\s+)?(?:right\s+)?(?:now|currently|at the moment|these days|"
    r"so far|as of now|(?:any\s+)?(?:news|updates?)|latest news)$",
    re.IGNORECASE,
)
_BESIDE = re.compile(
    r"^(?:(?:what|how)\s+about\s+)?the\s+(?P<unit>day|week|month|year)\s+"
    r"(?P<side>before|after)$",
    re.IGNORECASE,
)
# "How strong was it?" asked of now: "How strong is it now?"
_PAST_BE = re.compile(r"\b(was|were)\b", re.IGNORECASE)
_PRESENT_BE = {"was": "is", "were": "are"}
_PRONOUN = re.compile(r"\b(it|its|they|them|their|he|him|his|she|her)\b", re.IGNORECASE)
_PERSONAL = frozenset({"he", "him", "his", "she", "her"})
_POSSESSIVE = frozenset({"its", "their", "his"})
_TRAILING = " ?!.,;:"


RewriteFn = Callable[[str, Sequence[str], date], "Rewrite"]
# condense(history, follow_up, fallback) -> standalone question (an LLM's; see bot.core.llm).
Condense = Callable[[list[str], str, Callable[[list[str], str], str]], str]


@dataclass(frozen=True)
class Rewrite:
    """A follow-up rewritten as a standalone question, and which rule did it."""

    question: str
    kind: str  # first | standalone | subject | time | shift | aspect | wh | more | next
    #            | pronoun | llm | chitchat (not a question: ``question`` is the message as typed)
    subject: str | None = None  # the previous subject carried into the question, if any
    window: str | None = None  # the time phrase the question ends with, if carried or pinned

    @property
    def is_question(self) -> bool:
        """False for an acknowledgement or reaction ("thanks!"): nothing to answer."""
        return self.kind != "chitchat"

    @property
    def changed(self) -> bool:
        """True when the question differs from what the user typed (show what was asked)."""
        return self.kind not in {"first", "standalone", "chitchat"} or self.window is not None


def rewrite_followup(followup: str, history: Sequence[str], as_of: date) -> Rewrite:
    """``followup`` as a standalone question, given the thread's earlier standalone questions.

    ``history`` is oldest first; only the latest question is used (it is itself standalone).
    ``as_of`` is the day the follow-up is asked, for time phrases such as "last week".
    """
    text = " ".join(followup.split())
    if is_chitchat(text):
        return Rewrite(text, "chitchat")
    current = Question.parse(text, as_of)
    if not history:
        pinned = pin_time(text, as_of)
        return Rewrite(pinned, "first", window=current.window_phrase if pinned != text else None)
    previous = Question.parse(shorten(history[-1], MAX_CONTEXT_CHARS, placeholder=""), as_of)
    body = LEADING_FILLER.sub("", current.body).strip(_TRAILING)
    window = current.window_phrase or previous.window_phrase
    if _NOTHING_LEFT.match(body):  # "and in August?", "what about last week?"
        if current.window_phrase is None:  # "and?", "what about?": nothing new to ask
            return Rewrite(text, "chitchat")
        return Rewrite(_ask(previous.core, window), "time", window=window)
    if match := _BESIDE.match(body):  # "and the week before?": the window moves
        shifted = _beside(previous.window, match, as_of)
        phrase = absolute_phrase(shifted) if shifted else previous.window_phrase
        return Rewrite(_ask(previous.core, phrase), "time", window=phrase)
    if _NOW.match(body):  # "and now?": the previous question about the present
        now = "" if asks_for_now(previous.core) else " now"
        present = _PAST_BE.sub(_present_be, previous.core, count=1)
        return Rewrite(_ask(present + now, None), "time")
    if match := _BARE_WH.match(body):
        return _wh(match.group("wh"), previous, window)
    if _MORE.match(body):
        return _about(previous, "What else is known about {}", window, "more")
    if _NEXT.match(body):
        return _about(previous, "What happened next with {}", None, "next")
    if match := _SHIFT.match(body):
        return _shift(match.group("x"), previous, window)
    in_place = _LOCATIVE_SHIFT.match(body) and len(body.split()) <= 5 and not _has_verb_hint(body)
    if in_place or _is_fragment(body):  # "and in Italy?", "Canada?", "the death toll"
        return _shift(body, previous, window)
    if _PRONOUN.search(body):
        subject = previous.subject()
        if subject is not None and not _may_stand_for(body, subject):
            subject = None  # "did he concede?" after "who won the Norland election?"
        if subject is not None and subject.text.lower() not in body.lower():
            return _pronoun(body, subject, window)
        if subject is None and not names_in(body):
            return Rewrite(f"{_ask(body, window)} — {_ask(previous.core, None)}", "pronoun")
    return _standalone(text, current, previous)


def with_condenser(condense: Condense) -> RewriteFn:
    """A rewriter that asks ``condense`` (an LLM) first; the rules above are its fallback.

    ``condense(history, follow_up, fallback)`` returns the standalone question; it calls
    ``fallback`` (here: the rules' answer) when the model fails or says nothing usable.
    """

    def rewrite(followup: str, history: Sequence[str], as_of: date) -> Rewrite:
        by_rules = rewrite_followup(followup, history, as_of)
        if not history or not by_rules.is_question:
            return by_rules
        question = condense(list(history), followup, lambda _h, _f: by_rules.question)
        if question == by_rules.question:
            return by_rules
        return Rewrite(pin_time(" ".join(question.split()), as_of), "llm")

    return rewrite


def pin_time(question: str, as_of: date) -> str:
    """``question`` with a relative time phrase ("last week") replaced by absolute dates."""
    window = parse_time_window(question, as_of)
    phrase = absolute_phrase(window)
    if window is None or phrase is None or phrase == window.phrase:
        return question
    return f"{question[: window.start]}{phrase}{question[window.end :]}"


def absolute_phrase(window: TimeWindow | None) -> str | None:
    """A phrase for ``window`` that means the same on any day ("in July 2024")."""
    if window is None or window.recent or window.since is None or window.until is None:
        return window and window.phrase  # "recently" stays relative on purpose: it is "now"
    if re.search(r"\b(?:19|20)\d\d\b", window.phrase):
        return window.phrase  # already absolute
    since, until = window.since, window.until
    if window.phrase.lower().startswith("since"):
        return f"since {_day(since)}"
    if since == until:
        return f"on {_day(since)}"
    if since == date(since.year, 1, 1) and until == date(since.year, 12, 31):
        return f"in {since.year}"
    month_end = since.replace(day=calendar.monthrange(since.year, since.month)[1])
    if since.day == 1 and until == month_end:
        return f"in {calendar.month_name[since.month]} {since.year}"
    return f"between {_day(since)} and {_day(until)}"


@dataclass(frozen=True)
class Question:
    """A question split into its text without the time phrase, and that phrase pinned."""

    text: str
    body: str
    window_phrase: str | None
    window: TimeWindow | None = None

    @classmethod
    def parse(cls, text: str, as_of: date) -> Question:
        """Find and pin the time phrase; ``body`` is the rest, tidied."""
        window = parse_time_window(text, as_of)
        body = strip_time_phrase(text, window) if window else text
        # "the latest" carried onto another question reads as "recently".
        phrase = "recently" if window and window.recent else absolute_phrase(window)
        return cls(text, " ".join(body.split()), phrase, window)

    @property
    def core(self) -> str:
        """The body without its closing punctuation."""
        return self.body.strip(_TRAILING)

    def subject(self, locative: bool = False) -> Name | None:
        """The name the question is about (a place after "in" when ``locative``)."""
        names = names_in(self.core)
        preferred = [n for n in names if n.locative == locative]
        return (preferred or names or [None])[0]


# --- the rules -------------------------------------------------------------------------------


def _wh(word: str, previous: Question, window: str | None) -> Rewrite:
    word = _WH_SYNONYMS.get(word.lower(), word)
    wh = word[0].upper() + word[1:].lower()
    words = previous.core.split()
    lowered = [w.lower() for w in words]
    subject = previous.subject()
    aux = _auxiliary_index(lowered)
    if aux is not None:
        rest = " ".join([lowered[aux], *words[aux + 1 :]])
        return Rewrite(_ask(f"{wh} {rest}", window), "wh", subject and subject.text, window)
    return Rewrite(f"{wh}? — {_ask(previous.core, window)}", "wh", subject and subject.text, window)


def _about(previous: Question, template: str, window: str | None, kind: str) -> Rewrite:
    subject = previous.subject()
    if subject is None:
        return Rewrite(f"{template.format('this')}? — {_ask(previous.core, window)}", kind)
    return Rewrite(_ask(template.format(subject.text), window), kind, subject.text, window)


def _shift(new: str, previous: Question, window: str | None) -> Rewrite:
    new = new.strip(_TRAILING)
    prep = _LOCATIVE_SHIFT.match(new)  # "(what about) in the UK": a place replaces a place
    old = previous.subject(locative=bool(prep) and prep.group("prep").lower() in LOCATIVE)
    if old is None:  # no name to replace: the new subject is added
        question = f"{previous.core}, and what about {new}"
        return Rewrite(_ask(question, window), "shift", None, window)
    if prep and not old.locative:  # "in the north" after a question naming no place: added
        return Rewrite(_ask(f"{previous.core} {new}", window), "shift", None, window)
    if not names_in(new) and (len(new.split()) > 1 or new.lower().startswith("the ")):
        return _aspect(new, old, window)
    if prep:  # the previous question keeps its own "in": no "in in the UK"
        new = prep.group("x")
    replaced = f"{previous.core[: old.start]}{new}{previous.core[old.end :]}"
    return Rewrite(_ask(replaced, window), "shift", old.text, window)


def _aspect(phrase: str, subject: Name, window: str | None) -> Rewrite:
    """A common noun phrase ("the death toll") asked of the previous subject."""
    first, _, rest = phrase.partition(" ")
    if first.lower() in _POSSESSIVE | {"her", "it's"}:  # "its stock price" -> "Apple's ..."
        about = f"{_possessive(subject.text)} {rest}"
    else:
        about = f"{phrase[:1].lower()}{phrase[1:]} of {subject.text}"
    return Rewrite(_ask(f"What is known about {about}", window), "aspect", subject.text, window)


def _pronoun(body: str, subject: Name, window: str | None) -> Rewrite:
    match = _PRONOUN.search(body)
    assert match is not None
    word = match.group(1).lower()
    possessive = word in _POSSESSIVE or (word == "her" and _followed_by_word(body, match.end()))
    replacement = _possessive(subject.text) if possessive else subject.text
    rewritten = f"{body[: match.start()]}{replacement}{body[match.end() :]}"
    return Rewrite(_ask(_capitalise(rewritten), window), "pronoun", subject.text, window)


def _beside(window: TimeWindow | None, match: re.Match[str], as_of: date) -> TimeWindow | None:
    """The day, week, month or year before or after ``window`` (the as-of day when there is
    no dated window); None when the new one would lie after ``as_of``."""
    since, until = (window.since, window.until) if window else (None, None)
    if since is None or until is None:
        since = until = as_of
    unit, before = match.group("unit").lower(), match.group("side").lower() == "before"
    step = -1 if before else 1
    if unit in ("day", "week"):
        edge = since if before else until
        days = 1 if unit == "day" else 7
        far, near = edge + timedelta(days=step * days), edge + timedelta(days=step)
        since, until = (far, near) if before else (near, far)
    else:  # counted from the middle: the month before 30 Sep - 6 Oct is September
        middle = since + (until - since) / 2
        if unit == "month":
            index = middle.year * 12 + middle.month - 1 + step
            since = date(index // 12, index % 12 + 1, 1)
            until = since.replace(day=calendar.monthrange(since.year, since.month)[1])
        else:
            since, until = date(middle.year + step, 1, 1), date(middle.year + step, 12, 31)
    if since > as_of:
        return None
    return TimeWindow(since, min(until, as_of), "", 0, 0)


def _present_be(match: re.Match[str]) -> str:
    """ "was" -> "is", "Were" -> "Are": the same word in the present, same capitals."""
    word = _PRESENT_BE[match.group().lower()]
    return _capitalise(word) if match.group()[0].isupper() else word


def _may_stand_for(body: str, subject: Name) -> bool:
    """False when the pronoun is a person's ("he", "her") and the subject is a thing or a
    place ("the Norland election", "in Spain"): the person is the previous answer, unknown
    here."""
    match = _PRONOUN.search(body)
    personal = match is not None and match.group(1).lower() in _PERSONAL
    return not (personal and (subject.locative or subject.text.lower().startswith("the ")))


def _standalone(text: str, current: Question, previous: Question) -> Rewrite:
    own = {n.text.lower().removeprefix("the ") for n in names_in(current.core)}
    subject = previous.subject()
    # "How many people died (last week)?" in a thread about Milton: about Milton. A question
    # naming anything of its own, a year included, is left to it.
    if not own and not question_names(current.core) and subject is not None:
        window = current.window_phrase or previous.window_phrase
        question = _ask(f"{current.core} ({subject.text})", window)
        return Rewrite(question, "subject", subject.text, window)
    if current.window_phrase is not None:
        return Rewrite(_ask(current.core, current.window_phrase), "standalone")
    before = {n.text.lower().removeprefix("the ") for n in names_in(previous.core)}
    window = previous.window_phrase
    if window and (not own or own & before):
        return Rewrite(_ask(current.core, window), "standalone", window=window)
    return Rewrite(text, "standalone")


# --- helpers ---------------------------------------------------------------------------------


def _ask(text: str, window: str | None) -> str:
    text = text.strip(_TRAILING)
    return f"{text} {window}?" if window else f"{text}?"


def _day(day: date) -> str:
    return f"{calendar.month_name[day.month]} {day.day}, {day.year}"


def _auxiliary_index(lowered: list[str]) -> int | None:
    """Where the auxiliary verb of a wh- or yes/no question is ("what DID the fed ...")."""
    if lowered and lowered[0] in AUXILIARIES:
        return 0
    if lowered and lowered[0] in WH_WORDS:
        return next((i for i, w in enumerate(lowered[1:5], start=1) if w in AUXILIARIES), None)
    return None


def _is_fragment(body: str) -> bool:
    """A short noun phrase on its own ("Canada", "the death toll"): a shift or an aspect."""
    return 0 < len(body.split()) <= 3 and not _has_verb_hint(body) and not _PRONOUN.search(body)


def _has_verb_hint(body: str) -> bool:
    return bool(set(body.lower().split()) & (WH_WORDS | AUXILIARIES))


def _followed_by_word(text: str, pos: int) -> bool:
    following = text[pos:].split()
    return bool(following) and following[0].strip(_TRAILING).lower() not in COMMON_WORDS


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
