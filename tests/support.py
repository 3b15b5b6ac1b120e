"""Shared builders for tests: services on a temporary store, with a fake or the real model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from bot.services import Services
from bot.settings import PACKAGED_SAMPLES, Settings
from index.embeddings import HashingEmbeddings
from index.records import Passage

SAMPLES = PACKAGED_SAMPLES


def make_settings(tmp_path: Path, **overrides) -> Settings:
    """Settings isolated in ``tmp_path`` (no .env file, no environment leaking in)."""
    values = {"data_dir": tmp_path / "data", "source_paths": [SAMPLES], **overrides}
    return Settings(_env_file=None, **values)


def make_services(
    tmp_path: Path, real_model: bool = False, today: date | None = None, **overrides
) -> Services:
    """Services on a temporary store; the fast hashing embeddings unless ``real_model``."""
    settings = make_settings(tmp_path, **overrides)
    embeddings = None if real_model else HashingEmbeddings()
    if today is None:
        return Services(settings, embeddings=embeddings)
    return Services(settings, embeddings=embeddings, today=lambda: today)


@contextmanager
def cli_using(services: Services) -> Iterator[Services]:
    """The ``newsdesk`` CLI answering from ``services`` (closed afterwards)."""
    from bot import cli

    cli._state.clear()
    cli._state["services"] = services
    try:
        yield services
    finally:
        cli._state.clear()
        services.close()


def invoke_cli(*args: str):
    """Run ``newsdesk ARGS`` in-process; any exception but an exit fails the test."""
    from typer.testing import CliRunner

    from bot import cli

    result = CliRunner().invoke(cli.app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def passage(article_id: str, title: str, text: str, day: int = 1) -> Passage:
    """A passage holding a whole (short) article body, published on ``day`` September 2025."""
    return Passage(
        chunk_id=f"{article_id}:0",
        article_id=article_id,
        title=title,
        url=f"https://news.example/{article_id}",
        source="Example News",
        published=datetime(2025, 9, day, 12, tzinfo=UTC),
        text=text,
        start_char=0,
        end_char=len(text),
    )
