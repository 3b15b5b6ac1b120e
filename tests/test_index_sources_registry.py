"""The source registry: add, list, remove (with the articles), persistence, scopes, intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support_web import source_services

from index.sources.intervals import MAX_BACKOFF, format_interval, next_due, parse_interval
from index.sources.service import SourceError


def write_story(folder: Path, name: str, day: str, title: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(f"date {day} {title}\n\n{body}\n", encoding="utf-8")
    return path


def folder_of_stories(root: Path, prefix: str, count: int) -> Path:
    for n in range(count):
        write_story(
            root,
            f"{prefix}{n}",
            f"2024-03-{n + 1:02d}",
            f"{prefix} story {n}",
            f"This is story {n} from the {prefix} folder. It has a second sentence of its own.",
        )
    return root


def chroma_ids(services) -> set[str]:
    return set(services.store._collection.get(include=[], limit=100_000)["ids"])


def test_ids_are_short_never_reused_and_survive_a_restart(tmp_path) -> None:
    services = source_services(tmp_path)
    first = services.sources.add(str(folder_of_stories(tmp_path / "a", "alpha", 1)))
    second = services.sources.add(str(folder_of_stories(tmp_path / "b", "beta", 1)), every=3600)
    services.sources.remove(second.id)
    third = services.sources.add(str(tmp_path / "b"), guild_id="77")
    assert [first.id, second.id, third.id] == ["s1", "s2", "s3"]
    services.close()

    reopened = source_services(tmp_path)
    listed = {s.id: s for s in reopened.sources.list()}
    assert set(listed) == {"s1", "s3"}
    assert listed["s1"].location == str((tmp_path / "a").resolve())
    assert (listed["s3"].kind, listed["s3"].guild_id, listed["s3"].interval_seconds) == (
        "path",
        "77",
        None,
    )
    assert reopened.sources.add(str(tmp_path / "a"), guild_id="77").id == "s4"


def test_the_same_location_twice_in_one_scope_is_refused(tmp_path) -> None:
    services = source_services(tmp_path)
    folder = str(folder_of_stories(tmp_path / "a", "alpha", 1))
    services.sources.add(folder)
    with pytest.raises(SourceError, match="already registered as s1"):
        services.sources.add(folder)
    assert services.sources.add(folder, guild_id="5").id == "s2"  # another scope is fine


@pytest.mark.parametrize(
    ("location", "kwargs", "message"),
    [
        ("/no/such/folder", {}, "no such file or folder"),
        ("https://example.test/feed", {"kind": "path"}, "a feed or a page, not a path"),
        ("notes.txt", {"kind": "feed"}, "is not a URL"),
        ("/tmp", {"trusted": False}, "Only the bot's owners can add files or folders"),
        ("/tmp", {"every": 10}, "at most once a minute"),
        # A blank location would resolve to the current folder.
        ("", {}, "Give a feed or page URL, or a folder or file path"),
        ("   ", {}, "Give a feed or page URL, or a folder or file path"),
    ],
)
def test_bad_additions_are_refused_with_a_reason(tmp_path, location, kwargs, message) -> None:
    services = source_services(tmp_path)
    with pytest.raises(SourceError, match=message):
        services.sources.add(location, **kwargs)
    assert services.sources.list() == []


def test_removing_a_source_removes_its_articles_and_chunks_only(tmp_path) -> None:
    services = source_services(tmp_path)
    keep = services.sources.add(str(folder_of_stories(tmp_path / "a", "alpha", 3)))
    drop = services.sources.add(str(folder_of_stories(tmp_path / "b", "beta", 4)))
    services.sources.run_all()
    dropped_ids = services.catalog.article_ids_for_source(drop.id)
    assert len(dropped_ids) == 4

    removed, count = services.sources.remove(drop.id)

    assert (removed.id, count) == (drop.id, 4)
    assert [s.id for s in services.sources.list()] == [keep.id]
    assert services.catalog.articles(dropped_ids) == {}
    assert not any(cid.split(":")[0] in dropped_ids for cid in chroma_ids(services))
    assert services.sources.get(keep.id).article_count == 3
    catalog_chunks = {r[0] for r in services.catalog._query("SELECT chunk_id FROM chunks")}
    assert chroma_ids(services) == catalog_chunks
    assert services.catalog.keyword_search("beta", 10) == []


def test_a_removal_cut_short_is_finished_on_the_next_run(tmp_path) -> None:
    services = source_services(tmp_path)
    gone = services.sources.add(str(folder_of_stories(tmp_path / "b", "beta", 2)))
    services.sources.run(gone.id)
    services.sources.registry.mark_removing(gone.id)  # as if killed right after flagging

    services.sources.run_all()

    assert services.sources.list() == []
    assert services.catalog.article_ids_for_source(gone.id) == []
    assert chroma_ids(services) == set()


def test_servers_see_global_and_their_own_sources_only(tmp_path) -> None:
    services = source_services(tmp_path)
    folder = str(folder_of_stories(tmp_path / "a", "alpha", 1))
    services.sources.add(folder)
    services.sources.add(folder, guild_id="100")
    services.sources.add(folder, guild_id="200")
    assert [s.id for s in services.sources.list("100")] == ["s1", "s2"]
    assert [s.id for s in services.sources.list("200")] == ["s1", "s3"]
    assert [s.id for s in services.sources.list()] == ["s1", "s2", "s3"]
    with pytest.raises(SourceError, match="no source 's3'"):
        services.sources.get("s3", "100")
    with pytest.raises(SourceError, match="only the bot's owners can remove it"):
        services.sources.remove("s1", guild_id="100")
    with pytest.raises(SourceError, match="no source 's3'"):
        services.sources.remove("s3", guild_id="100")
    assert services.sources.remove("s2", guild_id="100")[0].id == "s2"


def test_the_configured_folders_are_listed_but_not_removable(tmp_path) -> None:
    services = source_services(tmp_path)
    services.sources.settings = services.sources.settings.__class__(
        config_paths=(folder_of_stories(tmp_path / "cfg", "config", 2),)
    )
    services.sources.run("config")
    [config] = services.sources.list()
    assert (config.id, config.article_count) == ("config", 2)
    assert config.last_run is not None
    with pytest.raises(SourceError, match="NEWSDESK_SOURCE_PATHS"):
        services.sources.remove("config")


def test_a_run_is_recorded_on_the_source(tmp_path) -> None:
    services = source_services(tmp_path)
    folder = folder_of_stories(tmp_path / "a", "alpha", 2)
    (folder / "broken.txt").write_text("no date line here\n", encoding="utf-8")
    source = services.sources.add(str(folder))

    report = services.sources.run(source.id)

    recorded = services.sources.get(source.id)
    assert (report.added, report.failed) == (2, 1)
    assert recorded.last_run is not None and recorded.last_ok is not None
    assert recorded.last_summary == report.summary_line()
    assert recorded.last_error.startswith("1 item(s) failed; first: ")
    assert "broken.txt" in recorded.last_error
    assert recorded.to_dict()["articles"] == 2


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("1d", 86_400), (" 90 s ", 90), ("1w", 604_800)],
)
def test_intervals_parse_and_format(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds
    assert parse_interval(format_interval(seconds)) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("soon", "not an interval"),
        ("30", "not an interval"),
        ("5s", "too often"),
        ("x" * 3000, "^'x{20}…' is not an interval"),
    ],
)
def test_bad_intervals_are_explained(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_interval(text)


def test_failures_back_off_up_to_a_day() -> None:
    last = datetime(2024, 1, 1, tzinfo=UTC)
    start = last.timestamp()
    assert next_due(None, 600, 0) == 0.0  # never run: due now
    assert next_due(last, None, 0) is None  # manual: never polled
    assert next_due(last, 600, 0) == start + 600
    assert next_due(last, 600, 1) == start + 1200
    assert next_due(last, 600, 3) == start + 4800
    assert next_due(last, 600, 40) == start + MAX_BACKOFF
    assert next_due(last, 2 * MAX_BACKOFF, 5) == start + 2 * MAX_BACKOFF  # never below interval
    assert timedelta(seconds=MAX_BACKOFF) == timedelta(days=1)
