"""One bad record is that record's problem: out-of-range dates, lone surrogates and huge numbers
become a problem naming the file, the line and the field, and the file's other records index."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import make_services

from index.articles import Article, FieldError, ParseProblem, derive_article_id, read_paths
from index.formats import parse_date, parse_json_record

GOOD_BEFORE = {"title": "Harbour wall approved", "body": "The council voted.", "date": "2024-07-01"}
GOOD_AFTER = {"title": "Ferry adds crossings", "body": "Two more a day.", "date": "2024-07-02"}


def jsonl(path: Path, *lines: str) -> Path:
    """Write raw JSON Lines (each line given as its exact text)."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def index_file(tmp_path: Path, path: Path):
    """Index ``path`` into a fresh store; returns the report and the stored titles."""
    services = make_services(tmp_path, source_paths=[])
    report = services.indexer.index(read_paths(path))
    stored = services.catalog.articles(services.catalog.hashes())
    return report, sorted(a.title for a in stored.values())


@pytest.mark.parametrize(
    "bad_date",
    [
        "0001-01-01T00:00+01:00",  # valid ISO, but its UTC time falls before year 1
        "9999-12-31T23:00-05:00",  # valid ISO, but its UTC time falls after year 9999
    ],
)
def test_an_out_of_range_date_fails_its_line_only(tmp_path: Path, bad_date: str) -> None:
    bad = {"title": "Bad date", "body": "Some body.", "date": bad_date}
    path = jsonl(tmp_path / "a.jsonl", *(json.dumps(r) for r in (GOOD_BEFORE, bad, GOOD_AFTER)))

    report, titles = index_file(tmp_path, path)

    assert (report.added, report.failed) == (2, 1)
    assert titles == ["Ferry adds crossings", "Harbour wall approved"]
    [problem] = report.problems
    assert problem.startswith(f"{path}:2: field 'date' has out-of-range date {bad_date!r}")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", '"Bad \\ud800 title"'),
        ("body", '"Body with a lone \\udc80 surrogate."'),
        ("url", '"https://example.org/\\ud800"'),
        ("id", '"A1\\ud800"'),
        ("source", '"Courier \\ud800"'),
        ("authors", '["Ada \\ud800 Lind"]'),
    ],
)
def test_a_lone_surrogate_fails_its_line_and_names_the_field(
    tmp_path: Path, field: str, value: str
) -> None:
    record = {"title": "Surrogate", "body": "Some body.", "date": "2024-07-01"}
    record.pop(field, None)
    # The escape must reach json.loads as written: json.dumps would escape the backslash.
    bad = json.dumps(record)[:-1] + f', "{field}": {value}}}'
    path = jsonl(tmp_path / "a.jsonl", json.dumps(GOOD_BEFORE), bad, json.dumps(GOOD_AFTER))

    report, titles = index_file(tmp_path, path)

    assert (report.added, report.failed) == (2, 1)
    assert titles == ["Ferry adds crossings", "Harbour wall approved"]
    [problem] = report.problems
    assert problem.startswith(f"{path}:2: field '{field}' is not valid Unicode text")
    assert "lone surrogate U+D" in problem


def test_a_surrogate_in_the_text_key_names_that_key(tmp_path: Path) -> None:
    raw = '{"title": "T", "text": "bad \\ud800 text", "date": "2024-07-01"}'

    problem = parse_json_record("f.jsonl", 7, raw)

    assert isinstance(problem, ParseProblem)
    assert (problem.line, problem.reason.split(" is ")[0]) == (7, "field 'text'")


def test_a_number_too_long_for_python_fails_its_line_only(tmp_path: Path) -> None:
    huge = '{"title": "Huge", "body": "b", "date": "2024-07-01", "views": ' + "9" * 5000 + "}"
    path = jsonl(tmp_path / "a.jsonl", json.dumps(GOOD_BEFORE), huge, json.dumps(GOOD_AFTER))

    report, titles = index_file(tmp_path, path)

    assert (report.added, report.failed) == (2, 1)
    assert titles == ["Ferry adds crossings", "Harbour wall approved"]
    assert report.problems[0].startswith(f"{path}:2: invalid JSON")


def test_markdown_front_matter_problems_name_the_key_line(tmp_path: Path) -> None:
    surrogate = tmp_path / "a.md"
    surrogate.write_text('---\ndate: 2024-07-01\ntitle: "Bad \\ud800"\n---\nBody.\n')
    early = tmp_path / "b.md"
    early.write_text("---\ntitle: Early\ndate: 0001-01-01T00:00+01:00\n---\nBody.\n")
    fine = tmp_path / "c.md"
    fine.write_text("---\ntitle: Fine\ndate: 2024-07-01\n---\nBody.\n")

    report, titles = index_file(tmp_path, tmp_path)

    assert (report.added, report.failed, titles) == (1, 2, ["Fine"])
    assert report.problems[0].startswith(f"{surrogate}:3: field 'title' is not valid Unicode")
    assert report.problems[1].startswith(f"{early}:3: field 'date' has out-of-range date")


def test_dates_at_the_edges_of_the_range_still_index(tmp_path: Path) -> None:
    first = {"title": "First", "body": "b", "date": "0001-01-01"}
    last = {"title": "Last", "body": "b", "date": "9999-12-31T23:59:59Z"}
    path = jsonl(tmp_path / "a.jsonl", json.dumps(first), json.dumps(last))

    report, titles = index_file(tmp_path, path)

    assert (report.added, report.failed, titles) == (2, 0, ["First", "Last"])


def test_parse_date_reports_out_of_range_datetime_values() -> None:
    from datetime import timedelta, timezone

    ahead = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))

    with pytest.raises(FieldError, match="field 'published' has out-of-range date"):
        parse_date(ahead, "published")


def test_derive_article_id_names_the_field_it_cannot_hash() -> None:
    with pytest.raises(FieldError, match="field 'url' is not valid Unicode text"):
        derive_article_id(None, "https://example.org/\udc80", "t", "b")
    with pytest.raises(FieldError, match="field 'body'"):
        derive_article_id(None, "", "t", "b\ud800")
    assert derive_article_id("A1", "", "", "") == "A1"


def test_good_records_are_unchanged_by_the_checks(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.jsonl", json.dumps({**GOOD_BEFORE, "title": "Café ☕ 🚢"}))

    [article] = list(read_paths(path))

    assert isinstance(article, Article)
    assert article.title == "Café ☕ 🚢"
    assert article.published == datetime(2024, 7, 1, tzinfo=UTC)
