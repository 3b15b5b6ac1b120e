"""Hybrid, date-aware retrieval: dense (Chroma) + keyword (FTS5 BM25 over the question's
words, and over its consecutive word pairs found close together), fused by RRF, ranked by
article.

Nothing published after the as-of day is used. A recency prior favours articles published
shortly before the as-of day: it multiplies the fused score by at most 1 + boost, so an older
article that matches clearly better still ranks among the best and can answer. A time
expression in the question ("last week") becomes a soft window: candidates from it are
added and boosted. Results are diverse: a few passages from each of the best articles
rather than many passages of one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from index.catalog import Catalog, KeywordHit
from index.records import Passage, RankedArticle
from index.rerank import Reranker
from index.store import SECONDS_PER_DAY, DenseHit, VectorStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchParams:
    """Pool sizes and weights (defaults measured on the RealTime QA dev split)."""

    dense_pool: int = 100
    keyword_pool: int = 100
    rrf_k: int = 150
    keyword_weight: float = 2.0
    dense_weight: float = 1.0
    recency_half_life_days: float = 3.0
    recency_boost: float = 6.0
    recency_plateau_days: float = 7.0
    recent_horizon_days: int = 30
    window_boost: float = 2.0
    title_weight: float = 2.0
    # A third list: chunks where consecutive question words occur close together.
    pair_weight: float = 1.0
    pair_distance: int = 6
    second_chunk_weight: float = 0.3
    passages_per_article: int = 3
    # (outlet or domain, weight) pairs: an article's score is multiplied by its outlet's
    # weight (none by default: every outlet counts the same).
    source_weights: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    """What to look for, as of which day, in which window and server."""

    text: str
    as_of: date
    since: date | None = None
    until: date | None = None
    keyword_text: str | None = None  # the text for keyword search (time words removed)
    guild_id: str = ""
    articles: int = 10
    hard_window: bool = False  # summaries and timelines keep strictly to their window


@dataclass
class SearchResult:
    """Ranked articles (best first) and their best passages, in that order."""

    articles: list[RankedArticle] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)


@dataclass
class _Candidate:
    chunk_id: str
    published_ts: int
    score: float = 0.0


class Searcher:
    """Runs hybrid searches over one catalog and vector store."""

    def __init__(
        self,
        catalog: Catalog,
        store: VectorStore,
        params: SearchParams | None = None,
        reranker: Reranker | None = None,
    ):
        self.catalog = catalog
        self.store = store
        self.params = params or SearchParams()
        self.reranker = reranker
        self._embed = lru_cache(maxsize=256)(self._embed_uncached)

    def search(self, query: SearchQuery) -> SearchResult:
        """The best articles and passages for ``query``."""
        as_of_ts = _end_of_day(query.as_of)
        window = self._window(query, as_of_ts)
        if query.hard_window and window:
            candidates = self._candidates(query, [window])
            if not candidates:
                log.info("nothing in the window %s..%s; searching without it", *window)
                window = None
        if not (query.hard_window and window):
            recent = (as_of_ts - self.params.recent_horizon_days * SECONDS_PER_DAY, as_of_ts)
            pools = [recent, (None, as_of_ts)] + ([window] if window else [])
            candidates = self._candidates(query, pools)
        ranked = self._rank_articles(candidates, as_of_ts, None if query.hard_window else window)
        if self.reranker:
            head = self._passages(ranked[: self.reranker.depth], candidates)
            ranked = self.reranker.rerank(query.text, ranked, head)
        top = ranked[: max(query.articles, 1)]
        return SearchResult(articles=top, passages=self._passages(top, candidates))

    def _window(self, query: SearchQuery, as_of_ts: int) -> tuple[int | None, int] | None:
        """The query's (since, until) window in epoch seconds, never past the as-of day.

        A soft window reaches one day past its end: news of an event is often dated the day
        after it happened.
        """
        if query.since is None and query.until is None:
            return None
        until = query.until or query.as_of
        margin = 0 if query.hard_window else 1
        until_ts = min(_end_of_day(until + timedelta(days=margin)), as_of_ts)
        return (_start_of_day(query.since) if query.since else None, until_ts)

    # ---- candidates -----------------------------------------------------------------

    def _candidates(
        self, query: SearchQuery, pools: list[tuple[int | None, int]]
    ) -> dict[str, _Candidate]:
        """Chunks from dense and keyword searches over each date pool, fused by RRF."""
        p = self.params
        vector = self._embed(query.text)
        # Other servers' own chunks would fill the dense pool and then be dropped as invisible:
        # filter them out in the query when there are any (a metadata filter costs time).
        scope = None
        if self.catalog.others_have_own_articles(query.guild_id):
            scope = {"guild_id": {"$in": ["", query.guild_id]}}
        keyword_text = query.keyword_text if query.keyword_text is not None else query.text
        dense: list[DenseHit] = []
        keyword: list[KeywordHit] = []
        pairs: list[KeywordHit] = []
        for since_ts, until_ts in pools:
            if since_ts is not None and since_ts > until_ts:
                continue  # a window that starts after the as-of day holds nothing
            dense += self._dense(vector, since_ts, until_ts, scope)
            dates = (since_ts, until_ts, query.guild_id, p.title_weight)
            keyword += self.catalog.keyword_search(keyword_text, p.keyword_pool, *dates)
            if p.pair_weight:
                pairs += self.catalog.keyword_search(
                    keyword_text, p.keyword_pool, *dates, pairs_within=p.pair_distance
                )
        dense_ranked = _dedupe_best(dense, key=lambda h: -h.similarity)
        keyword_ranked = _dedupe_best(keyword, key=lambda h: -h.score)
        pairs_ranked = _dedupe_best(pairs, key=lambda h: -h.score)
        # Keyword hits are already limited to the guild; dense hits are checked here.
        visible = self.catalog.visible_chunk_ids(
            [h.chunk_id for h in dense_ranked], query.guild_id
        ) | {h.chunk_id for h in keyword_ranked + pairs_ranked}
        candidates: dict[str, _Candidate] = {}
        lists = (
            (p.dense_weight, dense_ranked),
            (p.keyword_weight, keyword_ranked),
            (p.pair_weight, pairs_ranked),
        )
        for weight, hits in lists:
            rank = 0
            for hit in hits:
                if hit.chunk_id not in visible:
                    continue
                rank += 1
                cand = candidates.setdefault(
                    hit.chunk_id, _Candidate(hit.chunk_id, hit.published_ts)
                )
                cand.score += weight / (p.rrf_k + rank)
        return candidates

    def _dense(
        self, vector, since_ts: int | None, until_ts: int, scope: dict | None = None
    ) -> list[DenseHit]:
        """Nearest chunks within the dates (and ``scope``, a metadata filter): a day filter
        for a window, else over-fetch and drop what is too new (a Chroma range filter is ~25x
        slower than a plain query)."""
        p = self.params
        if since_ts is not None:
            where = _day_filter(since_ts, until_ts)
            where = {"$and": [where, scope]} if scope else where
            return self.store.query(vector, p.dense_pool, where=where)
        hits = self.store.query(vector, p.dense_pool * 2, where=scope)
        return [h for h in hits if h.published_ts <= until_ts]

    def _embed_uncached(self, text: str) -> tuple[float, ...]:
        return tuple(self.store.embed_query(text))

    # ---- ranking ----------------------------------------------------------------------

    def _rank_articles(
        self,
        candidates: dict[str, _Candidate],
        as_of_ts: int,
        focus: tuple[int | None, int] | None,
    ) -> list[RankedArticle]:
        """Articles by fused score: best chunk plus a share of the next two, times the
        recency prior, the outlet's weight and, for a soft window, a boost for articles
        inside it."""
        p = self.params
        by_article: dict[str, list[_Candidate]] = defaultdict(list)
        for cand in candidates.values():
            by_article[_article_of(cand.chunk_id)].append(cand)
        origins = self.catalog.origins(by_article) if p.source_weights else {}
        ranked = []
        for article_id, cands in by_article.items():
            scores = sorted((c.score for c in cands), reverse=True)
            score = scores[0] + p.second_chunk_weight * sum(scores[1:3])
            published_ts = cands[0].published_ts
            score *= self._recency_prior(as_of_ts - published_ts)
            if article_id in origins:
                score *= source_weight(p.source_weights, *origins[article_id])
            if focus and _inside(published_ts, focus):
                score *= 1.0 + p.window_boost
            ranked.append(RankedArticle(article_id, score))
        ranked.sort(key=lambda r: (-r.score, r.article_id))
        return ranked

    def _recency_prior(self, age_seconds: int) -> float:
        """1 + boost for articles within the plateau, then halving every half-life."""
        p = self.params
        age_days = max(0.0, age_seconds / SECONDS_PER_DAY - p.recency_plateau_days)
        return 1.0 + p.recency_boost * 0.5 ** (age_days / p.recency_half_life_days)

    def _passages(
        self, top: list[RankedArticle], candidates: dict[str, _Candidate]
    ) -> list[Passage]:
        by_article: dict[str, list[_Candidate]] = defaultdict(list)
        for cand in candidates.values():
            by_article[_article_of(cand.chunk_id)].append(cand)
        articles = self.catalog.articles(r.article_id for r in top)
        chosen = [
            c
            for r in top
            for c in sorted(by_article[r.article_id], key=lambda c: -c.score)[
                : self.params.passages_per_article
            ]
        ]
        rows = self.catalog.chunks(c.chunk_id for c in chosen)
        passages = []
        for cand in chosen:
            row = rows.get(cand.chunk_id)
            article = articles.get(row.article_id) if row else None
            if row is None or article is None:
                continue
            passages.append(
                Passage(
                    chunk_id=cand.chunk_id,
                    article_id=article.id,
                    title=article.title,
                    url=article.url,
                    source=article.source,
                    published=article.published,
                    text=article.body[row.start_char : row.end_char],
                    start_char=row.start_char,
                    end_char=row.end_char,
                    score=cand.score,
                )
            )
        return passages


def source_weight(weights: tuple[tuple[str, float], ...], outlet: str, url: str) -> float:
    """The weight of the first entry naming the article's outlet or its URL's domain
    ("cnn.com" also matches www.cnn.com and edition.cnn.com); 1 when none does."""
    host = (urlsplit(url).hostname or "").lower()
    outlet = outlet.strip().lower()
    for name, weight in weights:
        name = name.lower()
        if name == outlet or host == name or host.endswith("." + name):
            return weight
    return 1.0


def _dedupe_best(hits: list, key) -> list:
    """Hits sorted by ``key`` with duplicate chunk ids removed (the best one kept)."""
    seen: set[str] = set()
    out = []
    for hit in sorted(hits, key=key):
        if hit.chunk_id not in seen:
            seen.add(hit.chunk_id)
            out.append(hit)
    return out


def _inside(ts: int, window: tuple[int | None, int]) -> bool:
    return (window[0] is None or ts >= window[0]) and ts <= window[1]


def _day_filter(since_ts: int, until_ts: int) -> dict:
    """A Chroma ``where`` on whole days: an ``$in`` list is far faster than a range."""
    first, last = since_ts // SECONDS_PER_DAY, until_ts // SECONDS_PER_DAY
    if last - first > 92:
        return {
            "$and": [{"published_ts": {"$gte": since_ts}}, {"published_ts": {"$lte": until_ts}}]
        }
    return {"published_day": {"$in": list(range(first, last + 1))}}


def _article_of(chunk_id: str) -> str:
    return chunk_id.rsplit(":", 1)[0]


def _start_of_day(day: date) -> int:
    return int(datetime.combine(day, time.min, UTC).timestamp())


def _end_of_day(day: date) -> int:
    return int(datetime.combine(day + timedelta(days=1), time.min, UTC).timestamp()) - 1
