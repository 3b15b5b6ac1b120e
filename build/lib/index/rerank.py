"""Optional cross-encoder reranking of the best articles (off unless a model path is set).

No cross-encoder ships offline, so the default search stands without one. When
NEWSDESK_RERANKER_MODEL names a local sentence-transformers CrossEncoder directory, the top
articles are re-ordered by fusing their search rank with the rank of their best passage
under the cross-encoder (reciprocal rank fusion keeps the date signals of the search).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from index.records import Passage, RankedArticle

log = logging.getLogger(__name__)

Scorer = Callable[[list[tuple[str, str]]], list[float]]


def load_cross_encoder(model_path: str) -> Scorer:
    """A scorer of (query, passage) pairs from a local CrossEncoder directory (lazy import)."""
    from index.embeddings import offline_environment

    offline_environment()
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(model_path, device="cpu", local_files_only=True)
    return lambda pairs: [float(s) for s in model.predict(pairs, show_progress_bar=False)]


class Reranker:
    """Re-orders the first ``depth`` articles with a cross-encoder."""

    def __init__(self, scorer: Scorer, depth: int = 20, rrf_k: int = 10) -> None:
        self.scorer = scorer
        self.depth = depth
        self.rrf_k = rrf_k

    def rerank(
        self, query: str, articles: list[RankedArticle], passages: list[Passage]
    ) -> list[RankedArticle]:
        """``articles`` re-ordered; articles past ``depth`` keep their place after them."""
        head, tail = articles[: self.depth], articles[self.depth :]
        head_ids = {a.article_id for a in head}
        pairs = [(query, p.title + "\n" + p.text) for p in passages if p.article_id in head_ids]
        owners = [p.article_id for p in passages if p.article_id in head_ids]
        if not pairs:
            return articles
        best: dict[str, float] = {}
        for owner, score in zip(owners, self.scorer(pairs), strict=True):
            best[owner] = max(score, best.get(owner, float("-inf")))
        by_model = sorted(best, key=lambda a: -best[a])
        model_rank = {a: r for r, a in enumerate(by_model, start=1)}
        fused = []
        for rank, article in enumerate(head, start=1):
            score = 1 / (self.rrf_k + rank)
            if article.article_id in model_rank:
                score += 1 / (self.rrf_k + model_rank[article.article_id])
            fused.append(RankedArticle(article.article_id, score))
        fused.sort(key=lambda a: -a.score)
        return fused + tail
