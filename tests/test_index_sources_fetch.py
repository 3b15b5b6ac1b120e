"""Fetching: limits and clear errors, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import time

import pytest
from pytest_httpserver import HTTPServer
from support_web import local_server
from werkzeug import Request, Response

from index.sources.charset import decode_web_text
from index.sources.fetch import USER_AGENT, Fetched, Fetcher, FetchError, FetchLimits

LIMITS = FetchLimits(timeout=0.5, total_timeout=3.0, max_bytes=200_000, max_redirects=3)


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


async def fetch(url: str, limits: FetchLimits = LIMITS, **kwargs) -> Fetched:
    async with Fetcher(limits, **kwargs) as fetcher:
        return await fetcher.get(url)


async def fetch_error(url: str, limits: FetchLimits = LIMITS, **kwargs) -> str:
    with pytest.raises(FetchError) as caught:
        await fetch(url, limits, **kwargs)
    assert caught.value.url == url
    return caught.value.reason


class RawRedirect(Response):
    """A 302 whose Location goes out as written (werkzeug would parse and refuse a bad one)."""

    def __init__(self, location: str) -> None:
        super().__init__("", 302)
        self.raw_location = location

    def get_wsgi_headers(self, environ):
        headers = super().get_wsgi_headers(environ)
        headers["Location"] = self.raw_location
        return headers


async def test_a_page_is_fetched_with_our_user_agent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/p", headers={"User-Agent": USER_AGENT}).respond_with_data(
        "<p>hello</p>", content_type="text/html; charset=ISO-8859-1", headers={"ETag": '"v1"'}
    )
    got = await fetch(httpserver.url_for("/p"))
    assert (got.status, got.media_type, got.charset, got.body) == (
        200,
        "text/html",
        "ISO-8859-1",
        b"<p>hello</p>",
    )
    assert got.etag == '"v1"'


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")]
)
async def test_http_errors_are_named(httpserver: HTTPServer, status: int, reason: str) -> None:
    httpserver.expect_request("/gone").respond_with_data("nope", status=status)
    assert await fetch_error(httpserver.url_for("/gone")) == reason


async def test_an_unreachable_host_is_reported() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reason = await fetch_error(f"http://127.0.0.1:{port}/feed.xml")
    assert "could not connect" in reason


async def test_a_dns_failure_is_reported() -> None:
    async def no_such_host(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    reason = await fetch_error("http://news.nowhere.test/feed", resolver=no_such_host)
    assert reason == "DNS lookup failed for news.nowhere.test"


async def test_a_slow_server_times_out(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.2)
        return Response("late", content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    reason = await fetch_error(httpserver.url_for("/slow"))
    assert reason == "timed out after 0.5 s"
    assert time.monotonic() - started < 1.1


async def test_a_redirect_loop_is_cut(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", 302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data(
        "", 301, headers={"Location": "/a?token=s3cr3t"}
    )
    reason = await fetch_error(httpserver.url_for("/a") + "?token=s3cr3t")
    assert reason.startswith("redirect loop (back to ")
    assert "s3cr3t" not in reason and "token=***" in reason


async def test_long_redirect_chains_are_bounded_and_short_ones_followed(
    httpserver: HTTPServer,
) -> None:
    for n in range(6):
        httpserver.expect_request(f"/r{n}").respond_with_data(
            "", 307, headers={"Location": f"/r{n + 1}"}
        )
    httpserver.expect_request("/r6").respond_with_data("end", content_type="text/plain")
    assert await fetch_error(httpserver.url_for("/r0")) == "too many redirects (more than 3)"
    got = await fetch(httpserver.url_for("/r3"))
    assert got.body == b"end" and got.url.endswith("/r6")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:99999/x", "invalid port 99999 (ports are 1 to 65535)"),
        ("http://127.0.0.1:0/x", "invalid port 0 (ports are 1 to 65535)"),
        ("http://127.0.0.1:abc/x", "invalid port abc (ports are 1 to 65535)"),
        ("http://[::1]:70000/x", "invalid port 70000 (ports are 1 to 65535)"),
        ("http://[::1/x", "not a valid URL"),
        ("ftp://127.0.0.1/x", "not an http(s) URL"),
    ],
)
async def test_an_impossible_url_is_a_clear_fetch_error(url: str, reason: str) -> None:
    assert await fetch_error(url) == reason


async def test_a_redirect_to_an_impossible_port_is_a_clear_fetch_error(
    httpserver: HTTPServer,
) -> None:
    target = "http://127.0.0.1:99999/x"
    httpserver.expect_request("/r").respond_with_handler(lambda _: RawRedirect(target))
    reason = await fetch_error(httpserver.url_for("/r"))
    assert reason == f"invalid port 99999 (ports are 1 to 65535) (redirected to {target})"


async def test_a_huge_page_is_refused_by_its_declared_size(httpserver: HTTPServer) -> None:
    def huge(request: Request) -> Response:
        response = Response(b"", content_type="text/html")
        response.headers["Content-Length"] = str(50 * 1024 * 1024)
        response.automatically_set_content_length = False
        return response

    httpserver.expect_request("/huge").respond_with_handler(huge)
    reason = await fetch_error(httpserver.url_for("/huge"))
    assert reason == "too large (52,428,800 bytes; the limit is 200,000)"


async def test_a_huge_page_without_a_size_stops_at_the_cap(httpserver: HTTPServer) -> None:
    sent = []

    def stream():
        for _ in range(50 * 1024):  # 50 MB in 1 KB pieces, if anyone read it all
            sent.append(1)
            yield b"<p>" + b"x" * 1017 + b"</p>"

    httpserver.expect_request("/stream").respond_with_response(
        Response(stream(), content_type="text/html")
    )
    reason = await fetch_error(httpserver.url_for("/stream"))
    assert reason == "too large (over 200,000 bytes)"
    assert len(sent) < 5_000  # the client hung up long before 50 MB


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\n\x00", "not a web page or feed (content type image/png)"),
        ("text/html", b"GIF89a\x00\x00\x01\x00binary", "binary content, not a web page or feed"),
    ],
)
async def test_binary_files_are_refused(
    httpserver: HTTPServer, content_type: str, body: bytes, reason: str
) -> None:
    httpserver.expect_request("/file").respond_with_data(body, content_type=content_type)
    assert await fetch_error(httpserver.url_for("/file")) == reason


async def test_private_addresses_are_refused_when_guarded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/internal").respond_with_data("secret", content_type="text/plain")
    reason = await fetch_error(httpserver.url_for("/internal"), block_private=True)
    assert "private or local address" in reason
    assert len(httpserver.log) == 0  # refused before connecting


async def test_a_redirect_to_a_private_address_is_refused() -> None:
    async def public_then_local(host: str, port: int) -> list[str]:
        return ["93.184.216.34"] if host == "public.test" else ["127.0.0.1"]

    async with Fetcher(LIMITS, block_private=True, resolver=public_then_local) as fetcher:
        # The first hop would be refused too if it resolved privately; here it is the
        # redirect's target that is checked (no connection is made: resolution comes first).
        with pytest.raises(FetchError, match="private or local address"):
            await fetcher._check_host("http://public.test/", "http://localhost.test/admin")


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("Café déjà vu".encode(), None, "Café déjà vu"),  # missing charset
        ("Café déjà vu".encode(), "iso-8859-1", "Café déjà vu"),  # wrong: says Latin-1
        ("Café déjà vu".encode("latin-1"), "utf-8", "Café déjà vu"),  # wrong: says UTF-8
        ("“Quoted” – dash".encode("cp1252"), "iso-8859-1", "“Quoted” – dash"),
        (b"<meta charset='windows-1252'>caf\xe9", None, "<meta charset='windows-1252'>café"),
        ("\ufeffBOM text".encode(), None, "BOM text"),
    ],
)
def test_wrong_or_missing_charsets_still_decode(
    data: bytes, declared: str | None, expected: str
) -> None:
    assert decode_web_text(data, declared) == expected


FRENCH = "<p>Le café de la gare a rouvert après des travaux; déjà les habitués reviennent.</p>"
RUSSIAN = "<p>Съезд делегатов прошёл в городе, где погода была хорошей весь день.</p>"


@pytest.mark.parametrize(
    ("text", "encoding", "declared"),
    [(FRENCH * 40, "latin-1", "utf-8"), (RUSSIAN * 40, "cp1251", None)],
)
def test_longer_pages_in_a_wrong_charset_are_guessed(
    text: str, encoding: str, declared: str | None
) -> None:
    assert decode_web_text(text.encode(encoding), declared) == text


def test_the_fetch_timeout_setting_also_caps_a_whole_fetch(tmp_path, httpserver) -> None:
    from support_web import source_services

    def drip(_request: Request) -> Response:
        def body():
            yield b"<html><body>"
            for _ in range(40):  # a byte every 0.2 s: never idle long enough to time out
                time.sleep(0.2)
                yield b"."

        return Response(body(), content_type="text/html")

    httpserver.expect_request("/drip").respond_with_handler(drip)
    services = source_services(tmp_path, fetch_timeout=0.5)
    source = services.sources.add(httpserver.url_for("/drip"), kind="page")
    started = time.monotonic()
    report = services.sources.run(source.id)
    assert time.monotonic() - started < 5
    assert report.failed == 1 and "timed out after 1.5 s" in report.problems[0]
