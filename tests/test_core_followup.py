"""Follow-up questions rewritten into standalone questions, deterministically."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.followup import absolute_phrase, pin_time, rewrite_followup, with_condenser
from bot.core.names import names_in
from index.timeparse import parse_time_window

AS_OF = date(2024, 10, 20)  # a Sunday
FED = "What did the Fed decide in September 2024?"
MILTON = "Where did Hurricane Milton make landfall?"


@pytest.mark.parametrize(
    ("previous", "followup", "expected", "kind"),
    [
        # A change of subject keeps the question and its window.
        (FED, "and what about the ECB?", "What did the ECB decide in September 2024?", "shift"),
        (
            FED,
            "How about the Bank of England?",
            "What did the Bank of England decide in September 2024?",
            "shift",
        ),
        (FED, "Same for Japan", "What did Japan decide in September 2024?", "shift"),
        (FED, "the ECB?", "What did the ECB decide in September 2024?", "shift"),
        (
            "What did Labour win in the UK election in July 2024?",
            "and the Conservatives?",
            "What did the Conservatives win in the UK election in July 2024?",
            "shift",
        ),
        # A place after "in" replaces the place, not the actor.
        (
            "How bad was the heatwave in Spain in July 2024?",
            "and in Italy?",
            "How bad was the heatwave in Italy in July 2024?",
            "shift",
        ),
        (
            "What did Russia and China do near Alaska?",
            "and what about Canada?",
            "What did Canada do near Alaska?",
            "shift",
        ),
        # No name to replace: the new subject is added.
        (
            "What happened to the bank that failed?",
            "what about its customers?",
            "What happened to the bank that failed, and what about its customers?",
            "shift",
        ),
        # Only a new time: the previous question with that window.
        (FED, "and in August?", "What did the Fed decide in August 2024?", "time"),
        (
            FED,
            "what about last week?",
            "What did the Fed decide between October 7, 2024 and October 13, 2024?",
            "time",
        ),
        (FED, "And in 2023?", "What did the Fed decide in 2023?", "time"),
        # A bare question word asks it of the previous question.
        (FED, "why?", "Why did the Fed decide in September 2024?", "wh"),
        (FED, "How come?", "Why did the Fed decide in September 2024?", "wh"),
        ("Is the Fed cutting rates?", "why?", "Why is the Fed cutting rates?", "wh"),
        (MILTON, "when?", "When did Hurricane Milton make landfall?", "wh"),
        (
            "Who won the Super Bowl in February 2025?",
            "how?",
            "How? — Who won the Super Bowl in February 2025?",
            "wh",
        ),
        # More, and what came next, are about the previous subject.
        (MILTON, "Tell me more", "What else is known about Hurricane Milton?", "more"),
        (FED, "anything else?", "What else is known about the Fed in September 2024?", "more"),
        (MILTON, "What happened next?", "What happened next with Hurricane Milton?", "next"),
        # Pronouns stand for the previous subject.
        (MILTON, "how strong was it?", "How strong was Hurricane Milton?", "pronoun"),
        (
            MILTON,
            "what was its top wind speed?",
            "What was Hurricane Milton's top wind speed?",
            "pronoun",
        ),
        (MILTON, "when did it hit Florida?", "When did Hurricane Milton hit Florida?", "pronoun"),
        (
            "What did the European Parliament approve on March 13, 2024?",
            "how did they vote?",
            "How did the European Parliament vote on March 13, 2024?",
            "pronoun",
        ),
        (
            "What did the Eagles win?",
            "who was their coach?",
            "Who was the Eagles' coach?",
            "pronoun",
        ),
        (
            "What happened to the bank that failed?",
            "why did it fail?",
            "why did it fail? — What happened to the bank that failed?",
            "pronoun",
        ),
        # "He" is the person the previous answer named, not the election.
        (
            "Who won the Norland election?",
            "did he concede?",
            "did he concede? — Who won the Norland election?",
            "pronoun",
        ),
        (
            "What did Anna Lindqvist promise?",
            "when was she sworn in?",
            "When was Anna Lindqvist sworn in?",
            "pronoun",
        ),
        # "And now?" asks the previous question about the present.
        (
            "How many homes lost power after Hurricane Milton?",
            "and now?",
            "How many homes lost power after Hurricane Milton now?",
            "time",
        ),
        (
            "How strong was Hurricane Delphine on Monday?",
            "what about now?",
            "How strong is Hurricane Delphine now?",
            "time",
        ),
        (
            "What is the death toll from Hurricane Delphine now?",
            "and now?",
            "What is the death toll from Hurricane Delphine now?",
            "time",
        ),
        (
            "How much damage did Hurricane Delphine cause?",
            "any updates?",
            "How much damage did Hurricane Delphine cause now?",
            "time",
        ),
        (
            "How much damage did Hurricane Delphine cause?",
            "and the latest?",
            "How much damage did Hurricane Delphine cause recently?",
            "time",
        ),
    ],
)
def test_elliptical_follow_ups_become_standalone(
    previous: str, followup: str, expected: str, kind: str
) -> None:
    rewrite = rewrite_followup(followup, [previous], AS_OF)
    assert (rewrite.question, rewrite.kind) == (expected, kind)
    assert rewrite.changed


def test_a_complete_question_without_names_is_about_the_previous_subject_and_window() -> None:
    rewrite = rewrite_followup("How many people died?", [MILTON[:-1] + " in October 2024?"], AS_OF)
    assert rewrite.question == "How many people died (Hurricane Milton) in October 2024?"
    assert (rewrite.kind, rewrite.window) == ("subject", "in October 2024")
    assert rewrite.changed


def test_a_question_without_names_after_one_without_a_subject_keeps_the_window() -> None:
    previous = "What happened to the bank that failed in October 2024?"
    rewrite = rewrite_followup("How many people died?", [previous], AS_OF)
    assert rewrite.question == "How many people died in October 2024?"
    assert (rewrite.kind, rewrite.window) == ("standalone", "in October 2024")


def test_a_question_about_something_else_is_left_alone() -> None:
    rewrite = rewrite_followup("Who won the Super Bowl?", [FED], AS_OF)
    assert rewrite.question == "Who won the Super Bowl?" and not rewrite.changed


def test_a_question_about_the_same_names_keeps_the_window() -> None:
    rewrite = rewrite_followup("What did the Fed say about jobs?", [FED], AS_OF)
    assert rewrite.question == "What did the Fed say about jobs in September 2024?"


def test_a_follow_up_with_its_own_window_keeps_it() -> None:
    rewrite = rewrite_followup("What did Powell say in August 2024?", [FED], AS_OF)
    assert rewrite.question == "What did Powell say in August 2024?"
    rewrite = rewrite_followup("what about the ECB in August?", [FED], AS_OF)
    assert rewrite.question == "What did the ECB decide in August 2024?"


def test_only_the_latest_question_counts_and_chains_carry_on() -> None:
    first = rewrite_followup("and what about the ECB?", [FED], AS_OF).question
    second = rewrite_followup("why?", [FED, first], AS_OF)
    assert second.question == "Why did the ECB decide in September 2024?"
    assert rewrite_followup("and in August?", ["Who won?", FED], AS_OF).question == (
        "What did the Fed decide in August 2024?"
    )


def test_relative_windows_are_pinned_so_a_later_day_means_the_same_period() -> None:
    asked = rewrite_followup("and last week?", ["What did the Fed decide?"], AS_OF).question
    a_month_later = rewrite_followup("why?", [asked], date(2024, 11, 20))
    window = parse_time_window(a_month_later.question, date(2024, 11, 20))
    assert (window.since, window.until) == (date(2024, 10, 7), date(2024, 10, 13))


def test_without_history_the_question_is_only_pinned() -> None:
    rewrite = rewrite_followup("What happened  last week?", [], AS_OF)
    assert rewrite.question == "What happened between October 7, 2024 and October 13, 2024?"
    assert rewrite.kind == "first" and rewrite.changed
    plain = rewrite_followup("Who won?", [], AS_OF)
    assert (plain.question, plain.changed) == ("Who won?", False)


def test_rewriting_is_deterministic_and_bounded() -> None:
    history = ["What did the Fed decide " + "and then " * 200 + "in September 2024?"]
    results = {rewrite_followup("why?", history, AS_OF).question for _ in range(3)}
    assert len(results) == 1
    assert len(results.pop()) < 500


@pytest.mark.parametrize(
    ("question", "pinned"),
    [
        ("What happened last week?", "What happened between October 7, 2024 and October 13, 2024?"),
        ("What happened yesterday?", "What happened on October 19, 2024?"),
        ("What happened in July?", "What happened in July 2024?"),
        ("What happened this year?", "What happened between January 1, 2024 and October 20, 2024?"),
        ("What happened since June?", "What happened since June 1, 2024?"),
        ("What happened in July 2024?", "What happened in July 2024?"),
        ("What happened recently?", "What happened recently?"),
        ("What happened?", "What happened?"),
    ],
)
def test_pin_time(question: str, pinned: str) -> None:
    assert pin_time(question, AS_OF) == pinned
    before = parse_time_window(question, AS_OF)
    after = parse_time_window(pinned, AS_OF)
    if before is not None:
        assert (after.since, after.until) == (before.since, before.until)


def test_absolute_phrase_of_a_whole_year_and_nothing() -> None:
    assert absolute_phrase(parse_time_window("in 2023", AS_OF)) == "in 2023"
    assert absolute_phrase(None) is None


def test_names_skip_question_words_months_and_keep_the_article() -> None:
    names = names_in("What did the Bank of England and the Fed do in July near Alaska?")
    assert [(n.text, n.locative) for n in names] == [
        ("the Bank of England", False),
        ("the Fed", False),
        ("Alaska", True),
    ]
    assert names_in("Why did it happen on Monday?") == []
    assert [n.text for n in names_in("Biden said what about NATO?")] == ["Biden", "NATO"]


class FakeCondenser:
    """An LLM stand-in: returns ``reply``, or uses the fallback when ``reply`` is empty."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls: list[tuple[list[str], str]] = []

    def __call__(self, history, follow_up, fallback) -> str:
        self.calls.append((list(history), follow_up))
        return self.reply or fallback(history, follow_up)


