"""Errors whose message is safe to show to a user, raised by the core (no Discord here)."""

from __future__ import annotations


class UserError(Exception):
    """An error with a message that is safe and useful to show as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(UserError):
    """The request cannot be served as asked (empty question, bad date range, ...)."""
