"""The Discord client: builds the bot from settings and services, runs it, syncs its commands.

Slash commands are synced to Discord only when asked (``sync_commands``), or on start to the
development server when ``NEWSDESK_DEV_GUILD_ID`` is set; never globally on every start.
"""

from __future__ import annotations

import logging
import re

import discord
import discord.http
import discord.webhook.async_
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.cogs.admin import AdminCog
from bot.cogs.ask import AskCog
from bot.cogs.sources import SourcesCog
from bot.cogs.sources_admin import SourceAdminCog
from bot.cogs.stats import StatsCog
from bot.cogs.summary import SummaryCog
from bot.cogs.timeline import TimelineCog
from bot.cogs.views import AnswerButtons
from bot.core.activity import ActivityStore
from bot.core.followup import rewrite_followup
from bot.core.ports import Library, QuestionAnswering, Sources
from bot.errors import ConfigurationError, on_app_command_error
from bot.ratelimit import RateLimiter
from bot.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_API_VERSION = 10


def apply_api_base(url: str) -> str:
    """Send discord.py's REST requests (bot and interaction/webhook routes) to ``url``.

    ``url`` is the REST base, e.g. ``http://127.0.0.1:8080/api/v10``; a bare origin such as
    ``http://127.0.0.1:8080`` gets ``/api/v10`` appended. Returns the base now in use. This is
    process-wide (discord.py keeps the base on the ``Route`` class).
    """
    base = url.strip().rstrip("/")
    if not re.search(r"/api/v\d+$", base):
        base += (
            f"/v{DEFAULT_API_VERSION}" if base.endswith("/api") else f"/api/v{DEFAULT_API_VERSION}"
        )
    # Interaction responses and follow-ups go through the webhook adapter's Route; in
    # discord.py 2.7 it is the same class as discord.http.Route, but set both in case it is not.
    for route in {discord.http.Route, discord.webhook.async_.Route}:
        route.BASE = base
    return base


def apply_gateway(url: str) -> None:
    """Connect discord.py's gateway websocket to ``url`` (process-wide, like the REST base)."""
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)


def make_intents(settings: Settings) -> discord.Intents:
    """Servers and their messages; message content only when the setting asks for it."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = settings.message_content_intent
    return intents


def discord_token(settings: Settings) -> str:
    """The bot token from the settings; a clear error when it is missing."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise ConfigurationError("DISCORD_TOKEN is not set: put the bot's token in .env.")
    return token


