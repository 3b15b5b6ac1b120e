"""A streamed LLM answer end to end: the real bot, the Discord emulator, a fake OpenAI server.

The services use ``NEWSDESK_ANSWERER=llm`` against tests/fake_openai.py, which streams a cited
answer over the sample articles slowly enough (about 2.5 s) for the bot to show drafts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from discord_emulator import DiscordEmulator, StoredMessage
from fake_openai import FakeOpenAI, Reply, Step
from support import SAMPLES, make_services
from support_discord import restore_discord_endpoints, running_bot  # noqa: F401

from bot.services import Services

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("restore_discord_endpoints")]

TODAY = date(2025, 2, 20)  # "today" for the sample corpus
QUESTION = "Where did Hurricane Milton make landfall?"
STREAM_SECONDS = 2.5
IN_PROGRESS = " …"
SUPPRESS_EMBEDS = 1 << 2


def cite_first_sentences(body: dict) -> Step:
    """Reply with passage 1's first three sentences, each cited [1], streamed over ~2.5 s."""
    user = next(m for m in body["messages"] if m["role"] == "user")
    passage = user["content"].split('<passage n="1"', 1)[1].split(">", 1)[1]
    sentences = passage.split("</passage>", 1)[0].strip().split(". ")[:3]
    text = " ".join(f"{s.strip().rstrip('.')} [1]." for s in sentences)
    return Reply(text, chunk_delay=STREAM_SECONDS / len(text.split()))


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(default=cite_first_sentences) as fake:
        yield fake


@pytest.fixture
def services(tmp_path: Path, server: FakeOpenAI) -> Iterator[Services]:
    built = make_services(
        tmp_path / "services",
        today=TODAY,
        answerer="llm",
        llm_model="fake-model",
        llm_base_url=server.base_url,
        llm_api_key="sk-fake",
        llm_timeout=10,
    )
    built.library.index_paths([SAMPLES])
    yield built
    built.close()


def is_final(message: StoredMessage | None) -> bool:
    """True once ``message`` shows a finished answer (not loading, not a draft)."""
    return bool(message and not message.loading and "[1]" in message.content)


def drafts_of(message: StoredMessage) -> list[str]:
    """The drafts a message showed before its final content, oldest first."""
    return [p["content"] for p in message.history if p.get("content")]


def assert_drafts(drafts: list[str]) -> None:
    """Drafts: marked in progress, markers hidden until the answer is checked, growing."""
    assert len(drafts) >= 2, drafts  # the first draft, then at least one edited draft
    assert all(d.endswith(IN_PROGRESS) and "[" not in d for d in drafts)
    assert all(len(a) < len(b) for a, b in zip(drafts, drafts[1:], strict=False))


def assert_final(message: StoredMessage) -> None:
    """The answer: cited, with sources and buttons, no pings, no previews, within limits."""
    assert "[1]" in message.content and "**Sources**" in message.content
    assert not message.content.endswith(IN_PROGRESS)
    assert len(message.custom_ids()) == 3 and not message.pings()
    assert message.flags & SUPPRESS_EMBEDS and len(message.content) <= 2000


async def test_ask_streams_drafts_into_the_original_response_then_the_cited_answer(
    emulator: DiscordEmulator, services: Services, server: FakeOpenAI, tmp_path: Path
) -> None:
    async with running_bot(emulator, services, tmp_path):
        ask = await emulator.slash("ask", {"question": QUESTION})
        await emulator.wait_until(lambda: is_final(ask.original), 20, "the final answer")

    assert server.requests and server.requests[-1].body.get("stream") is True
    assert ask.callback.type == 5 and ask.time_to_callback < 3.0
    # The first draft filled the "thinking" message, later ones and the answer edited it.
    assert ask.kinds[:2] == ["callback:5", "followup"]
    assert ask.kinds.count("edit_original") >= 2
    assert_drafts(drafts_of(ask.original))
    assert_final(ask.original)
    shows = [r for r in emulator.requests_matching("/webhooks/*") if "content" in (r.json or {})]
    assert [r.method for r in shows] == ["POST"] + ["PATCH"] * (len(shows) - 1)
    gaps = [b.received_at - a.received_at for a, b in zip(shows, shows[1:], strict=False)]
    assert all(gap >= 0.9 for gap in gaps[:-1])  # drafts about once a second; the answer at once
    for request in shows:  # drafts too: nobody may be pinged
        assert request.json["allowed_mentions"]["parse"] == [], request.json


async def test_a_mention_streams_into_its_reply_which_keeps_previews_off(
    emulator: DiscordEmulator, services: Services, tmp_path: Path
) -> None:
    world = emulator.world
    async with running_bot(emulator, services, tmp_path):
        asked = await emulator.send_message(QUESTION, mention_bot=True)
        reply = await emulator.wait_for_message(
            world.channel, lambda m: m.author_id == emulator.bot.id, timeout=10
        )
        await emulator.wait_until(lambda: is_final(reply), 20, "the final answer")

    assert int(reply.payload["message_reference"]["message_id"]) == asked.id
    assert_drafts(drafts_of(reply))
    assert all(p["flags"] & SUPPRESS_EMBEDS for p in reply.history)
    assert_final(reply)
    edits = emulator.requests_matching("PATCH /channels/*/messages/*")
    assert len(edits) >= 2 and all(r.json["allowed_mentions"]["parse"] == [] for r in edits)
