"""Article readers: the three formats, folders, bad input, and the project's sample articles."""

from __future__ import annotations

import gzip
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from index.articles import Article, ParseProblem, derive_article_id, read_paths

SAMPLES = Path(__file__).resolve().parents[1] / "index" / "samples"
SEED = Path("/work/shared/seed")
EVAL_CORPUS = Path("/work/shared/eval/realtimeqa/corpus.jsonl.gz")

TEXT_ARTICLE = "date 2024-03-02 Harbour bridge reopens\n\nFirst paragraph.\n\nSecond paragraph.\n"


def read_all(*paths: str | Path) -> tuple[list[Article], list[ParseProblem]]:
    """Read paths and split the results into articles and problems."""
    results = list(read_paths(paths))
    articles = [r for r in results if isinstance(r, Article)]
    problems = [r for r in results if isinstance(r, ParseProblem)]
    assert len(articles) + len(problems) == len(results)
    return articles, problems


def write(path: Path, content: str | bytes) -> Path:
    """Write text or bytes, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def jsonl(*records: object) -> str:
    """JSON Lines text for the given records (strings are written as they are)."""
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def good_record(n: int, **extra: object) -> dict[str, object]:
    """A valid JSON Lines record."""
    return {"title": f"Story {n}", "body": f"Body of story {n}.", "date": "2024-05-01", **extra}


# --- plain text -------------------------------------------------------------------------------


def test_text_article_fields(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", TEXT_ARTICLE)
    articles, problems = read_all(path)
    assert problems == []
    [article] = articles
    assert article.title == "Harbour bridge reopens"
    assert article.body == "First paragraph.\n\nSecond paragraph."
    assert article.published == datetime(2024, 3, 2, tzinfo=UTC)
    assert article.published.tzinfo is not None
    assert (article.url, article.source, article.authors) == ("", "", ())
    assert article.id == derive_article_id(None, "", article.title, article.body)
    assert article.id.startswith("h-")


def test_text_tolerates_leading_whitespace_crlf_and_bom(tmp_path: Path) -> None:
    content = (
        "\ufeff\n   date 2024-03-02   Harbour bridge reopens\r\n\r\nLine one.\r\nLine two.\r\n"
    )
    [article] = read_all(write(tmp_path / "a.txt", content))[0]
    assert article.title == "Harbour bridge reopens"
    assert article.body == "Line one.\nLine two."


def test_text_body_keeps_inner_spacing(tmp_path: Path) -> None:
    body = "A  sentence with  double spaces.\n\n\nThird   paragraph."
    [article] = read_all(write(tmp_path / "a.txt", f"date 2024-03-02 T\n\n{body}\n\n"))[0]
    assert article.body == body


def test_text_datetime_in_header_is_converted_to_utc(tmp_path: Path) -> None:
    content = "date 2024-03-02T01:30:00+05:00 Early edition\n\nBody."
    [article] = read_all(write(tmp_path / "a.txt", content))[0]
    assert article.published == datetime(2024, 3, 1, 20, 30, tzinfo=UTC)


def test_seed_article_parses() -> None:
    if not SEED.is_dir():
        pytest.skip("seed folder not present")
    articles, problems = read_all(SEED)
    assert problems == []
    assert len(articles) == 1
    assert "bombers" in articles[0].title.lower()
    assert articles[0].published == datetime(2024, 7, 25, tzinfo=UTC)
    assert articles[0].body and not articles[0].body[0].isspace()


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_article_fields(tmp_path: Path) -> None:
    content = (
        "---\n"
        "title: Council approves   new park\n"
        "date: 2024-06-01T09:15:00-04:00\n"
        "url: https://example.org/news/park/?utm_source=x\n"
        "source: Town Gazette\n"
        "authors: [Ada Lovelace, Alan Turing]\n"
        "---\n\n"
        "# Heading\n\nThe council voted on Friday.\n"
    )
    [article] = read_all(write(tmp_path / "park.md", content))[0]
    assert article.title == "Council approves new park"
    assert article.body == "# Heading\n\nThe council voted on Friday."
    assert article.published == datetime(2024, 6, 1, 13, 15, tzinfo=UTC)
    assert article.source == "Town Gazette"
    assert article.authors == ("Ada Lovelace", "Alan Turing")
    assert article.url == "https://example.org/news/park/?utm_source=x"
    # The id comes from the canonical URL: tracking parameters and slashes do not matter.
    assert article.id == derive_article_id(None, "https://EXAMPLE.org/news/park", "", "")
    assert article.id.startswith("u-")


def test_markdown_explicit_id_comma_authors_and_text_values(tmp_path: Path) -> None:
    content = (
        "---\ntitle: 1984\nid: 00123\ndate: 2023-01-05\nauthors: A. Writer, B. Editor\n---\nBody."
    )
    [article] = read_all(write(tmp_path / "a.markdown", content))[0]
    assert article.id == "00123"
    assert article.title == "1984"
    assert article.authors == ("A. Writer", "B. Editor")
    assert article.source == ""


# --- JSON Lines -------------------------------------------------------------------------------


def test_jsonl_article_fields_and_aliases(tmp_path: Path) -> None:
    records = [
        {
            "id": "x-1",
            "title": "One",
            "body": "Body one.\r\n\r\nMore.",
            "date": "2022-05-04",
            "url": "https://example.org/1",
            "source": "wire",
            "authors": ["A", "B"],
            "origin": "ignored",
        },
        {"doc_id": "x-2", "title": "Two", "text": "Body two.", "date": "2022-05-04T10:00:00"},
        {"title": "Three", "body": "Body three.", "date": "2022-05-04T10:00:00Z", "authors": "C"},
        {"title": "Four", "body": "Body four.", "date": "2022-05-04 23:30+02:00"},
    ]
    articles, problems = read_all(write(tmp_path / "a.jsonl", jsonl(*records)))
    assert problems == []
    one, two, three, four = articles
    assert (one.id, one.source, one.authors, one.url) == (
        "x-1",
        "wire",
        ("A", "B"),
        records[0]["url"],
    )
    assert one.body == "Body one.\n\nMore."
    assert one.published == datetime(2022, 5, 4, tzinfo=UTC)
    assert (two.id, two.body, two.source) == ("x-2", "Body two.", "")
    assert two.published == datetime(2022, 5, 4, 10, tzinfo=UTC)  # naive means UTC
    assert three.authors == ("C",)
    assert three.id == derive_article_id(None, "", "Three", "Body three.")
    assert four.published == datetime(2022, 5, 4, 21, 30, tzinfo=UTC)


def test_jsonl_gz_streams(tmp_path: Path) -> None:
    data = gzip.compress(jsonl(*(good_record(n) for n in range(50))).encode())
    articles, problems = read_all(write(tmp_path / "many.JSONL.GZ", data))
    assert problems == []
    assert [a.title for a in articles] == [f"Story {n}" for n in range(50)]


def test_jsonl_skips_blank_lines_and_counts_them(tmp_path: Path) -> None:
    content = jsonl(good_record(1)) + "\n   \n" + jsonl("[1, 2]")
    articles, problems = read_all(write(tmp_path / "a.jsonl", content))
    assert len(articles) == 1
    assert [(p.line, p.reason) for p in problems] == [(4, "JSON line must be an object, got list")]


def test_eval_corpus_reads_completely() -> None:
    if not EVAL_CORPUS.is_file():
        pytest.skip("eval corpus not present")
    articles, problems = read_all(EVAL_CORPUS)
    assert problems == []
    assert len(articles) == 3773
    assert len({a.id for a in articles}) == 3773
    assert all(a.id.startswith("rtqa-") and a.published.tzinfo is not None for a in articles)


# --- folders and paths ------------------------------------------------------------------------


def test_folder_recursion_sorted_and_skips_hidden_and_unknown(tmp_path: Path) -> None:
    write(tmp_path / "b" / "deep" / "z.txt", "date 2024-01-03 Deep\n\nBody.")
    write(tmp_path / "a.md", "---\ntitle: Top md\ndate: 2024-01-01\n---\nBody.")
    write(tmp_path / "b" / "c.jsonl", jsonl({**good_record(1), "title": "Line"}))
    write(tmp_path / ".hidden.txt", "date 2024-01-01 Hidden file\n\nBody.")
    write(tmp_path / ".git" / "x.txt", "date 2024-01-01 Hidden dir\n\nBody.")
    write(tmp_path / "notes.pdf", b"%PDF-1.4 not an article")
    write(tmp_path / "b" / "image.png", b"\x89PNG\x00\x00")
    articles, problems = read_all(tmp_path)
    assert problems == []
    assert [a.title for a in articles] == ["Top md", "Line", "Deep"]


def test_single_string_path_is_one_path(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", TEXT_ARTICLE)
    assert len(list(read_paths(str(path)))) == 1


def test_explicit_unknown_extension_and_missing_path(tmp_path: Path) -> None:
    unknown = write(tmp_path / "notes.pdf", b"%PDF")
    missing = tmp_path / "nope.txt"
    articles, problems = read_all(unknown, missing)
    assert articles == []
    assert [(p.path, p.line) for p in problems] == [(str(unknown), None), (str(missing), None)]
    assert "unknown file type" in problems[0].reason
    assert "no such file" in problems[1].reason


def test_unreadable_file_is_reported_and_reading_goes_on(tmp_path: Path) -> None:
    # A dangling symlink cannot be opened, even by root (where chmod 000 would not stop us).
    (tmp_path / "a_broken.txt").symlink_to(tmp_path / "gone.txt")
    write(tmp_path / "b_good.txt", TEXT_ARTICLE)
    articles, problems = read_all(tmp_path)
    assert len(articles) == 1
    [problem] = problems
    assert problem.path.endswith("a_broken.txt")
    assert "cannot read file" in problem.reason


def test_special_files_are_not_opened(tmp_path: Path) -> None:
    # Opening a FIFO would block forever; it must be reported (named) or skipped (in a folder).
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    write(tmp_path / "good.txt", TEXT_ARTICLE)
    assert [p.reason for p in read_all(fifo)[1]] == ["not a regular file"]
    articles, problems = read_all(tmp_path)
    assert (len(articles), problems) == (1, [])


def test_ids_are_stable_across_runs_and_locations(tmp_path: Path) -> None:
    write(tmp_path / "one" / "a.txt", TEXT_ARTICLE)
    write(tmp_path / "two" / "renamed.txt", TEXT_ARTICLE)
    first = [a.id for a in read_all(tmp_path)[0]]
    second = [a.id for a in read_all(tmp_path)[0]]
    assert first == second
    assert first[0] == first[1]
    assert first[0] == derive_article_id(
        None, "", "Harbour bridge reopens", "First paragraph.\n\nSecond paragraph."
    )


# --- bad input --------------------------------------------------------------------------------

BAD_FILES = [
    # (file name, content, expected line, words expected in the reason)
    ("nul.txt", b"date 2024-01-01 T\n\nBo\x00dy", None, "not UTF-8 text"),
    ("latin1.txt", "date 2024-01-01 Café\n\nBody".encode("latin-1"), None, "not UTF-8 text"),
    ("nul.md", b"---\ntitle: T\x00\n---\nBody", None, "not UTF-8 text"),
    ("empty.txt", "", None, "empty file"),
    ("blank.txt", "  \n\n \n", None, "empty file"),
    ("nobody.txt", "date 2024-01-01 Title only\n\n   \n", None, "empty body"),
    ("notitle.txt", "date 2024-01-01\n\nBody.", 1, "missing field 'title'"),
    ("noheader.txt", "Just a story\n\nBody.", 1, "first line must be 'date YYYY-MM-DD"),
    ("feb30.txt", "\n date 2024-02-30 T\n\nBody.", 2, "field 'date' has impossible date"),
    ("month13.txt", "date 2024-13-01 T\n\nBody.", 1, "field 'date' has impossible date"),
    ("baddate.txt", "date yesterday T\n\nBody.", 1, "field 'date' has unparseable date"),
    ("nofront.md", "# Title\n\nBody.", 1, "missing YAML front matter"),
    ("unclosed.md", "---\ntitle: T\ndate: 2024-01-01\nBody.", 1, "not closed"),
    ("badyaml.md", "---\ntitle: T\ndate: [2024\n---\nBody.", 3, "invalid YAML front matter"),
    ("listyaml.md", "---\n- a\n- b\n---\nBody.", 2, "must be a mapping"),
    ("nodate.md", "---\ntitle: T\n---\nBody.", 1, "missing field 'date'"),
    ("feb30.md", "---\ntitle: T\ndate: 2024-02-30\n---\nBody.", 3, "impossible date"),
    ("month13.md", "---\ntitle: T\ndate: 2024-13-01\n---\nB.", 3, "impossible date"),
    ("baddate.md", "---\ntitle: T\ndate: 'May 5th'\n---\nBody.", 3, "unparseable date"),
    ("notitle.md", "---\ndate: 2024-01-01\n---\nBody.", 1, "missing field 'title'"),
    ("nobody.md", "---\ntitle: T\ndate: 2024-01-01\n---\n\n  \n", None, "empty body"),
    ("badauthors.md", "---\ntitle: T\ndate: 2024-01-01\nauthors: {a: 1}\n---\nB.", 4, "authors"),
    ("notgzip.jsonl.gz", jsonl(good_record(1)), 1, "corrupt or truncated gzip"),
]


@pytest.mark.parametrize(("name", "content", "line", "reason"), BAD_FILES)
def test_bad_file_gives_problem_not_exception(
    tmp_path: Path, name: str, content: str | bytes, line: int | None, reason: str
) -> None:
    bad = write(tmp_path / name, content)
    good = write(tmp_path / "zz_good.txt", TEXT_ARTICLE)
    articles, problems = read_all(bad, good)
    assert [a.title for a in articles] == ["Harbour bridge reopens"]
    [problem] = problems
    assert problem.path == str(bad)
    assert problem.line == line
    assert reason in problem.reason
    assert str(problem).startswith(str(bad))


BAD_LINES = [
    ('{"title": "T", "body": "B", "date": "2024-01-01"', "invalid JSON"),
    ("not json at all", "invalid JSON"),
    ('"just a string"', "must be an object, got str"),
    ("42", "must be an object, got int"),
    ("[" * 100_000, "invalid JSON"),
    (json.dumps({"body": "B", "date": "2024-01-01"}), "missing field 'title'"),
    (json.dumps({"title": "  ", "body": "B", "date": "2024-01-01"}), "missing field 'title'"),
    (json.dumps({"title": "T", "date": "2024-01-01"}), "empty body"),
    (json.dumps({"title": "T", "text": " \n ", "date": "2024-01-01"}), "empty body"),
    (json.dumps({"title": "T", "body": ["B"], "date": "2024-01-01"}), "field 'body' must be text"),
    (json.dumps({"title": "T", "body": "B"}), "missing field 'date'"),
    (json.dumps({"title": "T", "body": "B", "date": "2024-02-30"}), "impossible date"),
    (json.dumps({"title": "T", "body": "B", "date": "2024-13-01"}), "impossible date"),
    (json.dumps({"title": "T", "body": "B", "date": "01/02/2024"}), "unparseable date"),
    (json.dumps({"title": "T", "body": "B", "date": 20240101}), "field 'date' must be"),
    (json.dumps({**good_record(0), "authors": [1, 2]}), "field 'authors'"),
    (json.dumps({**good_record(0), "url": {"href": "x"}}), "field 'url' must be text"),
]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES)
def test_bad_jsonl_line_is_reported_and_neighbours_still_read(
    tmp_path: Path, line: str, reason: str
) -> None:
    content = jsonl(good_record(1), line, good_record(3))
    path = write(tmp_path / "mixed.jsonl", content)
    articles, problems = read_all(path)
    assert [a.title for a in articles] == ["Story 1", "Story 3"]
    [problem] = problems
    assert (problem.path, problem.line) == (str(path), 2)
    assert reason in problem.reason


def test_non_utf8_jsonl_line_is_reported(tmp_path: Path) -> None:
    content = (
        jsonl(good_record(1)).encode() + b'{"title": "caf\xe9"}\n' + jsonl(good_record(3)).encode()
    )
    articles, problems = read_all(write(tmp_path / "mixed.jsonl", content))
    assert len(articles) == 2
    assert [(p.line, p.reason) for p in problems] == [(2, "not UTF-8 text")]


def test_truncated_gzip_keeps_the_lines_before_the_break(tmp_path: Path) -> None:
    # Varied bodies so the compressed stream is long enough to cut in the middle.
    records = [good_record(n, body=f"Body {n} " + "x" * (n * 37 % 400)) for n in range(400)]
    data = gzip.compress(jsonl(*records).encode())
    path = write(tmp_path / "cut.jsonl.gz", data[: len(data) // 2])
    results = list(read_paths([path]))
    *articles, problem = results
    assert len(articles) > 10
    assert all(isinstance(a, Article) for a in articles)
    assert isinstance(problem, ParseProblem)
    assert "corrupt or truncated gzip" in problem.reason
    assert problem.line == len(articles) + 1


def test_corrupt_gzip_middle_is_reported(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(jsonl(*(good_record(n) for n in range(100))).encode()))
    data[len(data) // 2 : len(data) // 2 + 8] = b"\xff" * 8
    results = list(read_paths([write(tmp_path / "bad.jsonl.gz", bytes(data))]))
    assert isinstance(results[-1], ParseProblem)
    assert "gzip" in results[-1].reason


# --- the project's samples --------------------------------------------------------------------

SLUG = re.compile(r"(\d{4}-\d{2}-\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*\.(txt|md)")


def test_samples_all_parse_cleanly() -> None:
    articles, problems = read_all(SAMPLES)
    assert problems == []
    assert len(articles) >= 18
    assert len({a.id for a in articles}) == len(articles)
    assert {a.published.year for a in articles} >= {2023, 2024, 2025}


def test_sample_files_are_dated_slugs_of_sensible_length() -> None:
    files = sorted(p for p in SAMPLES.iterdir() if not p.name.startswith("."))
    for path in files:
        match = SLUG.fullmatch(path.name)
        assert match, f"{path.name} is not a dated lowercase slug"
        [article] = read_all(path)[0]
        assert article.published.date().isoformat() == match.group(1), path.name
        assert 120 <= len(article.body.split()) <= 400, path.name
    markdown = [p for p in files if p.suffix == ".md"]
    assert 3 <= len(markdown) <= 4
    for path in markdown:
        [article] = read_all(path)[0]
        assert (article.source, article.url) == ("Newsdesk Samples", "")


def test_sample_about_the_alaska_bomber_patrol() -> None:
    [article] = read_all(SAMPLES / "2024-07-25-bombers-near-alaska.txt")[0]
    assert article.published == datetime(2024, 7, 25, tzinfo=UTC)
    assert "American and Canadian fighter jets intercepted" in article.body
    for fact in ("Tu-95MS", "H-6", "NORAD", "Chukchi", "Bering", "third"):
        assert fact in article.body
