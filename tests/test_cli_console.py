"""The terminal console offers what Discord offers: ask, summary, timeline, sources, stats."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from rich.console import Console as RichConsole
from support import make_services

from bot.console import HELP, Console
from bot.core.activity import ActivityStore
from bot.core.errors import UserError
from bot.core.models import Answer
from bot.services import Services


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    built = make_services(tmp_path_factory.mktemp("console"), today=date(2025, 2, 20))
    built.library.reindex()
    yield built
    built.close()


def run(services: Services, *lines: str) -> str:
    """What the console prints for ``lines``."""
    buffer = io.StringIO()
    console = Console(services, out=RichConsole(file=buffer, width=200, color_system=None))
    for line in lines:
        assert console.handle(line)
    return buffer.getvalue()


def test_help_lists_every_command() -> None:
    for command in ("ask", "summary", "timeline", "sources", "stats"):
        assert re.search(rf"^  {command}\b", HELP, re.MULTILINE), command


def test_timeline_takes_optional_dates(services: Services) -> None:
    out = run(services, "timeline Hurricane Milton 2024-10-08 2024-10-31")
    assert "Timeline: Hurricane Milton" in out
    days = re.findall(r"^• (\d{4}-\d{2}-\d{2}) — ", out, re.MULTILINE)
    assert days and days == sorted(days) and days[0] >= "2024-10-08"
    reversed_dates = run(services, "timeline Milton 2024-10-31 2024-10-01")
    assert "after the end date" in reversed_dates


def test_stats_show_the_activity_and_the_library(services: Services) -> None:
    answer = Answer(text="It made landfall [1].", refused=False)
    services.activity.record_answer("ask", "Where?", answer, latency_s=0.4)

    out = run(services, "stats")

    assert "questions answered: 1 · refused: 0" in out
    assert "answer time: p50 0.40 s · p95 0.40 s" in out
    assert "index: 21 articles" in out
    assert re.search(r"last re-index: \d{4}-\d{2}-\d{2}T", out)


def test_a_trailing_year_is_part_of_the_topic_and_days_are_bounded(services: Services) -> None:
    out = run(services, "summary Super Bowl 2025")
    assert "Super Bowl 2025" in out
    assert "between 1 and 3650 days" in run(services, "summary Milton 0")


def test_an_unexpected_failure_is_reported_and_the_console_goes_on(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(services.newsdesk, "ask", broken)
    out = run(services, "what happened?", "help")
    assert "Sorry, that failed (OverflowError); see the log." in out
    assert "Commands:" in out


def test_an_acknowledgement_is_not_looked_up(services: Services) -> None:
    assert run(services, "thanks!").strip() == "Ask about a news story, or type help."


class RecordingNewsdesk:
    """Stands in for services.newsdesk: records what each method was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def ask(self, question: str, **kwargs) -> Answer:
        self.calls.append(("ask", question))
        return Answer(text="recorded", refused=False)

    def summary(self, topic: str, days: int | None = None, **kwargs):
        self.calls.append(("summary", topic))
        self.days = days
        raise UserError("recorded summary")

    def timeline(self, topic: str, **kwargs):
        self.calls.append(("timeline", topic))
        raise UserError("recorded timeline")


@pytest.fixture
def recording(services: Services, monkeypatch: pytest.MonkeyPatch) -> RecordingNewsdesk:
    fake = RecordingNewsdesk()
    monkeypatch.setattr(services, "newsdesk", fake)
    monkeypatch.setattr(services, "activity", ActivityStore())  # the module's stays as it was
    monkeypatch.setattr(
        services.library, "reindex", lambda *a: pytest.fail("a question started a re-index")
    )
    return fake


