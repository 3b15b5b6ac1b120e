"""The optional cross-encoder reranker: ordering logic with a scripted scorer, and the real
loading path with a tiny CrossEncoder built in the test (none ships offline)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from index.records import Passage, RankedArticle
from index.rerank import Reranker, load_cross_encoder


def passage(article_id: str, text: str) -> Passage:
    return Passage(
        f"{article_id}:0",
        article_id,
        f"Title {article_id}",
        "",
        "",
        datetime(2024, 1, 1, tzinfo=UTC),
        text,
        0,
        len(text),
        0.0,
    )


def test_reranker_promotes_what_the_model_prefers_and_keeps_the_tail():
    articles = [RankedArticle(a, 1.0 / i) for i, a in enumerate("abcde", start=1)]
    passages = [passage(a, f"text about {a}") for a in "abcde"]
    # The scorer loves article "c" and dislikes "a".
    scores = {"a": -5.0, "b": 0.0, "c": 9.0, "d": 0.1, "e": 0.2}
    reranker = Reranker(lambda pairs: [scores[p[1].split()[-1]] for p in pairs], depth=4)
    reranked = [r.article_id for r in reranker.rerank("q", articles, passages[:4])]
    assert reranked[0] == "c"
    assert reranked[-1] == "e"  # past the depth: keeps its place
    assert sorted(reranked) == list("abcde")


def test_reranker_without_passages_changes_nothing():
    articles = [RankedArticle("a", 1.0), RankedArticle("b", 0.5)]
    assert Reranker(lambda pairs: []).rerank("q", articles, []) == articles


@pytest.mark.model
def test_tiny_cross_encoder_loads_from_a_local_path(tmp_path):
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "bombers", "alaska", "patrol", "rain"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer(str(tmp_path / "vocab.txt"))
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=1,
        intermediate_size=16,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)

    scorer = load_cross_encoder(str(tmp_path))
    scores = scorer([("bombers alaska", "patrol alaska"), ("bombers", "rain")])
    assert len(scores) == 2 and all(isinstance(s, float) for s in scores)
