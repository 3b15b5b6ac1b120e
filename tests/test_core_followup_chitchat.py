"""Follow-ups that are not questions, places after "what about", and noun-phrase follow-ups."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.chitchat import is_chitchat
from bot.core.followup import rewrite_followup, with_condenser

AS_OF = date(2024, 10, 20)
MILTON = "What happened to Hurricane Milton?"
FED = "What did the Fed decide in September 2024?"


@pytest.mark.parametrize(
    "message",
    [
        "ok",
        "OK!",
        "okay",
        "thanks!",
        "Thank you so much!!",
        "thank you",
        "cool",
        "great",
        "got it",
        "👍",
        "lol",
        "hahaha",
        "ok thanks 👍",
        "great, thanks",
        "thx",
        "cheers",
        "makes sense",
        "that’s interesting",
        "Thanksss",
        "<:thumbsup:1234>",
        "sure thing",
        "?",
        "hey thanks!",
        "Thanks, that helps",
        "good morning",
        "hi bot",
    ],
)
def test_acknowledgements_are_not_rewritten_into_questions(message: str) -> None:
    assert is_chitchat(message)
    for history in ([MILTON], []):
        rewrite = rewrite_followup(message, history, AS_OF)
        assert (rewrite.kind, rewrite.question) == ("chitchat", message)
        assert not rewrite.is_question and not rewrite.changed


@pytest.mark.parametrize("message", ["and?", "what about?", "so..."])
def test_a_follow_up_with_nothing_new_is_not_a_question(message: str) -> None:
    rewrite = rewrite_followup(message, [MILTON], AS_OF)
    assert rewrite.kind == "chitchat" and not rewrite.is_question


@pytest.mark.parametrize("message", ["and?", "ok and?", "so..."])
def test_a_bare_filler_is_chitchat_before_any_rewrite(message: str) -> None:
    assert is_chitchat(message)  # the Discord layer skips it before taking a rate-limit slot


@pytest.mark.parametrize(
    ("followup", "expected"),
    [
        ("what about in the north?", "in the north?"),
        ("at night?", "at night?"),
    ],
)
def test_a_phrase_with_a_preposition_is_added_to_a_question_naming_no_place(
    followup: str, expected: str
) -> None:
    rewrite = rewrite_followup(followup, [MILTON], AS_OF)
    assert rewrite.question.endswith(expected) and "Milton" in rewrite.question


@pytest.mark.parametrize(
    ("followup", "expected"),
    [
        ("ok but why?", "Why did the Fed decide in September 2024?"),
        ("thanks! and what about the ECB?", "What did the ECB decide in September 2024?"),
        ("Great Britain?", "What did Great Britain decide in September 2024?"),
        ("and in August?", "What did the Fed decide in August 2024?"),
    ],
)
def test_questions_with_acknowledgement_words_are_still_questions(followup, expected) -> None:
    assert not is_chitchat(followup)
    rewrite = rewrite_followup(followup, [FED], AS_OF)
    assert rewrite.question == expected and rewrite.is_question


def test_the_llm_is_not_asked_to_rewrite_chitchat() -> None:
    calls = []

    def condense(history, follow_up, fallback):
        calls.append(follow_up)
        return "What happened to Hurricane Milton?"

    rewrite = with_condenser(condense)("thanks!", [MILTON], AS_OF)
    assert rewrite.kind == "chitchat" and calls == []
    assert with_condenser(condense)("why?", [MILTON], AS_OF).is_question and calls == ["why?"]


@pytest.mark.parametrize(
    ("previous", "followup", "expected"),
    [
        (
            "Who won the election in the US?",
            "What about in the UK",
            "Who won the election in the UK?",
        ),
        ("Who won the election in the US?", "and in the UK?", "Who won the election in the UK?"),
        (
            "Who won the election in the US?",
            "what about the UK?",
            "Who won the election in the UK?",
        ),
        (
            "Who intercepted the bombers near Alaska?",
            "how about near Canada?",
            "Who intercepted the bombers near Canada?",
        ),
    ],
)
def test_a_place_after_what_about_replaces_the_place_once(previous, followup, expected) -> None:
    rewrite = rewrite_followup(followup, [previous], AS_OF)
    assert (rewrite.question, rewrite.kind) == (expected, "shift")
    assert " in in " not in rewrite.question and " near near " not in rewrite.question


@pytest.mark.parametrize(
    ("previous", "followup", "expected"),
    [
        (MILTON, "The death toll", "What is known about the death toll of Hurricane Milton?"),
        (MILTON, "death toll?", "What is known about death toll of Hurricane Milton?"),
        (
            MILTON,
            "what about the death toll?",
            "What is known about the death toll of Hurricane Milton?",
        ),
        (
            "What did the Fed decide last week?",
            "the vote count",
            "What is known about the vote count of the Fed between October 7, 2024 and "
            "October 13, 2024?",
        ),
        (
            "What did Apple announce?",
            "what about its stock price?",
            "What is known about Apple's stock price?",
        ),
    ],
)
def test_a_noun_phrase_follow_up_keeps_the_previous_topic(previous, followup, expected) -> None:
    rewrite = rewrite_followup(followup, [previous], AS_OF)
    assert (rewrite.question, rewrite.kind) == (expected, "aspect")
    assert rewrite.subject in expected and rewrite.changed


def test_a_name_on_its_own_is_still_a_new_subject() -> None:
    rewrite = rewrite_followup("Canada?", ["Who intercepted the bombers near Alaska?"], AS_OF)
    assert (rewrite.question, rewrite.kind) == ("Who intercepted the bombers near Canada?", "shift")


@pytest.mark.parametrize("message", ["and this morning?", "this evening?", "tonight?"])
def test_a_time_phrase_is_a_question_not_chitchat(message: str) -> None:
    assert not is_chitchat(message)
    rewrite = rewrite_followup(message, ["What did the Fed decide last week?"], date(2024, 10, 16))
    assert (
        rewrite.is_question and rewrite.question == "What did the Fed decide on October 16, 2024?"
    )
