"""A JSON Lines file that repeats an article: the later line is reported, not dropped silently."""

from __future__ import annotations

import json
from pathlib import Path

from support import make_services

from index.articles import Article, ParseProblem, read_paths


def write_jsonl(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def article(**fields) -> dict:
    return {"title": "Storm nears coast", "body": "The storm grew.", "date": "2024-10-08", **fields}


def test_a_repeated_id_is_reported_with_both_lines_and_the_first_kept(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        article(id="dup1"),
        article(id="other"),
        article(id="dup1", body="The storm grew to category 5."),
    )

    items = list(read_paths(path))

    assert [i.id for i in items if isinstance(i, Article)] == ["dup1", "other"]
    assert [str(i) for i in items if isinstance(i, ParseProblem)] == [
        f"{path}:3: duplicate id 'dup1' (first on line 1); the first is kept"
    ]


def test_repeats_without_an_id_name_what_matched(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        article(url="https://example.org/storm"),
        article(url="https://EXAMPLE.org/storm#top", body="Edited."),
        article(title="Other"),
        article(title="Other"),
    )

    problems = [str(i) for i in read_paths(path) if isinstance(i, ParseProblem)]

    assert problems == [
        f"{path}:2: same url as line 1 (no id given); the first is kept",
        f"{path}:4: same title and body as line 3 (no id given); the first is kept",
    ]


def test_the_index_report_shows_the_repeat(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", article(id="dup1"), article(id="dup1", body="New."))
    services = make_services(tmp_path)
    try:
        report = services.library.index_paths([path])
        assert (report.added, report.failed) == (1, 1)
        assert report.problems == [
            f"{path}:2: duplicate id 'dup1' (first on line 1); the first is kept"
        ]
        assert services.catalog.article("dup1").body == "The storm grew."
    finally:
        services.close()


def test_the_same_id_in_two_files_is_not_a_problem_of_either_file(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", article(id="dup1"))
    b = write_jsonl(tmp_path / "b.jsonl", article(id="dup1"))
    assert all(isinstance(i, Article) for i in read_paths([a, b]))
