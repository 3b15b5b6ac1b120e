"""Indexing: incremental, idempotent, consistent between the catalog and Chroma."""

from __future__ import annotations

import json
from pathlib import Path

from support import SAMPLES, make_services

from index.articles import read_paths
from index.chunking import MODEL_TOKEN_CAP


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def article(n: int, body: str | None = None, date: str = "2024-05-01") -> dict:
    return {
        "id": f"a{n}",
        "title": f"Story number {n}",
        "date": date,
        "source": "Test Wire",
        "body": body or f"First sentence of story {n}. Second sentence about topic {n}.",
    }


def test_samples_index_and_rerun_changes_nothing(tmp_path):
    services = make_services(tmp_path)
    first = services.library.index_paths([SAMPLES])
    assert first.added >= 18 and first.failed == 0
    chunks = services.store.count()
    assert chunks == services.library.stats().chunks > first.added
    embedded_before = services.embeddings.documents_embedded

    second = services.library.index_paths([SAMPLES])
    assert (second.added, second.updated, second.unchanged) == (0, 0, first.added)
    assert second.chunks_embedded == 0
    assert services.embeddings.documents_embedded == embedded_before
    assert services.store.count() == chunks


def test_changed_article_replaces_its_chunks(tmp_path):
    services = make_services(tmp_path)
    long_body = " ".join(
        f"Sentence {i} tells part of a long story about rivers." for i in range(80)
    )
    source = write_jsonl(tmp_path / "a.jsonl", [article(1, long_body), article(2)])
    services.library.index_paths([source])
    long_chunks = services.catalog.chunk_count("a1")
    assert long_chunks > 2

    write_jsonl(source, [article(1, "Now it is short. Only two sentences."), article(2)])
    report = services.library.index_paths([source])
    assert (report.updated, report.unchanged) == (1, 1)
    assert services.catalog.chunk_count("a1") == 1
    assert services.store.existing_ids([f"a1:{i}" for i in range(long_chunks)]) == {"a1:0"}
    assert services.store.count() == services.library.stats().chunks


def test_bad_lines_are_reported_and_nothing_indexed_is_lost(tmp_path):
    services = make_services(tmp_path)
    good = write_jsonl(tmp_path / "good.jsonl", [article(1), article(2)])
    services.library.index_paths([good])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps(article(3)) + "\n{not json\n" + json.dumps(article(4, date="2024-02-30")) + "\n",
        encoding="utf-8",
    )
    report = services.library.index_paths([bad])
    assert report.added == 1 and report.failed == 2
    assert any("bad.jsonl:2" in p for p in report.problems)
    assert any("bad.jsonl:3" in p and "date" in p for p in report.problems)
    assert services.library.stats().articles == 3  # a1, a2 kept; a3 added


def test_chunks_fit_the_model_and_carry_the_metadata_contract(tmp_path):
    services = make_services(tmp_path)
    services.library.index_paths([SAMPLES])
    counter = services.indexer.count_tokens
    got = services.store._collection.get(include=["metadatas", "documents"], limit=1000)
    keys = {
        "article_id",
        "chunk_index",
        "title",
        "url",
        "source",
        "published_ts",
        "published",
        "start_char",
        "end_char",
        "source_id",
        "guild_id",
    }
    articles = {a.id: a for a in read_paths([SAMPLES])}
    for chunk_id, meta, doc in zip(got["ids"], got["metadatas"], got["documents"], strict=True):
        assert keys <= set(meta)
        assert chunk_id == f"{meta['article_id']}:{meta['chunk_index']}"
        assert counter(doc) + 2 <= MODEL_TOKEN_CAP
        body = articles[meta["article_id"]].body
        assert doc.endswith(body[meta["start_char"] : meta["end_char"]])
        assert doc.startswith(articles[meta["article_id"]].title)


def test_interrupted_write_is_recovered_without_orphans(tmp_path):
    services = make_services(tmp_path)
    source = write_jsonl(tmp_path / "a.jsonl", [article(1), article(2)])
    services.library.index_paths([source])
    # Simulate a crash after the vectors of a new article were written but before the
    # catalog committed: journal + vectors, no catalog rows.
    from index.articles import read_paths as read
    from index.chunking import chunk_article
    from index.store import chunk_metadata

    new = next(a for a in read(write_jsonl(tmp_path / "b.jsonl", [article(9)])))
    chunks = chunk_article(new, services.indexer.count_tokens)
    services.catalog.mark_pending({new.id: len(chunks)})
    services.store.upsert(chunks, [chunk_metadata(new, c) for c in chunks])
    assert services.store.count() > services.library.stats().chunks

    services.indexer.recover()
    assert services.catalog.pending() == {}
    assert services.store.count() == services.library.stats().chunks
    report = services.library.index_paths([tmp_path / "b.jsonl"])
    assert report.added == 1


def test_index_exits_non_zero_only_when_nothing_could_be_read(tmp_path):
    from typer.testing import CliRunner

    from bot import cli

    cli._state.clear()
    runner = CliRunner()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    data = str(tmp_path / "data")
    result = runner.invoke(cli.app, ["--data-dir", data, "index", str(bad)])
    assert result.exit_code == 1
    assert "bad.jsonl:1" in result.output
    cli._state.clear()


def test_recovery_of_an_interrupted_update_keeps_the_stored_row_as_it_was(tmp_path):
    services = make_services(tmp_path)
    source = write_jsonl(tmp_path / "a.jsonl", [article(1)])
    services.library.index_paths([source])
    stored_id = next(iter(services.catalog.hashes()))
    before = services.catalog._query(
        "SELECT content_hash, indexed_at FROM articles WHERE id = ?", [stored_id]
    )
    # A crash after the journal entry of an update, before anything else was written.
    services.catalog.mark_pending({stored_id: services.catalog.chunk_count(stored_id)})

    services.indexer.recover()
    after = services.catalog._query(
        "SELECT content_hash, indexed_at FROM articles WHERE id = ?", [stored_id]
    )
    assert services.catalog.pending() == {}
    assert after == before
    assert services.library.index_paths([source]).unchanged == 1
