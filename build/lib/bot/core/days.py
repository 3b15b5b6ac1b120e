"""Reading a day typed by a user (CLI options, console commands, slash-command options)."""

from __future__ import annotations

from datetime import date

from bot.core.errors import InvalidRequest


def parse_day(value: str | None, name: str) -> date | None:
    """``YYYY-MM-DD`` as a date (None when empty); InvalidRequest naming ``name`` otherwise."""
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRequest(f"{name} must be a date like 2024-07-25, not {value!r}.") from None
