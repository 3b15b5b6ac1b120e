"""Secrets in source URLs (a user and password, a token parameter) never reach a message, a
report, a recorded error or a log line; against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from support_web import local_server, rss, serve_feed, source_services

from index.sources.fetch import redact_url
from index.sources.service import SourceError

SECRETS = ("hunter2", "c2VjcmV0", "s3cr3t", "pw123", "ENTRYSECRET")


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://alice:hunter2@x.test/feed", "https://***@x.test/feed"),
        ("https://alice@x.test/feed", "https://***@x.test/feed"),
        ("https://a:p@ss@x.test/f?q=1", "https://***@x.test/f?q=1"),
        ("https://x.test/feed?token=c2VjcmV0LXRva2Vu==", "https://x.test/feed?token=***"),
        ("https://x.test/feed?api_key=abc=def&n=2", "https://x.test/feed?api_key=***&n=2"),
        (
            "https://x.test/f?t=1&access_token=SECRET#top",
            "https://x.test/f?t=1&access_token=***#top",
        ),
        ("https://x.test/f?api%5Fkey=s3cr3t", "https://x.test/f?api%5Fkey=***"),
        ("https://x.test/f?page=2&sort=new", "https://x.test/f?page=2&sort=new"),
        ("https://x.test/a@b/feed", "https://x.test/a@b/feed"),  # "@" in the path: no user
    ],
)
def test_redact_url_masks_users_passwords_and_whole_token_values(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_an_unreadable_url_at_add_time_is_named_without_its_secrets(
    tmp_path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_data("gone", status=404)
    services = source_services(tmp_path)
    for url in (
        httpserver.url_for("/feed") + "?token=c2VjcmV0LXRva2Vu==",
        httpserver.url_for("/feed").replace("http://", "http://alice:hunter2@"),
    ):
        with pytest.raises(SourceError) as caught:
            services.sources.add(url)
        assert "HTTP 404" in caught.value.message
        assert not any(secret in caught.value.message for secret in SECRETS)


def test_a_source_added_twice_is_named_without_its_secrets(
    tmp_path, httpserver: HTTPServer
) -> None:
    feed = serve_feed(httpserver, "/feed.xml", rss([])) + "?token=s3cr3t-v4lue"
    services = source_services(tmp_path)
    services.sources.add(feed, kind="feed")

    with pytest.raises(SourceError, match="already registered as s1") as caught:
        services.sources.add(feed, kind="feed")
    assert "token=***" in caught.value.message and "s3cr3t" not in caught.value.message


def test_a_failing_entry_link_is_reported_and_logged_without_its_secrets(
    tmp_path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/p").respond_with_data("oops", status=500)
    link = httpserver.url_for("/p").replace("http://", "http://bob:pw123@") + "?token=ENTRYSECRET"
    items = [{"title": "Short note", "link": link, "date": "Tue, 02 Apr 2024 09:30:00 GMT"}]
    services = source_services(tmp_path)
    source = services.sources.add(serve_feed(httpserver, "/feed.xml", rss(items)), kind="feed")

    with caplog.at_level("DEBUG"):
        report = services.sources.run(source.id)

    recorded = services.sources.get(source.id)
    assert report.problems == [
        httpserver.url_for("/p").replace("http://", "http://***@")
        + "?token=***: HTTP 500 Internal Server Error"
    ]
    ours = [r.getMessage() for r in caplog.records if r.name != "werkzeug"]  # not the server's
    shown = " ".join(ours) + recorded.last_error + " ".join(report.problems)
    assert "HTTP 500" in recorded.last_error
    assert not any(secret in shown for secret in SECRETS)


def test_a_failing_page_source_is_reported_without_its_password(
    tmp_path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/missing").respond_with_data("", status=404)
    page = httpserver.url_for("/missing").replace("http://", "http://bob:pw123@")
    services = source_services(tmp_path)
    source = services.sources.add(page, kind="page")

    report = services.sources.run(source.id)

    assert report.problems == [
        httpserver.url_for("/missing").replace("http://", "http://***@") + ": HTTP 404 Not Found"
    ]
    assert "pw123" not in services.sources.get(source.id).last_error


def test_source_lists_show_locations_masked() -> None:
    from bot.cli_sources import _sources_table
    from bot.cogs.sources_admin import render_source
    from index.registry import Source

    source = Source("s1", "feed", "https://alice:hunter2@news.test/feed?token=SECRET123")
    shown = render_source(source)
    assert "hunter2" not in shown and "SECRET123" not in shown and "news.test/feed" in shown
    location_cells = list(_sources_table([source]).columns[2].cells)
    assert "SECRET123" not in location_cells[0] and "hunter2" not in location_cells[0]