class NewsdeskBot(commands.Bot):
    """The Discord bot: slash commands and mention replies over the core services."""

    def __init__(
        self,
        settings: Settings,
        qa: QuestionAnswering,
        library: Library,
        *,
        sync_on_start: bool = True,
        sources: Sources | None = None,
        poll_sources: bool = True,
        activity: ActivityStore | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # unused: there are no prefix commands
            intents=make_intents(settings),
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),  # a safety net under every send
            guild_ready_timeout=guild_ready_timeout,
        )
        self.settings = settings
        self.qa = qa
        self.library = library
        self.sync_on_start = sync_on_start
        self.sources = sources  # None: no /source commands, /reindex reads the folders
        self.scheduler = None
        if sources is not None and poll_sources:
            from bot.scheduler import Scheduler

            self.scheduler = Scheduler(sources)
        # Without a store (tests, sync-commands) activity lives in memory for this process.
        self.activity_log = activity or ActivityStore()
        # Shared by /ask, /summary, /timeline and mentions; each takes a slot once its input
        # was checked, so a typo costs none.
        self.limiter = RateLimiter(settings.rate_limit_per_minute, exempt=settings.owner_ids)
        self.tree.error(on_app_command_error)

    def make_cogs(self) -> list[commands.Cog]:
        """The cogs, each given only the service it needs."""
        buttons = AnswerButtons(self.activity_log)
        ask = AskCog(
            self.qa,
            bot_user_id=self._own_id,
            activity=self.activity_log,
            views=buttons.view_for,
            limiter=self.limiter,
            read_all_in_threads=self.settings.message_content_intent,
            # The Newsdesk service rewrites follow-ups with its LLM when one is configured.
            rewrite=getattr(self.qa, "rewrite_followup", rewrite_followup),
        )
        cogs: list[commands.Cog] = [
            ask,
            buttons,
            SummaryCog(self.qa, self.activity_log, self.limiter),
            TimelineCog(self.qa, self.activity_log, self.limiter),
            SourcesCog(self.library),
            AdminCog(self.library, owner_ids=self.settings.owner_ids, sources=self.sources),
            StatsCog(self.activity_log, self.library, owner_ids=self.settings.owner_ids),
        ]
        if self.sources is not None:
            cogs.append(SourceAdminCog(self.sources, owner_ids=self.settings.owner_ids))
        return cogs

    def _own_id(self) -> int | None:
        return self.user.id if self.user else None

    async def load_cogs(self) -> None:
        """Register the cogs (and so their slash commands in ``self.tree``)."""
        for cog in self.make_cogs():
            await self.add_cog(cog)
            # Buttons found by their custom_id pattern: they work on messages sent before a restart.
            self.add_dynamic_items(*getattr(cog, "dynamic_items", ()))

    async def setup_hook(self) -> None:
        """Runs once after login: load the cogs, then sync to the dev server if one is set."""
        await self.load_cogs()
        if self.sync_on_start and self.settings.dev_guild_id:
            synced = await sync_tree(self.tree, self.settings.dev_guild_id)
            log.info("Synced %d commands to dev server %s", len(synced), self.settings.dev_guild_id)
        if self.scheduler is not None:
            self.scheduler.start()  # polls sources with an interval, off the event loop

    async def close(self) -> None:
        """Stop polling sources, then disconnect."""
        if self.scheduler is not None:
            await self.scheduler.stop()
        await super().close()

    async def connect(self, *, reconnect: bool = True) -> None:
        """Connect to the gateway; with a custom API base, ask that API where its gateway is."""
        if self.settings.discord_api_base:
            await self.use_api_gateway()
        await super().connect(reconnect=reconnect)

    async def use_api_gateway(self) -> None:
        """Point the gateway at the one the (custom) REST API names in ``GET /gateway/bot``."""
        try:
            _shards, url, _limits = await self.http.get_bot_gateway()
        except discord.GatewayNotFound:
            log.warning("The custom Discord API gave no gateway; using the default one")
            return
        apply_gateway(url)
        log.info("Using gateway %s", url)

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: mentions are handled by the AskCog listener."""

    async def on_ready(self) -> None:
        """Log who we are once connected."""
        log.info(
            "Connected as %s (id %s) in %d servers", self.user, self._own_id(), len(self.guilds)
        )


def build_bot(
    settings: Settings,
    qa: QuestionAnswering,
    library: Library,
    *,
    sync_on_start: bool = True,
    sources: Sources | None = None,
    poll_sources: bool = True,
    activity: ActivityStore | None = None,
    guild_ready_timeout: float = 2.0,
) -> NewsdeskBot:
    """The bot, configured from ``settings``; its cogs load in ``setup_hook`` (on login).

    ``activity`` records answers, feedback and threads (default: in memory only; ``run_bot``
    keeps it in the data dir). ``guild_ready_timeout`` is how long the client waits for more
    servers before it counts as ready.

    Applies ``settings.discord_api_base`` first, so a local emulator can stand in for Discord.
    """
    if settings.discord_api_base:
        log.info("Using Discord API at %s", apply_api_base(settings.discord_api_base))
    return NewsdeskBot(
        settings,
        qa,
        library,
        sync_on_start=sync_on_start,
        sources=sources,
        poll_sources=poll_sources,
        activity=activity,
        guild_ready_timeout=guild_ready_timeout,
    )


async def sync_tree(
    tree: app_commands.CommandTree, guild_id: int | None
) -> list[app_commands.AppCommand]:
    """Sync the commands to one server (copying the global ones there), or globally if None."""
    if guild_id is None:
        return await tree.sync()
    guild = discord.Object(id=guild_id)
    tree.copy_global_to(guild=guild)
    return await tree.sync(guild=guild)


async def run_bot(
    settings: Settings,
    qa: QuestionAnswering,
    library: Library,
    sources: Sources | None = None,
    activity: ActivityStore | None = None,
) -> None:
    """Log in, connect and serve until the bot is closed (polling ``sources`` if given).

    Answers, feedback and threads are recorded in ``activity`` (default: ``activity.sqlite3``
    in the data dir, so buttons and threads keep working after a restart).
    """
    token = discord_token(settings)
    store = activity or ActivityStore.in_data_dir(settings.data_dir)
    try:
        async with build_bot(settings, qa, library, sources=sources, activity=store) as bot:
            await bot.start(token)
    finally:
        if activity is None:
            store.close()


async def sync_commands(
    settings: Settings,
    qa: QuestionAnswering,
    library: Library,
    guild_id: int | None = None,
    *,
    globally: bool = False,
    sources: Sources | None = None,
) -> list[str]:
    """Log in, sync the slash commands, log out; returns the synced commands' names.

    Syncs to ``guild_id`` (default: the dev server setting), or globally when ``globally``.
    Global changes can take a while to reach every server, so they happen only when asked.
    """
    token = discord_token(settings)
    target = None if globally else (guild_id or settings.dev_guild_id)
    if not globally and target is None:
        raise ConfigurationError(
            "Give a server id, set NEWSDESK_DEV_GUILD_ID, or ask for a global sync."
        )
    async with build_bot(
        settings, qa, library, sync_on_start=False, sources=sources, poll_sources=False
    ) as bot:
        await bot.login(token)
        synced = await sync_tree(bot.tree, target)
    names = sorted(command.name for command in synced)
    log.info("Synced %s to %s", ", ".join(names), f"server {target}" if target else "all servers")
    return names
