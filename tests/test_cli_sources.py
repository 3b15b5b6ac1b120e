"""newsdesk source add|list|remove and newsdesk reindex [SOURCE_ID] [--json] [--watch]."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from support import cli_using, invoke_cli
from support_web import local_server, page_html, serve_page, source_services

from bot import cli
from bot.cli_sources import EXIT_BUSY


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


@pytest.fixture
def services(tmp_path):
    with cli_using(source_services(tmp_path)) as services:
        yield services


invoke = invoke_cli


def test_the_main_app_has_one_reindex_and_the_source_group() -> None:
    names = [c.name or c.callback.__name__ for c in cli.app.registered_commands]
    assert names.count("reindex") == 1
    assert [g.name for g in cli.app.registered_groups].count("source") == 1
    assert "--watch" in invoke("reindex", "--help").output
    assert "add" in invoke("source", "--help").output


def test_add_list_reindex_and_remove(services, httpserver: HTTPServer, tmp_path) -> None:
    url = serve_page(httpserver, "/glass", page_html("glassworks"))
    added = invoke("source", "add", url, "--every", "30m", "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout) | {} == {
        "id": "s1",
        "kind": "page",
        "location": url,
        "interval_seconds": 1800,
        "guild_id": None,
        "articles": 0,
        "last_run": None,
        "last_ok": None,
        "last_error": None,
        "last_summary": None,
        "failures": 0,
    }
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "date 2024-03-01 Quay repairs finish early\n\nThe quay repairs finished a week early.\n",
        encoding="utf-8",
    )
    assert invoke("source", "add", str(folder), "--guild", "55").exit_code == 0

    report = invoke("reindex", "s1", "--json")
    assert report.exit_code == 0
    assert json.loads(report.stdout)["added"] == 1

    everything = json.loads(invoke("reindex", "--json").stdout)
    assert (everything["added"], everything["unchanged"]) == (1, 1)

    listed = json.loads(invoke("source", "list", "--json").stdout)
    assert [(s["id"], s["guild_id"], s["articles"]) for s in listed] == [
        ("s1", None, 1),
        ("s2", "55", 1),
    ]
    assert "s2" in invoke("source", "list").stdout  # the table

    removed = invoke("source", "remove", "s2", "--json")
    assert json.loads(removed.stdout) == {"removed": "s2", "articles": 1}


def test_errors_are_clear_and_exit_non_zero(services, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    missing = invoke("source", "add", httpserver.url_for("/gone"))
    assert missing.exit_code == 2
    assert "error: Could not read" in missing.stderr and "HTTP 404" in missing.stderr
    assert invoke("source", "add", "https://x.test/f", "--every", "soon").exit_code == 2
    unknown = invoke("reindex", "s9")
    assert (unknown.exit_code, "There is no source 's9'" in unknown.stderr) == (2, True)
    assert invoke("source", "remove", "s9").exit_code == 2
    assert invoke("reindex", "s1", "--watch").exit_code == 2


def test_a_busy_source_exits_with_its_own_code(services, httpserver: HTTPServer) -> None:
    invoke("source", "add", serve_page(httpserver, "/g", page_html("glassworks")))
    with services.locks.hold("source-s1"):
        busy = invoke("reindex", "s1")
    assert busy.exit_code == EXIT_BUSY
    assert "A re-index of s1 is already running (started " in busy.stderr


def test_a_failed_source_alone_exits_1_with_the_reason(services, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data("<html>not a feed</html>", 200)
    invoke("source", "add", httpserver.url_for("/feed"), "--kind", "feed")
    result = invoke("reindex", "s1")
    assert result.exit_code == 1
    assert "this is an HTML page, not an RSS or Atom feed" in result.stdout


def test_watch_polls_due_sources(services, httpserver: HTTPServer) -> None:
    invoke("source", "add", serve_page(httpserver, "/g", page_html("glassworks")), "--every", "1h")
    invoke("source", "add", serve_page(httpserver, "/m", page_html("marathon")))  # manual
    result = invoke("reindex", "--watch", "--tick", "1", "--cycles", "2", "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["source"], line["added"]) for line in lines] == [("s1", 1)]
