"""Feeds, pages and services for the source tests. Every story here was written for the tests
(an imaginary coastal town); nothing comes from real news."""

from __future__ import annotations

import atexit
from dataclasses import replace
from datetime import date
from html import escape
from pathlib import Path

from pytest_httpserver import HTTPServer
from support import make_services

from bot.services import Services

STORIES: dict[str, tuple[str, list[str]]] = {
    "wall": (
        "Council approves the new harbour wall",
        [
            "The town council of Saltmere voted nine to two on Monday to build a stone wall "
            "along the north side of the harbour.",
            "Engineers told the meeting that the wall would shelter the fishing fleet from the "
            "winter storms that sank two boats last January.",
            "Work is due to begin in September and should take about eighteen months, the "
            "council said in a statement after the vote.",
            "The two councillors who voted against the plan said the money would be better "
            "spent on dredging the silted southern channel.",
        ],
    ),
    "ferry": (
        "Summer ferry timetable adds two crossings",
        [
            "The island ferry company will add two extra daily crossings to Gullholm from the "
            "first of May until the end of September.",
            "Tickets for the summer season go on sale next Tuesday, and the company says prices "
            "will stay at last year's level for foot passengers.",
            "Car fares rise by four percent because of higher fuel costs, a spokesperson for "
            "the ferry company explained on Friday.",
        ],
    ),
    "glassworks": (
        "Old glassworks to reopen as a craft centre",
        [
            "The derelict Oakridge glassworks on Mill Lane will reopen next spring as a craft "
            "centre with studios for twelve local artists.",
            "A charity bought the listed building for one pound last year and has raised most "
            "of the restoration money from local donors.",
            "The original brick furnace will be repaired so that visitors can watch glass being "
            "blown on weekends during the summer months.",
        ],
    ),
    "marathon": (
        "Pinecrest marathon moves to the coastal road",
        [
            "Organisers of the Pinecrest marathon have moved this year's route to the coastal "
            "road because the forest track is flooded.",
            "Runners will now start at the lighthouse and finish beside the old market hall "
            "after two laps of the promenade and the cliffs.",
            "About eight hundred runners have entered so far, and late entries stay open until "
            "the Thursday before the race, the organisers said.",
        ],
    ),
    "wire": (
        "Storm closes the coastal railway for three days",
        [
            "High winds and heavy seas forced the regional railway to close the coastal line "
            "between Saltmere and Gullholm on Sunday evening.",
            "Waves washed shingle across the tracks near the old pier, and engineers found a "
            "damaged section of the sea wall beneath the line.",
            "Replacement buses will run every half hour while the repairs continue, and the "
            "operator expects the line to reopen on Wednesday morning.",
            "Passengers with season tickets can claim a partial refund through the operator's "
            "website once the line has reopened.",
        ],
    ),
}


def body_of(key: str) -> str:
    """A story's paragraphs joined as plain text."""
    return "\n\n".join(STORIES[key][1])


def page_html(
    key: str,
    *,
    title: str | None = None,
    author: str = "Ada Lind",
    published: str = "2024-04-02",
    canonical: str = "",
    intro: str = "",
    paragraphs: list[str] | None = None,
) -> str:
    """An article page with navigation and footer clutter around the story."""
    title = title or STORIES[key][0]
    paras = paragraphs if paragraphs is not None else STORIES[key][1]
    body = "".join(f"<p>{escape(p)}</p>" for p in ([intro] if intro else []) + paras)
    canonical_tag = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        "<!DOCTYPE html><html><head>"
        f"<meta charset='utf-8'><title>{escape(title)}</title>"
        f'<meta name="author" content="{escape(author)}">'
        f'<meta property="article:published_time" content="{published}T08:00:00Z">'
        f"{canonical_tag}</head><body><nav>Home | Local | Sport | Weather</nav>"
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        "<footer>Saltmere Courier · Contact the newsroom</footer></body></html>"
    )


def rss(items: list[dict], title: str = "Saltmere Courier") -> str:
    """An RSS 2.0 feed. Each item: title, link, date (RFC 822), optional description."""
    parts = []
    for item in items:
        parts.append(
            "<item>"
            f"<title>{escape(item['title'])}</title>"
            + (f"<link>{escape(item['link'])}</link>" if item.get("link") else "")
            + f"<guid>{escape(item.get('guid', item.get('link', item['title'])))}</guid>"
            + (f"<pubDate>{item['date']}</pubDate>" if item.get("date") else "")
            + (
                f"<description>{escape(item['description'])}</description>"
                if item.get("description")
                else ""
            )
            + "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.test/</link>"
        f"<description>Local news</description>{''.join(parts)}</channel></rss>"
    )


def atom(entries: list[dict], title: str = "Gullholm Gazette") -> str:
    """An Atom feed. Each entry: title, link, updated (ISO), optional content."""
    parts = []
    for entry in entries:
        parts.append(
            "<entry>"
            f"<title>{escape(entry['title'])}</title>"
            f'<link href="{escape(entry["link"])}"/>'
            f"<id>{escape(entry['link'])}</id>"
            f"<updated>{entry['updated']}</updated>"
            + (
                f'<content type="html">{escape(entry["content"])}</content>'
                if entry.get("content")
                else ""
            )
            + "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test:feed</id>"
        f"<updated>2024-04-05T00:00:00Z</updated>{''.join(parts)}</feed>"
    )


def serve_page(server: HTTPServer, path: str, html: str, **headers: str) -> str:
    """Serve ``html`` at ``path``; returns its URL."""
    server.expect_request(path).respond_with_data(
        html, content_type="text/html; charset=utf-8", headers=headers
    )
    return server.url_for(path)


def serve_feed(server: HTTPServer, path: str, xml: str) -> str:
    """Serve a feed at ``path``; returns its URL."""
    server.expect_request(path).respond_with_data(
        xml, content_type="application/rss+xml; charset=utf-8"
    )
    return server.url_for(path)


def source_services(tmp_path: Path, *, today: date = date(2024, 6, 1), **overrides) -> Services:
    """Services on a temporary store with fake embeddings, short fetch limits, no samples,
    and the private-address guard off (the test server lives on 127.0.0.1)."""
    values = {"source_paths": [], "fetch_timeout": 2.0, **overrides}
    services = make_services(tmp_path, today=today, **values)
    sources = services.sources
    sources.settings = replace(sources.settings, guard_untrusted=False, config_paths=())
    return services


def requests_to(server: HTTPServer, path: str) -> int:
    """How many requests the server got for ``path``."""
    return sum(1 for request, _ in server.log if request.path == path)


_SERVER: list[HTTPServer] = []


def local_server() -> HTTPServer:
    """The process's HTTP server on 127.0.0.1, cleared of earlier handlers and requests.

    Threaded, so a deliberately slow reply blocks no other request. Started on first use and
    stopped when the process exits. Test modules wrap it in an ``httpserver`` fixture, which
    takes the place of pytest-httpserver's default (on "localhost", one request at a time).
    """
    if not _SERVER:
        server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        server.start()
        atexit.register(lambda: server.is_running() and server.stop())
        _SERVER.append(server)
    server = _SERVER[0]
    server.clear()
    return server
