"""The LLM answerer and follow-up rewriting.

``LLMAnswerer`` fits the chain's ``compose`` step like the extractive answerer does: it sends
the numbered, delimited passages to the model, then checks the reply's citations
(``llm_citations``). It falls back to the extractive answer, and logs why, when the model
fails, times out, or leaves no valid citation; the model's own refusal becomes ``refused``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from langchain_core.messages import HumanMessage, SystemMessage

from bot.core.extractive import REFUSAL
from bot.core.llm import ChatClient, LLMUnavailable
from bot.core.llm_citations import check_citations, format_passages, is_refusal
from bot.core.models import Answer
from bot.core.prompts import Prompts
from index.records import Passage

if TYPE_CHECKING:
    from bot.core.answer import Answerer

log = logging.getLogger(__name__)

# Tag on the answer model's runs, so a streaming caller can pick its tokens out of the
# chain's events (see llm_stream).
ANSWER_TAG = "newsdesk:answer"
MODEL_REFUSAL = "I cannot answer that from the indexed articles."
MAX_CONDENSED_CHARS = 1_000

History = Sequence[str | tuple[str, str]]


class LLMAnswerer:
    """Cited answers from a chat model, checked, with the extractive answer as fallback."""

    def __init__(self, client: ChatClient, fallback: Answerer, prompts: Prompts) -> None:
        self.client = client
        self.fallback = fallback
        self.prompts = prompts
        self.tagged_model = client.model.with_config(tags=[ANSWER_TAG], run_name="llm_answer")
        # How answers ended (llm, refused, failed, uncited, no_passages): for logs and benches.
        self.outcomes: Counter[str] = Counter()

    def messages(self, question: str, passages: list[Passage], when: str = "") -> list:
        """The system and user messages for ``question`` over ``passages``."""
        system = self.prompts.answer_system.render(refusal=MODEL_REFUSAL)
        user = self.prompts.answer_user.render(
            question=question,
            when=when.strip() or "today",
            passages=format_passages(passages),
        )
        return [SystemMessage(content=system), HumanMessage(content=user)]

    def answer(self, question: str, passages: list[Passage], when: str = "") -> Answer:
        """A checked, cited LLM answer; the fallback's answer when the LLM cannot give one."""
        if not passages:
            self.outcomes["no_passages"] += 1
            return self.fallback.answer(question, passages, when=when)
        try:
            raw = self.client.complete(self.messages(question, passages, when), self.tagged_model)
        except LLMUnavailable as exc:
            self.outcomes["failed"] += 1
            log.warning("LLM answer failed (%s); answering extractively", exc)
            return self.fallback.answer(question, passages, when=when)
        return self.from_reply(raw, question, passages, when)

    def from_reply(self, raw: str, question: str, passages: list[Passage], when: str) -> Answer:
        """The Answer for the model's reply ``raw`` (checked; fallback when nothing is cited)."""
        checked = check_citations(raw, passages)
        if checked is not None:
            self.outcomes["llm"] += 1
            return Answer(text=checked.text, citations=checked.citations)
        if is_refusal(raw):
            self.outcomes["refused"] += 1
            return Answer(text=REFUSAL.format(when=when), refused=True)
        self.outcomes["uncited"] += 1
        log.warning("LLM answer had no valid citation; answering extractively instead")
        return self.fallback.answer(question, passages, when=when)


def format_history(history: History) -> str:
    """The thread so far, one turn per line; a plain string is an earlier question."""
    lines = []
    for turn in history:
        if isinstance(turn, str):
            lines.append(f"User: {' '.join(turn.split())}")
        else:
            question, answer = turn
            lines.append(f"User: {' '.join(question.split())}")
            lines.append(f"Newsdesk: {' '.join(answer.split())[:600]}")
    return "\n".join(lines) or "(no earlier messages)"


def condense_question(
    client: ChatClient,
    prompts: Prompts,
    history: History,
    follow_up: str,
    fallback: Callable[[History, str], str] | None = None,
) -> str:
    """``follow_up`` rewritten with the thread's history into one standalone question.

    Without history the follow-up is returned as is (no call). When the LLM fails or
    returns nothing usable, ``fallback(history, follow_up)`` decides, else the follow-up.
    """
    follow_up = " ".join(follow_up.split())
    if not history:
        return follow_up
    prompt = prompts.condense_question.render(history=format_history(history), follow_up=follow_up)
    try:
        raw = client.complete([HumanMessage(content=prompt)])
    except LLMUnavailable as exc:
        log.warning("LLM follow-up rewrite failed (%s); using the fallback", exc)
        raw = ""
    question = _first_line(raw)
    if question:
        return question
    return fallback(history, follow_up) if fallback else follow_up


def _first_line(raw: str) -> str:
    """The first non-empty line, without quotes or a 'Question:' label; '' when unusable."""
    for line in raw.strip().splitlines():
        line = " ".join(line.split()).strip("\"'“”` ")
        if line.lower().startswith(("standalone question:", "question:")):
            line = line.split(":", 1)[1].strip("\"'“”` ")
        if line:
            return line if len(line) <= MAX_CONDENSED_CHARS else ""
    return ""
