"""The vector store: a Chroma collection (embedded or server) behind LangChain's Chroma.

Also the chunk metadata contract: every chunk carries every key below, with "" for
"none" (Chroma metadata takes no None).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from langchain_core.embeddings import Embeddings

from index.articles import Article
from index.chunking import Chunk

log = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
WRITE_BATCH = 256


def chunk_metadata(article: Article, chunk: Chunk, source_id: str = "", guild_id: str = "") -> dict:
    """The metadata of one chunk, per the contract in DESIGN.md."""
    return {
        "article_id": article.id,
        "chunk_index": chunk.index,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "published_ts": article.published_ts,
        "published_day": article.published_ts // SECONDS_PER_DAY,
        "published": article.published.isoformat(),
        "start_char": chunk.start_char,
        "end_char": chunk.end_char,
        "source_id": source_id,
        "guild_id": guild_id,
    }


@dataclass(frozen=True)
class DenseHit:
    """A chunk found by vector similarity (cosine similarity, higher is better)."""

    chunk_id: str
    similarity: float
    published_ts: int


def open_chroma_client(data_dir: Path, chroma_url: str = ""):
    """A Chroma client: a server at ``chroma_url`` when set, else embedded under ``data_dir``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        parts = urlsplit(chroma_url)
        return chromadb.HttpClient(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            settings=settings,
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(data_dir), settings=settings)


class VectorStore:
    """Chunk vectors in one Chroma collection. Vectors always come from ``embeddings``:
    the collection never embeds by itself (that would try to download a model)."""

    def __init__(self, client, collection: str, embeddings: Embeddings) -> None:
        from langchain_chroma import Chroma

        self.embeddings = embeddings
        self._chroma = Chroma(
            collection_name=collection,
            embedding_function=embeddings,
            client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        self._collection = self._chroma._collection

    def upsert(self, chunks: list[Chunk], metadatas: list[dict]) -> None:
        """Embed and write ``chunks`` (same ids overwrite: re-indexing never duplicates)."""
        for start in range(0, len(chunks), WRITE_BATCH):
            batch = chunks[start : start + WRITE_BATCH]
            self._chroma.add_texts(
                texts=[c.embed_text for c in batch],
                metadatas=metadatas[start : start + WRITE_BATCH],
                ids=[c.id for c in batch],
            )

    def delete(self, chunk_ids: list[str]) -> None:
        """Delete chunks by id (ids that do not exist are ignored)."""
        for start in range(0, len(chunk_ids), WRITE_BATCH):
            self._collection.delete(ids=chunk_ids[start : start + WRITE_BATCH])

    def count(self) -> int:
        """How many chunks the collection holds."""
        return self._collection.count()

    def existing_ids(self, chunk_ids: list[str]) -> set[str]:
        """Which of ``chunk_ids`` the collection holds."""
        found: set[str] = set()
        for start in range(0, len(chunk_ids), WRITE_BATCH):
            got = self._collection.get(ids=chunk_ids[start : start + WRITE_BATCH], include=[])
            found.update(got["ids"])
        return found

    def embed_query(self, text: str) -> list[float]:
        """The query vector of ``text``."""
        return self.embeddings.embed_query(text)

    def query(self, vector: list[float], k: int, where: dict | None = None) -> list[DenseHit]:
        """The ``k`` nearest chunks to ``vector``, optionally filtered by metadata."""
        k = min(k, self.count())
        if k <= 0:
            return []
        result = self._collection.query(
            query_embeddings=[list(vector)],
            n_results=k,
            where=where,
            include=["distances", "metadatas"],
        )
        # A chunk deleted by another process can come back without metadata: skip it.
        return [
            DenseHit(chunk_id, 1.0 - distance, int(meta["published_ts"]))
            for chunk_id, distance, meta in zip(
                result["ids"][0], result["distances"][0], result["metadatas"][0], strict=True
            )
            if meta is not None
        ]
