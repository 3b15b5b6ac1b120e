"""Polling sources on their interval, inside the bot or in ``newsdesk reindex --watch``.

The loop only decides what is due; each run happens in a worker thread (fetching, parsing
and embedding never touch the event loop, so Discord's heartbeat keeps beating). Sources run
one after another: writes to the store are serialised anyway. Failures are recorded on the
source by the service and back off there (the wait doubles per failure in a row, up to a day).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.core.ports import SourcePolling
from index.records import IndexReport

log = logging.getLogger(__name__)

DEFAULT_TICK = 30.0  # seconds between looks at what is due

# on_report(source_id, report): told about every finished run (the CLI prints it).
ReportCallback = Callable[[str, IndexReport], None]


class Scheduler:
    """Runs due sources every ``tick`` seconds until stopped."""

    def __init__(
        self,
        sources: SourcePolling,
        *,
        tick: float = DEFAULT_TICK,
        clock: Callable[[], float] = time.time,
        on_report: ReportCallback | None = None,
    ) -> None:
        self.sources = sources
        self.tick = tick
        self.clock = clock
        self.on_report = on_report
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> list[tuple[str, IndexReport]]:
        """Run every source that is due now; returns what ran and its report."""
        due = await asyncio.to_thread(self.sources.due, self.clock())
        finished: list[tuple[str, IndexReport]] = []
        for source in due:
            try:
                report = await asyncio.to_thread(
                    self.sources.run_if_due, source.id, None, self.clock()
                )
            except Exception:  # a bug in one source's run must not stop the others
                log.exception("polling %s failed", source.id)
                continue
            if report is None:
                continue  # running elsewhere, or another process just ran it
            log.info("polled %s: %s", source.id, report.summary_line())
            finished.append((source.id, report))
            if self.on_report:
                self.on_report(source.id, report)
        return finished

    async def run_forever(self, cycles: int | None = None) -> None:
        """Poll every ``tick`` seconds (``cycles`` times, or until cancelled)."""
        await asyncio.to_thread(self.sources.resume_removals)
        count = 0
        while cycles is None or count < cycles:
            try:
                await self.run_once()
            except Exception:
                log.exception("the polling loop hit an error; it goes on")
            count += 1
            if cycles is None or count < cycles:
                await asyncio.sleep(self.tick)

    def start(self) -> asyncio.Task[None]:
        """Start polling in the background (inside the bot)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run_forever(), name="newsdesk-scheduler")
        return self._task

    async def stop(self) -> None:
        """Stop polling; a run already in its worker thread finishes on its own."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
