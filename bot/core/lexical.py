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
    # Words that ask for the present state name no topic a sentence must share.
    + "now current currently still yet latest recent recently anymore".split()
)


# The home countries of English-language news: reports leave them implicit ("the box office",
# "the Senate"), so a question naming them must not be refused for their absence.
_AMBIENT_NAMES = frozenset({"us", "usa", "uk", "ceo", "cfo"})
_YEAR = re.compile(r"(1[89]|20)\d\d")
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december".split()
)


# Forms no suffix rule joins ("How many died?" is answered by "the death toll rose to 14"),
# and words the rules would merge with another ("policy" with "police").
_IRREGULAR = {
    **dict.fromkeys(("die", "died", "dies", "dying", "dead", "death", "deaths"), "death"),
    **dict.fromkeys(("policy", "policies"), "policy"),
    **dict.fromkeys(("candidate", "candidates"), "candidate"),
    "ceo": "chief",  # reports write "chief executive"
    "united": "united",
}

# (suffix, replacement, letters that must remain), longest suffix first. "-ate" forms need
# five letters left ("evacuated" -> "evacu", but "senate" and "created" keep theirs); a short
# "-ation" keeps its "at" to meet them ("creation" -> "creat").
_SUFFIXES = (
    ("ations", "", 5), ("ations", "at", 3), ("isions", "id", 3), ("ctions", "ct", 3),
    ("ation", "", 5), ("ation", "at", 3),
    ("ating", "", 5), ("ision", "id", 3), ("ction", "ct", 3), ("ated", "", 5),
    ("ings", "", 3), ("edly", "", 3), ("ing", "", 3), ("ies", "", 3), ("ied", "", 3),
    ("ate", "", 5), ("ed", "", 3), ("es", "", 3), ("ly", "", 3), ("s", "", 3),
)  # fmt: skip


def stem(word: str) -> str:
    """A light suffix-stripping stem, enough to match the forms of one word in news text:
    "injured"/"injuries"/"injury", "evacuated"/"evacuation", "fires"/"fire", "votes"/"voted",
    "decision"/"decide".

    Stems are only compared with each other, so they need not be words ("injur", "evacu").
    """
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix, replacement, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            word = word[: -len(suffix)] + replacement
            break
    # A final -e or -y is dropped so "vote" meets "voted" and "injury" meets "injuries".
    if len(word) > 3 and word[-1] in "ey":
        word = word[:-1]
    return word


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
    return [name for group in name_groups(question, first_word) for name in group]


def asked_stems(question: str) -> set[str]:
    """The stems of what a question asks, without its names ("president" of "who is the
    president of France?")."""
    return set(content_stems(question)) - set(question_names(question))


def name_groups(text: str, first_word: bool = False) -> list[tuple[str, ...]]:
    """The names of ``text`` as runs of adjacent capitalised words ("Erik Brandt", "White
    House") and years, stemmed; see :func:`question_names` for what counts."""
    groups: list[list[str]] = []
    previous_end: int | None = None  # where the last name word ended
    for index, match in enumerate(_WORD.finditer(text)):
        word = match.group()
        if (index == 0 and not first_word) or not _is_name(word):
            previous_end = None
            continue
        adjacent = (
            previous_end is not None
            and text[previous_end : match.start()] == " "
            and not _YEAR.fullmatch(word)
        )
        if adjacent and groups and not _YEAR.fullmatch(groups[-1][-1]):
            groups[-1].append(stem(word))
        else:
            groups.append([stem(word)])
        previous_end = match.end()
    return [tuple(group) for group in groups]


def _is_name(word: str) -> bool:
    # One letter is no name ("Plan B", the "S" of "São"): sentences' stems drop it too.
    lower = word.lower()
    return (
        len(word) > 1
        and (word[0].isupper() or bool(_YEAR.fullmatch(word)))
        and lower not in STOPWORDS
        and lower not in _QUESTION_FILLER
        and lower not in _CALENDAR
        and lower not in _AMBIENT_NAMES
    )


def names_present(groups: list[tuple[str, ...]], stems: set[str]) -> bool:
    """True when the names are among ``stems``: every year, both of one or two names, and
    more than half of three or more (a long question names more context, "the White House
    said...", than one report repeats). A name of several words counts by its last ("Erik
    Brandt" by "Brandt": reports name people by surname), in any of its forms ("European"
    for "Europe", "Covid-19" for "Covid": a name's forms vary more than the stemmer knows)."""
    missing = [g[-1] for g in groups if g[-1] not in stems and not _other_form_of(g[-1], stems)]
    if any(name.isdigit() for name in missing):
        return False  # "the 1966 final" is not answered by another year's
    return len(missing) <= max(0, len(groups) - 1) // 2


# What turns a place's name into its people's or language's ("Europe" -> "European").
_NAME_ENDINGS = frozenset({"n", "an", "ian", "ean", "ese", "ish", "i"})


def _other_form_of(name: str, stems: set[str]) -> bool:
    """True when a stem is ``name`` with a hyphenated part or a demonym ending added or
    removed ("covid-19"/"covid", "europ"/"european"); "john" is not "johnson"."""
    name = name.split("-")[0]
    if len(name) < 4:
        return name in stems
    return any(_forms_of_one_name(name, s) for s in stems)


def _forms_of_one_name(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    if len(short) < 4 or not long.startswith(short):
        return False
    rest = long[len(short) :]
    return rest == "" or rest[0] == "-" or rest in _NAME_ENDINGS


def article_texts(passages) -> dict[str, list[str]]:
    """Each article's title followed by the texts of its passages, by article id."""
    texts: dict[str, list[str]] = {}
    for passage in passages:
        texts.setdefault(passage.article_id, [passage.title]).append(passage.text)
    return texts
