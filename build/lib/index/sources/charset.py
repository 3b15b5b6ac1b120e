"""Decoding web pages whose declared charset is missing or wrong.

Valid UTF-8 is taken as UTF-8 whatever the server claims: text in another encoding almost
never happens to be valid UTF-8 once it has accents, so this is the safest first guess. Then
the declared charset (header, then ``<meta>``), then a statistical guess, then Windows-1252.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
GUESS_MIN_BYTES = 2048
CHAOS_MARGIN = 0.1
_WINDOWS_1252_ALIASES = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"}


def decode_web_text(body: bytes, declared: str | None = None) -> str:
    """The text of a page or feed, decoded as well as the bytes allow."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for candidate in (declared, _meta_charset(body)):
        text = _try_decode(body, candidate)
        if text is not None:
            return text
    guessed = _guess(body)
    if guessed is not None:
        return guessed
    return body.decode("cp1252", errors="replace")


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", errors="ignore") if match else None


def _try_decode(body: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    if encoding.lower().replace("_", "-") in _WINDOWS_1252_ALIASES:
        encoding = "cp1252"  # as browsers do: "latin-1" pages are nearly always Windows-1252
    try:
        codecs.lookup(encoding)
        return body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def _guess(body: bytes) -> str | None:
    """charset_normalizer's candidates that garble least; Windows-1252 among them wins (its
    first pick often confuses the Latin code pages for one another)."""
    if len(body) < GUESS_MIN_BYTES:
        return None  # too little text for a statistical guess; Windows-1252 is likelier
    from charset_normalizer import from_bytes

    matches = list(from_bytes(body[:200_000]))
    if not matches:
        return None
    least_chaos = min(m.chaos for m in matches)
    clean = [m for m in matches if m.chaos <= least_chaos + CHAOS_MARGIN]
    # Western pages mislabelled as UTF-8 are the common case; other scripts garble in cp1252.
    best = next((m for m in clean if m.encoding == "cp1252"), None) or max(
        clean, key=lambda m: m.coherence
    )
    try:
        return body.decode(best.encoding)
    except (LookupError, UnicodeDecodeError):
        return None
