"""Polling intervals: ``30m``, ``2h``, ``1h30m``, ``1d`` and back, and when a source is due."""

from __future__ import annotations

import re
from datetime import datetime

MIN_INTERVAL = 60  # seconds: polling a site more often than once a minute is rude
MAX_BACKOFF = 86_400  # after repeated failures, try at least once a day
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_PART = re.compile(r"(\d+)\s*([smhdw])")


def parse_interval(text: str) -> int:
    """Seconds in ``text`` (e.g. ``30m``, ``1h30m``, ``1d``); ValueError with a clear message."""
    compact = text.strip().lower().replace(" ", "")
    if not compact:
        raise ValueError("the interval is empty (try 30m, 2h or 1d)")
    if not re.fullmatch(r"(\d+[smhdw])+", compact):
        raise ValueError(f"{_shown(text)!r} is not an interval (try 30m, 2h, 1h30m or 1d)")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(compact))
    if seconds < MIN_INTERVAL:
        raise ValueError(f"{_shown(text)!r} is too often: poll at most once a minute")
    return seconds


def format_interval(seconds: int | None) -> str:
    """``1h30m`` for 5400; ``manual`` for None."""
    if not seconds:
        return "manual"
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)


def next_due(last_run: datetime | None, interval: int | None, failures: int) -> float | None:
    """When a source should run next (epoch seconds); None when it is never polled.

    Failures back off: the wait doubles with each failure in a row, up to a day.
    """
    if not interval:
        return None
    if last_run is None:
        return 0.0
    wait = interval
    if failures:
        wait = min(interval * 2 ** min(failures, 16), max(interval, MAX_BACKOFF))
    return last_run.timestamp() + wait


def _shown(text: str) -> str:
    """The typed interval as echoed in an error: short, so the message stays readable."""
    text = text.strip()
    return text if len(text) <= 20 else text[:20] + "…"
