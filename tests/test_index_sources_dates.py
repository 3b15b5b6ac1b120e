"""Dates from feeds and pages: an unusable date counts as missing (one bad entry never fails the
feed), and an undated page keeps a stable date, so polling it re-embeds nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from pytest_httpserver import HTTPServer
from support_web import (
    STORIES,
    local_server,
    page_html,
    rss,
    serve_feed,
    serve_page,
    source_services,
)
from werkzeug import Request, Response

from index.sources.fetch import Fetched
from index.sources.web import page_article

FERRY_DATE = "Wed, 03 Apr 2024 07:00:00 GMT"


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


def undated_html(key: str, paragraphs: list[str] | None = None) -> str:
    """An article page that says nothing about when it was published."""
    paras = paragraphs if paragraphs is not None else STORIES[key][1]
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    title = escape(STORIES[key][0])
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def stored_articles(services, source_id: str) -> list:
    ids = services.catalog.article_ids_for_source(source_id)
    return list(services.catalog.articles(ids).values())


def today_midnights() -> set[datetime]:
    """Midnight UTC today, and yesterday's should the test have straddled midnight."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return {today, today - timedelta(days=1)}


# ---- feeds ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_date", ["0000-00-00", "Fri, 31 Dec 9999 23:00:00 -0500"])
def test_an_entry_with_an_unusable_date_is_read_as_undated(
    tmp_path, httpserver: HTTPServer, bad_date: str
) -> None:
    # The undated entry takes its page's own date, as an entry without pubDate does.
    wall = serve_page(httpserver, "/wall", page_html("wall", published="2024-03-30"))
    ferry = serve_page(httpserver, "/ferry", page_html("ferry"))
    feed = serve_feed(
        httpserver,
        "/feed.xml",
        rss(
            [
                {"title": "Harbour wall approved", "link": wall, "date": bad_date},
                {"title": STORIES["ferry"][0], "link": ferry, "date": FERRY_DATE},
            ]
        ),
    )
    services = source_services(tmp_path)
    source = services.sources.add(feed, kind="feed")

    report = services.sources.run(source.id)

    assert (report.added, report.failed, report.problems) == (2, 0, [])
    dates = {a.title: a.published for a in stored_articles(services, source.id)}
    assert dates["Harbour wall approved"] == datetime(2024, 3, 30, tzinfo=UTC)  # the page's
    assert dates[STORIES["ferry"][0]] == datetime(2024, 4, 3, 7, tzinfo=UTC)
    recorded = services.sources.get(source.id)
    assert (recorded.last_error, recorded.failures) == ("", 0)


