"""One re-index per source at a time, across threads and processes; a second request is told
when the first one started. Different sources may run at once without harming the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support_web import source_services

from index.locks import LockBusy, LockDir
from index.sources.service import SourceBusy

ROOT = Path(__file__).resolve().parent.parent


def stories(folder: Path, prefix: str, count: int) -> Path:
    folder.mkdir(parents=True)
    lines = [
        f'{{"id": "{prefix}{n}", "title": "{prefix} item {n}", "date": "2024-02-0{n % 9 + 1}", '
        f'"body": "Item {n} of the {prefix} series says something new about tide {n}. '
        f'A second sentence adds detail number {n} for the {prefix} readers."}}'
        for n in range(count)
    ]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_a_second_run_of_a_source_is_told_when_the_first_started(tmp_path) -> None:
    services = source_services(tmp_path)
    source = services.sources.add(str(stories(tmp_path / "a", "alpha", 3)))
    with services.locks.hold(f"source-{source.id}"):  # a run in progress
        with pytest.raises(SourceBusy) as caught:
            services.sources.run(source.id)
        with pytest.raises(SourceBusy):
            services.sources.remove(source.id)
        report = services.sources.run_all()  # the other sources still run; this one is named
    busy = caught.value
    assert busy.source_id == source.id
    assert abs(busy.started - datetime.now(UTC)) < timedelta(seconds=10)
    assert f"A re-index of {source.id} is already running (started " in busy.message
    assert report.problems == [busy.message]
    assert services.sources.run(source.id).added == 3  # free again afterwards


def test_two_runs_of_everything_do_not_overlap(tmp_path) -> None:
    services = source_services(tmp_path)
    busy = pytest.raises(SourceBusy, match="A re-index of all sources is already running")
    with services.locks.hold("all-sources"), busy:
        services.sources.run_all()


def test_a_lock_held_by_another_process_is_busy_and_freed_when_it_is_killed(tmp_path) -> None:
    locks = LockDir(tmp_path / "locks")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from index.locks import LockDir\n"
            "with LockDir(Path(sys.argv[1])).hold('source-s1'):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(tmp_path / "locks"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(LockBusy) as caught, locks.hold("source-s1"):
        pass
    assert caught.value.pid == holder.pid
    assert locks.holder("source-s1") is not None

    holder.send_signal(signal.SIGKILL)  # the kernel drops the lock with the process
    holder.wait(timeout=10)
    assert locks.holder("source-s1") is None
    with locks.hold("source-s1"):
        pass


def test_different_sources_can_run_at_the_same_time(tmp_path) -> None:
    services = source_services(tmp_path)
    ids = [services.sources.add(str(stories(tmp_path / p, p, 60))).id for p in ("ab", "cd", "ef")]
    reports, errors = {}, []

    def run(source_id: str) -> None:
        try:
            reports[source_id] = services.sources.run(source_id)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(sid,)) for sid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert [reports[sid].added for sid in ids] == [60, 60, 60]
    assert services.catalog.pending() == {}
    chroma = set(services.store._collection.get(include=[], limit=10_000)["ids"])
    catalog = {r[0] for r in services.catalog._query("SELECT chunk_id FROM chunks")}
    assert chroma == catalog and len(catalog) >= 180
