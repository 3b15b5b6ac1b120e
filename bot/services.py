"""The composition root: builds every service once from Settings and hands them out.

Heavy parts (the embedding model, Chroma) are created on first use, so ``newsdesk --help``
and ``newsdesk sources`` stay fast and re-indexing unchanged input never loads the model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from langchain_core.embeddings import Embeddings

from bot.core.activity import ActivityStore
from bot.core.answer import AnswerService, today_utc
from bot.core.extractive import ExtractiveAnswerer, ExtractiveSettings
from bot.core.followup import Condense, Rewrite, rewrite_followup, with_condenser
from bot.core.llm import LLM, LLMConfig
from bot.core.llm_stream import Draft, astream_answer
from bot.core.models import Answer, Summary
from bot.core.ports import ProgressCallback
from bot.core.summary import Summarizer
from bot.settings import Settings, SettingsError
from index.articles import read_paths
from index.catalog import Catalog
from index.chunking import model_token_cap, token_counter
from index.embeddings import HashingEmbeddings, load_embeddings
from index.locks import LockDir
from index.pipeline import Indexer
from index.records import IndexReport, SourceStats
from index.search import Searcher, SearchParams
from index.store import VectorStore, open_chroma_client

if TYPE_CHECKING:
    from index.sources.service import SourceService

log = logging.getLogger(__name__)


class LazyEmbeddings(Embeddings):
    """Loads the real model on the first embedding call, not before."""

    def __init__(self, model_path: str, batch_size: int) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self._model: Embeddings | None = None
        self._loading = threading.Lock()

    @property
    def model(self) -> Embeddings:
        """The loaded model (loaded once, even when several threads ask at the same time)."""
        if self._model is None:
            with self._loading:
                if self._model is None:
                    log.info("loading the embedding model from %s", self.model_path)
                    self._model = load_embeddings(self.model_path, self.batch_size)
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents with the real model."""
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """Embed a query with the real model."""
        return self.model.embed_query(text)


class Newsdesk:
    """Questions, summaries and timelines (the QuestionAnswering port)."""

    def __init__(
        self, answers: AnswerService, summaries: Summarizer, condense: Condense | None = None
    ) -> None:
        self.answers = answers
        self.summaries = summaries
        # Follow-ups in Discord threads: the LLM's rewrite when one is configured, else rules.
        self._rewrite = with_condenser(condense) if condense else rewrite_followup

    def rewrite_followup(self, followup: str, history: Sequence[str], as_of: date) -> Rewrite:
        """A thread follow-up as a standalone question (see bot.core.followup)."""
        return self._rewrite(followup, history, as_of)

    def ask(
        self, question: str, *, as_of: date | None = None, guild_id: int | None = None
    ) -> Answer:
        """Answer a question with verbatim citations (see AnswerService.ask)."""
        return self.answers.ask(question, as_of=as_of, guild_id=guild_id)

    def stream(
        self, question: str, *, as_of: date | None = None, guild_id: int | None = None
    ) -> AsyncIterator[Draft | Answer]:
        """Drafts while the LLM writes, then the checked Answer (see llm_stream.astream_answer)."""
        return astream_answer(self.answers, question, as_of=as_of, guild_id=guild_id)

    def summary(self, topic: str, **kwargs) -> Summary:
        """A dated, cited summary of a topic (see Summarizer.summary)."""
        return self.summaries.summary(topic, **kwargs)

    def timeline(self, topic: str, **kwargs) -> Summary:
        """A dated, cited timeline of a topic (see Summarizer.timeline)."""
        return self.summaries.timeline(topic, **kwargs)


class Library:
    """What the knowledge base holds, and indexing into it (the Library port)."""

    def __init__(
        self,
        catalog: Catalog,
        source_paths: list[Path],
        indexer: Callable[[], Indexer],
        sources: Callable[[], SourceService | None] = lambda: None,
    ) -> None:
        # The indexer and sources open Chroma: built on first use, so stats stay fast.
        self.catalog = catalog
        self.source_paths = source_paths
        self._indexer = indexer
        self._sources = sources

    @property
    def indexer(self) -> Indexer:
        """Writes articles into the catalog and the vector store."""
        return self._indexer()

    @property
    def sources(self) -> SourceService | None:
        """The registered sources (None when there is no registry)."""
        return self._sources()

    def stats(self, guild_id: int | None = None) -> SourceStats:
        """Counts of articles and chunks, first and last date, articles per outlet."""
        articles, chunks, first, last, by_source = self.catalog.stats(str(guild_id or ""))
        return SourceStats(articles, chunks, first, last, by_source)

    def reindex(self, progress: ProgressCallback | None = None) -> IndexReport:
        """Re-index the configured folders and every registered source (unchanged: free)."""
        if self.sources is not None:
            return self.sources.run_all(progress)
        return self.index_paths(self.source_paths, progress)

    def last_reindex(self, guild_id: int | None = None) -> datetime | None:
        """When a source usable in ``guild_id`` last ran (None without registered sources)."""
        if self.sources is None:
            return None
        runs = [s.last_run for s in self.sources.list(str(guild_id or "")) if s.last_run]
        return max(runs, default=None)

    def index_paths(
        self, paths: Iterable[str | Path], progress: ProgressCallback | None = None
    ) -> IndexReport:
        """Index files and folders; bad files and lines are reported, the rest indexed."""
        return self.indexer.index(read_paths(list(paths)), progress=progress)


