"""Polling: due sources run in a worker thread (the event loop keeps going), failures back off,
and a source running elsewhere is skipped. Real service, real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time

import pytest
from pytest_httpserver import HTTPServer
from support_web import local_server, page_html, serve_page, source_services
from test_discord_fakes import FakeLibrary, FakeQA, make_settings
from werkzeug import Request, Response

from bot.client import NewsdeskBot
from bot.scheduler import Scheduler


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


class Clock:
    """Wall-clock time, moved forward by hand."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


async def test_only_due_sources_run_and_then_wait_for_their_interval(
    tmp_path, httpserver: HTTPServer
) -> None:
    services = source_services(tmp_path)
    polled = services.sources.add(serve_page(httpserver, "/a", page_html("ferry")), every=600)
    manual = services.sources.add(serve_page(httpserver, "/b", page_html("wall")))
    clock = Clock()
    seen: list[str] = []
    scheduler = Scheduler(services.sources, clock=clock, on_report=lambda sid, r: seen.append(sid))

    first = await scheduler.run_once()
    assert [(sid, r.added) for sid, r in first] == [(polled.id, 1)]
    assert services.sources.get(manual.id).last_run is None  # manual sources are not polled

    assert await scheduler.run_once() == []  # not due again yet
    clock.offset = 601
    [(sid, report)] = await scheduler.run_once()
    assert (sid, report.unchanged, report.chunks_embedded) == (polled.id, 1, 0)
    assert seen == [polled.id, polled.id]


async def test_failures_are_recorded_and_back_off(tmp_path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("", status=503)
    services = source_services(tmp_path)
    source = services.sources.add(httpserver.url_for("/down"), kind="feed", every=600)
    clock = Clock()
    scheduler = Scheduler(services.sources, clock=clock)

    [(_, report)] = await scheduler.run_once()
    assert report.failed == 1
    recorded = services.sources.get(source.id)
    assert (recorded.failures, recorded.last_error) == (1, "HTTP 503 Service Unavailable")

    clock.offset = 601  # one interval later: still backing off (twice the interval now)
    assert await scheduler.run_once() == []
    clock.offset = 1201
    assert len(await scheduler.run_once()) == 1
    assert services.sources.get(source.id).failures == 2
    clock.offset = 1201 + 2401  # four intervals after the second failure
    httpserver.clear()  # the site is back, with an (empty) feed
    httpserver.expect_request("/down").respond_with_data(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Back</title></channel></rss>',
        content_type="application/rss+xml",
    )
    [(_, report)] = await scheduler.run_once()
    assert report.failed == 0
    assert services.sources.get(source.id).failures == 0  # a success resets the back-off


async def test_polling_never_blocks_the_event_loop(tmp_path, httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.8)
        return Response(page_html("glassworks"), content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    services = source_services(tmp_path)
    services.sources.add(httpserver.url_for("/slow"), kind="page", every=600)
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beating = asyncio.create_task(heartbeat())
    started = time.monotonic()
    [(_, report)] = await Scheduler(services.sources).run_once()
    elapsed = time.monotonic() - started
    beating.cancel()

    assert report.added == 1 and elapsed >= 0.8
    assert ticks >= elapsed / 0.01 * 0.5  # the loop kept beating all along


async def test_a_source_running_elsewhere_is_skipped(tmp_path, httpserver: HTTPServer) -> None:
    services = source_services(tmp_path)
    source = services.sources.add(serve_page(httpserver, "/a", page_html("ferry")), every=600)
    with services.locks.hold(f"source-{source.id}"):
        assert await Scheduler(services.sources).run_once() == []
    assert services.sources.get(source.id).last_run is None


async def test_the_bot_polls_in_the_background_and_stops_on_close(
    tmp_path, httpserver: HTTPServer
) -> None:
    services = source_services(tmp_path)
    source = services.sources.add(serve_page(httpserver, "/a", page_html("ferry")), every=600)
    bot = NewsdeskBot(make_settings(), FakeQA(), FakeLibrary(), sources=services.sources)
    assert bot.scheduler is not None
    bot.scheduler.tick = 0.05
    task = bot.scheduler.start()
    for _ in range(200):
        if services.sources.get(source.id).last_run is not None:
            break
        await asyncio.sleep(0.05)
    await bot.close()
    assert services.sources.get(source.id).article_count == 1
    assert task.done()
    assert NewsdeskBot(make_settings(), FakeQA(), FakeLibrary()).scheduler is None
