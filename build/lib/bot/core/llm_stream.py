"""Streaming an answer: drafts while the LLM writes, then the final checked Answer.

:func:`astream_answer` runs the same LCEL chain as ``AnswerService.ask`` through
``astream_events``; the LLM answerer's model runs are tagged, so their tokens can be picked
out as they arrive (LangChain streams a chat model's tokens to the event stream even though
the ``compose`` step calls it synchronously in a worker thread). With the extractive
answerer there are no drafts, only the final Answer.

:func:`throttle` keeps at most one draft per interval, for a Discord message edited about
once a second. Drafts show only sentences that already carry a citation, markers hidden;
the final Answer is the checked one and replaces them.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date

from bot.core.answer import AnswerService
from bot.core.llm_chain import ANSWER_TAG
from bot.core.llm_citations import draft_text
from bot.core.models import Answer


@dataclass(frozen=True)
class Draft:
    """The answer so far, while the model is still writing (not checked yet)."""

    text: str


StreamItem = Draft | Answer


async def astream_answer(
    service: AnswerService,
    question: str,
    *,
    as_of: date | None = None,
    guild_id: int | None = None,
) -> AsyncIterator[StreamItem]:
    """Drafts of the answer as the LLM writes it, then the final checked Answer (always last).

    Raises InvalidRequest for an empty or overlong question, like ``AnswerService.ask``.
    """
    request = service.request(question, as_of, guild_id)
    reply, shown, final = "", "", None
    async for event in service.chain.astream_events(request, version="v2"):
        kind = event["event"]
        if ANSWER_TAG in event.get("tags", ()):
            if kind == "on_chat_model_start":
                reply = ""  # a retry starts the reply over
            elif kind == "on_chat_model_stream":
                reply += event["data"]["chunk"].text
                draft = draft_text(reply)
                if draft and draft != shown:
                    shown = draft
                    yield Draft(draft)
        elif kind == "on_chain_end" and not event.get("parent_ids"):
            final = event["data"].get("output")
    if not isinstance(final, Answer):
        raise RuntimeError("the answer chain ended without an Answer")
    yield final


async def throttle(
    items: AsyncIterator[StreamItem],
    interval: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[StreamItem]:
    """``items`` with at most one Draft per ``interval`` seconds (the newest); Answers pass.

    A draft held back is sent once the interval has passed even if the model pauses.
    """
    iterator = aiter(items)
    last_sent = -math.inf
    pending: Draft | None = None
    next_item: asyncio.Future | None = None
    try:
        while True:
            if next_item is None:
                next_item = asyncio.ensure_future(anext(iterator))
            wait = None if pending is None else max(0.0, last_sent + interval - clock())
            done, _ = await asyncio.wait({next_item}, timeout=wait)
            if not done:  # the interval passed while the model was quiet: show what we have
                yield pending
                pending, last_sent = None, clock()
                continue
            try:
                item = next_item.result()
            except StopAsyncIteration:
                return
            next_item = None
            if isinstance(item, Draft) and clock() - last_sent < interval:
                pending = item
                continue
            pending = None
            last_sent = clock()
            yield item
    finally:
        if next_item is not None and not next_item.done():
            next_item.cancel()
