"""The activity store: answers, threads, feedback and the figures /stats shows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.activity import ActivityStore, percentile
from bot.core.models import Answer, Citation

GUILD, OTHER_GUILD = 10, 20


class Clock:
    """A settable clock (epoch seconds)."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def citation(n: int) -> Citation:
    return Citation(
        n,
        f"art-{n}",
        f"Title {n}",
        f"https://news.example/{n}",
        "Desk",
        "2024-10-09",
        f"Quoted passage {n}.",
        10,
        28,
        0.5,
    )


def answer(refused: bool = False) -> Answer:
    if refused:
        return Answer(text="I couldn't find this.", refused=True)
    return Answer(text="It happened [1] and then [2].", citations=[citation(1), citation(2)])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ActivityStore]:
    opened = ActivityStore.in_data_dir(tmp_path / "data")
    yield opened
    opened.close()


def test_an_answer_is_stored_with_its_question_citations_and_latency(tmp_path: Path) -> None:
    clock = Clock()
    store = ActivityStore(tmp_path / "a.sqlite3", clock=clock)
    big_id = 1_234_567_890_123_456_789  # Discord ids are 64-bit

    n = store.record_answer(
        "ask", "Who won?", answer(), latency_s=0.25, guild_id=big_id, user_id=7, channel_id=8
    )
    record = store.get(n)

    assert (record.kind, record.question, record.standalone) == ("ask", "Who won?", "Who won?")
    assert record.answer == "It happened [1] and then [2]." and not record.refused
    assert record.citations == [citation(1), citation(2)]
    assert (record.guild_id, record.user_id, record.channel_id, record.thread_id) == (
        big_id,
        7,
        8,
        None,
    )
    assert record.latency_ms == 250.0 and record.at.timestamp() == clock.now
    assert store.get(n + 1) is None
    store.close()


def test_records_survive_reopening_the_store(tmp_path: Path) -> None:
    first = ActivityStore.in_data_dir(tmp_path)
    n = first.record_answer("mention", "Q?", answer(), latency_s=0.1)
    first.vote(n, 5, 1)
    first.close()

    again = ActivityStore.in_data_dir(tmp_path)
    assert again.get(n).question == "Q?"
    assert [f.vote for f in again.feedback()] == [1]
    assert (tmp_path / "activity.sqlite3").exists()
    again.close()


def test_a_thread_remembers_its_standalone_questions_in_order(store: ActivityStore) -> None:
    opener = store.record_answer("ask", "Where did Milton land?", answer(), latency_s=0.1)
    store.attach_thread(opener, 555)
    store.record_answer(
        "followup",
        "why?",
        answer(),
        latency_s=0.1,
        standalone="Why did Milton land?",
        thread_id=555,
    )
    store.record_answer("summary", "Milton", answer(), latency_s=0.1, thread_id=555)
    store.record_answer("ask", "Elsewhere?", answer(), latency_s=0.1, thread_id=556)

    assert store.thread_questions(555) == ["Where did Milton land?", "Why did Milton land?"]
    assert store.thread_questions(555, limit=1) == ["Why did Milton land?"]
    assert store.knows_thread(555) and not store.knows_thread(999)
    assert store.thread_questions(999) == []


def test_votes_are_one_per_user_and_can_change(store: ActivityStore) -> None:
    ids = [store.record_answer("ask", f"Q{i}?", answer(), latency_s=0.1) for i in range(2)]
    first, second = ids

    assert store.vote(first, 1, 1) and store.vote(first, 2, -1)
    assert store.vote(first, 1, -1)  # changed their mind
    assert store.vote(second, 1, 1)
    assert not store.vote(999, 1, 1)  # unknown answer: nothing stored
    with pytest.raises(ValueError, match="vote"):
        store.vote(first, 1, 0)

    votes = [(f.answer.id, f.user_id, f.vote) for f in store.feedback()]
    assert sorted(votes) == [(first, 1, -1), (first, 2, -1), (second, 1, 1)]
    judged = next(f for f in store.feedback() if f.answer.id == first)
    assert judged.answer.question == "Q0?" and judged.answer.citations == [citation(1), citation(2)]


def test_stats_count_questions_refusals_summaries_votes_and_latency(store: ActivityStore) -> None:
    for i, ms in enumerate([100, 200, 300, 400]):
        n = store.record_answer("ask", f"Q{i}?", answer(), latency_s=ms / 1000, guild_id=GUILD)
    store.vote(n, 1, 1)
    refused = store.record_answer(
        "followup", "Nope?", answer(refused=True), latency_s=1.0, guild_id=GUILD
    )
    store.vote(refused, 1, -1)
    store.vote(refused, 2, -1)
    store.record_answer("timeline", "Milton", answer(), latency_s=5.0, guild_id=GUILD)
    store.record_answer("mention", "Other?", answer(), latency_s=9.0, guild_id=OTHER_GUILD)

    stats = store.stats(GUILD)
    assert (stats.questions, stats.refusals, stats.summaries) == (4, 1, 1)
    assert (stats.thumbs_up, stats.thumbs_down) == (1, 2)
    assert stats.latency_p50_ms == 300.0  # 100, 200, 300, 400, 1000
    assert stats.latency_p95_ms == pytest.approx(880.0)
    everything = store.stats()
    assert (everything.questions, everything.refusals) == (5, 1)


def test_stats_of_an_empty_store() -> None:
    stats = ActivityStore().stats()
    assert (stats.questions, stats.thumbs_up, stats.latency_p50_ms) == (0, 0, None)


def test_percentile_interpolates() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 100) == 4.0


def test_the_store_can_be_used_from_worker_threads(store: ActivityStore) -> None:
    def work(i: int) -> None:
        n = store.record_answer("ask", f"Q{i}?", answer(), latency_s=0.01)
        store.vote(n, i, 1)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert store.stats().questions == 20 and store.stats().thumbs_up == 20
