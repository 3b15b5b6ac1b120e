"""Benchmark the Discord bot under a burst: 50 /ask at once through the Discord emulator.

Indexes the sample articles into a temporary store (the real embedding model by default),
starts the emulator (tests/discord_emulator) and the real bot (``build_bot``, pointed at the
emulator by its settings), then 50 different members run /ask at the same moment. Prints
whether every interaction was answered, the time to the deferral (Discord allows 3 s) and to
the answer, p50/p95/max. Not a test: it prints figures.

    .venv/bin/python bench/bench_discord.py [--count 50] [--fake-embeddings]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from itertools import cycle
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the emulator lives with the tests

from discord_emulator import DiscordEmulator, InteractionHandle  # noqa: E402
from discord_emulator.clients import running_client  # noqa: E402

from bot.client import build_bot  # noqa: E402
from bot.core.activity import ActivityStore, percentile  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.settings import PACKAGED_SAMPLES, Settings  # noqa: E402

DEFER_LIMIT = 3.0
QUESTIONS = [
    "Where did Hurricane Milton make landfall?",
    "Who won Super Bowl LIX?",
    "How much did the Federal Reserve cut interest rates?",
    "Which bank failed in March 2023?",
    "What did the European Parliament decide about artificial intelligence?",
    "Who caught the Starship booster?",
    "Which bombers flew near Alaska?",
    "Why did the CrowdStrike update crash computers?",
    "When did the WHO end the COVID emergency?",
    "Who won the Nobel prize for the mRNA vaccines?",
]


def build_services(data_dir: Path, fake_embeddings: bool) -> Services:
    """Services on a fresh store of the sample articles."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    settings = Settings(_env_file=None, data_dir=data_dir, source_paths=[PACKAGED_SAMPLES])
    embeddings = None
    if fake_embeddings:
        from index.embeddings import HashingEmbeddings

        embeddings = HashingEmbeddings()
    return Services(settings, embeddings=embeddings)


def answered_at(handle: InteractionHandle) -> float | None:
    """Seconds from the interaction to the first message with the answer in it."""
    for event in handle.events:
        if event.kind in ("followup", "edit_original"):
            return event.at - handle.created_at
    return None


def figures(values: list[float]) -> str:
    """``p50 0.12 s · p95 0.34 s · max 0.40 s``."""
    ordered = sorted(values)
    return (
        f"p50 {percentile(ordered, 50):.2f} s · p95 {percentile(ordered, 95):.2f} s · "
        f"max {ordered[-1]:.2f} s"
    )


async def burst(services: Services, count: int, data_dir: Path) -> list[InteractionHandle]:
    """Run ``count`` /ask at once against the bot; returns the interactions."""
    emulator = DiscordEmulator()
    world = emulator.seed_default_world()
    members = [emulator.add_user(f"reader-{i}") for i in range(count)]
    for member in members:
        world.guild.add_member(member)
    await emulator.start()
    settings = Settings(
        _env_file=None,
        data_dir=data_dir,
        discord_api_base=emulator.api_base,
        dev_guild_id=world.guild.id,
    )
    bot = build_bot(
        settings,
        services.newsdesk,
        services.library,
        activity=ActivityStore(),
        guild_ready_timeout=0.05,
    )
    try:
        async with running_client(bot, emulator.token):
            await emulator.wait_for_sync(guild=world.guild)
            warm = await emulator.slash("ask", {"question": QUESTIONS[0]}, user=world.owner)
            await warm.wait_answer(timeout=60)
            started = time.perf_counter()
            handles = await asyncio.gather(
                *(
                    emulator.slash("ask", {"question": q}, user=member)
                    for member, q in zip(members, cycle(QUESTIONS), strict=False)
                )
            )
            await asyncio.gather(
                *(h.wait_answer(timeout=120) for h in handles), return_exceptions=True
            )
            print(f"burst finished in {time.perf_counter() - started:.2f} s")
    finally:
        await emulator.stop()
    return handles


def report(handles: list[InteractionHandle]) -> None:
    """Print whether all were answered, and deferral/answer times."""
    deferred = [h.time_to_callback for h in handles if h.time_to_callback is not None]
    answers = [t for t in (answered_at(h) for h in handles) if t is not None]
    late = sum(len(h.late_callbacks) for h in handles)
    refused = [h for h in handles if h.original and h.original.content.startswith("I couldn")]
    refused_questions = sorted({h.payload["data"]["options"][0]["value"] for h in refused})
    all_answered = len(answers) == len(handles) and late == 0
    print(f"all {len(handles)} answered: {'yes' if all_answered else 'NO'}")
    print(f"  answered: {len(answers)} · late callbacks refused by Discord: {late}")
    print(f"  refusals (no supporting passage): {len(refused)} {refused_questions}")
    if deferred:
        slow = sum(1 for t in deferred if t >= DEFER_LIMIT)
        print(f"time to deferral: {figures(deferred)} · over {DEFER_LIMIT:.0f} s: {slow}")
    if answers:
        print(f"time to answer:   {figures(answers)}")
        print(f"  mean {statistics.fmean(answers):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50, help="interactions fired at once")
    parser.add_argument(
        "--fake-embeddings", action="store_true", help="word hashing instead of the real model"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        services = build_services(data_dir, args.fake_embeddings)
        model = "hashing (fake)" if args.fake_embeddings else services.settings.model_path()
        started = time.perf_counter()
        indexed = services.library.reindex()
        print(f"embeddings: {model}")
        print(f"indexed samples in {time.perf_counter() - started:.1f} s: {indexed.summary_line()}")
        try:
            handles = asyncio.run(burst(services, args.count, data_dir))
        finally:
            services.close()
    report(handles)


if __name__ == "__main__":
    main()
