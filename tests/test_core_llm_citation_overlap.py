"""A model's citation holds only when the quoted sentence shares the claim's words; appended
source lists are not claims. Unsupported answers fall back to the extractive answer."""

from __future__ import annotations

import logging

import pytest
from fake_openai import FakeOpenAI, Reply
from llm_fakes import PROMPTS, RecordingAnswerer, body_of, four_passages, scripted_client
from pydantic import SecretStr

from bot.core.citations import verify_citation
from bot.core.extractive import ExtractiveAnswerer
from bot.core.llm import LLM, LLMConfig, RetryPolicy
from bot.core.llm_chain import LLMAnswerer
from bot.core.llm_citations import check_citations, supports

BRIDGE_CLAIM = "The bridge reopened on Thursday after eight months of repairs"
RATES_CLAIM = "The central bank held its rate at 3.5 percent"
# Passages: [1] bridge, [2] rates, [3] ferries, [4] the bridge's ribbon cutting.
SWAPPED = f"{BRIDGE_CLAIM} [2]. {RATES_CLAIM} [1]."


def test_citations_pointing_at_unrelated_passages_leave_nothing():
    assert check_citations(SWAPPED, four_passages()) is None


def test_an_unsupported_claim_is_removed_like_an_invented_one():
    raw = f"{BRIDGE_CLAIM} [1]. Ferry services were cancelled [2]. {RATES_CLAIM} [2]."
    checked = check_citations(raw, four_passages())
    assert checked.text == f"{BRIDGE_CLAIM} [1]. {RATES_CLAIM} [2]."
    assert [c.article_id for c in checked.citations] == ["bridge-1", "rates-1"]
    assert checked.dropped == 1
    assert all(verify_citation(c, body_of(c.article_id)) for c in checked.citations)


def test_only_the_supporting_marker_of_a_claim_is_kept():
    checked = check_citations(f"{RATES_CLAIM} [3][2].", four_passages())
    assert checked.text == f"{RATES_CLAIM} [1]."
    assert [c.article_id for c in checked.citations] == ["rates-1"]


def test_a_claim_drawn_from_two_passages_keeps_both():
    raw = "The bridge reopened on Thursday and the central bank held its rate [1][2]."
    checked = check_citations(raw, four_passages())
    assert checked.text == raw
    assert [c.article_id for c in checked.citations] == ["bridge-1", "rates-1"]


@pytest.mark.parametrize(
    ("claim", "quote", "backed"),
    [
        # One shared topic word does not make a sentence back the claim.
        (
            "Milton made landfall",
            "Power was cut after Milton.",
            False,
        ),
        ("Power was cut", "Hurricane Milton made landfall near Siesta Key.", False),
        ("Ten people died", "Ten people died.", True),
        # Paraphrases pass; "rates" and "rate" are the same word.
        ("Rates stayed at 3.5 percent", "The bank held its rate at 3.5 percent.", True),
        ("The mayor thanked residents", "She thanked residents for their patience.", True),
        # A claim with a single content word needs that word.
        ("It was Category 3", "It was a Category 3 storm.", True),
        ("Yes.", "It was a Category 3 storm.", False),
    ],
)
def test_supports_needs_enough_shared_content_words(claim, quote, backed):
    assert supports(claim, quote) is backed


def test_a_sources_list_after_the_answer_is_dropped():
    raw = f"- {BRIDGE_CLAIM} [1]\n- {RATES_CLAIM} [2]\n\nSources:\n[1] Kestrel\n[2] Northland"
    checked = check_citations(raw, four_passages())
    assert checked.text == f"- {BRIDGE_CLAIM} [1]\n- {RATES_CLAIM} [2]"
    for heading in ("**Sources:**", "### References", "Sources: [1], [2]", "Sources used:"):
        checked = check_citations(f"{BRIDGE_CLAIM} [1].\n{heading}\n- Title [2]", four_passages())
        assert checked.text == f"{BRIDGE_CLAIM} [1].", heading


def test_marker_and_title_lines_are_dropped_without_a_heading():
    raw = (
        f"{BRIDGE_CLAIM} [1].\n"
        "[1] Kestrel Bay bridge reopens\n"
        "[2] Northland holds rates (Market Ledger, May 3, 2024) https://news.example/rates-1\n"
        "[4]"
    )
    checked = check_citations(raw, four_passages())
    assert checked.text == f"{BRIDGE_CLAIM} [1]."
    assert checked.dropped == 3
    # Only the title: with the overlap check alone, "[1] Milton" would pass.
    assert check_citations("[1] Kestrel Bay bridge reopens", four_passages()) is None


def test_claims_that_look_like_lists_are_kept():
    checked = check_citations(f"[1] {BRIDGE_CLAIM}.", four_passages())
    assert checked.text == f"[1] {BRIDGE_CLAIM}."
    checked = check_citations(f"Sources said {BRIDGE_CLAIM.lower()} [1].", four_passages())
    assert checked.citations and checked.text.startswith("Sources said")


def test_the_llm_answerer_falls_back_when_no_citation_holds(caplog):
    fallback = RecordingAnswerer()
    llm = LLMAnswerer(scripted_client(SWAPPED), fallback, PROMPTS)
    with caplog.at_level(logging.WARNING):
        answer = llm.answer("What happened?", four_passages())
    assert answer.text == "extractive fallback" and len(fallback.calls) == 1
    assert llm.outcomes == {"uncited": 1}
    assert "no valid citation" in caplog.text


def test_a_model_only_listing_sources_falls_back():
    fallback = RecordingAnswerer()
    llm = LLMAnswerer(
        scripted_client("Sources:\n[1] Kestrel Bay bridge reopens"), fallback, PROMPTS
    )
    assert llm.answer("What happened?", four_passages()).text == "extractive fallback"


def test_swapped_citations_over_the_wire_fall_back_to_extractive():
    with FakeOpenAI() as server:
        server.push(Reply(SWAPPED))
        config = LLMConfig(
            provider="openai",
            model="fake-model",
            base_url=server.base_url,
            api_key=SecretStr("sk-fake-key-0123456789"),
            timeout=5.0,
            retry=RetryPolicy(attempts=1, base_delay=0.01),
        )
        answerer = LLM.from_config(config).answerer(ExtractiveAnswerer())
        answer = answerer.answer("When did the bridge reopen?", four_passages(), when="")
    expected = ExtractiveAnswerer().answer("When did the bridge reopen?", four_passages(), when="")
    assert answer.text == expected.text and answer.citations == expected.citations
    assert "[2]. The central bank" not in answer.text


def test_a_claim_that_starts_with_sources_is_a_claim_not_a_source_list():
    reply = "Sources: the Kestrel Bay bridge reopened after eight months of repairs [1]."
    checked = check_citations(reply, four_passages())
    assert checked is not None and "bridge reopened" in checked.text
