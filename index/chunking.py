"""Split articles into chunks that fit the embedding model's token cap.

Chunks follow sentence and paragraph boundaries. Each chunk's embedding text carries the
article's title and date as context; its ``start_char``/``end_char`` point into the body,
so the passage shown to users is always the body's own text. Token counts come from the
model's own tokenizer: nothing is silently cut off by the model. A sentence too long for
a chunk is split between words, and a "word" too long for one (CJK text has no spaces, a
long URL) between characters.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.articles import Article
from index.text import paragraph_spans, sentence_spans, trimmed_span

log = logging.getLogger(__name__)

MODEL_TOKEN_CAP = 256  # all-MiniLM-L6-v2's max_seq_length, special tokens included
SPECIAL_TOKENS = 2  # [CLS] and [SEP]
MIN_BUDGET = 32
_MAX_CHARS_PER_TOKEN = 16  # window for splitting space-free text; see _split_chars

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of one article, with where it sits in the body."""

    article_id: str
    index: int
    start_char: int
    end_char: int
    embed_text: str

    @property
    def id(self) -> str:
        """Deterministic id, so re-indexing upserts instead of duplicating."""
        return chunk_id(self.article_id, self.index)


def chunk_id(article_id: str, index: int) -> str:
    """The id of chunk ``index`` of an article: ``<article_id>:<index>``."""
    return f"{article_id}:{index}"


def embedding_context(article: Article) -> str:
    """The title and date line that precedes every chunk's text when it is embedded."""
    return f"{article.title} ({article.published.date().isoformat()})\n"


@lru_cache(maxsize=4)
def token_counter(model_path: str) -> TokenCounter:
    """A function counting the model's tokens (without special tokens) for a text."""
    tokenizer_file = Path(model_path) / "tokenizer.json"
    if tokenizer_file.is_file():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)
    from transformers import AutoTokenizer  # slower; only for models without tokenizer.json

    auto = AutoTokenizer.from_pretrained(model_path)
    return lambda text: len(auto.encode(text, add_special_tokens=False))


