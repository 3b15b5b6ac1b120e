"""Named locks shared by threads and processes (the bot, ``reindex --watch``, the CLI).

Each lock is a file under one folder, held with ``flock``: the kernel releases it when the
holder exits, even on SIGKILL, so a crash never leaves a stale lock behind. The holder writes
when it started into the file, so a second caller can be told how long the work has run.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class LockBusy(Exception):
    """The lock is held by another run; ``started`` is when that run began (if known)."""

    def __init__(self, name: str, started: datetime | None, pid: int | None) -> None:
        self.name = name
        self.started = started
        self.pid = pid
        when = f" since {started:%Y-%m-%d %H:%M:%S} UTC" if started else ""
        super().__init__(f"{name} is already running{when}")


@dataclass(frozen=True)
class LockDir:
    """A folder of named locks."""

    path: Path

    @contextmanager
    def hold(self, name: str, *, wait: bool = False) -> Iterator[None]:
        """Hold the lock ``name`` for the block; raise LockBusy if taken and not ``wait``."""
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._file(name), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
            try:
                fcntl.flock(fd, flags)
            except BlockingIOError:
                started, pid = _read_holder(fd)
                raise LockBusy(name, started, pid) from None
            _write_holder(fd)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def holder(self, name: str) -> datetime | None:
        """When the current holder of ``name`` started, or None when nobody holds it."""
        file = self._file(name)
        if not file.exists():
            return None
        fd = os.open(file, os.O_RDWR)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return _read_holder(fd)[0] or datetime.now(UTC)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def _file(self, name: str) -> Path:
        return self.path / f"{_UNSAFE.sub('_', name)}.lock"


def _write_holder(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"started": time.time(), "pid": os.getpid()}).encode(), 0)


def _read_holder(fd: int) -> tuple[datetime | None, int | None]:
    """What the holder wrote; it may not have written yet (a race of microseconds)."""
    try:
        data = json.loads(os.pread(fd, 256, 0) or b"{}")
        return datetime.fromtimestamp(float(data["started"]), UTC), int(data["pid"])
    except (ValueError, KeyError, TypeError):
        return None, None
