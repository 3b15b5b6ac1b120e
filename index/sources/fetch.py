"""Fetching web pages and feeds: bounded in time, size and redirects, with clear errors.

Every failure becomes a :class:`FetchError` whose message names the URL and says what went
wrong in words an admin can act on ("HTTP 404 Not Found", "timed out after 20 s", ...).
Sources added by server admins (not the bot's owners) may not reach private addresses: the
bot would otherwise read its own network (a Chroma server, cloud metadata) for them. The
guard judges the address each connection actually reached, not an earlier DNS answer: a
name that resolves publicly when checked and privately when connecting (DNS rebinding)
must not get through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from index.sources.redact import redact_url

USER_AGENT = "Newsdesk/0.1 (news question-answering bot; reads feeds and pages its admins added)"
REDIRECTS = {301, 302, 303, 307, 308}
# Content types that are certainly not a page or a feed: refused before reading the body.
BINARY_TYPES = (
    "image/",
    "audio/",
    "video/",
    "font/",
    "application/octet-stream",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/x-",
)

# IPv6 ranges whose last 32 bits are an IPv4 address the packets end up at: IPv4-compatible
# (deprecated) and the well-known NAT64 prefix. IPv4-mapped and 6to4 have ipaddress helpers.
_EMBEDS_IPV4_AT_END = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))
# Local-use NAT64 (RFC 8215): a site's own translator, so never a public destination (Python
# 3.11 still calls it global).
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")

Resolver = Callable[[str, int], Awaitable[list[str]]]
TraceHook = Callable[[str, dict[str, Any]], Awaitable[None]]


class FetchError(Exception):
    """A URL could not be fetched; the message is safe to show to an admin."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{redact_url(url)}: {reason}")
        self.url = url
        self.reason = reason


class PrivateAddressError(FetchError):
    """The URL (or a redirect) leads to a private or local address, refused by the guard."""


