"""Masking the secrets a source URL may carry, before it reaches a log, a report or an error.

Private feeds put credentials in the URL: a user and password (``https://user:pw@host/``) or
a query parameter (``?token=…``, ``?api_key=…``). Both are masked whole, whatever the value
holds (base64 tokens end in ``=``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

# The userinfo of an absolute URL: up to the last "@" before the path, query or fragment
# (an unencoded "@" in a password still belongs to it, as urlsplit and httpx read it).
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*@")
# Query parameter names that carry credentials in private feed URLs.
_SECRET_NAME = re.compile(r"(?i)token|key|secret|pass|auth|sig|session|credential")
_SEPARATORS = re.compile(r"([&;])")
MASK = "***"


def redact_url(url: str) -> str:
    """``url`` with its user and password and the values of credential-like query parameters
    replaced by ``***``: what logs, reports and recorded errors may show."""
    url = _USERINFO.sub(lambda m: f"{m.group(1) or ''}//{MASK}@", url, count=1)
    head, question, rest = url.partition("?")
    if not question:
        return url
    query, hash_sign, fragment = rest.partition("#")
    pieces = _SEPARATORS.split(query)  # separators kept at the odd positions
    masked = "".join(_redact_pair(p) if i % 2 == 0 else p for i, p in enumerate(pieces))
    return f"{head}?{masked}{hash_sign}{fragment}"


def _redact_pair(pair: str) -> str:
    """``name=value`` with the whole value masked when the name looks like a credential."""
    name, equals, value = pair.partition("=")
    if equals and value and _SECRET_NAME.search(unquote(name)):
        return f"{name}={MASK}"
    return pair
