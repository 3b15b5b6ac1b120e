"""Words, stems and weights for scoring sentences against a question (no model needed)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from index.fts import STOPWORDS

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
# Question words and fillers that carry no topic.
_QUESTION_FILLER = frozenset(
    "what which who whom whose when where why how many much did does do is are was were "
    "has have had tell me about happened happen say said according".split()
)


# The home countries of English-language news: reports leave them implicit ("the box office",
# "the Senate"), so a question naming them must not be refused for their absence.
_AMBIENT_NAMES = frozenset({"us", "usa", "uk", "ceo", "cfo"})
_YEAR = re.compile(r"(1[89]|20)\d\d")
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december".split()
)


def stem(word: str) -> str:
    """A light suffix-stripping stem, enough to match the forms of one word in news text:
    "injured"/"injuries"/"injury", "evacuated"/"evacuation", "fires"/"fire", "votes"/"voted".

    Stems are only compared with each other, so they need not be words ("injur", "evacu").
    """
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + replacement
            break
    # A final -e or -y is dropped so "vote" meets "voted" and "injury" meets "injuries".
    if len(word) > 3 and word[-1] in "ey":
        word = word[:-1]
    return word


# Forms no suffix rule joins: "How many died?" is answered by "the death toll rose to 14".
_IRREGULAR = dict.fromkeys(("die", "died", "dies", "dying", "dead", "death", "deaths"), "death")

# (suffix, replacement), longest first: the first that leaves a stem of three letters is
# replaced ("decision" -> "decid" as "decide", "elections" -> "elect" as "elected").
_SUFFIXES = tuple(
    (suffix, "")
    for suffix in "ations ation ating ated ings ing edly ies ied ed es s ly ate".split()
) + (("isions", "id"), ("ision", "id"), ("ctions", "ct"), ("ction", "ct"))
_SUFFIXES = tuple(sorted(_SUFFIXES, key=lambda pair: -len(pair[0])))


def content_stems(text: str) -> list[str]:
    """Stems of the meaningful words of ``text``, in order.

    A hyphenated word also yields its parts, so "COVID" matches "Covid-19".
    """
    words = []
    for word in _WORD.findall(text):
        words.append(word)
        if "-" in word:
            words.extend(part for part in word.split("-") if part)
    return [
        stem(w)
        for w in words
        if w.lower() not in STOPWORDS and w.lower() not in _QUESTION_FILLER and len(w) > 1
    ]


def idf_weights(documents: Iterable[Iterable[str]]) -> dict[str, float]:
    """Inverse document frequency of each stem over ``documents`` (smoothed, >= 0.5)."""
    docs = [set(d) for d in documents]
    df = Counter(s for d in docs for s in d)
    n = len(docs)
    return {s: max(0.5, math.log((n + 1) / (c + 0.5))) for s, c in df.items()}


def coverage(question: list[str], sentence: set[str], idf: dict[str, float]) -> float:
    """The share of the question's (idf-weighted) stems that ``sentence`` contains."""
    unique = set(question)
    total = sum(idf.get(s, 1.0) for s in unique)
    if total == 0:
        return 0.0
    return sum(idf.get(s, 1.0) for s in unique if s in sentence) / total


def question_names(question: str, first_word: bool = False) -> list[str]:
    """Stems of the names and years inside a question ("Mongolia", "NORAD", "1966").

    The first word counts only with ``first_word`` (a topic, "Brightwave recall", is not
    a sentence whose first word is capitalised anyway). Weekdays and months are left out:
    they date the question, they do not name its topic; so are "US" and "UK", which news
    reports mostly leave implicit.
    """
    words = _WORD.findall(question)
    return [
        stem(w)
        for w in words[0 if first_word else 1 :]
        if (w[0].isupper() or _YEAR.fullmatch(w))
        and w.lower() not in STOPWORDS
        and w.lower() not in _QUESTION_FILLER
        and w.lower() not in _CALENDAR
        and w.lower() not in _AMBIENT_NAMES
    ]
