"""DiscordEmulator: the server, and the API tests drive the emulated Discord with."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from . import inject
from .commands import CommandSync
from .gateway import INVALID_SESSION, RECONNECT
from .inject import CommandUnavailable
from .interactions import InteractionHandle, build_options, find_command
from .messages import StoredMessage
from .permissions import Intent
from .recording import Fault, RecordedRequest, RequestPredicate, request_matcher
from .rest import API_PREFIX, RestApi
from .rest_interactions import InteractionRoutes
from .rest_messages import MessageRoutes
from .state import APPLICATION_COMMAND, EmulatorState
from .world import Channel, Guild, User

T = TypeVar("T")
MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 3, 4, 5


class DiscordEmulator(EmulatorState):
    """A local Discord (REST + gateway, API v10) for the real discord.py client.

    See the package docstring for how tests drive it.
    """

    def __init__(
        self,
        *,
        token: str = "emulator-bot-token",
        bot_name: str = "Newsdesk",
        heartbeat_interval: float = 41.25,
        interaction_ack_timeout: float | None = 3.0,
        require_synced_commands: bool = True,
        echo_bot_messages: bool = True,
        application_flags: int = 1 << 19,  # GATEWAY_MESSAGE_CONTENT_LIMITED
    ) -> None:
        super().__init__(
            token=token,
            bot_name=bot_name,
            heartbeat_interval=heartbeat_interval,
            interaction_ack_timeout=interaction_ack_timeout,
            echo_bot_messages=echo_bot_messages,
            application_flags=application_flags,
        )
        self.require_synced_commands = require_synced_commands
        self._rest = RestApi(self)
        MessageRoutes(self, self._rest.router)
        InteractionRoutes(self, self._rest.router)
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> DiscordEmulator:
        """Listen on an ephemeral port of 127.0.0.1."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._file)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Close gateway connections and the server (close your clients first)."""
        if self._runner is None:
            return
        await self.gateway.close_all()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- injecting what users do -----------------------------------------------------

    def _defaults(
        self, user: User | None, channel: Channel | None, guild: Guild | None
    ) -> tuple[User, Channel, Guild]:
        world = self.world
        if channel is None:
            if guild is not None:
                channel = guild.channels[0]
            elif world is not None:
                channel = world.channel
            else:
                raise ValueError("pass channel= (no default world was seeded)")
        guild = guild or self.guild_of(channel)
        if user is None:
            if world is None:
                raise ValueError("pass user= (no default world was seeded)")
            user = world.member
        return user, channel, guild

    def synced_command(self, name: str, guild: Guild | None = None) -> dict[str, Any] | None:
        """The synced command called ``name`` visible in ``guild`` (guild commands first)."""
        if guild is not None:
            found = find_command(self.commands.commands(guild.id), name)
            if found is not None:
                return found
        return find_command(self.commands.global_commands, name)

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: User | None = None,
        channel: Channel | None = None,
        guild: Guild | None = None,
    ) -> InteractionHandle:
        """Run ``/name`` (``"group sub"`` or ``"group subgroup sub"`` for subcommands)."""
        user, channel, guild = self._defaults(user, channel, guild)
        data = self._command_data(name, options or {}, user, guild, partial=False)
        return await self._inject(APPLICATION_COMMAND, data, user, channel, guild)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        user: User | None = None,
        channel: Channel | None = None,
    ) -> InteractionHandle:
        """Type into option ``focused`` of ``/name``; the bot answers with callback type 8."""
        user, channel, guild = self._defaults(user, channel, None)
        data = self._command_data(name, options, user, guild, partial=True)
        leaf = data["options"]
        while leaf and leaf[0]["type"] in (1, 2):
            leaf = leaf[0]["options"]
        for option in leaf:
            option["focused"] = option["name"] == focused
        return await self._inject(AUTOCOMPLETE, data, user, channel, guild)

    def _command_data(
        self, name: str, options: dict[str, Any], user: User, guild: Guild, *, partial: bool
    ) -> dict[str, Any]:
        root, *path = name.split()
        command = self.synced_command(root, guild)
        if command is None and self.require_synced_commands:
            raise CommandUnavailable(
                f"/{root} was never synced (sync the command tree first, or create the "
                "emulator with require_synced_commands=False)"
            )
        if command is not None:
            inject.check_visible(command, guild, user)

        def resolve(opt_type: int, value: Any, resolved: dict[str, Any]) -> Any:
            return inject.resolve_option(self, guild, opt_type, value, resolved)

        tree, resolved = build_options(command, path, options, resolve, partial=partial)
        data: dict[str, Any] = {
            "id": command["id"] if command else str(self.ids.next()),
            "name": root,
            "type": 1,
            "options": tree,
        }
        if resolved:
            data["resolved"] = resolved
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return data

    async def click(
        self,
        message: StoredMessage | int,
        custom_id: str,
        *,
        user: User | None = None,
        values: list[str] | None = None,
    ) -> InteractionHandle:
        """Click a button (or choose ``values`` in a select menu) on a message."""
        stored = message if isinstance(message, StoredMessage) else self.messages.get(message)
        if stored is None or stored.deleted:
            raise ValueError(f"no message {message!r} to click on")
        component = stored.component(custom_id)
        if component is None:
            raise ValueError(
                f"message {stored.id} has no {custom_id!r}; it has {stored.custom_ids()}"
            )
        channel = self.channel(stored.channel_id)
        assert channel is not None
        origin = self.interactions.get(stored.interaction_id or 0)
        user, channel, guild = self._defaults(
            user or (origin.user if origin else None), channel, None
        )
        data = inject.component_data(component, values)
        return await self._inject(MESSAGE_COMPONENT, data, user, channel, guild, stored)

    async def submit_modal(
        self, opened_by: InteractionHandle, values: dict[str, str], *, user: User | None = None
    ) -> InteractionHandle:
        """Fill in and submit the modal the bot opened in answer to ``opened_by``."""
        modal = opened_by.modal
        if modal is None:
            raise ValueError(f"interaction {opened_by.id} did not open a modal")
        data = {
            "custom_id": modal["custom_id"],
            "components": inject.modal_submission(modal, values),
        }
        user, channel, guild = user or opened_by.user, opened_by.channel, opened_by.guild
        assert guild is not None
        return await self._inject(
            MODAL_SUBMIT, data, user, channel, guild, opened_by.source_message
        )

    async def _inject(
        self,
        kind: int,
        data: dict[str, Any],
        user: User,
        channel: Channel,
        guild: Guild | None,
        message: StoredMessage | None = None,
    ) -> InteractionHandle:
        assert guild is not None, "the emulator only builds guild interactions"
        interaction_id, token = self.ids.next(), "emu-" + secrets.token_hex(32)
        payload = inject.interaction_payload(
            self,
            interaction_id=interaction_id,
            token=token,
            kind=kind,
            data=data,
            user=user,
            channel=channel,
            guild=guild,
        )
        if message is not None:
            payload["message"] = message.payload
        handle = InteractionHandle(
            interaction_id, token, kind, payload, user, channel, guild, self.notifier
        )
        handle.source_message = message
        self.interactions[interaction_id] = handle
        handle.created_at = time.monotonic()
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return handle

    async def send_message(
        self,
        content: str,
        *,
        user: User | None = None,
        channel: Channel | None = None,
        mention_bot: bool = False,
    ) -> StoredMessage:
        """A user posts a message (``mention_bot`` prefixes ``<@bot>``); MESSAGE_CREATE follows
        if the bot's intents allow (content is blanked without MESSAGE_CONTENT, unless the bot
        is mentioned)."""
        user, channel, guild = self._defaults(user, channel, None)
        if self.gateway.session is None:
            raise RuntimeError("no bot has identified with the emulator yet")
        if mention_bot:
            content = f"{self.bot.mention} {content}"
        extra = inject.user_message_extra(self, guild, content)
        message = self.store_message(
            channel, {"content": content}, source="user", author=user, extra=extra
        )
        if not self.intents & Intent.GUILD_MESSAGES:
            message.delivered = False  # Discord sends nothing without the GUILD_MESSAGES intent
            return message
        payload = inject.visible_to_bot(message.payload, self.intents, self.bot.id)
        await self.gateway.dispatch("MESSAGE_CREATE", payload)
        return message

    # -- faults ----------------------------------------------------------------------

    def rate_limit(
        self,
        route: str | RequestPredicate,
        *,
        times: int = 1,
        retry_after: float = 0.25,
        is_global: bool = False,
    ) -> Fault:
        """Answer the next ``times`` matching requests with 429 (``retry_after`` seconds)."""
        fault = Fault(request_matcher(route), 429, times, retry_after, is_global)
        self.faults.append(fault)
        return fault

    def fail(self, route: str | RequestPredicate, *, times: int = 1, status: int = 500) -> Fault:
        """Answer the next ``times`` matching requests with a server error."""
        fault = Fault(request_matcher(route), status, times)
        self.faults.append(fault)
        return fault

    async def drop_gateway(self, code: int | None = None) -> None:
        """Cut the gateway connection (abruptly, or with close ``code``); the client resumes."""
        await self.gateway.drop(code)

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send INVALID_SESSION; with ``resumable=False`` the client must IDENTIFY again."""
        await self.gateway.send_op(INVALID_SESSION, resumable)

    async def request_reconnect(self) -> None:
        """Send RECONNECT; the client reconnects and resumes."""
        await self.gateway.send_op(RECONNECT, None)

    # -- recording and waiting -------------------------------------------------------

    async def wait_until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        """Wait until ``check()`` returns something truthy, and return it."""
        return await self.notifier.wait_until(check, timeout, what)

    def requests_matching(self, route: str | RequestPredicate) -> list[RecordedRequest]:
        """Recorded requests matching ``"METHOD /glob"`` or a predicate, oldest first."""
        matches = request_matcher(route)
        return [r for r in self.requests if matches(r)]

    async def wait_for_request(
        self, route: str | RequestPredicate, timeout: float = 10.0, *, since: float = 0.0
    ) -> RecordedRequest:
        """The first matching request received at or after ``since`` (a monotonic time)."""
        matches = request_matcher(route)

        def check() -> RecordedRequest | None:
            found = (r for r in self.requests if r.received_at >= since and matches(r))
            return next(found, None)

        return await self.wait_until(check, timeout, f"a request matching {route!r}")

    async def wait_for_sync(
        self, timeout: float = 10.0, *, guild: Guild | None = None
    ) -> CommandSync:
        """The first command sync (global, or for ``guild``)."""
        scope = guild.id if guild else None

        def check() -> CommandSync | None:
            return next((s for s in self.commands.syncs if s.guild_id == scope), None)

        return await self.wait_until(check, timeout, "an application command sync")

    async def wait_for_resume(self, timeout: float = 10.0, *, count: int = 1) -> int:
        """Wait until the client has resumed ``count`` times in all; returns the count."""

        def check() -> int | None:
            done = len(self.gateway.replayed)
            return done if done >= count and self.gateway.connected else None

        return await self.wait_until(check, timeout, f"{count} gateway resume(s)")

    async def wait_for_message(
        self,
        channel: Channel,
        predicate: Callable[[StoredMessage], bool] = lambda m: True,
        timeout: float = 10.0,
    ) -> StoredMessage:
        """The first (non-deleted) message in ``channel`` satisfying ``predicate``."""

        def check() -> StoredMessage | None:
            return next((m for m in self.channel_messages(channel) if predicate(m)), None)

        return await self.wait_until(check, timeout, f"a message in #{channel.name}")

    def channel_messages(self, channel: Channel) -> list[StoredMessage]:
        """The channel's current messages, oldest first (deleted ones left out)."""
        return self.messages.in_channel(channel.id)

    async def settle(self, delay: float = 0.05) -> None:
        """Give the client a moment to process what was dispatched (for negative checks)."""
        await asyncio.sleep(delay)
