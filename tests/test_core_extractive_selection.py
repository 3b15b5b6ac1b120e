"""Which sentences the extractive answerer quotes, on hand-made passages (no model)."""

from __future__ import annotations

from support import passage

from bot.core.extractive import ExtractiveAnswerer

STORM = passage(
    "storm",
    "Hurricane Delphine strengthens",
    "Hurricane Delphine strengthened to 100 mph winds on Tuesday. "
    "Forecasters expect it to reach the coast of Port Haven by Thursday.",
)
FIRE = passage(
    "fire",
    "Warehouse fire in Riverton",
    "The fire caused heavy damage to the Riverton warehouse, officials said. "
    "The cause of the damage is under investigation and no one was hurt.",
)


def test_an_article_that_does_not_name_the_topic_is_not_quoted():
    # "damage" and "cause" are in the fire report only; the storm's name is not.
    answer = ExtractiveAnswerer().answer(
        "How much damage did Hurricane Delphine cause?", [STORM, FIRE]
    )
    assert all(c.article_id != "fire" for c in answer.citations)


def test_a_name_matches_its_other_forms_within_the_article():
    heat = passage(
        "heat",
        "Heat wave grips western Europe",
        "Extreme weather hit several countries across Europe as a heat wave set records.",
    )
    answer = ExtractiveAnswerer().answer("What weather hit European countries?", [heat])
    assert not answer.refused
    assert "heat wave" in answer.text


def test_the_newest_report_gives_the_current_figure():
    older = passage(
        "toll-5",
        "Delphine death toll rises",
        "The death toll from Hurricane Delphine rose to 11 on Friday, officials said.",
        day=5,
    )
    newer = passage(
        "toll-12",
        "Delphine death toll rises again",
        "The death toll from Hurricane Delphine rose to 14 on Friday, officials said.",
        day=12,
    )
    for order in ([older, newer], [newer, older]):
        answer = ExtractiveAnswerer().answer("What is the current death toll from Delphine?", order)
        assert answer.citations[0].article_id == "toll-12"


def test_a_short_sentence_with_the_figure_asked_for_is_quoted():
    election = passage(
        "vote",
        "Lindqvist wins the Norland election",
        "Anna Lindqvist won the Norland election on Sunday, beating Erik Brandt. "
        "Turnout was 78 percent. Brandt conceded on Monday morning in the capital.",
    )
    answer = ExtractiveAnswerer().answer(
        "What was the turnout in the Norland election?", [election]
    )
    assert "78 percent" in answer.text


def test_without_now_in_the_question_the_newer_report_is_not_preferred():
    # Two reports alike but for their figure and date: retrieval's order decides, unless
    # the question asks for the present.
    first = passage(
        "d3", "Heater fires", "Officials counted 17 fires linked to the heaters.", day=3
    )
    newer = passage(
        "d10", "Heater fires", "Officials counted 19 fires linked to the heaters.", day=10
    )
    answerer = ExtractiveAnswerer()
    asked = answerer.answer("How many fires were linked to the heaters?", [first, newer])
    assert asked.citations[0].article_id == "d3"
    now = answerer.answer("How many fires are linked to the heaters now?", [first, newer])
    assert now.citations[0].article_id == "d10"


def test_now_is_not_a_word_the_answer_must_hold():
    storm = passage(
        "storm", "Hurricane Delphine strengthens", "Hurricane Delphine strengthened to 100 mph."
    )
    answer = ExtractiveAnswerer().answer("How strong is Hurricane Delphine now?", [storm])
    assert not answer.refused


def test_a_sentence_from_another_article_must_address_what_is_asked():
    result = passage(
        "result",
        "Lindqvist wins the Norland election",
        "Maria Lindqvist's Social Democrats won the Norland election with 33 percent.",
    )
    shares = passage(
        "shares",
        "Norland shipbuilder's shares rise",
        "Shares of Brandt Industries, the Norland shipbuilder, rose 6 percent on Monday.",
    )
    answer = ExtractiveAnswerer().answer("Who won the Norland election?", [result, shares])
    assert [c.article_id for c in answer.citations] == ["result"]


def test_the_latest_prefers_the_newest_report_though_it_is_a_time_phrase():
    older = passage("t5", "Delphine toll", "The Delphine death toll rose to 11.", day=5)
    newer = passage("t12", "Delphine toll", "The Delphine death toll rose to 14.", day=12)
    answer = ExtractiveAnswerer().answer("What is the latest Delphine death toll?", [older, newer])
    assert answer.citations[0].article_id == "t12"


def test_a_duration_is_not_the_count_asked_for():
    resigned = passage(
        "ceo",
        "Heater maker's chief resigns",
        "The chief executive resigned three weeks after the first heater recall.",
    )
    expanded = passage(
        "recall",
        "Heater recall grows",
        "The maker expanded its recall of heaters to about 450,000 units on Tuesday.",
    )
    answer = ExtractiveAnswerer().answer("How many heaters were recalled?", [resigned, expanded])
    assert answer.citations[0].article_id == "recall"