class Services:
    """Every service, built once from ``settings``. Pass ``embeddings`` to use a fake."""

    def __init__(
        self, settings: Settings, embeddings: Embeddings | None = None, today=today_utc
    ) -> None:
        self.settings = settings
        self._embeddings = embeddings
        self.today = today

    @cached_property
    def embeddings(self) -> Embeddings:
        """The embedding model (loaded lazily unless a fake was given)."""
        if self._embeddings is None and self.settings.fake_embeddings:
            log.warning("NEWSDESK_FAKE_EMBEDDINGS is on: answers will be poor (tests only)")
            self._embeddings = HashingEmbeddings()
        return self._embeddings or LazyEmbeddings(
            self.settings.model_path(), self.settings.embedding_batch_size
        )

    @cached_property
    def catalog(self) -> Catalog:
        """The SQLite catalog under the data dir."""
        return Catalog(self.settings.catalog_path)

    def check_store(self) -> None:
        """Reach the Chroma server now (SettingsError if none answers at NEWSDESK_CHROMA_URL);
        the embedded store needs no check."""
        if self.settings.chroma_url:
            _ = self.store  # built here, cached for later

    @cached_property
    def store(self) -> VectorStore:
        """The Chroma vector store (embedded, or the server at NEWSDESK_CHROMA_URL).

        SettingsError when no Chroma server answers at NEWSDESK_CHROMA_URL.
        """
        url = self.settings.chroma_url
        try:
            client = open_chroma_client(self.settings.chroma_path, url)
        except ValueError:  # chromadb's "Could not connect to a Chroma server"
            if not url:
                raise
            # Only the origin: the URL may carry credentials.
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
            raise SettingsError(
                [f"NEWSDESK_CHROMA_URL: no Chroma server answers at {origin}"]
            ) from None
        return VectorStore(client, self.settings.collection, self.embeddings)

    @cached_property
    def searcher(self) -> Searcher:
        """The hybrid date-aware search."""
        s = self.settings
        params = SearchParams(**s.search_overrides())
        reranker = None
        if s.reranker_model:
            from index.rerank import Reranker, load_cross_encoder

            reranker = Reranker(load_cross_encoder(s.reranker_model))
        return Searcher(self.catalog, self.store, params, reranker)

    @cached_property
    def indexer(self) -> Indexer:
        """Writes articles into the catalog and the vector store."""
        from index.dedupe import Deduplicator

        return Indexer(
            self.catalog,
            self.store,
            token_counter(self.settings.model_path()),
            self.settings.max_chunk_tokens,
            dedupe=Deduplicator(self.catalog) if self.settings.dedupe else None,
            write_lock=lambda: self.locks.hold("index-writer", wait=True),
            model_cap=model_token_cap(self.settings.model_path()),
        )

    @cached_property
    def locks(self) -> LockDir:
        """Locks shared with other Newsdesk processes on the same data dir."""
        return LockDir(self.settings.data_dir / "locks")

    @cached_property
    def sources(self) -> SourceService:
        """The source registry and re-indexing (CLI `source`, Discord /source, the scheduler)."""
        from index.registry import SourceRegistry
        from index.sources.fetch import FetchLimits
        from index.sources.service import SourceService, SourceSettings

        s = self.settings
        settings = SourceSettings(
            # A page that drips bytes never trips the between-bytes timeout: the whole fetch
            # is capped too, at three times it (60 s by default).
            fetch=FetchLimits(
                timeout=s.fetch_timeout,
                total_timeout=3 * s.fetch_timeout,
                max_bytes=s.fetch_max_bytes,
            ),
            feed_max_entries=s.feed_max_entries,
            config_paths=tuple(s.source_paths),
        )
        registry = SourceRegistry(s.catalog_path)
        return SourceService(registry, self.catalog, self.indexer, self.locks, settings)

    @cached_property
    def library(self) -> Library:
        """The Library port."""
        return Library(
            self.catalog,
            list(self.settings.source_paths),
            lambda: self.indexer,
            lambda: self.sources,
        )

    @cached_property
    def activity(self) -> ActivityStore:
        """Answers, feedback and threads, recorded in the data dir (/stats, the buttons)."""
        return ActivityStore.in_data_dir(self.settings.data_dir)

    @cached_property
    def llm(self) -> LLM | None:
        """The optional LLM (NEWSDESK_ANSWERER=llm), else None; LLMConfigError if misconfigured."""
        if self.settings.answerer != "llm":
            return None
        return LLM.from_config(LLMConfig.from_settings(self.settings))

    @cached_property
    def newsdesk(self) -> Newsdesk:
        """The QuestionAnswering port (LLM answers when configured, extractive as fallback)."""
        extractive = ExtractiveAnswerer(
            ExtractiveSettings(min_coverage=self.settings.min_answer_score)
        )
        llm = self.llm
        answerer = llm.answerer(extractive) if llm else extractive
        answers = AnswerService(
            self.searcher, answerer, self.settings.passages_per_answer, today=self.today
        )
        writer = llm.summary_writer() if llm else None
        condense = llm.condense_question if llm else None
        return Newsdesk(
            answers, Summarizer(self.searcher, today=self.today, writer=writer), condense
        )

    def close(self) -> None:
        """Release the catalog's database handle."""
        if "sources" in self.__dict__:
            self.sources.registry.close()
        if "indexer" in self.__dict__ and self.indexer.dedupe is not None:
            self.indexer.dedupe.close()
        if "catalog" in self.__dict__:
            self.catalog.close()
        if "activity" in self.__dict__:
            self.activity.close()
