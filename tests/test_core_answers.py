"""Answers, summaries and timelines on the sample corpus with the real packaged model."""

from __future__ import annotations

from datetime import date

import pytest
from support import SAMPLES, make_services

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    services = make_services(
        tmp_path_factory.mktemp("answers"), real_model=True, today=date(2025, 3, 1)
    )
    report = services.library.index_paths([SAMPLES])
    assert report.failed == 0
    yield services
    services.close()


def assert_verbatim(services, answer) -> None:
    for citation in answer.citations:
        article = services.catalog.article(citation.article_id)
        assert article.body[citation.start_char : citation.end_char] == citation.quote


def test_interceptors_question_cites_the_bomber_article(services):
    answer = services.newsdesk.ask("Who intercepted the bombers near Alaska?")
    assert not answer.refused
    first = answer.citations[0]
    assert "bomber" in first.title.lower()
    assert "American and Canadian" in first.quote
    assert "[1]" in answer.text
    assert_verbatim(services, answer)


def test_a_name_matches_its_hyphenated_form(services):
    # "COVID" in the question, "Covid-19" in the article.
    answer = services.newsdesk.ask("When did the WHO end the COVID emergency?")
    assert not answer.refused
    assert "covid" in answer.citations[0].title.lower()


def test_citation_numbers_match_markers(services):
    answer = services.newsdesk.ask("How many homes lost power after Hurricane Milton?")
    assert not answer.refused
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    for n in numbers:
        assert f"[{n}]" in answer.text
    assert_verbatim(services, answer)


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Mongolia?",
        "Who won the 1966 football World Cup final?",
        "What is the recipe for sourdough bread?",
        # The rugby final was played at the Stade de France: a mention, not an answer.
        "Who is the president of France?",
    ],
)
def test_unanswerable_questions_are_refused(services, question):
    answer = services.newsdesk.ask(question)
    assert answer.refused
    assert answer.citations == []
    assert "couldn't find" in answer.text


def test_as_of_hides_later_articles(services):
    answer = services.newsdesk.ask("Hurricane Milton Florida", as_of=date(2024, 10, 8))
    cited = [c.published for c in answer.citations]
    assert cited and all(day <= "2024-10-08" for day in cited)
    stored = services.catalog.articles(r.article_id for r in answer.results)
    assert all(a.published.date() <= date(2024, 10, 8) for a in stored.values())


def test_results_rank_at_least_ten_articles(services):
    answer = services.newsdesk.ask("Who won the Super Bowl?")
    assert len(answer.results) >= 10
    assert len({r.article_id for r in answer.results}) == len(answer.results)
    assert "super bowl" in answer.citations[0].title.lower()


def test_time_expression_narrows_the_window(services):
    # Asked on Wednesday 16 October 2024: "last week" is Monday 7 to Sunday 13 October.
    answer = services.newsdesk.ask(
        "What happened to the hurricane last week?", as_of=date(2024, 10, 16)
    )
    assert answer.window == (date(2024, 10, 7), date(2024, 10, 13))
    assert answer.citations
    assert "2024-10-07" <= answer.citations[0].published <= "2024-10-13"
    top = services.catalog.article(answer.results[0].article_id)
    assert date(2024, 10, 7) <= top.published.date() <= date(2024, 10, 13)


def test_an_answer_from_outside_the_named_period_says_so(services):
    # Nothing about the Fed is dated 11 to 17 November 2024 (the week before the 20th).
    answer = services.newsdesk.ask("What did the Fed decide last week?", as_of=date(2024, 11, 20))
    assert answer.text.startswith("Nothing I found is dated 2024-11-11 to 2024-11-17;")
    assert answer.citations and all(c.published < "2024-11-11" for c in answer.citations)
    inside = services.newsdesk.ask(
        "What happened to the hurricane last week?", as_of=date(2024, 10, 16)
    )
    assert not inside.text.startswith("Nothing I found")


def test_summary_is_dated_cited_and_ordered(services):
    summary = services.newsdesk.summary("Hurricane Milton", days=14, as_of=date(2024, 10, 16))
    days = [item.day for item in summary.items]
    assert len(days) >= 3
    assert days == sorted(days)
    assert all(date(2024, 10, 3) <= d <= date(2024, 10, 16) for d in days)
    for n, item in enumerate(summary.items, start=1):
        assert item.citation.n == n
        article = services.catalog.article(item.citation.article_id)
        assert (
            article.body[item.citation.start_char : item.citation.end_char] == item.citation.quote
        )


def test_summary_of_unknown_topic_is_empty(services):
    summary = services.newsdesk.summary(
        "volcano eruption in Iceland", days=7, as_of=date(2024, 10, 16)
    )
    assert summary.empty


def test_timeline_is_one_event_per_day(services):
    timeline = services.newsdesk.timeline("Hurricane Milton")
    days = [item.day for item in timeline.items]
    assert days == sorted(days) and len(days) == len(set(days)) >= 3


def test_an_older_article_answers_when_it_is_the_only_one_about_the_question(services):
    # As of 2025-03-01 the Super Bowl story is fresher, but only the 2023 rugby story
    # is about the Rugby World Cup: the answer quotes it instead of refusing.
    answer = services.newsdesk.ask("Who won the Rugby World Cup?")
    assert not answer.refused
    assert all("2023" in c.published for c in answer.citations)
    assert any("Springboks" in c.quote or "South Africa" in c.quote for c in answer.citations)


def test_time_words_are_not_topic_words(services):
    # "last" must not match "the last 50 minutes" of a rugby report: with the window taken
    # out, nothing of a topic is left, and the bot asks for one.
    answer = services.newsdesk.ask("What happened last week?", as_of=date(2024, 10, 20))
    assert answer.refused and answer.citations == []
    assert "Which story do you mean?" in answer.text


def test_a_year_in_the_question_is_the_window_not_a_required_name(services):
    with_year = services.newsdesk.ask("Who won the Super Bowl in 2025?")
    assert not with_year.refused
    assert "Eagles" in with_year.text


def test_summary_window_named_in_the_topic_keeps_to_it(services):
    summary = services.newsdesk.summary("Hurricane Milton in October", as_of=date(2024, 12, 1))
    assert summary.items
    assert all(date(2024, 10, 1) <= item.day <= date(2024, 10, 31) for item in summary.items)
    assert all("milton" in item.text.lower() for item in summary.items)


def test_timeline_keeps_to_an_explicit_window_even_when_it_is_empty(services):
    one_day = services.newsdesk.timeline(
        "Hurricane Milton", since=date(2024, 10, 8), until=date(2024, 10, 8)
    )
    assert all(item.day == date(2024, 10, 8) for item in one_day.items)
    before = services.newsdesk.timeline("Hurricane Milton", until=date(2020, 1, 1))
    assert before.items == []


def test_summary_rejects_a_start_after_the_as_of_day_and_absurd_day_counts(services):
    from bot.core.errors import InvalidRequest

    with pytest.raises(InvalidRequest, match="after the as-of day"):
        services.newsdesk.timeline("Milton", since=date(2030, 1, 1), as_of=date(2025, 1, 1))
    with pytest.raises(InvalidRequest, match="between 1 and 3650 days"):
        services.newsdesk.summary("Milton", days=99_999_999)


def test_a_vague_question_does_not_mix_stories(services):
    # Several sample stories have a winner; the quotes must all be about one of them.
    answer = services.newsdesk.ask("Who won?")
    assert answer.citations
    assert len({c.article_id for c in answer.citations}) == 1
