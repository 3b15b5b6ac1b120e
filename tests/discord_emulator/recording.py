"""Recording what the bot sent, waiting for conditions, and scripted HTTP faults."""

from __future__ import annotations

import asyncio
import fnmatch
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
POLL_INTERVAL = 0.02


class EmulatorTimeout(AssertionError):
    """A condition the test waited for did not happen in time (fails the test)."""


@dataclass(eq=False)
class RecordedRequest:
    """One HTTP request the bot made.

    ``path`` is relative to the API base (``/channels/1/messages``); ``json`` is the JSON body,
    or the ``payload_json`` part of a multipart body; ``files`` holds uploaded files as
    ``(field name, filename, bytes)``. ``status`` is what the emulator answered and ``fault``
    names the injected fault (``"429"``/``"500"``) when one was served instead.
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[tuple[str, str, bytes]]
    headers: dict[str, str]
    received_at: float = field(default_factory=time.monotonic)
    status: int | None = None
    fault: str | None = None

    @property
    def route(self) -> str:
        """``"METHOD /path"``, handy in assertion messages."""
        return f"{self.method} {self.path}"

    def __repr__(self) -> str:
        fault = f" (fault {self.fault})" if self.fault else ""
        return f"<RecordedRequest {self.route} -> {self.status}{fault}>"


RequestPredicate = Callable[[RecordedRequest], bool]


def request_matcher(pattern: str | RequestPredicate) -> RequestPredicate:
    """Turn ``"POST /webhooks/*"`` (glob over the path, method optional) into a predicate."""
    if callable(pattern):
        return pattern
    method, _, path = pattern.partition(" ")
    if not path:
        method, path = "", method
    method = method.upper()

    def matches(request: RecordedRequest) -> bool:
        if method and request.method != method:
            return False
        return fnmatch.fnmatchcase(request.path, path)

    return matches


class Notifier:
    """Wakes waiters whenever emulator state changes, so they can re-check their condition.

    Waiters also re-check every ``POLL_INTERVAL`` seconds, so a condition on the client's
    side (a list a test's event handler appends to) works as well.
    """

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        """Signal a state change."""
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait_until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        """Return the first truthy result of ``check()``, or raise EmulatorTimeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise EmulatorTimeout(f"timed out after {timeout:.1f}s waiting for {what}")
            if self._event is None:
                self._event = asyncio.Event()
            try:
                # Wake on emulator changes, and poll too: the condition may be client-side.
                await asyncio.wait_for(self._event.wait(), min(remaining, POLL_INTERVAL))
            except TimeoutError:
                continue


@dataclass(eq=False)
class Fault:
    """Answer the next ``times`` requests matching ``matcher`` with an error instead."""

    matcher: RequestPredicate
    status: int
    times: int
    retry_after: float = 0.0
    is_global: bool = False
    served: list[RecordedRequest] = field(default_factory=list)

    def take(self, request: RecordedRequest) -> bool:
        """Consume one use of this fault if the request matches."""
        if self.times <= 0 or not self.matcher(request):
            return False
        self.times -= 1
        self.served.append(request)
        return True

    def headers(self) -> dict[str, str]:
        """Response headers discord.py reads on an error (rate-limit headers for 429)."""
        if self.status != 429:
            return {}
        headers = {
            "Via": "1.1 google",  # discord.py treats a 429 without Via as a Cloudflare ban
            "Retry-After": str(max(1, round(self.retry_after + 0.499))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
            "X-RateLimit-Bucket": "emulator-fault-bucket",
            "X-RateLimit-Scope": "global" if self.is_global else "user",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        return headers

    def body(self) -> dict[str, Any]:
        """The JSON body Discord sends with the error."""
        if self.status == 429:
            return {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.is_global,
                "code": 0,
            }
        return {"message": f"{self.status}: Internal Server Error", "code": 0}
