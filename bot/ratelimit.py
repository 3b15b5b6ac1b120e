"""A per-user rate limit for the costly commands (questions, summaries, timelines).

:class:`RateLimiter` keeps, per user, the times of their last requests in a sliding window of
one minute; a request over the limit is refused with the seconds until one slot frees up.
The costly slash commands (/ask, /summary, /timeline) and the mention and thread listeners
take their slot from the same limiter (:func:`take_slot`), so every way of asking shares one
budget. They take it only once the input was checked: a typo costs no slot.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable

from bot.errors import RateLimited

WINDOW_SECONDS = 60.0


def polite_message(per_minute: int, retry_after: float) -> str:
    """What a user over the limit reads: the limit, and when to try again."""
    seconds = max(1, math.ceil(retry_after))
    questions = "1 question" if per_minute == 1 else f"{per_minute} questions"
    return (
        f"Sorry, I can take {questions} a minute from each person, and you've reached that. "
        f"Please try again in {seconds} s."
    )


class RateLimiter:
    """At most ``per_minute`` requests per user in any minute; 0 (or less) turns it off."""

    def __init__(
        self,
        per_minute: int,
        *,
        exempt: Iterable[int] = (),
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.exempt = frozenset(exempt)
        self.window = window
        self._clock = clock
        self._recent: dict[int, deque[float]] = {}

    def hit(self, user_id: int) -> float:
        """Count a request; 0.0 when allowed, else the seconds to wait (nothing is counted)."""
        if self.per_minute <= 0 or user_id in self.exempt:
            return 0.0
        now = self._clock()
        times = self._recent.setdefault(user_id, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.per_minute:
            return times[0] + self.window - now
        times.append(now)
        self._forget_idle(now)
        return 0.0

    def check(self, user_id: int) -> None:
        """Count a request, or raise :class:`RateLimited` with a polite message."""
        wait = self.hit(user_id)
        if wait > 0:
            raise RateLimited(wait, polite_message(self.per_minute, wait))

    def _forget_idle(self, now: float) -> None:
        # Keep memory bounded on busy servers: drop users with nothing in the window.
        if len(self._recent) > 1000:
            for user_id in [u for u, t in self._recent.items() if t[-1] <= now - self.window]:
                del self._recent[user_id]


def take_slot(limiter: RateLimiter | None, user_id: int) -> None:
    """Count one costly request (nothing without a limiter); :class:`RateLimited` when over.

    Raised from a slash command, the tree's error handler tells the user privately.
    """
    if limiter is not None:
        limiter.check(user_id)