# httpx logs every request's full URL at INFO, query included: a private feed's token.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass(frozen=True)
class FetchLimits:
    """How long, how much and how far one fetch may go."""

    timeout: float = 20.0  # seconds for connecting, and between bytes
    total_timeout: float = 60.0  # seconds for the whole fetch, redirects included
    max_bytes: int = 5_000_000
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    """A successful response: the final URL, its media type and charset, and the bytes."""

    url: str
    status: int
    media_type: str  # "" when the server sent no Content-Type: the body tells
    charset: str | None
    body: bytes
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        """True for ``304 Not Modified`` (a conditional request found nothing new)."""
        return self.status == 304


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (the operating system's resolver)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


class Fetcher:
    """An async HTTP client with limits. Use as ``async with Fetcher() as f: await f.get(u)``."""

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        block_private: bool = False,
        resolver: Resolver | None = None,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.block_private = block_private
        self._resolver = resolver
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        timeout = httpx.Timeout(self.limits.timeout)
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,  # followed by hand: each hop is checked and bounded
            headers={"User-Agent": USER_AGENT},
            trust_env=False,  # no proxies or .netrc from the environment
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def get(
        self, url: str, *, accept: str = "*/*", etag: str = "", last_modified: str = ""
    ) -> Fetched:
        """GET ``url`` following at most ``max_redirects`` redirects; raise FetchError."""
        try:
            async with asyncio.timeout(self.limits.total_timeout):
                return await self._follow(url, accept, etag, last_modified)
        except TimeoutError:
            raise FetchError(url, f"timed out after {self.limits.total_timeout:g} s") from None

    async def _follow(self, url: str, accept: str, etag: str, last_modified: str) -> Fetched:
        seen: list[str] = []
        current = url
        while True:
            if current in seen:
                raise FetchError(url, f"redirect loop (back to {redact_url(current)})")
            if len(seen) > self.limits.max_redirects:
                raise FetchError(url, f"too many redirects (more than {self.limits.max_redirects})")
            seen.append(current)
            headers = {"Accept": accept}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            result = await self._one(url, current, headers)
            if isinstance(result, Fetched):
                return result
            current = result  # the redirect's target

    async def _one(self, url: str, current: str, headers: dict[str, str]) -> Fetched | str:
        """Fetch one hop: a response, or the URL a redirect points to."""
        await self._check_host(url, current)
        assert self._client is not None, "use Fetcher as an async context manager"
        host = urlsplit(current).hostname or ""
        # httpx resolves the name again when it connects, so the check above proves nothing
        # about where the request goes. The trace hook sees each new connection before a byte
        # of the request is sent and refuses a private peer there.
        extensions = {"trace": self._peer_guard(url, host)} if self.block_private else None
        try:
            async with self._client.stream(
                "GET", current, headers=headers, extensions=extensions
            ) as response:
                if self.block_private:
                    # Second line, should httpcore ever stop reporting connections to the
                    # hook: nothing of a response from a private peer is used.
                    self._check_peer(url, host, response.extensions.get("network_stream"))
                if response.status_code in REDIRECTS:
                    target = response.headers.get("location", "")
                    if not target:
                        raise FetchError(url, f"HTTP {response.status_code} without a Location")
                    return _redirect_target(url, current, target)
                if response.status_code == 304:
                    return Fetched(current, 304, "", None, b"")
                if response.status_code >= 400:
                    raise FetchError(url, _status_text(response.status_code))
                media_type, charset = _content_type(response.headers.get("content-type", ""))
                if media_type.startswith(BINARY_TYPES):
                    raise FetchError(url, f"not a web page or feed (content type {media_type})")
                body = await self._read_capped(url, response)
                return Fetched(
                    url=str(response.url),
                    status=response.status_code,
                    media_type=media_type,
                    charset=charset,
                    body=body,
                    etag=response.headers.get("etag", ""),
                    last_modified=response.headers.get("last-modified", ""),
                )
        except httpx.HTTPError as exc:
            raise FetchError(url, _transport_reason(exc, self.limits.timeout)) from None

    async def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        cap = self.limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(url, f"too large ({int(declared):,} bytes; the limit is {cap:,})")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise FetchError(url, f"too large (over {cap:,} bytes)")
            chunks.append(chunk)
        body = b"".join(chunks)
        if b"\x00" in body[:4096]:
            raise FetchError(url, "binary content, not a web page or feed")
        return body

    async def _check_host(self, url: str, current: str) -> None:
        """Resolve the host first when private addresses are refused (or a resolver is set).

        An early refusal with a clear DNS error; the guard of record is the peer check.
        """
        problem = url_problem(current)
        if problem:
            hop = "" if current == url else f" (redirected to {redact_url(current)})"
            raise FetchError(url, problem + hop)
        parts = urlsplit(current)
        if not self.block_private and self._resolver is None:
            return
        resolve = self._resolver or system_resolver
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = await resolve(parts.hostname, port)
        except (socket.gaierror, OSError):
            raise FetchError(url, f"DNS lookup failed for {parts.hostname}") from None
        if self.block_private and any(_is_private(a) for a in addresses):
            raise PrivateAddressError(url, _private_reason(parts.hostname))

    def _peer_guard(self, url: str, host: str) -> TraceHook:
        """An httpcore ``trace`` hook refusing a connection whose peer is a private address."""

        async def on_event(event: str, info: dict[str, Any]) -> None:
            if event != "connection.connect_tcp.complete":
                return
            stream = info["return_value"]
            try:
                self._check_peer(url, host, stream)
            except FetchError:
                await stream.aclose()  # httpcore has not taken the socket over yet
                raise

        return on_event

    @staticmethod
    def _check_peer(url: str, host: str, stream: Any) -> None:
        """Raise FetchError unless ``stream`` is connected to a public address."""
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        # An unknown peer cannot be shown to be public: refused, like a private one.
        if not peer or _is_private(str(peer[0])):
            raise PrivateAddressError(url, _private_reason(host))


async def check_public_host(url: str, resolver: Resolver | None = None) -> None:
    """Raise PrivateAddressError if ``url``'s host resolves to a private or local address.

    A quick look before a guarded source is registered; a host that does not resolve passes
    (its runs will say so), and the guard of record stays the check at connect time.
    """
    try:
        await Fetcher(block_private=True, resolver=resolver)._check_host(url, url)
    except PrivateAddressError:
        raise
    except FetchError:
        return


def url_problem(url: str) -> str:
    """Why ``url`` cannot be fetched (scheme, host, port), or "" when it can be tried.

    Checked before every hop: an impossible port would otherwise surface from deep in the
    socket layer as an OverflowError inside an ExceptionGroup, which no caller expects.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket, say
        return "not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL"
    try:
        port = parts.port
    except ValueError:  # not a number, or past 65535
        port = -1
    if port is not None and not 0 < port <= 65535:
        written = parts.netloc.rpartition("@")[2].rpartition(":")[2]
        return f"invalid port {written} (ports are 1 to 65535)"
    return ""


def _redirect_target(url: str, current: str, location: str) -> str:
    """The absolute URL a redirect's Location points to; FetchError if it is no URL at all."""
    try:
        return urljoin(current, location)
    except ValueError:
        raise FetchError(url, "redirected to an invalid URL") from None


def _private_reason(host: str) -> str:
    return f"{host} is a private or local address (not allowed)"


def _is_private(address: str) -> bool:
    """True unless ``address`` is public, counting an IPv4 address inside an IPv6 one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return True
        embedded = _embedded_ipv4(ip)
        if embedded is not None and _is_private(str(embedded)):
            return True
    return not ip.is_global or ip.is_multicast


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in network for network in _EMBEDS_IPV4_AT_END):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _content_type(header: str) -> tuple[str, str | None]:
    """Media type and charset of a Content-Type header; ("", None) when there is none."""
    if not header.strip():
        return "", None  # not "application/octet-stream": the server never said that
    message = Message()
    message["content-type"] = header
    charset = message.get_param("charset")
    return message.get_content_type().lower(), (str(charset).strip() if charset else None)


def _status_text(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _transport_reason(exc: httpx.HTTPError, timeout: float) -> str:
    """Words for a transport failure: timeout, DNS, refused connection, broken response."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if (
            "name or service not known" in text
            or "nodename nor servname" in text
            or ("temporary failure in name resolution" in text)
        ):
            return "DNS lookup failed"
        return "could not connect (host unreachable or connection refused)"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "not an http(s) URL"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    return f"the connection failed ({type(exc).__name__})"
