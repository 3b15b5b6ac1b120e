"""Per-server scoping, through the real search and answer chain: a question asked in server B
never sees, let alone cites, server A's scoped articles; global sources serve everyone."""

from __future__ import annotations

from datetime import date

import pytest
from pytest_httpserver import HTTPServer
from support_web import STORIES, local_server, page_html, serve_page, source_services

SERVER_A, SERVER_B = 1111, 2222
GLASS_QUESTION = "When will the Oakridge glassworks reopen as a craft centre?"


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


def cited_ids(answer) -> set[str]:
    return {c.article_id for c in answer.citations}


def retrieved_ids(answer) -> set[str]:
    return {r.article_id for r in answer.results}


def scoped_setup(tmp_path, server: HTTPServer):
    """Server A reads the glassworks page, server B the marathon page; the ferry is global."""
    services = source_services(tmp_path, today=date(2024, 6, 1))
    sources = services.sources
    a = sources.add(serve_page(server, "/a/glass", page_html("glassworks")), guild_id=str(SERVER_A))
    b = sources.add(serve_page(server, "/b/race", page_html("marathon")), guild_id=str(SERVER_B))
    shared = sources.add(serve_page(server, "/ferry", page_html("ferry")))
    report = sources.run_all()
    assert (report.added, report.failed) == (3, 0)
    ids = {s.id: sources.catalog.article_ids_for_source(s.id)[0] for s in (a, b, shared)}
    return services, ids[a.id], ids[b.id], ids[shared.id]


def test_a_server_never_sees_another_servers_articles(tmp_path, httpserver: HTTPServer) -> None:
    services, glass_id, race_id, ferry_id = scoped_setup(tmp_path, httpserver)
    ask = services.newsdesk.ask

    in_a = ask(GLASS_QUESTION, guild_id=SERVER_A)
    in_b = ask(GLASS_QUESTION, guild_id=SERVER_B)
    in_dm = ask(GLASS_QUESTION, guild_id=None)

    assert glass_id in cited_ids(in_a)  # the control: in its own server it is found and cited
    for answer in (in_b, in_dm):
        assert glass_id not in retrieved_ids(answer) | cited_ids(answer)
        assert "Mill Lane" not in answer.text
    race_in_a = ask("How many runners entered the Pinecrest marathon?", guild_id=SERVER_A)
    assert race_id not in retrieved_ids(race_in_a) | cited_ids(race_in_a)
    for guild in (SERVER_A, SERVER_B, None):  # a global source serves everyone
        ferry = ask("How many extra ferry crossings to Gullholm this summer?", guild_id=guild)
        assert ferry_id in cited_ids(ferry)


def test_summaries_timelines_and_stats_are_scoped_too(tmp_path, httpserver: HTTPServer) -> None:
    services, glass_id, race_id, _ = scoped_setup(tmp_path, httpserver)
    qa = services.newsdesk
    for make in (qa.summary, qa.timeline):
        in_b = make("glassworks craft centre", guild_id=SERVER_B, since=date(2024, 1, 1))
        assert glass_id not in {item.citation.article_id for item in in_b.items}
        in_a = make("glassworks craft centre", guild_id=SERVER_A, since=date(2024, 1, 1))
        assert glass_id in {item.citation.article_id for item in in_a.items}
    assert services.library.stats(SERVER_A).articles == 2  # its own and the global one
    assert services.library.stats(SERVER_B).articles == 2
    assert services.library.stats(None).articles == 1


def test_two_servers_keep_their_own_copies_until_a_global_copy_arrives(
    tmp_path, httpserver: HTTPServer
) -> None:
    services = source_services(tmp_path)
    sources = services.sources
    url = serve_page(httpserver, "/wall", page_html("wall"))
    in_a = sources.add(url, guild_id=str(SERVER_A))
    in_b = sources.add(url, guild_id=str(SERVER_B))
    sources.run_all()
    copy_a = sources.catalog.article_ids_for_source(in_a.id)
    copy_b = sources.catalog.article_ids_for_source(in_b.id)
    assert len(copy_a) == len(copy_b) == 1 and copy_a != copy_b  # one row per server
    question = "What did the Saltmere council vote to build along the harbour?"
    assert cited_ids(services.newsdesk.ask(question, guild_id=SERVER_A)) == set(copy_a)
    assert cited_ids(services.newsdesk.ask(question, guild_id=SERVER_B)) == set(copy_b)

    # The same story from a global source: stored once for everyone, the servers' copies go.
    everyone = sources.add(serve_page(httpserver, "/syndicated/wall", page_html("wall")))
    report = sources.run(everyone.id)
    assert report.added == 1
    [global_copy] = sources.catalog.article_ids_for_source(everyone.id)
    assert sources.catalog.articles(copy_a + copy_b) == {}
    for guild in (SERVER_A, SERVER_B, None):
        assert cited_ids(services.newsdesk.ask(question, guild_id=guild)) == {global_copy}

    # The servers' sources now find the story stored where they serve: nothing is added back.
    again = sources.run_all()
    assert again.added == 0
    assert sources.get(in_a.id, str(SERVER_A)).article_count == 0


def test_a_server_copy_is_skipped_when_a_global_copy_exists(
    tmp_path, httpserver: HTTPServer
) -> None:
    services = source_services(tmp_path)
    sources = services.sources
    sources.add(serve_page(httpserver, "/ferry", page_html("ferry")))
    sources.run_all()
    mine = sources.add(serve_page(httpserver, "/ferry", page_html("ferry")), guild_id="9")

    report = sources.run(mine.id)

    assert (report.added, report.unchanged) == (0, 1)
    assert services.library.stats(9).articles == 1
    assert STORIES["ferry"][0] in {
        a.title
        for a in sources.catalog.articles(sources.catalog.article_ids_for_source("s1")).values()
    }


def test_a_servers_own_run_leaves_the_global_sources_alone(
    tmp_path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, *_ = scoped_setup(tmp_path, httpserver)
    service = services.sources
    ran: list[str] = []
    run_locked = service._run_locked
    monkeypatch.setattr(
        service, "_run_locked", lambda s, p: ran.append(s.guild_id) or run_locked(s, p)
    )

    report = service.run_all(guild_id=str(SERVER_A), own_only=True)

    assert ran == [str(SERVER_A)] and report.unchanged == 1
    ran.clear()
    service.run_all(guild_id=str(SERVER_A))
    assert sorted(ran) == ["", str(SERVER_A)]  # without own_only: the global source too
