"""What a response is (feed or page) when its Content-Type is wrong or missing: detection at
add time and reading on every run judge alike. Against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from support_web import STORIES, atom, local_server, page_html, rss, serve_page, source_services
from werkzeug import Response

from index.sources.feeds import is_html, sniffs_as_feed
from index.sources.fetch import Fetched, Fetcher, FetchError, FetchLimits

LIMITS = FetchLimits(timeout=1.0, total_timeout=3.0, max_bytes=200_000, max_redirects=3)


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


def untyped(body: str | bytes) -> Response:
    """A response with no Content-Type header at all."""
    response = Response(body)
    del response.headers["Content-Type"]
    return response


def serve(server: HTTPServer, path: str, body: str | bytes, content_type: str | None) -> str:
    """Serve ``body`` at ``path`` as ``content_type`` (None: no header); returns its URL."""
    if content_type is None:
        server.expect_request(path).respond_with_handler(lambda _: untyped(body))
    else:
        server.expect_request(path).respond_with_data(body, content_type=content_type)
    return server.url_for(path)


def two_stories(server: HTTPServer) -> list[dict]:
    wall = serve_page(server, "/wall", page_html("wall"))
    ferry = serve_page(server, "/ferry", page_html("ferry"))
    return [
        {"title": "Wall", "link": wall, "date": "Tue, 02 Apr 2024 09:30:00 GMT"},
        {"title": "Ferry", "link": ferry, "date": "Wed, 03 Apr 2024 07:00:00 GMT"},
    ]


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", None, "text/plain"])
def test_an_rss_feed_served_with_a_wrong_or_no_type_is_detected_and_read(
    tmp_path, httpserver: HTTPServer, content_type: str | None
) -> None:
    url = serve(httpserver, "/feed", rss(two_stories(httpserver)), content_type)
    services = source_services(tmp_path)

    source = services.sources.add(url)
    report = services.sources.run(source.id)

    assert source.kind == "feed"
    assert (report.added, report.failed, report.problems) == (2, 0, [])


def test_an_atom_feed_with_no_type_is_detected_and_read(tmp_path, httpserver: HTTPServer) -> None:
    entries = [
        {"title": "Wall", "link": e["link"], "updated": "2024-04-02T09:30:00Z"}
        for e in two_stories(httpserver)
    ]
    url = serve(httpserver, "/atom", atom(entries), None)
    services = source_services(tmp_path)

    source = services.sources.add(url)

    assert source.kind == "feed"
    assert services.sources.run(source.id).added == 2


def test_a_page_with_no_type_is_detected_and_read(tmp_path, httpserver: HTTPServer) -> None:
    url = serve(httpserver, "/story", page_html("glassworks"), None)
    services = source_services(tmp_path)

    source = services.sources.add(url)
    report = services.sources.run(source.id)

    assert source.kind == "page"
    assert (report.added, report.problems) == (1, [])
    [article] = services.catalog.articles(services.catalog.article_ids_for_source(source.id))
    assert STORIES["glassworks"][1][0] in services.catalog.article(article).body


def test_a_page_that_mentions_a_feed_tag_stays_a_page(tmp_path, httpserver: HTTPServer) -> None:
    # "<feed" early in an HTML page once made it a feed at add time, and every run failed.
    script = "<script>var tpl = '<feed><rss>';</script>"
    html = page_html("wall").replace("<head>", "<head>" + script)
    url = serve(httpserver, "/page", html, "text/html")
    services = source_services(tmp_path)

    source = services.sources.add(url)

    assert source.kind == "page"
    assert services.sources.run(source.id).added == 1


async def test_a_response_with_no_type_is_read_not_called_octet_stream(
    httpserver: HTTPServer,
) -> None:
    url = serve(httpserver, "/plain", "<p>hello</p>", None)
    async with Fetcher(LIMITS) as fetcher:
        got = await fetcher.get(url)
    assert (got.media_type, got.charset, got.body) == ("", None, b"<p>hello</p>")


async def test_binary_content_with_no_type_is_still_refused(httpserver: HTTPServer) -> None:
    url = serve(httpserver, "/blob", b"PK\x03\x04\x00\x00binary", None)
    async with Fetcher(LIMITS) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get(url)
    assert caught.value.reason == "binary content, not a web page or feed"


@pytest.mark.parametrize("unit", [b"<!--a-->", b"<?a?>", b"<!doctype x>"])
def test_a_body_of_many_comments_is_judged_at_once(unit: bytes) -> None:
    # Matched naively, each extra comment doubled the time (500 of them: forever).
    body = unit * 500 + b"<x"
    assert not sniffs_as_feed(body)
    assert not is_html(Fetched("http://x.test/", 200, "text/plain", None, body))
