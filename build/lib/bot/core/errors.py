"""Errors whose message is safe to show to a user, raised by the core (no Discord here)."""

from __future__ import annotations

from index.errors import UserError

__all__ = ["InvalidRequest", "UserError"]


class InvalidRequest(UserError):
    """The request cannot be served as asked (empty question, bad date range, ...)."""
