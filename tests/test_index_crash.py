"""SIGKILL in the middle of a re-index (or a source removal), at several points, in a real
subprocess: afterwards the store answers as before, has no orphan or duplicate chunks once
recovered, and a rerun completes to exactly the state a clean run gives."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from support_web import source_services

from index.search import SearchQuery

ROOT = Path(__file__).resolve().parent.parent
OLD, CHANGED, NEW = 40, 16, 40  # articles indexed before; of them rewritten; added in the run

# The child: index (or remove) a source; at the k-th time it passes `point`, it says FROZEN
# and waits to be killed. Points wrap the real objects, in the pipeline's write order.
CHILD = r"""
import sys, time
from pathlib import Path
import index.pipeline
index.pipeline.BATCH_CHUNKS = 12  # many small batches: many places to die in
from bot.services import Services
from bot.settings import Settings

data, target, k, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
services = Services(Settings(_env_file=None, data_dir=Path(data), source_paths=[],
                             fake_embeddings=True))
seen = {}

def point(name):
    seen[name] = seen.get(name, 0) + 1
    if name == target and seen[name] == k:
        print("FROZEN", flush=True)
        time.sleep(120)

def wrap(owner, attr, name):
    original = getattr(owner, attr)
    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        point(name)
        return result
    setattr(owner, attr, wrapper)

wrap(services.catalog, "mark_pending", "journaled")
wrap(services.embeddings, "embed_documents", "embedded")      # vectors made, not yet written
wrap(services.store, "upsert", "upserted")                    # in Chroma, not in the catalog
wrap(services.store, "delete", "deleted")                     # old chunks gone from Chroma
wrap(services.catalog, "commit_articles", "committed")        # a batch fully written
if mode == "run":
    services.sources.run("s1")
else:
    services.sources.remove("s2")
print("DONE", flush=True)
"""


def codeword(n: int) -> str:
    return f"zebu{n}qx"


def article(n: int, version: int = 1) -> dict:
    """A made-up bulletin; version 2 is rewritten (longer for even n, shorter for odd n)."""
    sentences = 14 if version == 1 else (24 if n % 2 == 0 else 3)
    body = " ".join(
        f"Bulletin {codeword(n)} line {i} reports that the {version and 'harbour'} committee "
        f"number {n} met again on day {i} to discuss item {n * 100 + i} of version {version}."
        for i in range(sentences)
    )
    return {
        "id": f"c{n}",
        "title": f"Committee bulletin {codeword(n)}",
        "date": f"2024-05-{n % 28 + 1:02d}",
        "url": f"https://bulletins.example/{n}",
        "body": body,
    }


def write_corpus(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")


def final_corpus() -> list[dict]:
    # Changed articles first, so the first batches hold updates (overwrites and deletions).
    return [article(n, 2) for n in range(CHANGED)] + [article(n) for n in range(CHANGED, OLD + NEW)]


def prepare(tmp_path: Path):
    """Index the old corpus (s1) and a second source (s2); then rewrite s1's file."""
    corpus = tmp_path / "corpus" / "s1.jsonl"
    write_corpus(corpus, [article(n) for n in range(OLD)])
    other = tmp_path / "other" / "s2.jsonl"
    write_corpus(other, [article(n) for n in range(500, 520)])
    services = source_services(tmp_path)
    services.sources.add(str(corpus.parent))
    services.sources.add(str(other.parent))
    report = services.sources.run_all()
    assert report.added == OLD + 20
    before = {n: top_article(services, n) for n in range(OLD)}
    assert all(before[n] == f"c{n}" for n in range(OLD))
    services.close()
    write_corpus(corpus, final_corpus())
    return before


def reopen(tmp_path: Path):
    """Services on the store as another process left it.

    Chroma caches one client per directory in a process, with the vector index in memory; it
    never sees another process's writes (the reason a separate indexer process needs a Chroma
    server). Dropping the cache makes this process read what is on disk.
    """
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    return source_services(tmp_path)


def run_child(data_dir: Path, target: str, k: int, mode: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), target, str(k), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=data_dir.parent,
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "FROZEN":
            child.send_signal(signal.SIGKILL)
            break
    _, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, f"not killed at {target} #{k}:\n{err[-3000:]}"
    return child


def top_article(services, n: int) -> str | None:
    result = services.searcher.search(SearchQuery(text=codeword(n), as_of=date(2024, 12, 31)))
    return result.articles[0].article_id if result.articles else None


def chroma_ids(services) -> list[str]:
    ids: list[str] = []
    offset = 0
    while True:
        page = services.store._collection.get(include=[], limit=500, offset=offset)["ids"]
        if not page:
            return ids
        ids += page
        offset += len(page)


def catalog_chunk_ids(services) -> list[str]:
    return [r[0] for r in services.catalog._query("SELECT chunk_id FROM chunks")]


def assert_answers_as_before(services, before: dict[int, str]) -> None:
    """Every old article is still found first for its own code word (updated ones included)."""
    for n, expected in before.items():
        assert top_article(services, n) == expected, f"article c{n} is no longer found"