def test_an_llm_rewrite_is_used_and_its_time_pinned() -> None:
    condense = FakeCondenser("What did the ECB decide last week?")
    rewrite = with_condenser(condense)("and the ECB?", [FED], AS_OF)
    assert condense.calls == [([FED], "and the ECB?")]
    assert (
        rewrite.question == "What did the ECB decide between October 7, 2024 and October 13, 2024?"
    )
    assert rewrite.kind == "llm" and rewrite.changed


def test_when_the_llm_fails_the_rules_decide_and_without_history_it_is_not_asked() -> None:
    condense = FakeCondenser("")
    rewrite = with_condenser(condense)("why?", [FED], AS_OF)
    assert (rewrite.question, rewrite.kind) == ("Why did the Fed decide in September 2024?", "wh")
    first = with_condenser(condense)("Who won?", [], AS_OF)
    assert first.question == "Who won?" and len(condense.calls) == 1


# The thread's history holds pinned questions: "last week" asked on Sunday 20 October.
FED_LAST_WEEK = "What did the Fed decide between October 14, 2024 and October 20, 2024?"


@pytest.mark.parametrize(
    ("followup", "expected"),
    [
        ("and the week before?", "between October 7, 2024 and October 13, 2024"),
        ("the day before?", "on October 13, 2024"),
        ("what about the month before?", "in September 2024"),
        ("the year before?", "in 2023"),
    ],
)
def test_the_week_before_moves_the_previous_window(followup: str, expected: str) -> None:
    rewrite = rewrite_followup(followup, [FED_LAST_WEEK], AS_OF)
    assert rewrite.question == f"What did the Fed decide {expected}?"
    assert (rewrite.kind, rewrite.window) == ("time", expected)


