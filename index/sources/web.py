"""Articles from web pages: main text and metadata extracted with trafilatura.

What the caller knows better wins: a feed entry's own link, date and title override what the
page says about itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from index.articles import (
    Article,
    FieldError,
    ParseProblem,
    canonical_url,
    derive_article_id,
    utc,
)
from index.formats import normalise_body
from index.sources.charset import decode_web_text
from index.sources.fetch import Fetched
from index.sources.redact import redact_url

log = logging.getLogger(__name__)

MIN_BODY_CHARS = 80  # less than this is a menu, a paywall or an error page, not an article
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
PAGE_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"  # what trafilatura (htmldate) is asked for


@dataclass(frozen=True)
class Hints:
    """What is already known about a page (from its feed entry); each field wins if set."""

    url: str = ""
    title: str = ""
    published: datetime | None = None
    authors: tuple[str, ...] = ()
    outlet: str = ""
    # The date the page was first stored with; kept when the page gives no date of its own.
    stored_published: datetime | None = None


def page_article(fetched: Fetched, hints: Hints | None = None) -> Article | ParseProblem:
    """The article a fetched page holds, or the problem that stopped extracting it."""
    hints = hints or Hints()
    label = redact_url(hints.url or fetched.url)  # what reports and logs show
    media_type = fetched.media_type or _sniffed_type(fetched.body)
    if media_type not in PAGE_TYPES:
        return ParseProblem(label, None, f"not a web page (content type {media_type})")
    html = decode_web_text(fetched.body, fetched.charset)
    if media_type == "text/plain":
        return _article(label, fetched, hints, body=html, meta={})
    try:
        document = _extract(html, fetched.url)
    except Exception as exc:  # trafilatura/lxml raise many kinds on broken markup
        log.debug("extraction failed for %s", label, exc_info=True)
        return ParseProblem(label, None, f"could not read the page ({type(exc).__name__})")
    if document is None:
        return ParseProblem(label, None, "no article text found on the page")
    return _article(label, fetched, hints, body=document.get("text") or "", meta=document)


def _sniffed_type(body: bytes) -> str:
    """The type of a page served with no Content-Type: markup is HTML, the rest plain text
    (binary content was refused when it was fetched)."""
    return "text/html" if body.lstrip()[:1] == b"<" else "text/plain"


def _extract(html: str, url: str) -> dict | None:
    import trafilatura  # imported here: it pulls lxml and friends (slow to import)
    from trafilatura.settings import set_date_params

    # The page's date with its time and UTC offset (the default is the bare local day, which
    # is a day early for a late evening west of Greenwich).
    dates = {**set_date_params(), "outputformat": PAGE_DATE_FORMAT}
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params=dates,
    )
    if document is None:
        return None
    return document.as_dict() if hasattr(document, "as_dict") else dict(document)


def _article(
    label: str, fetched: Fetched, hints: Hints, *, body: str, meta: dict
) -> Article | ParseProblem:
    title = (hints.title or str(meta.get("title") or "")).strip()
    body = _drop_leading_title(normalise_body(body), title)
    if len(body) < MIN_BODY_CHARS:
        return ParseProblem(label, None, "no article text found on the page")
    url = hints.url or _page_url(fetched.url, str(meta.get("url") or ""))
    published = hints.published or _page_date(
        meta.get("date"), fetched.last_modified, hints.stored_published
    )
    authors = hints.authors or tuple(
        a.strip() for a in str(meta.get("author") or "").split(";") if a.strip()
    )
    outlet = str(meta.get("sitename") or "") or hints.outlet or urlsplit(url).hostname or ""
    try:
        article_id = derive_article_id(None, url, title, body)
    except FieldError as exc:
        return ParseProblem(label, None, str(exc))
    return Article(
        id=article_id,
        title=title or "Untitled",
        body=body,
        published=utc(published),
        url=url,
        source=outlet.strip(),
        authors=authors,
    )


def _page_url(fetched_url: str, declared: str) -> str:
    """The page's canonical URL when it names one on the same site, else the fetched URL."""
    if declared.startswith(("http://", "https://")):
        same_site = urlsplit(declared).hostname == urlsplit(fetched_url).hostname
        if same_site:
            return canonical_url(declared)
    return fetched_url


def _page_date(value: object, last_modified: str, stored: datetime | None = None) -> datetime:
    """The page's own date (its day in UTC), else the date it was first stored with, else
    the server's Last-Modified, else today (midnight UTC). An unusable date counts as missing.

    The date is part of the content hash: "now" would re-embed an undated page on every poll.
    The stored date comes before Last-Modified, which dynamic sites set to the time of the
    request; a first run with no stored date still takes Last-Modified, so that one is kept.
    """
    own = _usable_date(datetime.fromisoformat, str(value)) if value else None
    if own is not None:
        # Kept to the day, as before the time was asked for: stored pages keep their hashes.
        return own.replace(hour=0, minute=0, second=0, microsecond=0)
    if stored is not None:
        return utc(stored)
    server = _usable_date(parsedate_to_datetime, last_modified) if last_modified else None
    if server is not None:
        return server
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _usable_date(parse: Callable[[str], datetime], text: str) -> datetime | None:
    """``parse(text)`` in UTC, or None when it is malformed or out of range in UTC."""
    try:
        return utc(parse(text))
    except (TypeError, ValueError, OverflowError):
        return None


def _drop_leading_title(body: str, title: str) -> str:
    """trafilatura keeps the page's headline as the first line; the title is stored apart."""
    first, _, rest = body.partition("\n")
    if title and first.strip() == title.strip() and rest.strip():
        return rest.strip()
    return body
