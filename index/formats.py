"""Parsers for the three article formats: plain text, Markdown with front matter, JSON Lines.

Each parser turns text (or a stream of lines) into ``Article`` records, and everything it cannot
use into ``ParseProblem`` records that name the file, the line and the field. Parsers never
raise on bad input; callers decide what to do with the problems.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

import yaml

from index.articles import (
    Article,
    FieldError,
    ParseProblem,
    check_text,
    derive_article_id,
    utc,
)

ReadResult = Article | ParseProblem

# Strict ISO-8601: a calendar date, optionally a time and an offset. Anything looser (week
# dates, "20240724", free text) is rejected so that a typo is reported instead of guessed at.
_ISO_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_TEXT_HEADER_RE = re.compile(r"date[ \t]+(\S+)(?:[ \t]+(.*))?", re.IGNORECASE)
_FENCE = "---"


# --- shared helpers ---------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Decode file bytes as UTF-8 (a BOM is dropped); raise ValueError for binary data."""
    if b"\x00" in data:
        raise ValueError("binary file (contains NUL bytes), not UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (bad byte at offset {exc.start})") from None


def normalise_body(text: str) -> str:
    """Unify line endings and strip surrounding whitespace; sentences are left untouched.

    Later stages quote character ranges of this exact string, so nothing inside is reflowed.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def parse_date(value: Any, field: str = "date") -> datetime:
    """Parse ``YYYY-MM-DD`` or an ISO-8601 datetime into an aware UTC datetime.

    Naive datetimes are taken as UTC; a date alone means midnight UTC.
    """
    if isinstance(value, datetime):
        return _in_utc(value, field, value.isoformat())
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise FieldError(f"missing field '{field}'")
    if not isinstance(value, str):
        raise FieldError(f"field '{field}' must be a date string, got {type(value).__name__}")
    text = value.strip()
    if not _ISO_RE.fullmatch(text.upper()):
        raise FieldError(
            f"field '{field}' has unparseable date {text!r} "
            "(expected YYYY-MM-DD or an ISO-8601 datetime)"
        )
    try:
        parsed = datetime.fromisoformat(text.upper().replace(",", "."))
    except ValueError as exc:
        raise FieldError(f"field '{field}' has impossible date {text!r} ({exc})") from None
    return _in_utc(parsed, field, text)


def _in_utc(value: datetime, field: str, text: str) -> datetime:
    """``value`` in UTC; FieldError when the shift leaves the years 1-9999 that Python can hold
    (``0001-01-01T00:00+01:00`` is a valid ISO date whose UTC time is not)."""
    try:
        return utc(value)
    except OverflowError:
        raise FieldError(
            f"field '{field}' has out-of-range date {text!r} (before year 1 or after 9999 in UTC)"
        ) from None


def _text_field(fields: Mapping[str, Any], name: str) -> str:
    """An optional text field: absent or null gives ''; numbers are accepted as text."""
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError(f"field '{name}' must be text, got {type(value).__name__}")
    return check_text(name, str(value).strip())


def _authors(value: Any) -> tuple[str, ...]:
    """Authors as a list of names or one comma-separated string."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise FieldError(f"field 'authors' must be a list or a string, got {type(value).__name__}")
    if not all(isinstance(name, str) for name in value):
        raise FieldError("field 'authors' must contain only names (text)")
    return tuple(check_text("authors", name.strip()) for name in value if name.strip())


def build_article(fields: Mapping[str, Any], body_key: str = "body") -> Article:
    """Build an Article from raw fields (already split from their format); raise FieldError."""
    title = " ".join(_text_field(fields, "title").split())
    if not title:
        raise FieldError("missing field 'title'")
    raw_body = fields.get(body_key)
    if raw_body is not None and not isinstance(raw_body, str):
        raise FieldError(f"field '{body_key}' must be text, got {type(raw_body).__name__}")
    body = check_text(body_key, normalise_body(raw_body or ""))
    if not body:
        raise FieldError(f"empty body (field '{body_key}')")
    published = parse_date(fields.get("date"))
    url = _text_field(fields, "url")
    raw_id = _text_field(fields, "id") or None
    return Article(
        id=derive_article_id(raw_id, url, title, body),
        title=title,
        body=body,
        published=published,
        url=url,
        source=_text_field(fields, "source"),
        authors=_authors(fields.get("authors")),
    )


# --- plain text -------------------------------------------------------------------------------


