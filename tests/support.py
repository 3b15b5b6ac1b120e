"""Shared builders for tests: services on a temporary store, with a fake or the real model."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.services import Services
from bot.settings import PACKAGED_SAMPLES, Settings
from index.embeddings import HashingEmbeddings

SAMPLES = PACKAGED_SAMPLES


def make_settings(tmp_path: Path, **overrides) -> Settings:
    """Settings isolated in ``tmp_path`` (no .env file, no environment leaking in)."""
    values = {"data_dir": tmp_path / "data", "source_paths": [SAMPLES], **overrides}
    return Settings(_env_file=None, **values)


def make_services(tmp_path: Path, real_model: bool = False, today: date | None = None,
                  **overrides) -> Services:
    """Services on a temporary store; the fast hashing embeddings unless ``real_model``."""
    settings = make_settings(tmp_path, **overrides)
    embeddings = None if real_model else HashingEmbeddings()
    if today is None:
        return Services(settings, embeddings=embeddings)
    return Services(settings, embeddings=embeddings, today=lambda: today)