def assert_no_orphans_or_duplicates(services) -> None:
    chroma, catalog = chroma_ids(services), catalog_chunk_ids(services)
    assert len(chroma) == len(set(chroma)) and len(catalog) == len(set(catalog))
    assert set(chroma) == set(catalog)
    assert services.catalog.pending() == {}
    counts = services.catalog._query(
        "SELECT a.id, a.chunk_count, COUNT(c.chunk_id) FROM articles a "
        "LEFT JOIN chunks c ON c.article_id = a.id GROUP BY a.id"
    )
    assert all(expected == actual for _, expected, actual in counts)
    urls = services.catalog._query(
        "SELECT canonical_url, guild_id, COUNT(*) FROM articles GROUP BY 1, 2 HAVING COUNT(*) > 1"
    )
    assert urls == []


def clean_state(tmp_path: Path) -> tuple[dict[str, str], set[str]]:
    """What a run without a crash leaves: article hashes and chunk ids."""
    services = source_services(tmp_path / "clean")
    write_corpus(tmp_path / "clean-corpus" / "s1.jsonl", final_corpus())
    services.sources.add(str(tmp_path / "clean-corpus"))
    services.sources.run("s1")
    state = services.catalog.hashes(), set(catalog_chunk_ids(services))
    services.close()
    return state


@pytest.mark.parametrize(
    ("target", "k"),
    [
        ("journaled", 2),  # batch 2 journaled, nothing of it written
        ("embedded", 1),  # first batch's vectors made, not written to Chroma
        ("upserted", 1),  # updated articles' vectors overwritten in Chroma, catalog untouched
        ("deleted", 1),  # shortened articles' surplus chunks deleted from Chroma, not catalog
        ("committed", 3),  # between two batches
    ],
)
def test_a_reindex_killed_midway_loses_nothing_and_a_rerun_completes(
    tmp_path: Path, target: str, k: int
) -> None:
    before = prepare(tmp_path)

    run_child(tmp_path / "data", target, k, "run")

    services = reopen(tmp_path)
    assert_answers_as_before(services, before)
    pending = services.catalog.pending()
    visible = {c for c in catalog_chunk_ids(services) if c.rsplit(":", 1)[0] not in pending}
    assert visible <= set(chroma_ids(services)), "a visible passage lost its vector"

    services.indexer.recover()  # what the next run (or the next start of the bot) does first
    assert_no_orphans_or_duplicates(services)
    assert_answers_as_before(services, before)

    report = services.sources.run("s1")
    assert report.failed == 0
    assert_no_orphans_or_duplicates(services)
    hashes, chunks = clean_state(tmp_path)
    s1 = set(services.catalog.article_ids_for_source("s1"))
    assert {a: h for a, h in services.catalog.hashes().items() if a in s1} == hashes
    assert {c for c in catalog_chunk_ids(services) if c.rsplit(":", 1)[0] in s1} == chunks
    assert len(services.catalog.article_ids_for_source("s2")) == 20  # the other source intact


@pytest.mark.parametrize(("target", "k"), [("journaled", 1), ("deleted", 1)])
def test_a_source_removal_killed_midway_is_finished_later(
    tmp_path: Path, target: str, k: int
) -> None:
    before = prepare(tmp_path)

    run_child(tmp_path / "data", target, k, "remove")

    services = reopen(tmp_path)
    assert services.sources.registry.get("s2").removing  # flagged before anything was deleted
    assert_answers_as_before(services, before)  # s1 is untouched
    services.sources.resume_removals()  # done by the next run_all, scheduler start or CLI
    assert services.sources.registry.get("s2") is None
    assert services.catalog.article_ids_for_source("s2") == []
    assert_no_orphans_or_duplicates(services)
    assert_answers_as_before(services, before)


def test_the_cli_killed_at_any_moment_recovers(tmp_path: Path) -> None:
    """The real entry point, killed when the catalog shows the run half done."""
    before = prepare(tmp_path)
    data = tmp_path / "data"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NEWSDESK_DATA_DIR": str(data),
        "NEWSDESK_FAKE_EMBEDDINGS": "true",
        "NEWSDESK_MAX_CHUNK_TOKENS": "40",  # many small chunks: a longer run to land in
    }
    entry = "from bot import cli; cli.app()"
    child = subprocess.Popen(
        [sys.executable, "-c", entry, "reindex", "s1", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
    )
    watch = sqlite3.connect(f"file:{data / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=5)
    deadline = time.monotonic() + 60
    while child.poll() is None and time.monotonic() < deadline:
        (journaled,) = watch.execute("SELECT COUNT(*) FROM pending").fetchone()
        if journaled:  # a batch is in flight: die now
            child.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    child.wait(timeout=60)
    watch.close()
    assert child.returncode == -signal.SIGKILL, "the run ended before it could be killed"

    services = reopen(tmp_path)
    assert_answers_as_before(services, before)
    services.indexer.recover()
    assert_no_orphans_or_duplicates(services)
    assert services.sources.run("s1").failed == 0
    assert_no_orphans_or_duplicates(services)
    assert len(services.catalog.article_ids_for_source("s1")) == OLD + NEW