def parse_text(path: str, text: str) -> ReadResult:
    """Parse the plain-text format: ``date YYYY-MM-DD <title>``, a blank line, the body."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        return ParseProblem(path, None, "empty file")
    line_no = header_index + 1
    match = _TEXT_HEADER_RE.fullmatch(lines[header_index].strip())
    if match is None:
        return ParseProblem(path, line_no, "first line must be 'date YYYY-MM-DD <title>'")
    fields = {
        "date": match.group(1),
        "title": match.group(2) or "",
        "body": "\n".join(lines[header_index + 1 :]),
    }
    try:
        return build_article(fields)
    except FieldError as exc:
        # Title and date live on the header line; only the body is elsewhere.
        where = None if str(exc).startswith("empty body") else line_no
        return ParseProblem(path, where, str(exc).replace(" (field 'body')", ""))


# --- Markdown with YAML front matter ----------------------------------------------------------


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader whose plain scalars stay text (only ``null`` is resolved).

    Every front-matter field is text: an impossible ``date: 2024-02-30`` must reach our date
    parser (which names the field) instead of failing the whole block, and ``id: 00123`` or
    ``title: 1984`` must not turn into numbers.
    """


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _split_front_matter(path: str, lines: list[str]) -> tuple[list[str], int] | ParseProblem:
    """Return the front matter lines and the index of the closing fence."""
    if not lines or lines[0].strip() != _FENCE:
        return ParseProblem(path, 1, "missing YAML front matter ('---' expected on line 1)")
    for i in range(1, len(lines)):
        if lines[i].strip() in (_FENCE, "..."):
            return lines[1:i], i
    return ParseProblem(path, 1, "YAML front matter is not closed (no second '---' line)")


def _key_line(front: list[str], key: str) -> int:
    """The file line number of ``key:`` in the front matter (the opening fence if absent)."""
    pattern = re.compile(rf"{re.escape(key)}\s*:")
    return next((i + 2 for i, line in enumerate(front) if pattern.match(line)), 1)


def parse_markdown(path: str, text: str) -> ReadResult:
    """Parse Markdown with ``---`` YAML front matter (title, date, url, source, authors, id)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    split = _split_front_matter(path, lines)
    if isinstance(split, ParseProblem):
        return split
    front, close_index = split
    try:
        meta = yaml.load("\n".join(front), Loader=_FrontMatterLoader)  # noqa: S506 (safe subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or "syntax error"
        return ParseProblem(path, line, f"invalid YAML front matter: {reason}")
    if not isinstance(meta, dict):
        return ParseProblem(path, 2, "YAML front matter must be a mapping of 'field: value'")
    fields = {str(k): v for k, v in meta.items()}
    fields["body"] = "\n".join(lines[close_index + 1 :])
    try:
        return build_article(fields)
    except FieldError as exc:
        message = str(exc)
        if message.startswith("empty body"):
            return ParseProblem(path, None, "empty body")
        field = re.search(r"field '(\w+)'", message)
        return ParseProblem(path, _key_line(front, field.group(1)) if field else 1, message)


# --- JSON Lines -------------------------------------------------------------------------------


def parse_json_record(path: str, line_no: int, raw: bytes | str) -> ReadResult | None:
    """Parse one JSON Lines record; blank lines give None."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
        except UnicodeDecodeError:
            return ParseProblem(path, line_no, "not UTF-8 text")
    if not raw.strip():
        return None
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        return ParseProblem(path, line_no, f"invalid JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return ParseProblem(path, line_no, "invalid JSON: nested too deeply")
    except ValueError as exc:  # an integer of thousands of digits exceeds Python's str limit
        return ParseProblem(path, line_no, f"invalid JSON: {exc}")
    if not isinstance(record, dict):
        return ParseProblem(
            path, line_no, f"JSON line must be an object, got {type(record).__name__}"
        )
    fields = dict(record)
    if fields.get("id") in (None, "") and "doc_id" in fields:
        fields["id"] = fields["doc_id"]
    body_key = "body" if fields.get("body") not in (None, "") or "text" not in fields else "text"
    try:
        return build_article(fields, body_key)
    except FieldError as exc:
        return ParseProblem(path, line_no, str(exc))


def parse_jsonl(
    path: str, lines: Iterable[bytes | str], compressed: bool = False
) -> Iterator[ReadResult]:
    """Parse JSON Lines one line at a time; a bad line is reported and the rest still read.

    A stream that breaks part-way (truncated or corrupt gzip, I/O error) ends with one problem
    at the line where reading failed; everything before it has already been yielded.
    """
    line_no = 0
    iterator = iter(lines)
    first_lines: dict[str, int] = {}
    while True:
        try:
            raw = next(iterator)
        except StopIteration:
            return
        except (OSError, EOFError, zlib.error) as exc:
            what = "corrupt or truncated gzip file" if compressed else "read error"
            yield ParseProblem(path, line_no + 1, f"{what}: {exc}")
            return
        line_no += 1
        result = parse_json_record(path, line_no, raw)
        if isinstance(result, Article):
            result = _first_of_its_id(path, line_no, result, first_lines)
        if result is not None:
            yield result


def _first_of_its_id(
    path: str, line_no: int, article: Article, first_lines: dict[str, int]
) -> ReadResult:
    """``article``, or a problem when an earlier line of the file has the same id.

    The indexer keeps the first article of an id it meets in a run, so a later line with
    the same id (often meant as a correction) is reported instead of silently dropped.
    """
    first = first_lines.setdefault(article.id, line_no)
    if first == line_no:
        return article
    if article.id == derive_article_id(None, article.url, article.title, article.body):
        same = "url" if article.url.strip() else "title and body"
        reason = f"same {same} as line {first} (no id given); the first is kept"
    else:
        reason = f"duplicate id {article.id!r} (first on line {first}); the first is kept"
    return ParseProblem(path, line_no, reason)
