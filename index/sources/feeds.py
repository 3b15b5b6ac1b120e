"""RSS and Atom feeds: parse with feedparser, then fetch each new entry's page.

An entry's own link, date and title win over what its page says. When the page cannot be
fetched or read, the entry's own text (``content:encoded`` or the summary) stands in if it is
long enough to be an article. Entries already indexed are not fetched again.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape

from index.articles import Article, FieldError, ParseProblem, derive_article_id
from index.formats import normalise_body
from index.sources.fetch import Fetched, Fetcher, FetchError, redact_url
from index.sources.web import MIN_BODY_CHARS, Hints, page_article

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
HTML_TYPES = ("text/html", "application/xhtml+xml")
# The leading comments are matched possessively (``*+``): a body of many comments followed
# by something else would otherwise be retried in exponentially many splits.
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*+<(!doctype\s+html|html)[\s>]", re.I | re.S)
# A feed's root element (rss, feed, rdf:RDF, maybe prefixed) after the XML declaration,
# processing instructions, comments and a doctype.
_FEED_START = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(<\?.*?\?>\s*|<!--.*?-->\s*|<!doctype[^>]*>\s*)*+"
    rb"<([\w.-]+:)?(rss|feed|rdf)[\s/>]",
    re.I | re.S,
)
_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|blockquote|tr)\s*>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
# A numeric character reference; one to a surrogate or past U+10FFFF crashes feedparser.
_CHAR_REF = re.compile(rb"&#(x[0-9a-f]+|[0-9]+);", re.I)

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


class FeedError(Exception):
    """The feed as a whole could not be used; the message is safe to show to an admin."""


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed, as the feed describes it."""

    link: str
    title: str
    published: datetime | None
    authors: tuple[str, ...]
    text: str  # the entry's own text (content or summary), HTML removed
    updated: datetime | None = None  # when the feed says the entry last changed

    @property
    def changed_at(self) -> datetime | None:
        """When the entry last changed, as far as the feed says (updated, else published)."""
        return self.updated or self.published


@dataclass
class FeedParse:
    """The usable entries of a feed (newest first) and what was odd about it."""

    title: str
    entries: list[FeedEntry]
    total: int
    warnings: list[str] = field(default_factory=list)


def parse_feed(fetched: Fetched, max_entries: int) -> FeedParse:
    """Parse feed bytes; raise FeedError when it is not a usable RSS or Atom feed."""
    import feedparser  # imported here: slow to import, and only feeds need it

    if is_html(fetched) and not sniffs_as_feed(fetched.body):
        raise FeedError("this is an HTML page, not an RSS or Atom feed (add it as a page)")
    # A feed served as HTML, or with no type, is read as XML (keeping a declared charset).
    served = fetched.media_type
    media_type = "application/xml" if served in ("", *HTML_TYPES) else served
    charset = f"; charset={fetched.charset}" if fetched.charset else ""
    headers = {
        "content-type": media_type + charset,
        # The base of relative links (<link href="/a"/>) where xml:base gives none.
        "content-location": fetched.url,
    }
    try:
        parsed = feedparser.parse(_safe_char_refs(fetched.body), response_headers=headers)
    except Exception as exc:  # its fallback parser has crashed on odd input (chr, encode)
        log.debug("feedparser failed on %s", redact_url(fetched.url), exc_info=True)
        raise FeedError(f"could not read the feed ({type(exc).__name__})") from None
    warnings: list[str] = []
    entries = _usable_entries(parsed.entries, warnings)
    problem = _xml_problem(parsed)
    if problem:
        # Salvage from broken XML only entries with a link: a cut-off feed yields fragments.
        entries = [e for e in entries if e.link]
        if not entries:
            raise FeedError(f"invalid feed XML: {problem}")
        warnings.append(f"the feed's XML is broken ({problem}); read what could be salvaged")
    if not parsed.version and not entries:
        raise FeedError("not an RSS or Atom feed")
    entries.sort(key=lambda e: e.published or datetime.min.replace(tzinfo=UTC), reverse=True)
    if len(entries) > max_entries:
        warnings.append(
            f"the feed has {len(entries):,} entries; only the newest {max_entries:,} were read"
        )
    return FeedParse(
        title=str(parsed.feed.get("title", "")).strip(),
        entries=entries[:max_entries],
        total=len(entries),
        warnings=warnings,
    )


@dataclass
class EntryRun:
    """What reading a feed's new entries gave."""

    items: list[Article | ParseProblem]
    skipped: int  # entries already stored and unchanged: not fetched
    read: list[FeedEntry] = field(default_factory=list)  # entries that gave an article
    # Links whose page failed while the entry's own text stood in, and why the page failed.
    stand_ins: dict[str, str] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        """One line per stand-in: the page is fetched again on the next run."""
        return [
            f"{redact_url(link)}: {why}; the feed entry's own text stands in until the page "
            "can be read"
            for link, why in self.stand_ins.items()
        ]


def sniffs_as_feed(body: bytes) -> bool:
    """True when the bytes start like an RSS, Atom or RDF feed, whatever the content type
    (servers send feeds as text/html, or with no type at all)."""
    return _FEED_START.match(body[:4096]) is not None


def is_html(fetched: Fetched) -> bool:
    """Served as HTML, or starts like an HTML document."""
    return fetched.media_type in HTML_TYPES or bool(_HTML_START.match(fetched.body[:2048]))