def test_the_week_after_the_as_of_day_keeps_the_previous_window() -> None:
    rewrite = rewrite_followup("and the week after?", [FED_LAST_WEEK], AS_OF)
    assert rewrite.question == FED_LAST_WEEK


def test_the_week_before_a_question_without_a_window_is_the_week_before_today() -> None:
    rewrite = rewrite_followup("and the week before?", ["What did the Fed decide?"], AS_OF)
    assert rewrite.question == (
        "What did the Fed decide between October 13, 2024 and October 19, 2024?"
    )


def test_the_month_before_a_week_across_two_months_is_the_month_of_its_middle_minus_one() -> None:
    previous = "What did the Fed decide between September 30, 2024 and October 6, 2024?"
    rewrite = rewrite_followup("the month before?", [previous], AS_OF)
    assert rewrite.question == "What did the Fed decide in September 2024?"


def test_a_question_naming_a_year_is_not_given_the_threads_subject() -> None:
    rewrite = rewrite_followup("who won the 2024 election?", [MILTON], AS_OF)
    assert "Milton" not in rewrite.question


def test_a_question_naming_nothing_but_a_time_gets_the_subject_and_its_own_time() -> None:
    rewrite = rewrite_followup("how many people died last week?", [MILTON], AS_OF)
    assert rewrite.question == (
        "how many people died (Hurricane Milton) between October 7, 2024 and October 13, 2024?"
    )
