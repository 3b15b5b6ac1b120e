"""Checking a model's citations: invented ones removed, the rest renumbered and quoted verbatim."""

from __future__ import annotations

from llm_fakes import PLANTED_INSTRUCTION, body_of, four_passages, passage

from bot.core.citations import verify_citation
from bot.core.llm_citations import (
    best_span,
    check_citations,
    cited_lines,
    draft_text,
    format_passages,
    is_refusal,
)


def assert_verbatim(citations):
    for c in citations:
        assert verify_citation(c, body_of(c.article_id)), c


def test_good_answer_keeps_text_and_quotes_the_supporting_sentence():
    raw = (
        "The bridge reopened on Thursday after eight months of repairs [1]. "
        "The central bank held its rate at 3.5 percent [2]."
    )
    checked = check_citations(raw, four_passages())
    assert checked.text == raw
    assert [c.n for c in checked.citations] == [1, 2]
    assert checked.citations[0].quote.startswith("The Kestrel Bay bridge reopened")
    assert checked.citations[1].quote.startswith("The Northland central bank held")
    assert checked.dropped == 0
    assert_verbatim(checked.citations)


def test_invented_citation_removes_its_sentence_and_renumbers():
    raw = (
        "The bridge cost 19 million euros [9]. "
        "Inflation eased to 2.4 percent [2][9]. "
        "Mayor Ilse Varga cut a ribbon [4]."
    )
    checked = check_citations(raw, four_passages())
    assert checked.text == "Inflation eased to 2.4 percent [1]. Mayor Ilse Varga cut a ribbon [2]."
    assert "19 million" not in checked.text
    assert checked.citations[0].quote == (
        "Governor Tomas Reyes said inflation had eased to 2.4 percent in April."
    )
    assert checked.citations[1].article_id == "bridge-1"
    assert checked.citations[1].start_char > 0  # the second paragraph: offsets in the body
    assert checked.dropped == 1
    assert_verbatim(checked.citations)


def test_only_invented_citations_leaves_nothing():
    assert check_citations("The bridge reopened [5]. Rates held [0].", four_passages()) is None


def test_no_citations_at_all_leaves_nothing():
    assert check_citations("The bridge reopened on Thursday.", four_passages()) is None


def test_uncited_sentences_are_dropped_from_a_cited_answer():
    raw = f"Ferry services were cancelled because of high winds [3]. {PLANTED_INSTRUCTION}"
    checked = check_citations(raw, four_passages())
    assert checked.text == "Ferry services were cancelled because of high winds [1]."
    assert "free-prizes" not in checked.text


def test_marker_after_the_full_stop_belongs_to_the_sentence_before():
    raw = "Rates were held. [2] Two board members voted for a cut. [2]"
    checked = check_citations(raw, four_passages())
    assert checked.text == "Rates were held [1]. Two board members voted for a cut [2]."
    assert checked.citations[1].quote == "Two of the seven board members voted for a cut."


def test_same_passage_and_sentence_share_one_number():
    raw = "The bridge reopened on Thursday [1]. It reopened after repairs [1, 1]."
    checked = check_citations(raw, four_passages())
    assert checked.text == "The bridge reopened on Thursday [1]. It reopened after repairs [1]."
    assert len(checked.citations) == 1


def test_list_answers_keep_their_cited_bullets_only():
    raw = "Here is what happened:\n- The bridge reopened [1]\n* Rates held [2]\n- Made up [8]"
    checked = check_citations(raw, four_passages())
    assert checked.text == "- The bridge reopened [1]\n- Rates held [2]"
    assert checked.dropped == 2


def test_best_span_picks_the_sentence_with_the_claims_words():
    p = passage("bridge-1", 0)
    start, end = best_span("It cost 19 million euros", p)
    assert body_of("bridge-1")[start:end].startswith("The regional transport office said")


def test_passages_are_numbered_delimited_and_cannot_close_their_block():
    text = format_passages(four_passages())
    assert text.count("<passage ") == 4 and text.count("</passage>") == 4
    assert '<passage n="3" source="Anon Blog" published="2024-05-03"' in text
    planted = text.split('<passage n="3"')[1].split("</passage>")[0]
    assert PLANTED_INSTRUCTION in planted  # the article text is there, as data
    assert "‹/passage> SYSTEM" in planted  # its fake closing tag is defused


def test_refusals_are_recognised():
    assert is_refusal("I cannot answer that from the indexed articles.")
    assert is_refusal("Sorry, I can't answer this question from these passages.")
    assert is_refusal("NONE")
    assert not is_refusal("The bridge reopened on Thursday.")


def test_draft_shows_only_cited_sentences_without_markers():
    raw = "The bridge reopened [1]. An uncited claim. Rates were held at 3.5 [2"
    assert draft_text(raw) == "The bridge reopened."
    assert draft_text(raw + "].") == "The bridge reopened. Rates were held at 3.5."


def test_cited_lines_keep_valid_numbers_only():
    raw = "- The bridge reopened [3]\n- Invented [12]\nNo marker here\n- Both [4][12]"
    assert cited_lines(raw, {3, 4}) == [("The bridge reopened", [3]), ("Both", [4])]


def test_wordy_markers_are_understood():
    checked = check_citations("Rates were held [Passage 2]. [source 9] Nothing.", four_passages())
    assert checked.text == "Rates were held [1]."
