"""Search parts the answer tests do not pin down: outlet weights and the word-pair list."""

from __future__ import annotations

import json
from datetime import date

import pytest
from support import make_services

from index.fts import fts_pairs_query
from index.search import SearchQuery, source_weight

BODY = (
    "Harbour ferry crews walked out on Tuesday over new rosters. "
    "The union said the strike would last two days and cancel every crossing."
)


def _write_copies(path) -> None:
    """The same story from two outlets (dedupe is off, so both are stored)."""
    rows = [
        {
            "id": "wire",
            "title": "Ferry crews strike",
            "date": "2024-05-07",
            "body": BODY,
            "source": "Wire Daily",
            "url": "https://news.wire.example/ferry",
        },
        {
            "id": "herald",
            "title": "Ferry crews strike",
            "date": "2024-05-07",
            "body": BODY,
            "source": "The Herald",
            "url": "https://www.herald.example/ferry",
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")


def _top_article(tmp_path, weights: str) -> str:
    articles = tmp_path / "copies.jsonl"
    _write_copies(articles)
    services = make_services(
        tmp_path, source_paths=[articles], dedupe=False, source_weights=weights or {}
    )
    try:
        assert services.library.index_paths([articles]).failed == 0
        query = SearchQuery(text="Why did the ferry crews strike?", as_of=date(2024, 5, 8))
        return services.searcher.search(query).articles[0].article_id
    finally:
        services.close()


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ("herald.example=2", "herald"),  # by domain
        ("Wire Daily=2", "wire"),  # by outlet name
        ("herald.example=0.5", "wire"),  # demoted
    ],
)
def test_a_weighted_outlet_outranks_the_same_story_elsewhere(tmp_path, weights, expected):
    assert _top_article(tmp_path, weights).endswith(expected)


def test_weights_match_outlet_names_and_domains_with_subdomains():
    weights = (("cnn.com", 1.5), ("Reuters", 0.8))
    assert source_weight(weights, "", "https://edition.cnn.com/2022/x") == 1.5
    assert source_weight(weights, "", "https://cnn.com/x") == 1.5
    assert source_weight(weights, "reuters", "https://example.org/x") == 0.8
    assert source_weight(weights, "", "https://notcnn.com/x") == 1.0
    assert source_weight((), "CNN", "https://cnn.com/x") == 1.0


def test_pair_query_links_consecutive_words_and_quotes_them():
    query = fts_pairs_query('New "mandatory" water cuts OR NEAR(x)', 6)
    assert query == (
        'NEAR("mandatory" "water", 6) OR NEAR("water" "cuts", 6) OR NEAR("cuts" "near", 6)'
    )
    assert fts_pairs_query("water", 6) == ""


def test_pair_search_prefers_the_words_together(tmp_path):
    rows = [
        {
            "id": "near",
            "title": "Drought",
            "date": "2024-05-07",
            "body": "The government ordered new water cuts for the region on Monday.",
        },
        {
            "id": "apart",
            "title": "Budget",
            "date": "2024-05-07",
            "body": "Water bills rose again. "
            + "Nothing else changed that week. " * 8
            + "Officials also announced tax cuts.",
        },
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    services = make_services(tmp_path, source_paths=[path])
    try:
        assert services.library.index_paths([path]).failed == 0
        question = "Which region faces water cuts?"
        pair_articles = _articles_of(services.catalog.keyword_search(question, 10, pairs_within=3))
        word_articles = _articles_of(services.catalog.keyword_search(question, 10))
        bodies = services.catalog.articles(word_articles)
    finally:
        services.close()
    assert len(word_articles) == 2  # both have "water" and "cuts"...
    assert [bodies[a].title for a in pair_articles] == ["Drought"]  # ...one has them together


def _articles_of(hits) -> list[str]:
    return list(dict.fromkeys(h.chunk_id.rsplit(":", 1)[0] for h in hits))


def test_a_window_starting_after_the_as_of_day_finds_nothing_and_does_not_fail(tmp_path):
    articles = tmp_path / "copies.jsonl"
    _write_copies(articles)
    services = make_services(tmp_path, source_paths=[articles])
    try:
        assert services.library.index_paths([articles]).failed == 0
        for hard in (True, False):
            query = SearchQuery(
                text="ferry strike",
                as_of=date(2024, 5, 8),
                since=date(2024, 6, 1),
                hard_window=hard,
            )
            services.searcher.search(query)  # no error from an empty date filter
    finally:
        services.close()


def test_another_servers_own_articles_do_not_crowd_out_the_dense_list(tmp_path):
    from support_web import source_services

    crowd = tmp_path / "server-a"
    crowd.mkdir()
    for n in range(12):  # server A's own close matches of the question
        (crowd / f"{n}.txt").write_text(
            f"date 2024-05-{n + 1:02d} Ferry crews strike over rosters\n\n"
            f"Ferry crews strike over rosters. Ferry crews strike over rosters, {n}.\n",
            encoding="utf-8",
        )
    shared = tmp_path / "global"
    shared.mkdir()
    (shared / "g.txt").write_text(
        "date 2024-05-07 Harbour news\n\nThe union said the walkout by ferry crews would "
        "cancel every crossing in the harbour this week.\n",
        encoding="utf-8",
    )
    # Dense retrieval only, with a pool the crowd alone would fill.
    services = source_services(
        tmp_path, dedupe=False, dense_pool=2, keyword_weight=0, pair_weight=0
    )
    try:
        services.sources.add(str(crowd), guild_id="1")
        services.sources.add(str(shared))
        assert services.sources.run_all().failed == 0
        query = SearchQuery(
            text="Ferry crews strike over rosters", as_of=date(2024, 5, 10), guild_id="2"
        )
        found = services.searcher.search(query).articles
        titles = services.catalog.articles(a.article_id for a in found)
    finally:
        services.close()
    assert [t.title for t in titles.values()] == ["Harbour news"]
    assert found[0].score > 0  # found by the dense list, not only listed by a zero-weight one
