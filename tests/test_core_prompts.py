"""Prompt templates: the shipped ones load; bad placeholders fail at load, naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.prompts import (
    PLACEHOLDERS,
    PROMPTS_DIR,
    PromptError,
    default_prompts,
    load_prompt,
    load_prompts,
)


def copy_prompts(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, target)
    return target


def test_shipped_prompts_load_with_their_placeholders():
    prompts = load_prompts()
    for name, required in PLACEHOLDERS.items():
        assert getattr(prompts, name).placeholders == required


def test_prompts_are_loaded_once():
    assert default_prompts() is default_prompts()


def test_unknown_placeholder_fails_with_the_file_name(tmp_path):
    folder = copy_prompts(tmp_path)
    path = folder / "answer_user.md"
    path.write_text(path.read_text() + "\nReply in {language}.\n")
    with pytest.raises(PromptError, match=r"answer_user\.md: unknown placeholder\(s\) language"):
        load_prompts(folder)


def test_missing_placeholder_fails_with_the_file_name(tmp_path):
    folder = copy_prompts(tmp_path)
    path = folder / "condense_question.md"
    path.write_text(path.read_text().replace("{follow_up}", "the follow-up"))
    with pytest.raises(PromptError, match=r"condense_question\.md: missing .*follow_up"):
        load_prompts(folder)


def test_stray_brace_fails_with_the_file_name(tmp_path):
    path = tmp_path / "summarize.md"
    path.write_text("List events about {topic} {when} {passages} as JSON: {\n")
    with pytest.raises(PromptError, match=r"summarize\.md"):
        load_prompt(path, PLACEHOLDERS["summarize"])


def test_attribute_placeholder_is_rejected(tmp_path):
    path = tmp_path / "answer_system.md"
    path.write_text("Say {refusal.upper} when unsure.\n")
    with pytest.raises(PromptError, match=r"answer_system\.md: placeholder \{refusal\.upper\}"):
        load_prompt(path, PLACEHOLDERS["answer_system"])


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(PromptError, match=r"answer_system\.md"):
        load_prompts(tmp_path)


def test_escaped_braces_are_literal(tmp_path):
    path = tmp_path / "answer_system.md"
    path.write_text('Reply as {{"answer": "..."}} or say: {refusal}\n')
    prompt = load_prompt(path, PLACEHOLDERS["answer_system"])
    assert prompt.render(refusal="no") == 'Reply as {"answer": "..."} or say: no\n'


def test_render_inserts_values_verbatim_and_checks_names():
    prompt = default_prompts().condense_question
    text = prompt.render(history="User: who {won}?", follow_up="and {then}?")
    assert "who {won}?" in text and "and {then}?" in text
    with pytest.raises(ValueError, match="condense_question"):
        prompt.render(history="x")
