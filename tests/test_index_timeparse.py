"""Time-expression parsing: exact windows for fixed as-of dates, names that are not times."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from index.timeparse import TimeWindow, parse_time_window, strip_time_phrase

THU = date(2022, 6, 16)  # a Thursday
SUN = date(2022, 6, 19)  # a Sunday
SAT = date(2022, 6, 18)
NEW_YEAR = date(2023, 1, 2)  # a Monday, just after a year boundary
LEAP = date(2024, 2, 29)  # leap day, a Thursday
MARCH_2024 = date(2024, 3, 10)
JULY_2024 = date(2024, 7, 10)


def case(question: str, as_of: date, since: str | None, until: str, phrase: str, **kw: bool):
    """One positive case: ISO strings keep the table readable."""
    expected = (date.fromisoformat(since) if since else None, date.fromisoformat(until))
    return pytest.param(question, as_of, expected, phrase, kw.get("recent", False), id=question)


POSITIVE = [
    # Relative days.
    case("What happened today?", THU, "2022-06-16", "2022-06-16", "today"),
    case("Who is playing tonight?", THU, "2022-06-16", "2022-06-16", "tonight"),
    case("What did the Fed say yesterday?", THU, "2022-06-15", "2022-06-15", "yesterday"),
    case("Yesterday, who resigned?", NEW_YEAR, "2023-01-01", "2023-01-01", "Yesterday"),
    case("What fell this morning?", THU, "2022-06-16", "2022-06-16", "this morning"),
    case("Who won last night?", THU, "2022-06-15", "2022-06-16", "last night"),
    case(
        "What happened the day before yesterday?",
        THU,
        "2022-06-14",
        "2022-06-14",
        "the day before yesterday",
    ),
    # Weekdays.
    case("Who won on Sunday?", THU, "2022-06-12", "2022-06-12", "on Sunday"),
    case("Who won on Sunday?", SUN, "2022-06-19", "2022-06-19", "on Sunday"),
    case("Who won Sunday?", THU, "2022-06-12", "2022-06-12", "Sunday"),
    case("Who won last Sunday?", THU, "2022-06-12", "2022-06-12", "last Sunday"),
    case("Who won last Sunday?", SUN, "2022-06-12", "2022-06-12", "last Sunday"),
    case("What happened on Thursday?", THU, "2022-06-16", "2022-06-16", "on Thursday"),
    case("What happened last Thursday?", THU, "2022-06-09", "2022-06-09", "last Thursday"),
    case("Who was missing early Thursday?", THU, "2022-06-16", "2022-06-16", "early Thursday"),
    case("What did Biden announce this Monday?", SUN, "2022-06-13", "2022-06-13", "this Monday"),
    case("What was in Friday's jobs report?", THU, "2022-06-10", "2022-06-10", "in Friday's"),
    case("Who scored Sunday night?", THU, "2022-06-12", "2022-06-12", "Sunday night"),
    case(
        "How far have stocks fallen since Monday?", THU, "2022-06-13", "2022-06-16", "since Monday"
    ),
    case(
        "What did the Fed decide on Wednesday this week?",
        THU,
        "2022-06-15",
        "2022-06-15",
        "on Wednesday",
    ),
    # Weeks, weekends, months, years.
    case(
        "What did the Fed decide this week?",
        THU,
        "2022-06-10",
        "2022-06-16",
        "this week",
        recent=True,
    ),
    case(
        "Who resigned earlier this week?",
        THU,
        "2022-06-10",
        "2022-06-16",
        "earlier this week",
        recent=True,
    ),
    case(
        "How many cases as of this week?",
        THU,
        "2022-06-10",
        "2022-06-16",
        "as of this week",
        recent=True,
    ),
    case("What happened last week?", THU, "2022-06-06", "2022-06-12", "last week"),
    case("What happened last week?", SUN, "2022-06-06", "2022-06-12", "last week"),
    case("What happened last week?", NEW_YEAR, "2022-12-26", "2023-01-01", "last week"),
    case("Who won over the weekend?", THU, "2022-06-11", "2022-06-12", "over the weekend"),
    case("Who won this weekend?", SUN, "2022-06-18", "2022-06-19", "this weekend"),
    case("Who won this weekend?", SAT, "2022-06-18", "2022-06-18", "this weekend"),
    case("Who won last weekend?", SUN, "2022-06-11", "2022-06-12", "last weekend"),
    case("What changed this month?", THU, "2022-06-01", "2022-06-16", "this month"),
    case("Who quit earlier this month?", LEAP, "2024-02-01", "2024-02-29", "earlier this month"),
    case("What happened last month?", THU, "2022-05-01", "2022-05-31", "last month"),
    case("What happened last month?", NEW_YEAR, "2022-12-01", "2022-12-31", "last month"),
    case("What happened last month?", date(2024, 3, 1), "2024-02-01", "2024-02-29", "last month"),
    case("What rose this year?", NEW_YEAR, "2023-01-01", "2023-01-02", "this year"),
    case("Who won last year?", NEW_YEAR, "2022-01-01", "2022-12-31", "last year"),
    case(
        "How much did prices rise over the past year?",
        LEAP,
        "2023-02-28",
        "2024-02-29",
        "over the past year",
    ),
    case(
        "How much did prices rise over the last 12 months?",
        THU,
        "2021-06-16",
        "2022-06-16",
        "over the last 12 months",
    ),
    # Months and days.
    case("What happened in July?", THU, "2021-07-01", "2021-07-31", "in July"),
    case("What happened in July?", MARCH_2024, "2023-07-01", "2023-07-31", "in July"),
    case("What happened in July?", JULY_2024, "2024-07-01", "2024-07-10", "in July"),
    case("What happened in July 2021?", THU, "2021-07-01", "2021-07-31", "in July 2021"),
    case("Which report came out July 2021?", THU, "2021-07-01", "2021-07-31", "July 2021"),
    case("What happened in may?", THU, "2022-05-01", "2022-05-31", "in may"),
    case("What happened last July?", JULY_2024, "2023-07-01", "2023-07-31", "last July"),
    case("What was decided in early March?", THU, "2022-03-01", "2022-03-10", "in early March"),
    case(
        "What was set in the middle of June?",
        date(2022, 8, 4),
        "2022-06-01",
        "2022-06-30",
        "in the middle of June",
    ),
    case(
        "Who led in the last week of May?",
        THU,
        "2022-05-21",
        "2022-05-31",
        "in the last week of May",
    ),
    case("What happened on July 4?", THU, "2021-07-04", "2021-07-04", "on July 4"),
    case("What happened on July 4?", JULY_2024, "2024-07-04", "2024-07-04", "on July 4"),
    case("What happened July 4th?", THU, "2021-07-04", "2021-07-04", "July 4th"),
    case("What happened 4 July?", THU, "2021-07-04", "2021-07-04", "4 July"),
    case(
        "What happened on the 4th of July?", THU, "2021-07-04", "2021-07-04", "on the 4th of July"
    ),
    case("What happened on Jan. 6, 2021?", THU, "2021-01-06", "2021-01-06", "on Jan. 6, 2021"),
    case("What happened on 4 July 2020?", THU, "2020-07-04", "2020-07-04", "on 4 July 2020"),
    case("What happened on 2022-05-24?", THU, "2022-05-24", "2022-05-24", "on 2022-05-24"),
    case("What happened on February 29?", LEAP, "2024-02-29", "2024-02-29", "on February 29"),
    case(
        "What happened on February 29?",
        date(2023, 6, 1),
        "2020-02-29",
        "2020-02-29",
        "on February 29",
    ),
    case("What happened in February?", LEAP, "2024-02-01", "2024-02-29", "in February"),
    case("What happened in December?", NEW_YEAR, "2022-12-01", "2022-12-31", "in December"),
    # Open and closed ranges.
    case("What has the index done since March?", THU, "2022-03-01", "2022-06-16", "since March"),
    case("What has the index done since 2020?", THU, "2020-01-01", "2022-06-16", "since 2020"),
    case(
        "What happened between March and May?",
        THU,
        "2022-03-01",
        "2022-05-31",
        "between March and May",
    ),
    case(
        "What happened between March and May?",
        date(2022, 4, 10),
        "2022-03-01",
        "2022-04-10",
        "between March and May",
    ),
    case(
        "What happened between November and February?",
        NEW_YEAR,
        "2022-11-01",
        "2023-01-02",
        "between November and February",
    ),
    case(
        "What happened from March to May 2021?",
        THU,
        "2021-03-01",
        "2021-05-31",
        "from March to May 2021",
    ),
    case("Who led from 2019 to 2021?", THU, "2019-01-01", "2021-12-31", "from 2019 to 2021"),
    case(
        "What rose between Monday and today?",
        THU,
        "2022-06-13",
        "2022-06-16",
        "between Monday and today",
    ),
    case("What was law before 2020?", THU, None, "2019-12-31", "before 2020"),
    case("What happened after March?", THU, "2022-04-01", "2022-06-16", "after March"),
    case("What was promised by March?", THU, None, "2022-03-31", "by March"),
    # Years, decades, seasons.
    case("Who won in 2021?", THU, "2021-01-01", "2021-12-31", "in 2021"),
    case("In 2022, who won the most?", THU, "2022-01-01", "2022-06-16", "In 2022"),
    case("What happened in early 2022?", THU, "2022-01-01", "2022-04-30", "in early 2022"),
    case(
        "What did the band release in the 1990s?", THU, "1990-01-01", "1999-12-31", "in the 1990s"
    ),
    case("What happened this summer?", THU, "2022-06-01", "2022-06-16", "this summer"),
    case("What happened last winter?", THU, "2021-12-01", "2022-02-28", "last winter"),
    case("What happened this winter?", LEAP, "2023-12-01", "2024-02-29", "this winter"),
    case(
        "What happened in the summer of 2021?",
        THU,
        "2021-06-01",
        "2021-08-31",
        "in the summer of 2021",
    ),
    # Counts back.
    case(
        "What happened in the past 3 days?", THU, "2022-06-13", "2022-06-16", "in the past 3 days"
    ),
    case(
        "What happened over the last two weeks?",
        THU,
        "2022-06-02",
        "2022-06-16",
        "over the last two weeks",
    ),
    case(
        "What happened in the past 24 hours?",
        THU,
        "2022-06-15",
        "2022-06-16",
        "in the past 24 hours",
    ),
    case(
        "What happened in the past month?",
        date(2024, 3, 31),
        "2024-02-29",
        "2024-03-31",
        "in the past month",
    ),
    case("What happened 5 days ago?", THU, "2022-06-11", "2022-06-11", "5 days ago"),
    case("What happened 5 days ago?", date(2024, 3, 3), "2024-02-27", "2024-02-27", "5 days ago"),
    case("What happened a week ago?", THU, "2022-06-06", "2022-06-12", "a week ago"),
    case("What happened a few days ago?", THU, "2022-06-10", "2022-06-15", "a few days ago"),
    # Vague recency: soft windows of the last two weeks.
    case(
        "Which show was recently renewed?", THU, "2022-06-02", "2022-06-16", "recently", recent=True
    ),
    case(
        "What is the latest on the strike?",
        THU,
        "2022-06-02",
        "2022-06-16",
        "the latest",
        recent=True,
    ),
    case("Which is the newest phone?", THU, "2022-06-02", "2022-06-16", "the newest", recent=True),
    case(
        "Who won the most recent race?",
        THU,
        "2022-06-02",
        "2022-06-16",
        "the most recent",
        recent=True,
    ),
    case(
        "Which nation fell into chaos in recent days?",
        THU,
        "2022-06-02",
        "2022-06-16",
        "in recent days",
        recent=True,
    ),
    # A word that is not a time next to one that is.
    case("Theresa May resigned last week?", THU, "2022-06-06", "2022-06-12", "last week"),
    case("Did the Sunday Times report it yesterday?", THU, "2022-06-15", "2022-06-15", "yesterday"),
    case(
        "Why did cities cancel Fourth of July fireworks this year?",
        THU,
        "2022-01-01",
        "2022-06-16",
        "this year",
    ),
    case(
        "Who will perform later this year, after a tour recently?",
        THU,
        "2022-06-02",
        "2022-06-16",
        "recently",
        recent=True,
    ),
]


@pytest.mark.parametrize(("question", "as_of", "expected", "phrase", "recent"), POSITIVE)
def test_parses_exact_window(question, as_of, expected, phrase, recent):
    window = parse_time_window(question, as_of)
    assert window is not None, question
    assert (window.since, window.until) == expected
    assert window.phrase == phrase
    assert question[window.start : window.end] == phrase
    assert window.recent is recent


NEGATIVE = [
    "Theresa May resigned as prime minister.",
    "Who may run for president?",
    "May I ask who won the election?",
    "What was the march on Washington about?",
    "Why do protesters march in the capital?",
    "What did the Sunday Times report?",
    "Which paper owns the Sunday Telegraph?",
    "Which stores had the best Black Friday deals?",
    "Where is the Fourth of July parade?",
    "When is Independence Day?",
    "Why did Monday.com shares fall?",
    "Which films did Tuesday Weld star in?",
    "Who teaches Sunday school?",
    "Is the Senate an august institution?",
    "What did June Carter sing?",
    "Who won the 2022 World Cup?",
    "Who won the 2020 election?",
    "Which show won the most 2022 Emmy Awards?",
    "What is the Inflation Reduction Act of 2022?",
    "What happened 5 days after the launch?",
    "Who flew on Apollo 11?",
    "How many people caught COVID-19?",
    "Who owns 7-Eleven?",
    "Why was the Boeing 737 grounded?",
    "What did the January 6 committee find?",
    "Who testified at the Jan. 6 hearings?",
    "Who won March Madness?",
    "What did ABC's This Week cover?",
    "What did USA Today report?",
    "What did John Oliver say on Last Week Tonight?",
    "What will the Fed decide next week?",
    "Which singer will tour later this year?",
    "What launches tomorrow?",
    "What is due by Friday?",
    "What will happen in 2030?",
    "What caused the fall of Kabul?",
    "What was the Arab Spring?",
    "Which tickets sell out on Super Tuesday?",
    "Who was born on Friday the 13th?",
    "Which rally is planned for May Day?",
    "Who has won in recent years?",
    "What was the deadline, at the latest?",
    "How many miles did they march 5 miles?",
    "Who won 3 March matches in a row?",
]


@pytest.mark.parametrize("question", NEGATIVE)
def test_names_and_non_times_give_no_window(question):
    assert parse_time_window(question, THU) is None


def test_future_only_phrases_give_no_window():
    assert parse_time_window("What happens this fall?", THU) is None  # autumn has not begun
    assert parse_time_window("What happened on 2022-07-01?", THU) is None
    assert parse_time_window("What happened in July 2022?", THU) is None


PHRASES = [
    "today",
    "yesterday",
    "on Sunday",
    "last Sunday",
    "this week",
    "last week",
    "this month",
    "last month",
    "this year",
    "last year",
    "in July",
    "in February",
    "on February 29",
    "since Monday",
    "between November and February",
    "over the weekend",
    "last weekend",
    "this winter",
    "last summer",
    "in the past 2 months",
    "a month ago",
    "a year ago",
    "recently",
    "last night",
    "on December 31",
]


@pytest.mark.parametrize("phrase", PHRASES)
def test_windows_are_ordered_and_never_in_the_future(phrase):
    question = f"What happened {phrase}?"
    for offset in range(0, 130, 3):  # across a year end and a leap day
        as_of = date(2023, 12, 1) + timedelta(days=offset)
        window = parse_time_window(question, as_of)
        assert window is not None, (phrase, as_of)
        assert window.until is not None and window.until <= as_of
        assert window.since is None or window.since <= window.until
        assert question[window.start : window.end] == window.phrase


def test_most_specific_phrase_wins():
    window = parse_time_window("Recently, on Sunday this week, who won in 2022?", THU)
    assert window is not None and window.phrase == "on Sunday"
    window = parse_time_window("Who won in 2021, and who won in 2019?", THU)
    assert window is not None and window.phrase == "in 2021"  # equal width: the first one


def test_explicit_date_wins_a_tie_with_a_weekday():
    window = parse_time_window("What happened Sunday, July 4, 2021?", THU)
    assert window is not None
    assert (window.since, window.phrase) == (date(2021, 7, 4), "July 4, 2021")


def test_phrase_is_case_insensitive():
    window = parse_time_window("WHAT HAPPENED LAST WEEK?", THU)
    assert window is not None and window.since == date(2022, 6, 6)


@pytest.mark.parametrize(
    ("question", "stripped"),
    [
        ("Who won on Sunday?", "Who won?"),
        ("Who won on Sunday, and why?", "Who won, and why?"),
        ("This week, who resigned?", "who resigned?"),
        ("What did  the Fed decide   this week ?", "What did the Fed decide?"),
        ("What happened in the past 3 days in Ohio?", "What happened in Ohio?"),
        ("Who won between March and May 2021?", "Who won?"),
    ],
)
def test_strip_time_phrase_removes_the_phrase(question, stripped):
    assert strip_time_phrase(question, parse_time_window(question, THU)) == stripped


def test_strip_without_window_only_tidies_whitespace():
    assert strip_time_phrase("  Who   won the  2022 World Cup ? ", None) == (
        "Who won the 2022 World Cup?"
    )


def test_strip_finds_the_phrase_when_the_span_does_not_fit():
    window = TimeWindow(date(2022, 6, 6), date(2022, 6, 12), "last week", 0, 9)
    assert strip_time_phrase("Who won Last Week?", window) == "Who won?"
