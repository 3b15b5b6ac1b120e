"""Feeds and pages end to end: a real HTTP server on 127.0.0.1, the real service, catalog and
Chroma (fake embeddings: speed is the point here, not retrieval quality)."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer
from support_web import (
    STORIES,
    atom,
    local_server,
    page_html,
    requests_to,
    rss,
    serve_feed,
    serve_page,
    source_services,
)
from werkzeug import Request, Response

from index.sources.service import SourceError

WALL_DATE = "Tue, 02 Apr 2024 09:30:00 GMT"
FERRY_DATE = "Wed, 03 Apr 2024 07:00:00 GMT"


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


def courier_feed(server: HTTPServer, extra: list[dict] | None = None) -> str:
    wall = serve_page(server, "/news/wall", page_html("wall", published="2024-03-30"))
    ferry = serve_page(server, "/news/ferry", page_html("ferry"))
    items = [
        {"title": "Harbour wall approved", "link": wall + "?utm_source=rss", "date": WALL_DATE},
        {"title": STORIES["ferry"][0], "link": ferry, "date": FERRY_DATE},
    ]
    return serve_feed(server, "/feed.xml", rss(items + (extra or [])))


def chroma_ids(services) -> set[str]:
    got = services.store._collection.get(include=[], limit=100_000)
    return set(got["ids"])


def catalog_chunk_ids(services) -> set[str]:
    rows = services.catalog._query("SELECT chunk_id FROM chunks")
    return {r[0] for r in rows}


def test_feed_entries_are_read_with_the_entry_link_date_and_title_winning(
    tmp_path, httpserver: HTTPServer
) -> None:
    services = source_services(tmp_path)
    source = services.sources.add(courier_feed(httpserver))
    assert source.kind == "feed"  # detected from the response

    report = services.sources.run(source.id)

    assert (report.added, report.failed, report.problems) == (2, 0, [])
    ids = services.catalog.article_ids_for_source(source.id)
    wall = next(a for a in services.catalog.articles(ids).values() if "wall" in a.url)
    assert wall.title == "Harbour wall approved"  # the entry's title
    assert wall.published == datetime(2024, 4, 2, 9, 30, tzinfo=UTC)  # the entry's date
    assert wall.url == httpserver.url_for("/news/wall") + "?utm_source=rss"  # the entry's link
    assert wall.authors == ("Ada Lind",)  # from the page
    assert STORIES["wall"][1][1] in wall.body
    assert "Home | Local" not in wall.body and "Contact the newsroom" not in wall.body
    assert services.sources.get(source.id).article_count == 2
    assert chroma_ids(services) == catalog_chunk_ids(services)


def test_a_rerun_fetches_no_page_and_embeds_nothing(tmp_path, httpserver: HTTPServer) -> None:
    services = source_services(tmp_path)
    source = services.sources.add(courier_feed(httpserver), kind="feed")
    services.sources.run(source.id)
    embedded = services.embeddings.documents_embedded

    again = services.sources.run(source.id)

    assert (again.added, again.updated, again.unchanged, again.chunks_embedded) == (0, 0, 2, 0)
    assert services.embeddings.documents_embedded == embedded
    assert requests_to(httpserver, "/news/wall") == 1
    assert requests_to(httpserver, "/feed.xml") == 2


def test_an_unchanged_feed_answers_304_and_costs_nothing(tmp_path, httpserver: HTTPServer) -> None:
    page = serve_page(httpserver, "/p", page_html("ferry"))
    xml = rss([{"title": "Ferry", "link": page, "date": FERRY_DATE}])

    def conditional(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v7"':
            return Response(status=304)
        return Response(xml, content_type="application/rss+xml", headers={"ETag": '"v7"'})

    httpserver.expect_request("/feed").respond_with_handler(conditional)
    services = source_services(tmp_path)
    source = services.sources.add(httpserver.url_for("/feed"), kind="feed")
    assert services.sources.run(source.id).added == 1

    again = services.sources.run(source.id)
    assert (again.added, again.updated, again.failed, again.chunks_embedded) == (0, 0, 0, 0)
    assert services.sources.get(source.id).etag == '"v7"'


def test_a_changed_story_replaces_its_chunks_and_a_dropped_one_stays(
    tmp_path, httpserver: HTTPServer
) -> None:
    long_text = STORIES["wall"][1] * 6  # several chunks
    state = {"paragraphs": long_text, "updated": "2024-04-02T09:00:00Z", "both": True}

    def page(request: Request) -> Response:
        return Response(page_html("wall", paragraphs=state["paragraphs"]), content_type="text/html")

    httpserver.expect_request("/wall").respond_with_handler(page)
    ferry = serve_page(httpserver, "/ferry", page_html("ferry"))

    def feed(request: Request) -> Response:
        entries = [
            {"title": "Wall", "link": httpserver.url_for("/wall"), "updated": state["updated"]}
        ]
        if state["both"]:
            entries.append({"title": "Ferry", "link": ferry, "updated": "2024-04-01T00:00:00Z"})
        return Response(atom(entries), content_type="application/atom+xml")

    httpserver.expect_request("/atom").respond_with_handler(feed)
    services = source_services(tmp_path)
    source = services.sources.add(httpserver.url_for("/atom"), kind="feed")
    services.sources.run(source.id)
    [wall_id] = [
        a
        for a in services.catalog.article_ids_for_source(source.id)
        if services.catalog.article(a).title == "Wall"
    ]
    chunks_before = services.catalog.chunk_count(wall_id)
    assert chunks_before > 2

    # The story is rewritten (shorter) and re-dated; the ferry story leaves the feed.
    state.update(paragraphs=STORIES["wall"][1][:2], updated="2030-01-01T00:00:00Z", both=False)
    report = services.sources.run(source.id)

    assert (report.updated, report.added) == (1, 0)
    assert services.catalog.chunk_count(wall_id) < chunks_before
    assert STORIES["wall"][1][3] not in services.catalog.article(wall_id).body
    assert services.sources.get(source.id).article_count == 2  # the ferry story stays
    assert chroma_ids(services) == catalog_chunk_ids(services)


def test_a_moved_stamp_over_an_unchanged_page_is_fetched_once_per_move(
    tmp_path, httpserver: HTTPServer
) -> None:
    wall = serve_page(httpserver, "/wall", page_html("wall"))
    state = {"updated": "2024-04-02T09:00:00Z"}

    def feed(request: Request) -> Response:
        entries = [{"title": "Wall", "link": wall, "updated": state["updated"]}]
        published = "<published>2024-04-02T09:00:00Z</published>"  # the date stays put
        xml = atom(entries).replace("<title>Wall</title>", "<title>Wall</title>" + published)
        return Response(xml, content_type="application/atom+xml")

    httpserver.expect_request("/atom").respond_with_handler(feed)
    services = source_services(tmp_path)
    source = services.sources.add(httpserver.url_for("/atom"), kind="feed")
    assert services.sources.run(source.id).added == 1

    # The publisher bumps <updated> (here past the time it was stored: a date in the future,
    # as some feeds give) but the page is the same: read once to see, then left alone.
    fetched = []
    for updated in ("2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "2030-06-01T00:00:00Z"):
        state["updated"] = updated
        report = services.sources.run(source.id)
        assert (report.unchanged, report.updated, report.chunks_embedded) == (1, 0, 0)
        fetched.append(requests_to(httpserver, "/wall"))
    assert fetched == [2, 2, 3]


def test_an_entry_dated_in_the_future_is_not_fetched_on_every_poll(
    tmp_path, httpserver: HTTPServer
) -> None:
    wall = serve_page(httpserver, "/wall", page_html("wall"))
    items = [{"title": "Wall", "link": wall, "date": "Tue, 02 Apr 2030 09:30:00 GMT"}]
    services = source_services(tmp_path)
    source = services.sources.add(serve_feed(httpserver, "/feed.xml", rss(items)), kind="feed")

    runs = [services.sources.run(source.id) for _ in range(3)]

    assert [(r.added, r.unchanged) for r in runs] == [(1, 0), (0, 1), (0, 1)]
    assert requests_to(httpserver, "/wall") == 1


def test_failing_entries_are_reported_and_the_rest_indexed(
    tmp_path, httpserver: HTTPServer
) -> None:
    summary = " ".join(STORIES["glassworks"][1])
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    httpserver.expect_request("/missing").respond_with_data("", status=404)
    courier = courier_feed(
        httpserver,
        extra=[
            # The page fails but the entry carries the story: the entry's text stands in.
            {
                "title": STORIES["glassworks"][0],
                "link": httpserver.url_for("/missing"),
                "date": FERRY_DATE,
                "description": summary,
            },
            {"title": "Short note", "link": httpserver.url_for("/broken"), "date": FERRY_DATE},
        ],
    )
    services = source_services(tmp_path)
    source = services.sources.add(courier, kind="feed")

    report = services.sources.run(source.id)

    assert (report.added, report.failed) == (3, 1)
    assert report.problems == [
        f"{httpserver.url_for('/missing')}: HTTP 404 Not Found; the feed entry's own text stands"
        " in until the page can be read",
        f"{httpserver.url_for('/broken')}: HTTP 500 Internal Server Error",
    ]
    stored = services.catalog.articles(services.catalog.article_ids_for_source(source.id))
    assert any(a.body == summary for a in stored.values())
    recorded = services.sources.get(source.id)
    assert recorded.last_error.startswith("1 item(s) failed; first: ")
    assert "HTTP 500" in recorded.last_error
    assert recorded.failures == 0  # the feed itself is fine: no back-off


def test_an_entry_linking_to_an_impossible_port_fails_alone(
    tmp_path, httpserver: HTTPServer
) -> None:
    # The port is checked before each hop, a redirect's too (test_index_sources_fetch).
    moved = {"title": "Moved", "link": "http://127.0.0.1:99999/x", "date": FERRY_DATE}
    services = source_services(tmp_path)
    source = services.sources.add(courier_feed(httpserver, extra=[moved]), kind="feed")

    report = services.sources.run(source.id)  # no exception: the other entries are read

    assert (report.added, report.failed) == (2, 1)
    assert report.problems == [
        "http://127.0.0.1:99999/x: invalid port 99999 (ports are 1 to 65535)"
    ]
    recorded = services.sources.get(source.id)
    assert "invalid port 99999" in recorded.last_error and recorded.failures == 0


@pytest.mark.parametrize("kind", [None, "feed", "page"])
def test_adding_a_url_with_an_impossible_port_is_refused(tmp_path, kind: str | None) -> None:
    services = source_services(tmp_path)
    with pytest.raises(SourceError) as caught:
        services.sources.add("http://127.0.0.1:99999/feed", kind=kind)
    assert caught.value.message == (
        "http://127.0.0.1:99999/feed: invalid port 99999 (ports are 1 to 65535)."
    )
    assert services.sources.list() == []


def test_relative_entry_links_resolve_against_the_feed_url(
    tmp_path, httpserver: HTTPServer
) -> None:
    serve_page(httpserver, "/news/wall", page_html("wall"))
    serve_page(httpserver, "/feeds/ferry", page_html("ferry"))
    entries = [
        {"title": "Harbour wall approved", "link": "/news/wall", "updated": "2024-04-02T09:30:00Z"},
        {"title": "Ferry timetable", "link": "ferry", "updated": "2024-04-03T07:00:00Z"},
    ]
    httpserver.expect_request("/feeds/main.xml").respond_with_data(
        atom(entries), content_type="application/atom+xml"
    )
    services = source_services(tmp_path)
    source = services.sources.add(httpserver.url_for("/feeds/main.xml"), kind="feed")

    report = services.sources.run(source.id)

    assert (report.added, report.failed, report.problems) == (2, 0, [])
    stored = services.catalog.articles(services.catalog.article_ids_for_source(source.id))
    urls = {a.url for a in stored.values()}
    assert urls == {httpserver.url_for("/news/wall"), httpserver.url_for("/feeds/ferry")}
    again = services.sources.run(source.id)  # the resolved links are known: nothing refetched
    assert (again.unchanged, requests_to(httpserver, "/news/wall")) == (2, 1)


def test_a_stand_in_for_a_failed_page_is_retried_until_the_page_reads(
    tmp_path, httpserver: HTTPServer
) -> None:
    summary = " ".join(STORIES["glassworks"][1])
    page = {"status": 503}

    def glassworks(request: Request) -> Response:
        if page["status"] != 200:
            return Response("down", status=page["status"])
        return Response(page_html("glassworks"), content_type="text/html")

    httpserver.expect_request("/glass").respond_with_handler(glassworks)
    item = {"title": "Glassworks", "link": httpserver.url_for("/glass"), "description": summary}
    xml = rss([{**item, "date": FERRY_DATE}])
    httpserver.expect_request("/feed.xml", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        xml, content_type="application/rss+xml", headers={"ETag": '"v1"'}
    )
    services = source_services(tmp_path)
    source = services.sources.add(httpserver.url_for("/feed.xml"), kind="feed")
    standing_in = (
        f"{httpserver.url_for('/glass')}: HTTP 503 Service Unavailable; the feed entry's own"
        " text stands in until the page can be read"
    )

    def stored_body() -> str:
        ids = services.catalog.article_ids_for_source(source.id)
        (article,) = services.catalog.articles(ids).values()
        return article.body

    first = services.sources.run(source.id)
    assert (first.added, first.failed, first.problems) == (1, 0, [standing_in])
    recorded = services.sources.get(source.id)
    assert (recorded.last_error, recorded.failures, recorded.etag) == (standing_in, 0, "")
    assert stored_body() == summary

    second = services.sources.run(source.id)  # still down: asked again, the stand-in stays
    assert (second.unchanged, second.problems, requests_to(httpserver, "/glass")) == (
        1,
        [standing_in],
        2,
    )
    assert stored_body() == summary

    page["status"] = 200
    third = services.sources.run(source.id)  # back: the page replaces the stand-in
    assert (third.updated, third.problems) == (1, [])
    assert STORIES["glassworks"][1][0] in stored_body() and stored_body() != summary
    assert services.sources.get(source.id).etag == '"v1"'  # a clean run keeps the validators

    fourth = services.sources.run(source.id)  # the feed answers 304; nothing is fetched
    assert (fourth.added, fourth.updated, requests_to(httpserver, "/glass")) == (0, 0, 3)


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/feed.xml"


def _slow(request: Request) -> Response:
    time.sleep(2.5)
    return Response("<rss/>", content_type="application/rss+xml")


def _huge(request: Request) -> Response:
    response = Response(b"", content_type="application/rss+xml")
    response.headers["Content-Length"] = str(50 * 1024 * 1024)
    response.automatically_set_content_length = False
    return response


BAD_FEEDS = {
    "invalid-xml": (
        lambda s: s.expect_request("/bad").respond_with_data(
            '<?xml version="1.0"?><rss><channel><title>Broken</title><item><title>x',
            content_type="application/rss+xml",
        ),
        "invalid feed XML: ",
    ),
    "html-page": (
        lambda s: s.expect_request("/bad").respond_with_data(
            page_html("wall"), content_type="text/html"
        ),
        "this is an HTML page, not an RSS or Atom feed",
    ),
    "binary": (
        lambda s: s.expect_request("/bad").respond_with_data(
            b"\x00\x01PK\x03\x04" * 100, content_type="application/zip"
        ),
        "not a web page or feed (content type application/zip)",
    ),
    "http-404": (
        lambda s: s.expect_request("/bad").respond_with_data("", status=404),
        "HTTP 404 Not Found",
    ),
    "http-500": (
        lambda s: s.expect_request("/bad").respond_with_data("", status=500),
        "HTTP 500 Internal Server Error",
    ),
    "redirect-loop": (
        lambda s: (
            s.expect_request("/bad").respond_with_data("", 302, headers={"Location": "/bad2"}),
            s.expect_request("/bad2").respond_with_data("", 302, headers={"Location": "/bad"}),
        ),
        "redirect loop",
    ),
    "timeout": (lambda s: s.expect_request("/bad").respond_with_handler(_slow), "timed out"),
    "50-mb": (lambda s: s.expect_request("/bad").respond_with_handler(_huge), "too large"),
    "unreachable": (None, "could not connect"),
}


@pytest.mark.parametrize("case", list(BAD_FEEDS))
def test_a_bad_feed_is_reported_and_nothing_is_lost(
    tmp_path, httpserver: HTTPServer, case: str
) -> None:
    setup, reason = BAD_FEEDS[case]
    services = source_services(tmp_path, fetch_timeout=1.0)
    first = services.sources.add(serve_page(httpserver, "/glass", page_html("glassworks")))
    if setup is None:
        bad_url = _closed_port_url()
    else:
        setup(httpserver)
        bad_url = httpserver.url_for("/bad")
    bad = services.sources.add(bad_url, kind="feed")
    last = services.sources.add(courier_feed(httpserver), kind="feed")
    services.sources.run(first.id)

    report = services.sources.run_all()

    assert report.failed == 1
    assert any(p.startswith(f"[{bad.id}] {bad_url}: ") and reason in p for p in report.problems)
    recorded = services.sources.get(bad.id)
    assert reason in recorded.last_error and recorded.failures == 1
    assert services.sources.get(first.id).article_count == 1  # nothing already indexed is lost
    assert services.sources.get(last.id).article_count == 2  # the rest of the run went on
    assert chroma_ids(services) == catalog_chunk_ids(services)


def test_a_ten_thousand_item_feed_reads_only_the_newest(tmp_path, httpserver: HTTPServer) -> None:
    story = STORIES["marathon"][1][0]
    items = [
        {
            "title": f"Race note {n}",
            "link": httpserver.url_for(f"/notes/{n}"),  # no such pages: entry text is used
            "date": datetime.fromtimestamp(1_700_000_000 + n * 60, UTC).strftime(
                "%a, %d %b %Y %H:%M:%S GMT"
            ),
            "description": f"Note {n}. {story}",  # a short story: under the size cap
        }
        for n in range(10_000)
    ]
    url = serve_feed(httpserver, "/big.xml", rss(items))
    services = source_services(tmp_path, feed_max_entries=5)
    source = services.sources.add(url, kind="feed")

    report = services.sources.run(source.id)

    assert report.problems[0] == "the feed has 10,000 entries; only the newest 5 were read"
    assert report.added == 5
    titles = {
        a.title
        for a in services.catalog.articles(
            services.catalog.article_ids_for_source(source.id)
        ).values()
    }
    assert titles <= {f"Race note {n}" for n in range(9_995, 10_000)}
    assert sum(1 for r, _ in httpserver.log if r.path.startswith("/notes/")) == 5


def test_a_feed_in_a_wrong_or_missing_charset_still_reads(tmp_path, httpserver: HTTPServer) -> None:
    text = (
        "Le café du port rouvre après l'hiver. Les pêcheurs y prennent déjà leur "
        "petit déjeuner avant l'aube. La patronne a repeint la façade en bleu clair."
    )
    xml = rss(
        [
            {
                "title": "Le café du port rouvre",
                "link": httpserver.url_for("/none"),
                "date": FERRY_DATE,
                "description": text,
            }
        ]
    ).replace(' encoding="utf-8"', "")
    # Latin-1 bytes, sent as UTF-8 (wrong) and with no charset at all (missing).
    httpserver.expect_request("/wrong").respond_with_data(
        xml.encode("latin-1"), content_type="application/rss+xml; charset=utf-8"
    )
    httpserver.expect_request("/missing").respond_with_data(
        xml.encode("latin-1"), content_type="application/rss+xml"
    )
    for path in ("/wrong", "/missing"):
        services = source_services(tmp_path / path.strip("/"))
        source = services.sources.add(httpserver.url_for(path), kind="feed")
        assert services.sources.run(source.id).added == 1
        [article] = services.catalog.articles(
            services.catalog.article_ids_for_source(source.id)
        ).values()
        assert article.title == "Le café du port rouvre"
        assert article.body == text


def test_a_page_source_takes_the_page_metadata(tmp_path, httpserver: HTTPServer) -> None:
    canonical = httpserver.url_for("/stories/glassworks")
    url = serve_page(
        httpserver,
        "/glass",
        page_html("glassworks", author="Jon Berg", published="2024-02-14", canonical=canonical),
    )
    services = source_services(tmp_path)
    source = services.sources.add(url)
    assert source.kind == "page"

    assert services.sources.run(source.id).added == 1

    [article] = services.catalog.articles(
        services.catalog.article_ids_for_source(source.id)
    ).values()
    assert article.title == STORIES["glassworks"][0]
    assert article.url == canonical
    assert article.authors == ("Jon Berg",)
    assert article.published.date().isoformat() == "2024-02-14"
    assert article.body.startswith(STORIES["glassworks"][1][0])


def _endless_page(request: Request) -> Response:
    def body():
        yield b"<html><body><article>"
        for _ in range(50 * 1024):  # 50 MB, if anyone read it all
            yield b"<p>" + b"word " * 200 + b"</p>"

    return Response(body(), content_type="text/html")


BAD_PAGES = {
    "50-mb-page": (
        lambda s: s.expect_request("/page").respond_with_handler(_endless_page),
        "too large (over 5,000,000 bytes)",
    ),
    "binary-file": (
        lambda s: s.expect_request("/page").respond_with_data(
            b"%PDF-1.7\n\x00\x01\x02binary", content_type="application/pdf"
        ),
        "not a web page or feed (content type application/pdf)",
    ),
    "no-article-text": (
        lambda s: s.expect_request("/page").respond_with_data(
            "<html><body><nav>Home</nav></body></html>", content_type="text/html"
        ),
        "no article text found on the page",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PAGES))
def test_a_bad_page_is_reported_on_the_source(tmp_path, httpserver: HTTPServer, case: str) -> None:
    setup, reason = BAD_PAGES[case]
    setup(httpserver)
    services = source_services(tmp_path)
    source = services.sources.add(httpserver.url_for("/page"), kind="page")

    report = services.sources.run(source.id)

    assert (report.added, report.failed) == (0, 1)
    assert report.problems == [f"{httpserver.url_for('/page')}: {reason}"]
    assert services.sources.get(source.id).last_error == reason


def test_a_page_in_a_wrong_charset_still_reads(tmp_path, httpserver: HTTPServer) -> None:
    paragraphs = [
        "Le café du port a rouvert ses portes après trois mois de travaux cet hiver.",
        "Les pêcheurs y prennent déjà leur petit déjeuner bien avant l'aube chaque matin.",
        "La patronne a repeint la façade en bleu clair et ajouté une terrasse couverte.",
    ]
    html = page_html("wall", title="Le café du port rouvre", paragraphs=paragraphs)
    httpserver.expect_request("/cafe").respond_with_data(
        html.replace("<meta charset='utf-8'>", "").encode("cp1252"),
        content_type="text/html; charset=utf-8",  # wrong: the bytes are Windows-1252
    )
    services = source_services(tmp_path)
    source = services.sources.add(httpserver.url_for("/cafe"), kind="page")
    assert services.sources.run(source.id).added == 1
    [article] = services.catalog.articles(
        services.catalog.article_ids_for_source(source.id)
    ).values()
    assert article.title == "Le café du port rouvre"
    assert article.body.split("\n")[0] == paragraphs[0]


def test_a_feed_whose_every_entry_fails_backs_off(tmp_path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    items = [{"title": "Short note", "link": httpserver.url_for("/broken"), "date": FERRY_DATE}]
    feed = serve_feed(httpserver, "/feed.xml", rss(items))
    services = source_services(tmp_path)
    source = services.sources.add(feed, kind="feed")

    report = services.sources.run(source.id)

    assert (report.added, report.failed) == (0, 1)
    recorded = services.sources.get(source.id)
    assert recorded.failures == 1 and "HTTP 500" in recorded.last_error


def test_the_same_feed_url_in_another_spelling_is_refused(tmp_path, httpserver: HTTPServer) -> None:
    feed = courier_feed(httpserver)
    services = source_services(tmp_path)
    services.sources.add(feed, kind="feed")
    for spelling in (feed + "/", feed + "?utm_source=newsletter", feed.replace("http", "HTTP")):
        with pytest.raises(SourceError, match="already registered as s1"):
            services.sources.add(spelling, kind="feed")


def test_a_token_in_a_feed_url_stays_out_of_logs_and_recorded_errors(
    tmp_path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_request("/private.xml").respond_with_data("gone", status=404)
    feed = httpserver.url_for("/private.xml") + "?token=s3cr3t-v4lue&format=rss"
    services = source_services(tmp_path)
    source = services.sources.add(feed, kind="feed")

    with caplog.at_level("DEBUG"):
        report = services.sources.run(source.id)

    recorded = services.sources.get(source.id)
    assert "HTTP 404" in recorded.last_error
    assert "token=***" in report.problems[0]
    ours = [r.getMessage() for r in caplog.records if r.name != "werkzeug"]  # not the server's
    shown = " ".join(ours) + recorded.last_error + " ".join(report.problems)
    assert "s3cr3t" not in shown
