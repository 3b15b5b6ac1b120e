"""Messages that ask nothing: acknowledgements and reactions ("ok", "thanks!", "👍", "lol")."""

from __future__ import annotations

import re
from datetime import date

from index.timeparse import parse_time_window

# Words that open a follow-up without adding to it ("and", "ok so", "thanks, but").
LEADING_FILLER = re.compile(
    r"^(?:(?:and|but|so|ok|okay|also|then|well|right|hmm+|thanks|thank you|thx)\b[\s,.!]*)+",
    re.IGNORECASE,
)
# Words of acknowledgements and reactions, letter runs collapsed ("thanksss", "coool"). None
# is a question word or a topic, so a message made only of them asks nothing.
_RUNS = re.compile(r"(\w)\1+")
_ACKS = frozenset(
    _RUNS.sub(r"\1", w)
    for w in """ok okay k alright right sure yes yeah yep yup no nope nah thanks thank thx ty
    tysm cheers appreciated cool great nice awesome perfect excellent neat good wow oh ah hm
    lol lmao rofl haha heh interesting noted understood gotcha got it see i you that's thats
    so very really much lot again all one thing man mate guys makes sense fair enough well done
    job bot that this helps helped helpful useful hey hi hello morning afternoon evening night
    bye goodbye welcome""".split()
)
_LAUGH = re.compile(r"(?:ha|he|lo|hm)+[hl]?")  # "hahaha", "lolol", "hehe"
_NOT_WORDS = re.compile(r"<a?:\w+:\d+>|[^\w\s']|_")  # custom emoji, emoji, punctuation


def is_chitchat(message: str) -> bool:
    """True for an acknowledgement or reaction ("ok", "thanks!", "👍", "lol"): no question.

    A time phrase makes it a question ("and this morning?" asks the last one again).
    """
    # Today as the reference only decides whether a phrase lies in the future.
    if parse_time_window(message, date.today()) is not None:
        return False
    # "and?" or "ok and?" adds nothing either.
    rest = LEADING_FILLER.sub("", message.strip())
    words = _NOT_WORDS.sub(" ", rest.replace("’", "'")).lower().split()
    return all(_RUNS.sub(r"\1", w) in _ACKS or _LAUGH.fullmatch(w) for w in words)
