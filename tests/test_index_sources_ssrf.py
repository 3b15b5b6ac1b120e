"""The private-address guard judges the address actually connected to, on every hop.

The local servers stand in for a private service; a fake resolver makes their names look
public to the check done before connecting, as a DNS-rebinding attacker's resolver would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from pytest_httpserver import HTTPServer
from support_web import local_server, page_html, serve_page, source_services

from index.sources import fetch as fetch_module
from index.sources.fetch import Fetcher, FetchError, FetchLimits
from index.sources.service import SourceError

LIMITS = FetchLimits(timeout=2.0, total_timeout=5.0, max_bytes=200_000, max_redirects=3)
PUBLIC = "93.184.216.34"
SECRET = "internal secret"


@pytest.fixture
def httpserver() -> HTTPServer:
    """A real HTTP server on 127.0.0.1 (threaded), fresh for each test."""
    return local_server()


@pytest.fixture
def second_server() -> Iterator[HTTPServer]:
    """Another local server, on 127.0.0.2: a second "host" for redirect tests."""
    server = HTTPServer(host="127.0.0.2", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


async def looks_public(host: str, port: int) -> list[str]:
    """A resolver that answers a public address for every name (the rebinding case)."""
    return [PUBLIC]


async def guarded_error(url: str, **kwargs) -> str:
    """The reason a guarded fetch of ``url`` was refused (it must be refused)."""
    async with Fetcher(LIMITS, block_private=True, **kwargs) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get(url)
    assert caught.value.url == url
    return caught.value.reason


async def test_a_name_rebound_to_loopback_is_refused_before_the_request(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/").respond_with_data(SECRET, content_type="text/plain")
    url = f"http://localhost:{httpserver.port}/"
    reason = await guarded_error(url, resolver=looks_public)
    assert reason == "localhost is a private or local address (not allowed)"
    assert len(httpserver.log) == 0  # refused once connected, before the request was sent


async def test_the_response_check_alone_still_refuses_a_private_peer(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should the connection hook ever go quiet, the peer of the response is still checked.
    async def quiet(event: str, info: dict) -> None:
        return None

    monkeypatch.setattr(Fetcher, "_peer_guard", lambda self, url, host: quiet)
    httpserver.expect_request("/").respond_with_data(SECRET, content_type="text/plain")
    reason = await guarded_error(f"http://localhost:{httpserver.port}/", resolver=looks_public)
    assert reason == "localhost is a private or local address (not allowed)"


async def test_a_redirect_hop_that_connects_privately_is_refused(
    httpserver: HTTPServer, second_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Here only 127.0.0.2 counts as private, so the first hop (127.0.0.1) may go ahead.
    monkeypatch.setattr(fetch_module, "_is_private", lambda address: address == "127.0.0.2")
    target = f"http://127.0.0.2:{second_server.port}/admin"
    httpserver.expect_request("/start").respond_with_data("", 302, headers={"Location": target})
    second_server.expect_request("/admin").respond_with_data(SECRET, content_type="text/plain")
    reason = await guarded_error(httpserver.url_for("/start"), resolver=looks_public)
    assert reason == "127.0.0.2 is a private or local address (not allowed)"
    assert len(httpserver.log) == 1  # the first hop was fetched
    assert len(second_server.log) == 0  # the private hop got no request


async def test_an_unguarded_fetch_still_reaches_local_servers(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data(SECRET, content_type="text/plain")
    async with Fetcher(LIMITS, resolver=looks_public) as fetcher:
        got = await fetcher.get(f"http://localhost:{httpserver.port}/")
    assert got.body == SECRET.encode()


async def test_an_ipv4_mapped_literal_is_refused(httpserver: HTTPServer) -> None:
    url = f"http://[::ffff:127.0.0.1]:{httpserver.port}/"
    reason = await guarded_error(url)
    assert reason == "::ffff:127.0.0.1 is a private or local address (not allowed)"
    assert len(httpserver.log) == 0


EMBEDDING_PRIVATE = [
    "::127.0.0.1",  # IPv4-compatible
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.1.2.3",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b:1::808:808",  # local-use NAT64: a site's own translator
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
]
PLAIN_PRIVATE = ["127.0.0.1", "10.0.0.5", "169.254.169.254", "100.64.0.1", "::1", "fe80::1%eth0"]
PUBLIC_ADDRESSES = [
    PUBLIC,
    "2606:2800:220:1:248:1893:25c8:1946",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of a public address
    "2002:808:808::1",  # 6to4 of a public address
]


@pytest.mark.parametrize("address", EMBEDDING_PRIVATE + PLAIN_PRIVATE)
def test_private_addresses_including_embedded_ipv4(address: str) -> None:
    assert fetch_module._is_private(address)


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses(address: str) -> None:
    assert not fetch_module._is_private(address)


@pytest.mark.parametrize("address", EMBEDDING_PRIVATE)
async def test_a_name_resolving_to_an_embedded_private_ipv4_is_refused(address: str) -> None:
    async def embedded(host: str, port: int) -> list[str]:
        return [address]

    reason = await guarded_error("http://news.example.test/feed", resolver=embedded)
    assert reason == "news.example.test is a private or local address (not allowed)"


def guarded_services(tmp_path):
    """Services whose untrusted sources are guarded, as in production."""
    services = source_services(tmp_path)
    services.sources.settings = replace(services.sources.settings, guard_untrusted=True)
    return services


@pytest.mark.parametrize("kind", [None, "feed", "page"])
def test_a_private_address_is_refused_at_add_time_whatever_the_kind(
    tmp_path, httpserver: HTTPServer, kind: str | None
) -> None:
    services = guarded_services(tmp_path)
    url = serve_page(httpserver, "/internal", page_html("wall"))

    with pytest.raises(SourceError) as caught:
        services.sources.add(url, kind=kind, guild_id="42", trusted=False)

    assert caught.value.message == (
        f"Could not add {url}: 127.0.0.1 is a private or local address (not allowed). Sources "
        "added in a server may not reach private or local addresses; only the bot's owners "
        "can add this one."
    )
    assert services.sources.list() == [] and len(httpserver.log) == 0
    assert services.sources.add(url, kind=kind).trusted  # an owner's source may


def test_a_redirect_to_a_private_address_at_add_time_gives_no_add_anyway_advice(
    tmp_path, httpserver: HTTPServer, second_server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_module, "_is_private", lambda address: address == "127.0.0.2")
    target = f"http://127.0.0.2:{second_server.port}/admin"
    httpserver.expect_request("/start").respond_with_data("", 302, headers={"Location": target})
    services = guarded_services(tmp_path)

    with pytest.raises(SourceError) as caught:
        services.sources.add(httpserver.url_for("/start"), guild_id="42", trusted=False)

    assert "127.0.0.2 is a private or local address (not allowed)" in caught.value.message
    assert "only the bot's owners can add this one" in caught.value.message
    assert "Give the kind" not in caught.value.message
    assert services.sources.list() == [] and len(second_server.log) == 0
