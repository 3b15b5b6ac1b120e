"""The default answerer: no LLM, no network. It answers with the retrieved sentences that
best answer the question, quoted verbatim and cited, or refuses when none does."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from bot.core.answer_types import AnswerType, candidates, expected_type
from bot.core.citations import make_citation
from bot.core.lexical import (
    article_texts,
    asked_stems,
    content_stems,
    coverage,
    idf_weights,
    name_groups,
    names_present,
    question_names,
)
from bot.core.models import Answer, Citation
from index.records import Passage
from index.text import sentence_spans
from index.timeparse import parse_time_window, strip_time_phrase

REFUSAL = (
    "I couldn't find this in the indexed articles{when}. Try different words, a wider "
    "time range, or ask an admin to add a source that covers it."
)

# "What happened last week?" names no topic to quote a sentence about.
NO_TOPIC = (
    "Which story do you mean? Ask about a topic (a name, a place, an event), or ask for a "
    "summary to get the main events of a period."
)


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a retrieved passage, with how well it answers the question."""

    passage: Passage
    article_rank: int
    start: int  # offsets in the article body
    end: int
    coverage: float
    answers_type: bool
    score: float
    holds_asked: bool = True  # holds a word of what is asked, not only the question's names

    @property
    def text(self) -> str:
        """The sentence, verbatim."""
        return self.passage.body_text(self.start, self.end)


@dataclass(frozen=True)
class ExtractiveSettings:
    """Weights and thresholds of the extractive answerer (tuned on the RealTime QA dev split).

    A sentence's score is its coverage of the question's words plus bonuses: it holds a
    phrase of the expected answer type (a name for "who", a number for "how many"), other
    articles agree on that phrase, it adds words the question lacks (an echo of the
    question answers nothing), it comes from a top-ranked article, it opens the article.
    """

    min_coverage: float = 0.2  # some sentence must hold this share of the question's words
    min_support: float = 0.4  # ...and a quoted article (title + passages) this share
    max_sentences: int = 3
    second_sentence_ratio: float = 0.5  # further sentences must score this close to the best
    extra_min_coverage: float = 0.3  # ...and, from another article, hold this share of words
    max_words: int = 80
    type_weight: float = 0.4
    agreement_weight: float = 0.1
    novelty_weight: float = 0.2
    rank_weight: float = 0.3
    lead_weight: float = 0.0
    # When the question asks for the present state ("How many are still without power?"),
    # a newer report's sentence is preferred. Not otherwise: the newest report of a story is
    # often about another side of it than the one asked about.
    now_weight: float = 0.5


class ExtractiveAnswerer:
    """Answers by quoting the best sentences of the retrieved passages."""

    def __init__(self, settings: ExtractiveSettings | None = None) -> None:
        self.settings = settings or ExtractiveSettings()

    def answer(self, question: str, passages: list[Passage], when: str = "") -> Answer:
        """An answer quoting the best sentences, or a refusal (``when`` is e.g. ' as of …')."""
        now = asks_for_now(question)  # before "the latest" or "today" is taken out
        question = without_time_phrase(question)
        if not content_stems(question):
            return Answer(text=NO_TOPIC, refused=True)
        ranked = self._on_supported_articles(
            question, self.rank_sentences(question, passages, now=now)
        )
        if not ranked:
            return Answer(text=REFUSAL.format(when=when), refused=True)
        chosen = self._choose(ranked)
        citations = [
            make_citation(n, s.passage, s.start, s.end) for n, s in enumerate(chosen, start=1)
        ]
        return Answer(text=compose_text(citations), citations=citations)

    def rank_sentences(
        self, question: str, passages: list[Passage], now: bool | None = None
    ) -> list[ScoredSentence]:
        """All sentences of ``passages``, best answer first; ``now``: the question asks for
        the present state (found in ``question`` when None)."""
        q_stems = content_stems(question)
        if not q_stems:
            return []
        answer_type = expected_type(question)
        article_ranks = _article_ranks(passages)
        units = _sentences(passages)
        stems = [set(content_stems(text)) for _, _, _, text in units]
        idf = idf_weights(stems)
        unseen = math.log((len(units) + 1) / 0.5)
        for s in q_stems:
            idf.setdefault(s, unseen)
        agreement = _agreement(units, answer_type, question)
        newest = _newest_days(passages)
        question_set = set(q_stems)
        asked = asked_stems(question)
        w = self.settings
        now = asks_for_now(question) if now is None else now
        newest_weight = w.now_weight * now
        scored = []
        for (passage, start, end, text), sentence_stems in zip(units, stems, strict=True):
            cover = coverage(q_stems, sentence_stems, idf)
            found = candidates(text, answer_type, question)
            rank = article_ranks[passage.article_id]
            words = len(text.split())
            novelty = len(sentence_stems - question_set) / max(1, len(sentence_stems))
            score = (
                cover
                + w.type_weight * bool(found)
                + w.agreement_weight * max((agreement[c.lower()] for c in found), default=0) / 3
                + w.novelty_weight * novelty
                + w.rank_weight / (1 + rank)
                + w.lead_weight * (start < 300)
                + newest_weight * newest[passage.article_id]
                - 0.2 * (words > w.max_words or words < 4)
            )
            holds_asked = not asked or bool(asked & sentence_stems)
            scored.append(
                ScoredSentence(passage, rank, start, end, cover, bool(found), score, holds_asked)
            )
        scored.sort(key=lambda s: (-s.score, s.article_rank, s.start))
        return scored

    def _on_supported_articles(
        self, question: str, ranked: list[ScoredSentence]
    ) -> list[ScoredSentence]:
        """The ranked sentences whose article really is about the question; [] to refuse.

        Some sentence must hold enough of the question's words, and a quoted article must
        name the question's names and years (see ``names_present``) and hold enough of its
        words in its title and passages; otherwise the bot refuses rather than quote
        something that merely shares a word ("capital" of Mongolia vs. a bank's capital,
        "damage" of a storm vs. a fire's).
        """
        if not ranked or max(s.coverage for s in ranked) < self.settings.min_coverage:
            return []
        passages = list({s.passage.chunk_id: s.passage for s in ranked}.values())
        q_stems = content_stems(question)
        groups = name_groups(question)
        idf = idf_weights([set(content_stems(p.text)) for p in passages])
        texts = article_texts(passages)
        asked = asked_stems(question)
        supported = set()
        for article_id, parts in texts.items():
            stems = set(content_stems(" ".join(parts)))
            # "Who is the president of France?" is not answered by a report that names France
            # only in passing ("the Stade de France"): some word of what is asked must be
            # there too, unless the report is about the names (its title names them).
            on_topic = (
                not asked
                or asked & stems
                or (groups and names_present(groups, set(content_stems(parts[0]))))
            )
            if (
                on_topic
                and names_present(groups, stems)
                and coverage(q_stems, stems, idf) >= self.settings.min_support
            ):
                supported.add(article_id)
        return [s for s in ranked if s.passage.article_id in supported]

    def _choose(self, ranked: list[ScoredSentence]) -> list[ScoredSentence]:
        best = ranked[0]
        chosen = [best]
        for cand in ranked[1:]:
            if len(chosen) >= self.settings.max_sentences:
                break
            if cand.score < best.score * self.settings.second_sentence_ratio:
                break
            if any(_same_text(cand, c) for c in chosen):
                continue
            # A sentence from another article must address the question on its own (not
            # only share its names: "the Norland shipbuilder" for "who won the Norland
            # election?"), and be about the same story ("Who won?" must not mix an election
            # with a final).
            other = cand.passage.article_id != best.passage.article_id
            if other and (
                cand.coverage < self.settings.extra_min_coverage
                or not cand.holds_asked
                or not _same_story(cand, best)
            ):
                continue
            chosen.append(cand)
        return chosen


