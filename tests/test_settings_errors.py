"""A bad setting is one line, `error: NAME: reason`, exit code 2: no traceback, no secret."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot import cli
from bot.settings import SettingsError, check_paths, load_settings

SECRETS = {"DISCORD_TOKEN": "tok-do-not-show", "NEWSDESK_LLM_API_KEY": "sk-do-not-show"}


@pytest.fixture
def environment(tmp_path, monkeypatch):
    """A clean environment in an empty folder (no .env), with secrets set."""
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith("NEWSDESK_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEWSDESK_FAKE_EMBEDDINGS", "true")
    cli._state.clear()
    yield monkeypatch
    services = cli._state.pop("services", None)
    if services is not None:
        services.close()
    cli._state.clear()


def newsdesk(*args: str):
    result = CliRunner().invoke(cli.app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def error_lines(result) -> list[str]:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for secret in SECRETS.values():
        assert secret not in result.output
    return result.stderr.strip().splitlines()


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("NEWSDESK_RATE_LIMIT_PER_MINUTE", "abc-zq7", "must be a whole number"),
        ("NEWSDESK_OWNER_IDS", "abc-zq7", "item 1 must be a whole number"),
        ("NEWSDESK_OWNER_IDS", "[1, abc-zq7", "is not a JSON list (Expecting value)"),
        ("NEWSDESK_ANSWERER", "gpt-zq7", "must be 'extractive' or 'llm'"),
        ("NEWSDESK_DEDUPE", "maybe-zq7", "must be true or false"),
        ("NEWSDESK_FETCH_TIMEOUT", "soon-zq7", "must be a number"),
        # Values that parse but cannot work are refused before anything runs.
        ("NEWSDESK_EMBEDDING_BATCH_SIZE", "0", "must be at least 1"),
        ("NEWSDESK_FETCH_TIMEOUT", "0", "must be more than 0"),
        ("NEWSDESK_MIN_ANSWER_SCORE", "1.5", "must be at most 1"),
        ("NEWSDESK_RRF_K", "-3", "must be at least 1"),
        (
            "NEWSDESK_LOG_LEVEL",
            "loud-zq7",
            "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        ),
        ("NEWSDESK_CHROMA_URL", "zq7:8000", "must be a URL like http://localhost:8000"),
        (
            "NEWSDESK_CHROMA_URL",
            "http://user:pass-zq7@host:port",
            "is not a URL with a valid port, like http://localhost:8000",
        ),
        (
            "NEWSDESK_CHROMA_URL",
            "http://zq7:0",
            "is not a URL with a valid port, like http://localhost:8000",
        ),
    ],
)
def test_a_bad_value_is_named_not_echoed(environment, name, value, reason):
    environment.setenv(name, value)

    result = newsdesk("sources")

    assert error_lines(result) == [f"error: {name}: {reason}"]
    assert "zq7" not in result.output


def test_source_weights_name_the_bad_pair(environment):
    environment.setenv("NEWSDESK_SOURCE_WEIGHTS", "bbc.com=2,cnn.com:2")
    lines = error_lines(newsdesk("sources"))
    assert lines == [
        "error: NEWSDESK_SOURCE_WEIGHTS: 'cnn.com:2' is not OUTLET=WEIGHT with a weight > 0"
    ]


def test_every_bad_setting_is_reported_at_once(environment):
    environment.setenv("NEWSDESK_RATE_LIMIT_PER_MINUTE", "abc")
    environment.setenv("NEWSDESK_ANSWERER", "gpt")
    lines = error_lines(newsdesk("sources"))
    assert sorted(lines) == [
        "error: NEWSDESK_ANSWERER: must be 'extractive' or 'llm'",
        "error: NEWSDESK_RATE_LIMIT_PER_MINUTE: must be a whole number",
    ]


def test_a_data_dir_that_is_a_file_is_named_with_how_it_was_given(environment, tmp_path):
    a_file = tmp_path / "passwd"
    a_file.write_text("root:x:0:0\n", encoding="utf-8")
    environment.setenv("NEWSDESK_DATA_DIR", str(a_file))
    assert error_lines(newsdesk("sources")) == [
        f"error: NEWSDESK_DATA_DIR: {a_file} is a file, not a folder"
    ]
    assert error_lines(newsdesk("--data-dir", str(a_file / "x"), "sources")) == [
        f"error: --data-dir: cannot create {a_file / 'x'} (Not a directory)"
    ]
    assert a_file.read_text(encoding="utf-8") == "root:x:0:0\n"


def test_a_missing_model_folder_is_named_before_anything_loads(environment, tmp_path):
    environment.setenv("NEWSDESK_EMBEDDING_MODEL", str(tmp_path / "nonexistent"))
    environment.setenv("NEWSDESK_RERANKER_MODEL", str(tmp_path))  # a folder, but no model
    assert error_lines(newsdesk("ask", "who won?")) == [
        f"error: NEWSDESK_EMBEDDING_MODEL: no model folder at {tmp_path / 'nonexistent'}",
        f"error: NEWSDESK_RERANKER_MODEL: {tmp_path} holds no model (no config.json)",
    ]


@pytest.mark.parametrize("command", [["ask", "who won?"], ["source", "list"], ["chat"]])
def test_an_unreachable_chroma_server_is_one_line_without_credentials(environment, command):
    # Port 9 (discard) has no Chroma server; the credentials must not be repeated.
    environment.setenv("NEWSDESK_CHROMA_URL", "http://user:pass-zq7@127.0.0.1:9")

    result = newsdesk(*command)

    assert "zq7" not in result.output
    assert error_lines(result) == [
        "error: NEWSDESK_CHROMA_URL: no Chroma server answers at http://127.0.0.1:9"
    ]


def test_check_paths_creates_the_data_dir(tmp_path):
    settings = load_settings(_env_file=None, data_dir=tmp_path / "new" / "data")
    check_paths(settings)
    assert settings.data_dir.is_dir()
    with pytest.raises(SettingsError):
        check_paths(load_settings(_env_file=None, embedding_model=str(tmp_path / "none")))