def test_an_undated_entry_whose_page_fails_is_that_entry_s_problem_only(
    tmp_path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    ferry = serve_page(httpserver, "/ferry", page_html("ferry"))
    summary = " ".join(STORIES["glassworks"][1])
    feed = serve_feed(
        httpserver,
        "/feed.xml",
        rss(
            [
                {
                    "title": STORIES["glassworks"][0],
                    "link": httpserver.url_for("/gone"),
                    "date": "0000-00-00",
                    "description": summary,  # long enough, but an article needs a date
                },
                {"title": STORIES["ferry"][0], "link": ferry, "date": FERRY_DATE},
            ]
        ),
    )
    services = source_services(tmp_path)
    source = services.sources.add(feed, kind="feed")

    report = services.sources.run(source.id)

    assert (report.added, report.failed) == (1, 1)
    assert report.problems == [f"{httpserver.url_for('/gone')}: HTTP 404 Not Found"]
    assert services.sources.get(source.id).failures == 0  # the feed itself is fine


def test_a_reference_to_an_impossible_character_does_not_fail_the_feed(
    tmp_path, httpserver: HTTPServer
) -> None:
    wall = serve_page(httpserver, "/wall", page_html("wall"))
    ferry = serve_page(httpserver, "/ferry", page_html("ferry"))
    xml = rss(
        [
            {"title": "Harbour wall TITLE", "link": wall, "date": FERRY_DATE},
            {"title": STORIES["ferry"][0], "link": ferry, "date": FERRY_DATE},
        ]
    )
    # A surrogate, one past U+10FFFF, and a number Python will not even convert.
    xml = xml.replace("TITLE", "&#xD800; &#1114112; &#" + "9" * 5000 + ";")
    feed = serve_feed(httpserver, "/feed.xml", xml)
    services = source_services(tmp_path)
    source = services.sources.add(feed, kind="feed")

    report = services.sources.run(source.id)

    assert (report.added, report.failed) == (2, 0)
    titles = {a.title for a in stored_articles(services, source.id)}
    assert "Harbour wall \ufffd \ufffd \ufffd" in titles


# ---- pages ------------------------------------------------------------------------------


def test_an_unusable_last_modified_counts_as_missing(tmp_path, httpserver: HTTPServer) -> None:
    headers = {"Last-Modified": "Fri, 31 Dec 9999 23:00:00 -0500"}
    url = serve_page(httpserver, "/wall", undated_html("wall"), **headers)
    services = source_services(tmp_path)
    source = services.sources.add(url, kind="page")

    report = services.sources.run(source.id)

    assert (report.added, report.failed, report.problems) == (1, 0, [])
    [article] = stored_articles(services, source.id)
    assert article.published in today_midnights()
    assert services.sources.get(source.id).last_error == ""


def test_an_undated_page_is_dated_by_its_last_modified(tmp_path, httpserver: HTTPServer) -> None:
    headers = {"Last-Modified": "Tue, 02 Apr 2024 09:30:00 GMT"}
    url = serve_page(httpserver, "/wall", undated_html("wall"), **headers)
    services = source_services(tmp_path)
    source = services.sources.add(url, kind="page")

    services.sources.run(source.id)

    [article] = stored_articles(services, source.id)
    assert article.published == datetime(2024, 4, 2, 9, 30, tzinfo=UTC)


def test_polling_an_undated_page_again_embeds_nothing(tmp_path, httpserver: HTTPServer) -> None:
    url = serve_page(httpserver, "/wall", undated_html("wall"))
    services = source_services(tmp_path)
    source = services.sources.add(url, kind="page")
    assert services.sources.run(source.id).added == 1
    [first] = stored_articles(services, source.id)

    again = services.sources.run(source.id)

    assert (again.added, again.updated, again.unchanged, again.chunks_embedded) == (0, 0, 1, 0)
    [second] = stored_articles(services, source.id)
    assert second.published == first.published
    assert first.published in today_midnights()


def test_an_edited_page_keeps_the_date_it_was_first_stored_with(
    tmp_path, httpserver: HTTPServer
) -> None:
    # Last-Modified moves with every request, as on many dynamic sites.
    state = {"html": page_html("wall", published="2024-03-30"), "requests": 0}

    def page(request: Request) -> Response:
        state["requests"] += 1
        stamp = f"Mon, 0{state['requests']} Jul 2024 10:00:00 GMT"
        return Response(state["html"], content_type="text/html", headers={"Last-Modified": stamp})

    httpserver.expect_request("/wall").respond_with_handler(page)
    services = source_services(tmp_path)
    source = services.sources.add(httpserver.url_for("/wall"), kind="page")
    services.sources.run(source.id)

    # The page is rewritten and no longer says when it was published.
    state["html"] = undated_html("wall", paragraphs=STORIES["wall"][1][:2])
    report = services.sources.run(source.id)

    assert (report.updated, report.added) == (1, 0)
    [article] = stored_articles(services, source.id)
    assert STORIES["wall"][1][3] not in article.body
    assert article.published == datetime(2024, 3, 30, tzinfo=UTC)  # the page's first date


def test_page_article_without_any_date_is_stable_between_calls() -> None:
    body = " ".join(STORIES["ferry"][1]).encode()
    fetched = Fetched("http://example.test/ferry", 200, "text/plain", "utf-8", body)

    first, second = page_article(fetched), page_article(fetched)

    assert first.published == second.published
    assert first.content_hash() == second.content_hash()
    assert first.published in today_midnights()


@pytest.mark.parametrize(
    ("stamp", "day"),
    [
        ("2024-06-03T23:30:00-07:00", datetime(2024, 6, 4, tzinfo=UTC)),  # 06:30 UTC next day
        ("2024-06-04T01:30:00+09:00", datetime(2024, 6, 3, tzinfo=UTC)),  # 16:30 UTC day before
        ("2024-06-03T10:00:00Z", datetime(2024, 6, 3, tzinfo=UTC)),
        ("2024-06-03", datetime(2024, 6, 3, tzinfo=UTC)),
    ],
)
def test_a_page_date_with_an_offset_is_stored_as_its_utc_day(
    tmp_path, httpserver: HTTPServer, stamp: str, day: datetime
) -> None:
    html = page_html("wall", published="2024-06-03").replace("2024-06-03T08:00:00Z", stamp)
    services = source_services(tmp_path)
    source = services.sources.add(serve_page(httpserver, "/wall", html), kind="page")

    assert services.sources.run(source.id).added == 1

    [article] = stored_articles(services, source.id)
    assert article.published == day
