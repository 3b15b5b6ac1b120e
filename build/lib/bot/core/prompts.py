"""Prompt templates: Markdown files in ``prompts/`` with ``{placeholders}``, loaded once.

Each template declares the placeholders the code fills. A file that uses an unknown
placeholder, leaves out a required one, or has a stray brace fails at load time with the
file's name, so a bad edit stops the bot at start instead of producing odd answers later.
Write a literal brace as ``{{`` or ``}}``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.core.errors import UserError

PROMPTS_DIR = Path(__file__).resolve().parent.parent.parent / "prompts"

# The placeholders each template must use, exactly (no more, no fewer).
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "answer_system": frozenset({"refusal"}),
    "answer_user": frozenset({"question", "when", "passages"}),
    "summarize": frozenset({"topic", "when", "passages"}),
    "summarize_reduce": frozenset({"topic", "when", "limit", "notes"}),
    "condense_question": frozenset({"history", "follow_up"}),
}


class PromptError(UserError):
    """A prompt template that cannot be used (missing file, bad or missing placeholder)."""


@dataclass(frozen=True)
class Prompt:
    """One checked template; ``render`` fills every placeholder."""

    name: str
    text: str
    placeholders: frozenset[str]

    def render(self, **values: object) -> str:
        """The template with its placeholders filled (values are inserted verbatim)."""
        given = set(values)
        if given != self.placeholders:
            raise ValueError(
                f"{self.name}.md takes {sorted(self.placeholders)}, got {sorted(given)}"
            )
        return self.text.format(**{k: str(v) for k, v in values.items()})


@dataclass(frozen=True)
class Prompts:
    """Every template the LLM code uses."""

    answer_system: Prompt
    answer_user: Prompt
    summarize: Prompt
    summarize_reduce: Prompt
    condense_question: Prompt


def placeholders_of(text: str, filename: str) -> set[str]:
    """The placeholder names in ``text``; PromptError on a stray brace or a complex field."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise PromptError(f"{filename}: {exc} (write a literal brace as '{{{{' or '}}}}')") from exc
    for field in fields:
        if not field.isidentifier():
            raise PromptError(
                f"{filename}: placeholder {{{field}}} is not a plain name "
                "(write a literal brace as '{{' or '}}')"
            )
    return set(fields)


def load_prompt(path: Path, required: frozenset[str]) -> Prompt:
    """Read and check one template: its placeholders must be exactly ``required``."""
    try:
        text = path.read_text(encoding="utf-8").strip() + "\n"
    except OSError as exc:
        raise PromptError(f"cannot read prompt {path}: {exc.strerror or exc}") from exc
    found = placeholders_of(text, path.name)
    unknown = sorted(found - required)
    missing = sorted(required - found)
    if unknown:
        raise PromptError(
            f"{path.name}: unknown placeholder(s) {', '.join(unknown)}; "
            f"expected {', '.join(sorted(required))}"
        )
    if missing:
        raise PromptError(f"{path.name}: missing placeholder(s) {', '.join(missing)}")
    return Prompt(name=path.stem, text=text, placeholders=required)


def load_prompts(directory: Path = PROMPTS_DIR) -> Prompts:
    """Read and check every template in ``directory`` (PromptError on the first problem)."""
    loaded = {
        name: load_prompt(directory / f"{name}.md", required)
        for name, required in PLACEHOLDERS.items()
    }
    return Prompts(**loaded)


@lru_cache(maxsize=4)
def default_prompts(directory: Path = PROMPTS_DIR) -> Prompts:
    """The templates of ``directory``, loaded once per process."""
    return load_prompts(directory)