def _same_story(sentence: ScoredSentence, best: ScoredSentence) -> bool:
    """True when ``sentence`` shares a name with the best sentence or its article's title."""
    names = set(question_names(best.text)) | set(question_names(best.passage.title))
    return bool(names & set(question_names(sentence.text)))


def without_time_phrase(question: str) -> str:
    """The question without its time phrase: retrieval has already applied the window, and
    "last" or "2025" in "what happened last week in 2025?" name no topic a sentence should
    share (nor a name the sources must contain)."""
    # Today as the reference only decides whether a phrase lies in the future; the phrase
    # found is the same for any as-of day before it.
    window = parse_time_window(question, date.today())
    return strip_time_phrase(question, window) if window else question


def compose_text(citations: list[Citation]) -> str:
    """The answer text: each quoted sentence followed by its ``[n]`` marker."""
    return " ".join(f"{' '.join(c.quote.split())} [{c.n}]" for c in citations)


def _sentences(passages: list[Passage]) -> list[tuple[Passage, int, int, str]]:
    """(passage, start, end, text) for every sentence, offsets in the article body."""
    units = []
    seen: set[tuple[str, int]] = set()
    for passage in passages:
        for start, end in sentence_spans(passage.text):
            key = (passage.article_id, passage.start_char + start)
            if key in seen:
                continue
            seen.add(key)
            units.append(
                (
                    passage,
                    passage.start_char + start,
                    passage.start_char + end,
                    passage.text[start:end],
                )
            )
    return units


_NOW = re.compile(
    r"\b(now|current|currently|still|latest|so far|yet|anymore|today|tonight)\b", re.I
)


def asks_for_now(question: str) -> bool:
    """True when the question asks for the present state of a story ("still", "now")."""
    return bool(_NOW.search(question))


def _newest_days(passages: list[Passage]) -> dict[str, float]:
    """1.0 for the articles of the newest day among ``passages``, halving per day older."""
    if not passages:
        return {}
    newest = max(p.published for p in passages)
    return {p.article_id: 0.5 ** max(0, (newest - p.published).days) for p in passages}


def _article_ranks(passages: list[Passage]) -> dict[str, int]:
    ranks: dict[str, int] = {}
    for passage in passages:
        ranks.setdefault(passage.article_id, len(ranks))
    return ranks


def _agreement(units, answer_type: AnswerType, question: str) -> Counter:
    """How many distinct articles mention each candidate answer (agreement across sources)."""
    seen: dict[str, set[str]] = {}
    for passage, _, _, text in units:
        for cand in candidates(text, answer_type, question):
            seen.setdefault(cand.lower(), set()).add(passage.article_id)
    return Counter({cand: len(ids) for cand, ids in seen.items()})


def _same_text(a: ScoredSentence, b: ScoredSentence) -> bool:
    """True for the same sentence, or a near copy (e.g. a wire story in two outlets)."""
    return near_copy(a.text, b.text, 0.8)


def near_copy(a: str, b: str, share: float) -> bool:
    """True when ``share`` of the shorter text's words are in the other text."""
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) >= share * max(1, min(len(wa), len(wb)))
