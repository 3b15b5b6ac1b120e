"""Date arithmetic for resolving time phrases (stdlib only)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def shift_months(day: date, months: int) -> date:
    """``day`` moved by whole months, the day clamped to the target month's length."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def month_end(year: int, month: int) -> date:
    """The last day of the month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def units_back(as_of: date, n: int, unit: str) -> date:
    """The day ``n`` units before ``as_of`` (hours round up to whole days)."""
    unit = unit.rstrip("s")
    if unit == "hour":
        return as_of - timedelta(days=max(1, -(-n // 24)))
    if unit in ("day", "week"):
        return as_of - timedelta(days=n * (7 if unit == "week" else 1))
    return shift_months(as_of, -n * (12 if unit == "year" else 1))


def day_number(text: str) -> int:
    """The number of "4", "4th", "21st"."""
    return int(text.rstrip("stndrh"))


def latest_weekday(as_of: date, weekday: int) -> date:
    """The most recent ``weekday`` (0 = Monday) on or before ``as_of``."""
    return as_of - timedelta(days=(as_of.weekday() - weekday) % 7)


def latest_year(as_of: date, month: int, day: int = 1) -> int:
    """The latest year in which month/day is not after ``as_of``."""
    return as_of.year if (month, day) <= (as_of.month, as_of.day) else as_of.year - 1
