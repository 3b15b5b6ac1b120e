"""Reading a day typed by a user (CLI options, console commands, slash-command options)."""

from __future__ import annotations

from datetime import date

from bot.core.errors import InvalidRequest

# News dates: far enough either way for any archive, near enough that "last week" or "ten
# years back" from them is still a date Python can hold.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def parse_day(value: str | None, name: str) -> date | None:
    """``YYYY-MM-DD`` as a date (None when empty); InvalidRequest naming ``name`` otherwise."""
    if value is None or not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        # The typed text is echoed short and plain: it may be long or carry markdown.
        shown = value.strip()[:30].replace("`", "'")
        raise InvalidRequest(f"{name} must be a date like 2024-07-25, not `{shown}`.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidRequest(f"{name} must be between {FIRST_DAY} and {LAST_DAY}, not {day}.")
    return day