def model_token_cap(model_path: str) -> int:
    """The model's input cap in tokens (``max_seq_length`` of a sentence-transformers
    model directory), or MiniLM's 256 when the directory does not say."""
    config = Path(model_path) / "sentence_bert_config.json"
    try:
        return int(json.loads(config.read_text(encoding="utf-8"))["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return MODEL_TOKEN_CAP


def chunk_article(
    article: Article,
    count_tokens: TokenCounter,
    max_tokens: int = 200,
    model_cap: int = MODEL_TOKEN_CAP,
) -> list[Chunk]:
    """Chunks of ``article`` whose embedding text fits ``model_cap`` tokens.

    ``max_tokens`` is the target size of the body part of a chunk; it shrinks when the
    title is long, so that context plus body always fit the model.
    """
    context = embedding_context(article)
    budget = min(max_tokens, model_cap - SPECIAL_TOKENS - count_tokens(context))
    if budget < MIN_BUDGET:
        # A very long title would crowd out the text: keep its start only as context.
        context = context[:200].rstrip() + "\n"
        budget = min(max_tokens, model_cap - SPECIAL_TOKENS - count_tokens(context))
    pieces = _sentence_pieces(article.body, count_tokens, budget)
    spans = _pack(article.body, pieces, budget)
    hard_cap = max(1, model_cap - SPECIAL_TOKENS - count_tokens(context))
    spans = _enforce_cap(article.body, spans, count_tokens, hard_cap)
    return [
        Chunk(article.id, n, start, end, context + article.body[start:end])
        for n, (start, end) in enumerate(spans)
    ]


def _sentence_pieces(
    body: str, count_tokens: TokenCounter, budget: int
) -> list[tuple[int, int, int, bool]]:
    """(start, end, tokens, starts_paragraph) for each sentence; long ones are split."""
    pieces: list[tuple[int, int, int, bool]] = []
    for p_start, p_end in paragraph_spans(body):
        first = True
        for start, end in sentence_spans(body, p_start, p_end):
            tokens = count_tokens(body[start:end])
            parts = (
                [(start, end, tokens)]
                if tokens <= budget
                else _split_long(body, start, end, count_tokens, budget)
            )
            for s, e, t in parts:
                pieces.append((s, e, t, first))
                first = False
    return pieces


def _split_long(
    body: str, start: int, end: int, count_tokens: TokenCounter, budget: int
) -> list[tuple[int, int, int]]:
    """Split an over-long sentence at word boundaries into parts within ``budget``; a word
    over ``budget`` by itself is split between characters."""
    parts: list[tuple[int, int, int]] = []
    part_start: int | None = None
    part_end = start
    for w_start, w_end in _word_spans(body, start, end):
        if part_start is not None and count_tokens(body[part_start:w_end]) > budget:
            parts.append((part_start, part_end, count_tokens(body[part_start:part_end])))
            part_start = None
        if part_start is None:
            if count_tokens(body[w_start:w_end]) > budget:
                parts.extend(_split_chars(body, w_start, w_end, count_tokens, budget))
                continue
            part_start = w_start
        part_end = w_end
    if part_start is not None:
        parts.append((part_start, part_end, count_tokens(body[part_start:part_end])))
    return parts


def _split_chars(
    body: str, start: int, end: int, count_tokens: TokenCounter, budget: int
) -> list[tuple[int, int, int]]:
    """Split ``body[start:end]`` between characters into the longest parts that fit
    ``budget``, for text with no spaces to split at."""
    parts: list[tuple[int, int, int]] = []
    guess = max(1, budget)  # one token per character, as in CJK text
    while start < end:
        cut = _longest_fit(body, start, end, count_tokens, budget, guess)
        parts.append((start, cut, count_tokens(body[start:cut])))
        # Space-free runs are mostly uniform: the next part is likely as long as this one.
        guess = cut - start
        start = cut
    return parts


def _longest_fit(
    body: str, start: int, end: int, count_tokens: TokenCounter, budget: int, guess: int
) -> int:
    """The end of the longest prefix of ``body[start:end]`` within ``budget``, searched by
    galloping from ``start + guess`` and then bisecting. It is at least one character, so
    a part is always made even if a single character were over budget."""

    def fits(cut: int) -> bool:
        return count_tokens(body[start:cut]) <= budget

    # Every token covers at least one character, but one [UNK] can cover a whole long
    # word: bound the window so huge space-free runs cannot go quadratic.
    limit = min(end, start + max(1, budget) * _MAX_CHARS_PER_TOKEN)
    low, high = start + 1, limit
    probe, step = min(limit, start + guess), 1
    if fits(probe):
        low = probe
        while low < high:
            probe = min(high, low + step)
            if not fits(probe):
                high = probe - 1
                break
            low, step = probe, step * 2
    else:
        high = probe - 1
        while low < high:
            probe = max(low, high - step)
            if fits(probe):
                low = probe
                break
            high, step = probe - 1, step * 2
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _word_spans(body: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    i = start
    while i < end:
        while i < end and body[i].isspace():
            i += 1
        j = i
        while j < end and not body[j].isspace():
            j += 1
        if j > i:
            spans.append((i, j))
        i = j
    return spans


def _pack(
    body: str, pieces: list[tuple[int, int, int, bool]], budget: int
) -> list[tuple[int, int]]:
    """Greedily group pieces into chunks; prefer breaking at paragraph starts."""
    spans: list[tuple[int, int]] = []
    chunk_start: int | None = None
    chunk_end = 0
    used = 0
    for start, end, tokens, new_paragraph in pieces:
        # +1 per join: the whitespace between pieces can cost a token in odd scripts.
        full = chunk_start is not None and used + tokens + 1 > budget
        natural_break = new_paragraph and used >= budget * 0.6
        if chunk_start is not None and (full or natural_break):
            spans.append((chunk_start, chunk_end))
            chunk_start, used = None, 0
        if chunk_start is None:
            chunk_start = start
        chunk_end = end
        used += tokens + 1
    if chunk_start is not None:
        spans.append((chunk_start, chunk_end))
    return spans


def _enforce_cap(
    body: str, spans: list[tuple[int, int]], count_tokens: TokenCounter, cap: int
) -> list[tuple[int, int]]:
    """Re-split, between characters, any chunk whose real token count is over ``cap``.

    _pack adds up per-piece counts. With MiniLM's WordPiece that is exact across spaces and
    punctuation, but parts cut out of one space-free word may tokenize to more when joined
    again, and a swapped-in model's tokenizer (BPE, SentencePiece) need not add up at all.
    The real count decides, so no chunk is ever cut off by the model.
    """
    checked: list[tuple[int, int]] = []
    for start, end in spans:
        if count_tokens(body[start:end]) <= cap:
            checked.append((start, end))
        else:
            parts = _split_chars(body, start, end, count_tokens, cap)
            checked.extend(span for s, e, _ in parts for span in trimmed_span(body, s, e))
    return checked
