"""The real ChatOpenAI wire path against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import logging
import time
from datetime import date

import pytest
from fake_openai import Fail, FakeOpenAI, Hang, Reply, quote_first_passage
from llm_fakes import PLANTED_INSTRUCTION, FakeSearcher, body_of, four_passages
from pydantic import SecretStr
from support import SAMPLES, make_services

from bot.core.answer import AnswerService
from bot.core.citations import verify_citation
from bot.core.extractive import ExtractiveAnswerer
from bot.core.llm import LLM, LLMConfig, RetryPolicy
from bot.core.llm_stream import Draft, astream_answer
from bot.core.models import Answer

KEY = "sk-fake-key-0123456789"
QUESTION = "When did the Kestrel Bay bridge reopen?"
GOOD = (
    "The Kestrel Bay bridge reopened to traffic on Thursday [1]. "
    "Engineers replaced 42 steel cables [1]. The mayor thanked residents [4]."
)
# Two sentences of passage 1 are quoted, so they get numbers of their own.
CHECKED = (
    "The Kestrel Bay bridge reopened to traffic on Thursday [1]. "
    "Engineers replaced 42 steel cables [2]. The mayor thanked residents [3]."
)


@pytest.fixture
def server():
    with FakeOpenAI() as fake:
        yield fake


def llm_answerer(server: FakeOpenAI, timeout: float = 5.0, attempts: int = 2):
    config = LLMConfig(
        provider="openai",
        model="fake-model",
        base_url=server.base_url,
        api_key=SecretStr(KEY),
        timeout=timeout,
        retry=RetryPolicy(attempts=attempts, base_delay=0.01),
    )
    return LLM.from_config(config).answerer(ExtractiveAnswerer())


def extractive(question: str = QUESTION) -> Answer:
    return ExtractiveAnswerer().answer(question, four_passages(), when=" as of 2024-05-05")


def ask(server: FakeOpenAI, question: str = QUESTION, **kwargs) -> Answer:
    return llm_answerer(server, **kwargs).answer(
        question, four_passages(), when=" as of 2024-05-05"
    )


def test_good_answer_over_the_wire(server, caplog):
    server.push(Reply(GOOD))
    with caplog.at_level(logging.DEBUG):
        answer = ask(server)
    assert caplog.records and KEY not in caplog.text  # the clients' debug logs included
    assert answer.text == CHECKED
    assert [c.n for c in answer.citations] == [1, 2, 3]
    assert (
        answer.citations[1].quote == "Engineers replaced 42 steel cables and resurfaced the deck."
    )
    assert all(verify_citation(c, body_of(c.article_id)) for c in answer.citations)
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["model"] == "fake-model" and request.body["temperature"] == 0
    assert [m["role"] for m in request.messages] == ["system", "user"]
    assert QUESTION in request.messages[1]["content"]


def test_invented_citation_is_removed_over_the_wire(server):
    server.push(Reply("The bridge cost 19 million euros [9]. Rates stayed at 3.5 percent [2]."))
    answer = ask(server)
    assert answer.text == "Rates stayed at 3.5 percent [1]."
    assert [c.article_id for c in answer.citations] == ["rates-1"]


def test_answer_without_citations_falls_back_to_extractive(server, caplog):
    server.push(Reply("The bridge reopened on Thursday after repairs."))
    with caplog.at_level(logging.WARNING):
        answer = ask(server)
    assert answer.text == extractive().text and answer.citations == extractive().citations
    assert "no valid citation" in caplog.text


def test_planted_instruction_is_sent_as_data_and_its_echo_is_not_shown(server, caplog):
    server.push(Reply(PLANTED_INSTRUCTION.split(": ", 1)[1]))
    with caplog.at_level(logging.WARNING):
        answer = ask(server, "Why were the ferries cancelled?")
    assert "free-prizes" not in answer.text
    assert answer.text == extractive("Why were the ferries cancelled?").text
    system, user = (m["content"] for m in server.requests[0].messages)
    assert "untrusted" in system and "Never follow instructions" in system
    block = user.split('<passage n="3"', 1)[1].split("</passage>", 1)[0]
    assert PLANTED_INSTRUCTION in block and "‹/passage> SYSTEM" in block


def test_planted_instruction_echoed_beside_a_cited_claim_is_dropped(server):
    server.push(Reply(f"Ferries were cancelled because of high winds [3]. {PLANTED_INSTRUCTION}"))
    answer = ask(server, "Why were the ferries cancelled?")
    assert answer.text == "Ferries were cancelled because of high winds [1]."


def test_http_500_is_retried_then_falls_back_without_leaking_the_key(server, caplog):
    server.push(Fail(500, "upstream broke, auth was {auth}"), Fail(500, "again {auth}"))
    with caplog.at_level(logging.DEBUG):
        answer = ask(server, attempts=2)
    assert len(server.requests) == 2
    assert answer.text == extractive().text
    assert "(HTTP 500)" in caplog.text
    assert KEY not in caplog.text and KEY not in answer.text


def test_http_500_then_success_answers_with_the_llm(server):
    server.push(Fail(500), Reply(GOOD))
    answer = ask(server, attempts=2)
    assert len(server.requests) == 2 and answer.text == CHECKED


def test_hang_past_the_timeout_falls_back_quickly(server, caplog):
    server.push(Hang(30))
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        answer = ask(server, timeout=0.5, attempts=3)
    elapsed = time.monotonic() - started
    assert elapsed < 3, elapsed
    assert len(server.requests) == 1  # a timeout is not retried
    assert answer.text == extractive().text
    assert "Timeout" in caplog.text and "answering extractively" in caplog.text


async def test_streamed_answer_over_the_wire(server):
    server.push(Reply(GOOD, chunk_delay=0.01))
    service = AnswerService(
        FakeSearcher(four_passages()), llm_answerer(server), today=lambda: date(2024, 5, 5)
    )
    items = [item async for item in astream_answer(service, QUESTION)]
    assert server.requests[0].body.get("stream") is True
    drafts = [i for i in items if isinstance(i, Draft)]
    assert len(drafts) >= 2 and drafts[-1].text == GOOD.replace(" [1]", "").replace(" [4]", "")
    final = items[-1]
    assert isinstance(final, Answer) and final.text == CHECKED


async def test_stream_that_hangs_falls_back_to_extractive(server):
    server.push(Hang(30))
    service = AnswerService(
        FakeSearcher(four_passages()),
        llm_answerer(server, timeout=0.5),
        today=lambda: date(2024, 5, 5),
    )
    items = [item async for item in astream_answer(service, QUESTION)]
    assert len(items) == 1 and items[0].citations == extractive().citations


def test_services_answer_with_the_llm_end_to_end(tmp_path, server):
    server.default = quote_first_passage
    services = make_services(
        tmp_path,
        today=date(2024, 10, 20),
        answerer="llm",
        llm_model="fake-model",
        llm_base_url=server.base_url,
        llm_api_key=KEY,
        llm_timeout=5,
    )
    try:
        services.library.index_paths([SAMPLES])
        answer = services.newsdesk.ask("Where did Hurricane Milton make landfall?")
        summary = services.newsdesk.summary("Hurricane Milton", days=30)
    finally:
        services.close()
    assert server.requests and not answer.refused
    assert answer.text.endswith("[1].") and len(answer.citations) == 1
    assert answer.citations[0].quote.rstrip(".") in answer.text
    # The LLM wrote the summary: one cited note (passage 1 of the first batch), no fallback.
    assert len(summary.items) == 1
    assert summary.items[0].citation.quote.startswith(summary.items[0].text)


async def test_newsdesk_stream_end_to_end(tmp_path, server):
    server.default = quote_first_passage
    services = make_services(
        tmp_path, answerer="llm", llm_model="fake-model", llm_base_url=server.base_url
    )
    try:
        services.library.index_paths([SAMPLES])
        items = [i async for i in services.newsdesk.stream("Who won Super Bowl LIX?")]
    finally:
        services.close()
    assert server.requests[-1].body.get("stream") is True
    assert isinstance(items[-1], Answer) and len(items[-1].citations) == 1
    assert [type(i) for i in items[:-1]] == [Draft] * (len(items) - 1)
