"""Settings: .env.example documents every setting, and values parse as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def documented_names() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, flags=re.M))


def setting_names() -> set[str]:
    return {f.validation_alias for f in Settings.model_fields.values()}


def test_env_example_and_settings_are_in_step():
    assert documented_names() == setting_names()


def test_env_example_parses_as_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=ROOT / ".env.example")
    assert settings.discord_token is None
    assert settings.answerer == "extractive"
    assert settings.owner_ids == []


def test_lists_accept_commas_and_json(monkeypatch):
    monkeypatch.setenv("NEWSDESK_OWNER_IDS", "12, 34")
    monkeypatch.setenv("NEWSDESK_SOURCE_PATHS", '["a", "b"]')
    settings = Settings(_env_file=None)
    assert settings.owner_ids == [12, 34]
    assert [p.name for p in settings.source_paths] == ["a", "b"]


def test_token_never_shows_in_repr(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token")
    settings = Settings(_env_file=None)
    assert "super-secret-token" not in repr(settings)
    assert settings.discord_token.get_secret_value() == "super-secret-token"


def test_every_retrieval_override_names_a_search_parameter(monkeypatch):
    from dataclasses import fields

    from index.search import SearchParams

    names = {
        "NEWSDESK_DENSE_POOL": "7",
        "NEWSDESK_KEYWORD_POOL": "8",
        "NEWSDESK_RRF_K": "9",
        "NEWSDESK_KEYWORD_WEIGHT": "1.5",
        "NEWSDESK_TITLE_WEIGHT": "3",
        "NEWSDESK_RECENCY_BOOST": "2",
        "NEWSDESK_RECENCY_HALF_LIFE_DAYS": "5",
        "NEWSDESK_RECENCY_PLATEAU_DAYS": "1",
    }
    for name, value in names.items():
        monkeypatch.setenv(name, value)
    overrides = Settings(_env_file=None).search_overrides()
    assert len(overrides) == len(names)
    assert set(overrides) <= {f.name for f in fields(SearchParams)}
    assert SearchParams(**overrides).rrf_k == 9


@pytest.mark.parametrize(
    "value",
    [
        "cnn.com=nan",
        "cnn.com=inf",
        "cnn.com=-1",
        "cnn.com=0",
        "cnn.com",
        "cnn.com=",
        "cnn.com=zero",
        "=2",
    ],
)
def test_source_weights_must_be_well_formed_finite_and_positive(value):
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, source_weights=value)
    assert caught.value.problems == [
        f"NEWSDESK_SOURCE_WEIGHTS: {value!r} is not OUTLET=WEIGHT with a weight > 0"
    ]
