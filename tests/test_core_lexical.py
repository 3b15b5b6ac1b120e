"""Stems, names a question requires of its sources, and days typed by users."""

from datetime import date

import pytest

from bot.core.days import parse_day
from bot.core.errors import InvalidRequest
from bot.core.lexical import content_stems, name_groups, names_present, question_names, stem


def test_names_and_years_are_required():
    assert question_names("Who is the ambassador to Mongolia since 1966?") == ["mongolia", "1966"]


def test_home_countries_and_dates_are_not_required():
    assert question_names("Which movie topped the US box office on Sunday?") == []
    assert question_names("Who is the UK envoy to Mongolia?") == ["mongolia"]
    # A title, not a name: reports often write "chief executive".
    assert question_names("Why did the Brightwave CEO resign?") == [stem("Brightwave")]


def test_typed_days_are_checked_and_bounded():
    assert parse_day("2024-07-25", "--as-of") == date(2024, 7, 25)
    assert parse_day("  ", "--as-of") is None
    with pytest.raises(InvalidRequest, match="--as-of must be a date like"):
        parse_day("2024-02-30", "--as-of")
    # A long or marked-up value is echoed short, inside a code span it cannot close.
    with pytest.raises(InvalidRequest) as caught:
        parse_day("`**@everyone**`" + "x" * 3000, "`since`")
    assert caught.value.message == (
        "`since` must be a date like 2024-07-25, not `'**@everyone**'xxxxxxxxxxxxxxx`."
    )


@pytest.mark.parametrize(
    "forms",
    [
        ("injured", "injuries", "injury"),
        ("evacuated", "evacuation", "evacuate", "evacuations"),
        ("fire", "fires", "fired"),
        ("vote", "votes", "voted"),
        ("city", "cities"),
        ("tax", "taxes"),
        ("intercepted", "intercept"),
        ("decide", "decided", "decision", "decisions"),
        ("elected", "election", "elections"),
        ("died", "dead", "death", "deaths"),
        ("CEO", "chief"),
        ("creation", "created", "create"),
        ("location", "located"),
        ("nomination", "nominated"),
    ],
)
def test_forms_of_one_word_share_a_stem(forms):
    assert len({stem(word) for word in forms}) == 1


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("million", "bill"),
        ("state", "statement"),
        ("policy", "police"),
        ("candidate", "candid"),
        ("united", "unit"),
        ("senate", "sen"),
    ],
)
def test_different_words_keep_different_stems(one, other):
    assert stem(one) != stem(other)


@pytest.mark.parametrize(
    ("name", "text", "present"),
    [
        ("european", "Heat swept across Europe.", True),
        ("covid-19", "The covid wave eased.", True),
        (stem("Ukraine"), "The Ukrainian first lady spoke.", True),
        ("greenland", "The green party won.", False),
        ("johnson", "John Smith said so.", False),
    ],
)
def test_a_name_counts_in_its_other_forms_only(name, text, present):
    assert names_present([(name,)], set(content_stems(text))) is present


def test_a_year_is_always_required_other_names_by_majority():
    stems = set(content_stems("The World Cup final in Paris"))

    def present(question: str) -> bool:
        return names_present(name_groups(question), stems)

    assert not present("Who won the 1966 World Cup?")
    # White House (missing), World Cup, Paris: two of three names are there.
    assert present("Did the White House watch the World Cup in Paris?")
    assert not present("Did the White House watch the Tour de France?")


def test_a_persons_name_counts_by_the_surname():
    assert name_groups("Is Erik Brandt still prime minister?") == [("erik", "brandt")]
    assert names_present(
        name_groups("Did Erik Brandt concede?"), set(content_stems("Brandt conceded."))
    )


def test_one_letter_words_are_not_names():
    assert name_groups("Did Brandt win in round B?") == [("brandt",)]
    assert name_groups("What is Plan B?") == [("plan",)]
    assert name_groups("Who governs São Paulo?") == [("paulo",)]
