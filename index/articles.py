"""The Article record and the readers for the three input formats.

Formats:
- plain text: first line ``date YYYY-MM-DD <title>`` (leading whitespace tolerated),
  a blank line, then the body;
- Markdown with YAML front matter (``title, date, url, source, authors, id``);
- JSON Lines (optionally ``.jsonl.gz``), one article per line.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# File name endings the readers understand, and the format each one means.
ARTICLE_SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl.gz",
}
# Text and Markdown files are read whole; anything this big is not one news article.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


class FieldError(ValueError):
    """A field of one article is missing or unusable; the message names the field."""


@dataclass(frozen=True)
class Article:
    """One news article, normalised. ``published`` is timezone-aware UTC."""

    id: str
    title: str
    body: str
    published: datetime
    url: str = ""
    source: str = ""
    authors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def published_ts(self) -> int:
        """Publication time as integer epoch seconds (Chroma metadata wants numbers)."""
        return int(self.published.timestamp())

    def content_hash(self) -> str:
        """A hash of everything that, when changed, must re-index the article."""
        parts = [
            self.title,
            self.body,
            self.published.isoformat(),
            self.url,
            self.source,
            "|".join(self.authors),
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ParseProblem:
    """A file or line that could not be read, with a reason a user can act on."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


def canonical_url(url: str) -> str:
    """Normalise a URL so that trivially different spellings give one id.

    Lower-cases scheme and host, drops the fragment, common tracking parameters,
    a trailing slash and a trailing ``index.html``.
    """
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    query = "&".join(
        p
        for p in parts.query.split("&")
        if p and not p.lower().startswith(("utm_", "fbclid=", "gclid="))
    )
    path = parts.path
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    path = path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def check_text(field_name: str, value: str) -> str:
    """``value`` unchanged; FieldError naming the field when it cannot be stored as UTF-8.

    JSON escapes can spell a lone surrogate ("\\ud800"): a valid Python string that every
    later step (hashing, SQLite, Chroma) refuses, so it is caught here, where the field is known.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FieldError(
            f"field '{field_name}' is not valid Unicode text "
            f"(lone surrogate U+{ord(value[exc.start]):04X} at character {exc.start + 1})"
        ) from None
    return value


def derive_article_id(raw_id: str | None, url: str, title: str, body: str) -> str:
    """The input's id when present, else one from the canonical URL, else a content hash.

    Raises FieldError naming the field when one of them is not valid Unicode text.
    """
    if raw_id is not None and str(raw_id).strip():
        return check_text("id", str(raw_id).strip())
    if url.strip():
        check_text("url", url)
        return "u-" + hashlib.sha256(canonical_url(url).encode()).hexdigest()[:16]
    check_text("title", title)
    check_text("body", body)
    return "h-" + hashlib.sha256(f"{title}\x1f{body}".encode()).hexdigest()[:16]


def utc(dt: datetime) -> datetime:
    """Make a datetime timezone-aware UTC (naive values are taken as UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


# --- reading files and folders ----------------------------------------------------------------


def article_format(path: str | Path) -> str | None:
    """The format a file name stands for (see ARTICLE_SUFFIXES), or None if unknown."""
    name = Path(path).name.lower()
    if name.endswith(".jsonl.gz"):
        return "jsonl.gz"
    return ARTICLE_SUFFIXES.get(Path(name).suffix)


def read_paths(paths: Iterable[str | Path] | str | Path) -> Iterator[Article | ParseProblem]:
    """Read articles from files and folders, yielding each Article or ParseProblem in turn.

    Folders are walked recursively in sorted order, skipping hidden entries and files of
    unknown type. A named file of unknown type, or a path that does not exist, is a problem.
    A single path may be passed instead of a list.
    Bad input never raises: every failure becomes a ParseProblem and reading goes on.
    """
    if isinstance(paths, str | Path):  # a lone path, not an iterable of characters
        paths = [paths]
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _read_folder(path)
        elif not path.exists():
            yield ParseProblem(str(path), None, "no such file or folder")
        elif not path.is_file():
            # Opening a FIFO or a device would block or read forever.
            yield ParseProblem(str(path), None, "not a regular file")
        elif article_format(path) is None:
            known = ", ".join(ARTICLE_SUFFIXES)
            yield ParseProblem(str(path), None, f"unknown file type (expected one of {known})")
        else:
            yield from read_file(path)


def read_file(path: str | Path) -> Iterator[Article | ParseProblem]:
    """Read one article file of a known type (see ``article_format``)."""
    from index import formats  # formats imports this module; importing here avoids a cycle

    label = str(path)
    kind = article_format(path)
    if kind is None:
        yield ParseProblem(label, None, "unknown file type")
    elif kind in ("jsonl", "jsonl.gz"):
        compressed = kind == "jsonl.gz"
        try:
            handle = gzip.open(path, "rb") if compressed else open(path, "rb")  # noqa: SIM115
        except OSError as exc:
            yield ParseProblem(label, None, f"cannot read file: {exc.strerror or exc}")
            return
        with handle:
            yield from formats.parse_jsonl(label, handle, compressed=compressed)
    else:
        text = _read_document(path)
        if isinstance(text, ParseProblem):
            yield text
        elif kind == "markdown":
            yield formats.parse_markdown(label, text)
        else:
            yield formats.parse_text(label, text)


def _read_document(path: str | Path) -> str | ParseProblem:
    """The decoded text of a small article file, or the problem that stopped reading it."""
    from index.formats import decode_text

    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        return ParseProblem(str(path), None, f"cannot read file: {exc.strerror or exc}")
    if len(data) > MAX_DOCUMENT_BYTES:
        return ParseProblem(str(path), None, f"file too large (over {MAX_DOCUMENT_BYTES} bytes)")
    try:
        return decode_text(data)
    except ValueError as exc:
        return ParseProblem(str(path), None, str(exc))


def _read_folder(root: Path) -> Iterator[Article | ParseProblem]:
    """Read every article file under ``root``, sorted, skipping hidden and unknown files."""
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        yield ParseProblem(str(root), None, f"cannot list folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = root / entry.name
        # Symlinked folders are not followed: a link loop would never end.
        if entry.is_dir(follow_symlinks=False):
            yield from _read_folder(path)
        elif article_format(path) is None:
            continue
        elif entry.is_file() or entry.is_symlink():  # a dangling link is reported when read
            yield from read_file(path)