async def entry_articles(
    fetcher: Fetcher,
    feed: FeedParse,
    is_known: Callable[[FeedEntry], bool],
    progress: Progress | None = None,
    concurrency: int = 4,
) -> EntryRun:
    """Articles for the feed's new entries (fetched concurrently) and how many were known."""
    todo = [e for e in feed.entries if not is_known(e)]
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def one(entry: FeedEntry) -> tuple[Article | ParseProblem, str]:
        nonlocal done
        async with gate:
            try:
                result = await _entry_article(fetcher, entry, feed.title)
            except (ValueError, OverflowError) as exc:
                # One entry's bad data is that entry's problem: gather would drop all others.
                label = _label(entry)
                log.warning("feed entry %s failed", label, exc_info=True)
                result = ParseProblem(label, None, f"could not read the entry ({exc})"), ""
        done += 1
        if progress:
            progress(done, len(todo), "fetching")
        return result

    results = await asyncio.gather(*(one(e) for e in todo))
    run = EntryRun([item for item, _ in results], skipped=len(feed.entries) - len(todo))
    for entry, (item, page_failure) in zip(todo, results, strict=True):
        if isinstance(item, Article):
            run.read.append(entry)
            if page_failure and entry.link:
                run.stand_ins[entry.link] = page_failure
    return run


async def _entry_article(
    fetcher: Fetcher, entry: FeedEntry, outlet: str
) -> tuple[Article | ParseProblem, str]:
    """The entry's article, and why its page could not be used ("" when it was)."""
    hints = Hints(
        url=entry.link,
        title=entry.title,
        published=entry.published,
        authors=entry.authors,
        outlet=outlet,
    )
    if not entry.link:
        return _from_entry_text(entry, outlet, "the entry has no link"), ""
    try:
        fetched = await fetcher.get(entry.link, accept=PAGE_ACCEPT)
    except FetchError as exc:
        return _from_entry_text(entry, outlet, exc.reason), exc.reason
    item = page_article(fetched, hints)
    if isinstance(item, ParseProblem):
        return _from_entry_text(entry, outlet, item.reason), item.reason
    return item, ""


def _from_entry_text(entry: FeedEntry, outlet: str, reason: str) -> Article | ParseProblem:
    """The entry's own text as the article, when the page could not be used."""
    label = _label(entry)
    if len(entry.text) < MIN_BODY_CHARS or entry.published is None:
        return ParseProblem(label, None, reason)
    try:
        article_id = derive_article_id(None, entry.link, entry.title, entry.text)
    except FieldError as exc:
        return ParseProblem(label, None, str(exc))
    return Article(
        id=article_id,
        title=entry.title or "Untitled",
        body=entry.text,
        published=entry.published,
        url=entry.link,
        source=outlet,
        authors=entry.authors,
    )


def _label(entry: FeedEntry) -> str:
    """How reports and logs name an entry: its link, secrets masked, else its title."""
    return redact_url(entry.link) if entry.link else entry.title or "(feed entry)"


def _usable_entries(raw_entries: list, warnings: list[str]) -> list[FeedEntry]:
    """The feed's entries; one that cannot be read is a warning, never the whole feed."""
    entries = []
    for number, raw in enumerate(raw_entries, 1):
        try:
            entries.append(_entry(raw))
        except (ValueError, OverflowError) as exc:
            warnings.append(f"entry {number} of the feed was skipped ({exc})")
    return entries


def _entry(raw) -> FeedEntry:
    # An unusable published date counts as missing, as when the feed gives none.
    published = _stamp(raw.get("published_parsed")) or _stamp(dict.get(raw, "updated_parsed"))
    contents = raw.get("content") or []
    html = contents[0].get("value", "") if contents else raw.get("summary", "")
    authors = tuple(a.get("name", "").strip() for a in raw.get("authors", []) if a.get("name"))
    return FeedEntry(
        link=str(raw.get("link", "")).strip(),
        title=_one_line(unescape(_TAG.sub("", str(raw.get("title", ""))))),
        published=published,
        authors=authors,
        text=html_to_text(str(html)),
        updated=_stamp(dict.get(raw, "updated_parsed")),  # no fallback to the published date
    )


def _stamp(value) -> datetime | None:
    """A feedparser time tuple in UTC; None when missing or unusable.

    feedparser passes impossible dates through (``0000-00-00`` becomes year 0, month 0), and
    one such entry must not fail the feed: it is treated as undated.
    """
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def _safe_char_refs(body: bytes) -> bytes:
    """``body`` with references to impossible characters made U+FFFD.

    feedparser's fallback parser calls ``chr()`` and ``encode()`` on every reference, so a
    single ``&#xD800;`` in one title would otherwise fail the whole feed.
    """
    return _CHAR_REF.sub(_fix_char_ref, body) if b"&#" in body else body


def _fix_char_ref(match: re.Match[bytes]) -> bytes:
    ref = match.group(1)
    hexadecimal = ref[:1] in (b"x", b"X")
    digits = (ref[1:] if hexadecimal else ref).lstrip(b"0") or b"0"
    if len(digits) > 8:  # far past U+10FFFF (and int() refuses thousands of digits)
        return b"&#xFFFD;"
    code = int(digits, 16 if hexadecimal else 10)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return b"&#xFFFD;"
    return match.group(0)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one line per paragraph."""
    text = unescape(_TAG.sub("", _BLOCK_END.sub("\n", fragment)))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return normalise_body("\n".join(line for line in lines if line))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _xml_problem(parsed) -> str:
    """The XML error feedparser met, if it was a real one (not a charset note)."""
    if not parsed.get("bozo"):
        return ""
    exc = parsed.get("bozo_exception")
    name = type(exc).__name__
    if name in {"CharacterEncodingOverride", "CharacterEncodingUnknown", "NonXMLContentType"}:
        return ""
    line = getattr(exc, "getLineNumber", None)
    where = f" at line {line()}" if callable(line) else ""
    message = getattr(exc, "getMessage", None)
    return f"{message() if callable(message) else exc}{where}"
