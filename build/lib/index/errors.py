"""The base of errors whose message is safe to show to a user as is.

It lives at the bottom layer so the knowledge base (bad sources) and the core (bad
questions) raise the same kind, and every adapter has one thing to catch.
"""

from __future__ import annotations


class UserError(Exception):
    """An error with a message that is safe and useful to show as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
