"""What kind of answer a question expects, and whether a sentence offers one."""

from __future__ import annotations

import re
from enum import Enum


class AnswerType(Enum):
    """The expected answer type, from the question's wording."""

    PERSON_OR_ORG = "who"
    TIME = "when"
    NUMBER = "how many"
    PLACE = "where"
    ENTITY = "which"
    OTHER = "other"


_TYPE_PATTERNS: list[tuple[re.Pattern, AnswerType]] = [
    (
        re.compile(
            r"\bhow (many|much|long|old|far|big|large|high)\b|\bwhat (percent|percentage|"
            r"number|share|amount|price|age)\b|"
            # "What was the turnout?", "What is the current death toll?"
            r"\bwhat (is|was|are|were) the (\w+ ){0,2}(toll|turnout|number|count|price|cost|"
            r"rate|total|score|percentage|population)s?\b",
            re.I,
        ),
        AnswerType.NUMBER,
    ),
    (
        re.compile(
            r"\bwhen\b|\bwhat (day|date|year|month|time)\b|\bwhich (day|date|year|month)\b", re.I
        ),
        AnswerType.TIME,
    ),
    (re.compile(r"\b(who|whom|whose)\b", re.I), AnswerType.PERSON_OR_ORG),
    (
        re.compile(
            r"\bwhere\b|\bwhat (country|city|state|nation|continent|island|region)\b|"
            r"\bwhich (country|city|state|nation|continent|island|region)\b",
            re.I,
        ),
        AnswerType.PLACE,
    ),
    (re.compile(r"\b(which|what)\b", re.I), AnswerType.ENTITY),
]

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|"
    "December|Jan\\.|Feb\\.|Aug\\.|Sept?\\.|Oct\\.|Nov\\.|Dec\\."
)
_TIME = re.compile(
    rf"\b({_MONTHS})\b|\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|yesterday|today|tonight)\b|\b(1[89]|20)\d\d\b"
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|dozen|dozens|hundred|hundreds|thousand|thousands|million|"
    r"millions|billion|trillion|half|percent)\b",
    re.I,
)
_DURATION = re.compile(r"\s+(seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b", re.I)
_ASKS_DURATION = re.compile(
    r"\bhow (long|old)\b|\bhow many (seconds|minutes|hours|days|weeks|months|years)\b", re.I
)
_NAME = re.compile(r"\b[A-Z][a-zA-Z'’.\-]+(?:\s+(?:[A-Z][a-zA-Z'’.\-]+|of|de|van|von|al))*")


def expected_type(question: str) -> AnswerType:
    """The answer type the question asks for (OTHER when none is clear)."""
    for pattern, answer_type in _TYPE_PATTERNS:
        if pattern.search(question):
            return answer_type
    return AnswerType.OTHER


def candidates(sentence: str, answer_type: AnswerType, question: str) -> list[str]:
    """Phrases of ``sentence`` of the expected type that the question does not already hold."""
    question_lower = question.lower()
    if answer_type is AnswerType.TIME:
        found = [m.group(0) for m in _TIME.finditer(sentence)]
    elif answer_type is AnswerType.NUMBER:
        found = [
            m.group(0)
            for m in _NUMBER.finditer(sentence)
            # "three weeks after" answers "how long", not "how many heaters"
            if _ASKS_DURATION.search(question) or not _DURATION.match(sentence, m.end())
        ]
    elif answer_type is AnswerType.OTHER:
        return []
    else:
        found = [m.group(0) for m in _NAME.finditer(sentence) if m.start() > 0 or " " in m.group(0)]
    return [f for f in found if f.lower() not in question_lower]
