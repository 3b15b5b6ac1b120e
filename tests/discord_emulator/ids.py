"""Snowflake ids and timestamps shaped like Discord's."""

from __future__ import annotations

import time
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000


class Snowflakes:
    """Hands out unique, increasing snowflakes that encode the current time like Discord's."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a fresh snowflake (strictly greater than every earlier one)."""
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (millis << 22) | (1 << 17)
        # Several ids in the same millisecond: keep them unique and ordered.
        self._last = max(candidate, self._last + 1)
        return self._last


def iso_now() -> str:
    """The current UTC time as the ISO-8601 string Discord puts in timestamps."""
    return datetime.now(UTC).isoformat()