@pytest.mark.parametrize(
    "question",
    [
        "Exit polls in the UK election: how many seats did Labour win?",
        "exit polls",
        "Quit smoking campaigns: what did the WHO say?",
        "Q and A with the Fed chair",
        "Help me understand the Fed decision",
        "Stats on unemployment in July?",
        "Sources say the Fed will cut rates. Did it?",
        "Reindex the question: who won the Super Bowl?",
        "Summary judgment in the Trump case: what did the judge rule?",
        "Timeline of Hurricane Milton?",
    ],
)
def test_a_question_starting_with_a_command_word_is_asked(
    services: Services, recording: RecordingNewsdesk, question: str
) -> None:
    buffer = io.StringIO()
    console = Console(services, out=RichConsole(file=buffer, width=200, color_system=None))

    assert console.handle(question), "the console quit"
    assert recording.calls == [("ask", question)]
    assert "Commands:" not in buffer.getvalue()


@pytest.mark.parametrize("line", ["quit", "exit", "q", "  Quit  ", "EXIT"])
def test_a_quit_command_alone_ends_the_console(services: Services, line: str) -> None:
    assert not Console(services, out=RichConsole(file=io.StringIO())).handle(line)


def test_commands_alone_or_with_arguments_still_work(
    services: Services, recording: RecordingNewsdesk
) -> None:
    out = run(services, "help", "Stats", "summary Milton 14", "timeline Milton", "ask who won?")
    assert "Commands:" in out and "questions answered:" in out
    assert recording.calls == [("summary", "Milton"), ("timeline", "Milton"), ("ask", "who won?")]
    assert "only when typed alone" in HELP and "ending in ? is always a question" in HELP


def test_console_questions_summaries_and_timelines_count_in_stats(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    activity = ActivityStore()
    monkeypatch.setattr(services, "activity", activity)

    out = run(services, "who intercepted the bombers near Alaska?", "summary Milton 365")
    run(services, "timeline Milton", "thanks!", "help")

    counted = activity.stats()
    assert counted.questions + counted.refusals == 1
    assert counted.summaries == 2 and counted.latency_p50_ms is not None
    assert "Summary: Milton" in out
    assert "summaries and timelines: 2" in run(services, "stats")


@pytest.mark.parametrize(
    ("line", "topic", "days"),
    [
        ("summary Milton 1000", "Milton", 1000),
        ("summary Milton 3650", "Milton", 3650),
        ("summary Milton 5000", "Milton", 5000),  # out of range: told so, not a topic
        ("summary Super Bowl 2025", "Super Bowl 2025", None),
        ("summary election 1999", "election 1999", None),
        ("summary 2024", "2024", None),
    ],
)
def test_a_trailing_number_is_days_unless_it_is_a_year(
    services: Services, recording: RecordingNewsdesk, line: str, topic: str, days: int | None
) -> None:
    run(services, line)
    assert recording.calls == [("summary", topic)] and recording.days == days


def test_days_beyond_the_limit_are_refused_with_the_limit(services: Services) -> None:
    assert "between 1 and 3650 days" in run(services, "summary Milton 5000")
    assert "(1-3650," in HELP


def test_ctrl_c_cancels_the_running_command_and_the_console_goes_on(
    services: Services, recording: RecordingNewsdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(question: str, **kwargs) -> Answer:
        recording.calls.append(("ask", question))
        raise KeyboardInterrupt

    monkeypatch.setattr(recording, "ask", interrupted)
    lines = iter(["who won the long election?", "who won?", "help"])

    def read(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    buffer = io.StringIO()
    Console(services, read=read, out=RichConsole(file=buffer, width=200)).run()

    assert recording.calls == [("ask", "who won the long election?"), ("ask", "who won?")]
    assert buffer.getvalue().count("Cancelled.") == 2
    assert "Commands:" in buffer.getvalue()


def test_ctrl_c_at_the_prompt_leaves(services: Services) -> None:
    def read(prompt: str) -> str:
        raise KeyboardInterrupt

    Console(services, read=read, out=RichConsole(file=io.StringIO())).run()  # returns
