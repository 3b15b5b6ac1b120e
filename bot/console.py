"""The terminal console: the bot's commands without Discord (``newsdesk chat``)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import date

from rich.console import Console as RichConsole
from rich.markup import escape

from bot.core.chitchat import is_chitchat
from bot.core.days import parse_day
from bot.core.errors import UserError
from bot.core.models import Summary
from bot.core.summary import MAX_DAYS
from bot.settings import SettingsError
from bot.terminal import answer_markup, report_markup, stats_markup, summary_markup

log = logging.getLogger(__name__)

NOT_A_QUESTION = "Ask about a news story, or type help."

HELP = f"""Commands:
  ask QUESTION            answer a question with cited passages (or just type the question)
  summary TOPIC [DAYS]    the main events about a topic in the last DAYS days (1-{MAX_DAYS},
                          default 7); a year at the end (1900-2099) is part of the topic
  timeline TOPIC [SINCE [UNTIL]]
                          dated events about a topic, oldest first (dates as YYYY-MM-DD)
  sources                 what the bot knows
  stats                   questions answered, refusals, feedback, answer times (as /stats;
                          counts the console's questions and every server's)
  reindex                 re-index every source (unchanged articles cost nothing)
  asof [YYYY-MM-DD]       answer as on that day (no date: back to today)
  help                    this list
  quit                    leave (also exit, q, Ctrl-D; Ctrl-C cancels a running command)

