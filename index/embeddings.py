"""Embedding models: the packaged MiniLM through LangChain, and a fast fake for tests."""

from __future__ import annotations

import hashlib
import math
import os
import re

from langchain_core.embeddings import Embeddings

FAKE_DIMENSIONS = 384


def offline_environment() -> None:
    """Forbid Hugging Face libraries from reaching the network (models ship locally), quietly."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # A "Loading weights" progress bar for a local model is noise in the console and logs.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def load_embeddings(model_path: str, batch_size: int = 64) -> Embeddings:
    """The sentence-transformers model at ``model_path`` as LangChain embeddings.

    Imported lazily: loading torch and sentence-transformers takes seconds.
    """
    offline_environment()
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=model_path,
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )


class HashingEmbeddings(Embeddings):
    """A deterministic bag-of-words embedding: fast, model-free, for tests only.

    Texts sharing words get similar vectors, so retrieval still behaves sensibly.
    """

    def __init__(self, dimensions: int = FAKE_DIMENSIONS) -> None:
        self.dimensions = dimensions
        self.documents_embedded = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed a batch of documents (counted, so tests can assert none were embedded)."""
        self.documents_embedded += len(texts)
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self._embed(text)

    def _embed(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.md5(word.encode()).digest()
            vector[int.from_bytes(digest[:4], "little") % self.dimensions] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]