sources, stats, reindex, help and quit act only when typed alone: "Stats on jobs?" or
"Exit polls in Ohio" is a question. A line ending in ? is always a question, so
"summary of the election?" is asked, not summarised."""

# Commands that take no argument: a line starting with one of these words and going on
# ("Exit polls in…", "Help me understand…") is a question, not the command.
BARE_COMMANDS = frozenset({"help", "sources", "stats", "reindex", "quit", "exit", "q"})
# Commands that take an argument; summary and timeline yield to a question mark, since
# "Summary judgment in…?" or "Timeline of…?" reads as a question.
ARGUMENT_COMMANDS = frozenset({"ask", "summary", "timeline", "asof"})
QUIT = frozenset({"quit", "exit", "q"})


def parse_line(line: str) -> tuple[str | None, str]:
    """The command a console line names and its argument; (None, line) for a question."""
    line = line.strip()
    word, rest = (line.split(maxsplit=1) + ["", ""])[:2]
    word, rest = word.lower(), rest.strip()
    if word in BARE_COMMANDS:
        return (word, "") if not rest else (None, line)
    if word in ARGUMENT_COMMANDS and not (word in {"summary", "timeline"} and line.endswith("?")):
        return word, rest
    return None, line


class Console:
    """A read-eval-print loop over the same core services the Discord bot uses."""

    def __init__(
        self,
        services,
        read: Callable[[str], str] = input,
        out: RichConsole | None = None,
    ) -> None:
        self.services = services
        self.read = read
        self.out = out or RichConsole(highlight=False, soft_wrap=True)
        self.as_of: date | None = None

    def run(self) -> None:
        """Loop until ``quit``, end of input or Ctrl-C at the prompt (Ctrl-C while a
        command runs cancels that command only)."""
        stats = self.services.library.stats()
        self.out.print(
            f"Newsdesk console — {stats_markup(stats).splitlines()[0]}. Type a question, or 'help'."
        )
        while True:
            try:
                line = self.read("newsdesk> ").strip()
            except (EOFError, KeyboardInterrupt):
                self.out.print()
                return
            if not line:
                continue
            try:
                if not self.handle(line):
                    return
            except KeyboardInterrupt:
                # A re-index stopped part-way is safe: the next run recovers and goes on.
                self.out.print("[yellow]Cancelled.[/yellow]")

    def handle(self, line: str) -> bool:
        """Run one command line; False when the user asked to quit."""
        command, rest = parse_line(line)
        if command in QUIT:
            return False
        handlers = {
            "help": lambda _: self.out.print(HELP),
            "ask": self._ask,
            "summary": self._summary,
            "timeline": self._timeline,
            "sources": lambda _: self.out.print(stats_markup(self.services.library.stats())),
            "stats": lambda _: self.out.print(self._stats_text()),
            "reindex": lambda _: self.out.print(report_markup(self.services.library.reindex())),
            "asof": self._set_as_of,
        }
        handler = handlers.get(command) if command else None
        try:
            if handler is None and is_chitchat(line):  # "thanks", "ok": nothing to look up
                self.out.print(NOT_A_QUESTION)
            elif handler is None:
                self._ask(line)  # a bare question
            else:
                handler(rest)
        except (UserError, SettingsError) as exc:  # SettingsError: e.g. Chroma server gone
            self.out.print(f"[red]{escape(exc.message)}[/red]")
        except Exception as exc:  # one failed command must not end the console
            log.exception("console command failed: %s", command)
            self.out.print(f"[red]Sorry, that failed ({type(exc).__name__}); see the log.[/red]")
        return True

    def _ask(self, question: str) -> None:
        started = time.perf_counter()
        answer = self.services.newsdesk.ask(question, as_of=self.as_of)
        self.out.print(answer_markup(answer))
        # Counted in `stats`, as Discord's answers are in /stats (no server: the console's own).
        self.services.activity.record_answer(
            "ask", question, answer, latency_s=time.perf_counter() - started
        )

    def _summary(self, rest: str) -> None:
        started = time.perf_counter()
        words = rest.split()
        days = int(words.pop()) if len(words) > 1 and _is_days(words[-1]) else None
        result = self.services.newsdesk.summary(" ".join(words), days=days, as_of=self.as_of)
        self.out.print(summary_markup(result))
        self._record("summary", result, started)

    def _record(self, kind: str, result: Summary, started: float) -> None:
        """Count a summary or timeline in `stats`, as Discord does."""
        self.services.activity.record_summary(
            kind, result.topic, result, latency_s=time.perf_counter() - started
        )

    def _timeline(self, rest: str) -> None:
        started = time.perf_counter()
        words = rest.split()
        days: list[date] = []
        while words and len(days) < 2 and _ISO_DAY.fullmatch(words[-1]):
            days.insert(0, parse_day(words.pop(), "A date"))
        since, until = (days + [None, None])[:2]
        result = self.services.newsdesk.timeline(
            " ".join(words), since=since, until=until, as_of=self.as_of
        )
        self.out.print(summary_markup(result, heading="Timeline"))
        self._record("timeline", result, started)

    def _stats_text(self) -> str:
        """The figures /stats shows in Discord, for everything this data dir has seen."""
        activity = self.services.activity.stats()
        library = self.services.library.stats()
        last = self.services.library.last_reindex()
        p50, p95 = activity.latency_p50_ms, activity.latency_p95_ms
        return "\n".join(
            [
                f"questions answered: {activity.questions} · refused: {activity.refusals}",
                f"summaries and timelines: {activity.summaries}",
                f"feedback: 👍 {activity.thumbs_up} · 👎 {activity.thumbs_down}",
                f"answer time: p50 {_seconds(p50)} · p95 {_seconds(p95)}",
                f"index: {library.articles} articles, {library.chunks} chunks",
                f"last re-index: {last.isoformat(timespec='seconds') if last else 'not recorded'}",
            ]
        )

    def _set_as_of(self, rest: str) -> None:
        if not rest:
            self.as_of = None
            self.out.print("Answering as of today.")
            return
        self.as_of = parse_day(rest, "asof")
        self.out.print(f"Answering as of {self.as_of}.")


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"(19|20)\d\d")


def _is_days(word: str) -> bool:
    """A trailing number is DAYS ("Milton 5000" too: out of range, and told so), except a
    year, which is part of the topic ("election 2024")."""
    return word.isascii() and word.isdigit() and not _YEAR.fullmatch(word)


def _seconds(ms: float | None) -> str:
    return "–" if ms is None else f"{ms / 1000:.2f} s"
