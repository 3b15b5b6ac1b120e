"""The emulated Discord's data: world, messages, commands, interactions, and the gateway."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .commands import CommandRegistry
from .gateway import Gateway
from .ids import Snowflakes
from .interactions import InteractionHandle
from .messages import Attachment, MessageStore, StoredMessage, message_payload
from .permissions import DEFAULT_EVERYONE, Intent, Perm
from .recording import Fault, Notifier, RecordedRequest
from .rest import API_PREFIX
from .world import Channel, Guild, User

APPLICATION_COMMAND = 2
BOT_ROLE_PERMISSIONS = DEFAULT_EVERYONE | Perm.MANAGE_MESSAGES | Perm.MANAGE_THREADS


@dataclass
class World:
    """The default test world: one guild, a #general and a #news channel, three people."""

    guild: Guild
    channel: Channel
    news: Channel
    owner: User
    admin: User
    member: User


class EmulatorState:
    """Everything the emulated Discord knows; the REST and gateway sides work on this."""

    def __init__(
        self,
        *,
        token: str,
        bot_name: str,
        heartbeat_interval: float,
        interaction_ack_timeout: float | None,
        echo_bot_messages: bool,
        application_flags: int,
    ) -> None:
        self.token = token
        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.application_flags = application_flags
        # A bot user's id is its application's id.
        self.bot = User(id=self.application_id, username=bot_name, bot=True)
        self.owner = User(id=self.ids.next(), username="app-owner")
        self.users: dict[int, User] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.guilds: list[Guild] = []
        self.world: World | None = None
        self.messages = MessageStore()
        self.commands = CommandRegistry(self.application_id, self.ids)
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.interactions: dict[int, InteractionHandle] = {}
        self.interaction_ack_timeout = interaction_ack_timeout
        self.echo_bot_messages = echo_bot_messages
        self.notifier = Notifier()
        self.gateway = Gateway(self, heartbeat_interval)
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self.port is None:
            raise RuntimeError("the emulator is not started; await emu.start() first")
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """The REST base to give discord.py (``.../api/v10``)."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """The websocket URL (``ws://127.0.0.1:PORT/gateway``)."""
        return self.base_url.replace("http://", "ws://") + "/gateway"

    # -- building the world ----------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False) -> User:
        """Create a user."""
        user = User(id=self.ids.next(), username=username, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self, name: str, *, owner: User | None = None, channels: tuple[str, ...] = ("general",)
    ) -> Guild:
        """Create a guild with the bot (and its managed role), the owner, and text channels."""
        owner = owner or self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        guild = Guild(id=self.ids.next(), name=name, owner_id=owner.id, ids=self.ids)
        bot_role = guild.add_role(self.bot.username, BOT_ROLE_PERMISSIONS)
        bot_role.bot_id = self.bot.id  # managed by Discord for the bot, as when it joins
        guild.add_member(self.bot, [bot_role])
        guild.add_member(owner)
        for channel in channels:
            guild.add_channel(channel)
        self.guilds.append(guild)
        return guild

    def seed_default_world(self) -> World:
        """Guild "Newsroom" with #general and #news; ``admin`` has MANAGE_GUILD, ``member`` not."""
        owner = self.add_user("owner")
        guild = self.add_guild("Newsroom", owner=owner, channels=("general", "news"))
        editors = guild.add_role("Editors", Perm.MANAGE_GUILD | Perm.MANAGE_MESSAGES)
        admin, member = self.add_user("alice"), self.add_user("bob")
        guild.add_member(admin, [editors])
        guild.add_member(member)
        self.world = World(
            guild, guild.channel("general"), guild.channel("news"), owner, admin, member
        )
        return self.world

    async def announce_guild(self, guild: Guild) -> None:
        """Send GUILD_CREATE for a guild added after the bot connected (the bot joins it)."""
        await self.dispatch_event("GUILD_CREATE", self.guild_create_payload(guild))

    # -- lookups used by the REST and gateway sides ---------------------------------

    def guild(self, guild_id: int) -> Guild | None:
        """The guild with this id."""
        return next((g for g in self.guilds if g.id == guild_id), None)

    def channel(self, channel_id: int) -> Channel | None:
        """The channel or thread with this id, in any guild."""
        for guild in self.guilds:
            for channel in guild.channels:
                if channel.id == channel_id:
                    return channel
        return None

    def guild_of(self, channel: Channel) -> Guild:
        """The guild a channel belongs to."""
        guild = self.guild(channel.guild_id)
        assert guild is not None, f"channel {channel.name} has no guild"
        return guild

    def bot_permissions(self, guild: Guild) -> int:
        """The bot's permission bits in a guild."""
        return guild.permissions_for(self.bot)

    def interaction_by_token(self, token: str) -> InteractionHandle | None:
        """The interaction whose token this is."""
        return next((h for h in self.interactions.values() if h.token == token), None)

    @property
    def identify(self) -> dict[str, Any] | None:
        """The last IDENTIFY payload the client sent."""
        return self.gateway.identifies[-1] if self.gateway.identifies else None

    @property
    def intents(self) -> int:
        """The gateway intents from the last IDENTIFY (0 before any)."""
        return int((self.identify or {}).get("intents") or 0)

    def changed(self) -> None:
        """Wake everything waiting on emulator state."""
        self.notifier.notify()

    # -- the gateway host protocol ---------------------------------------------------

    def ready_payload(self, session_id: str, shard: list[int] | None) -> dict[str, Any]:
        """The READY event data."""
        return {
            "v": 10,
            "user": self.bot.payload() | {"verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": shard or [0, 1],
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
        }

    def guild_create_payloads(self) -> list[dict[str, Any]]:
        """One GUILD_CREATE payload per guild, sent after READY."""
        return [self.guild_create_payload(guild) for guild in self.guilds]

    def guild_create_payload(self, guild: Guild) -> dict[str, Any]:
        """A guild's GUILD_CREATE data; without GUILD_MEMBERS it lists only the bot's member."""
        payload = guild.payload()
        if not self.intents & Intent.GUILD_MEMBERS:
            bot_id = str(self.bot.id)
            payload["members"] = [m for m in payload["members"] if m["user"]["id"] == bot_id]
        return payload

    def member_chunk(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """Answer a REQUEST_GUILD_MEMBERS with one GUILD_MEMBERS_CHUNK."""
        guild = self.guild(int(request.get("guild_id") or 0))
        if guild is None:
            return None
        wanted = {int(x) for x in request.get("user_ids") or []}
        query = (request.get("query") or "").lower()
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.user.id in wanted) and m.user.username.lower().startswith(query)
        ]
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(x) for x in wanted - {m.user.id for m in members}],
        }
        return chunk | ({"nonce": request["nonce"]} if request.get("nonce") else {})

    # -- messages --------------------------------------------------------------------

    def store_message(
        self,
        channel: Channel,
        body: dict[str, Any],
        *,
        source: str,
        author: User | None = None,
        files: list[Attachment] | None = None,
        msg_type: int = 0,
        interaction: InteractionHandle | None = None,
        extra: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """Create and store a message (author defaults to the bot)."""
        author = author or self.bot
        guild = self.guild_of(channel)
        payload = message_payload(
            message_id=self.ids.next(),
            channel_id=channel.id,
            guild_id=guild.id,
            author=author.payload(),
            body=body,
            attachments=files or [],
            msg_type=msg_type,
        )
        if author.id in guild.members:
            payload["member"] = guild.members[author.id].payload(with_user=False)
        if interaction is not None:
            payload |= self._interaction_fields(interaction)
        payload |= extra or {}
        message = StoredMessage(
            payload=payload,
            source=source,
            interaction_id=interaction.id if interaction else None,
            allowed_mentions=body.get("allowed_mentions"),
            files=files or [],
        )
        self.messages.add(message)
        self.changed()
        return message

    def _interaction_fields(self, handle: InteractionHandle) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "id": str(handle.id),
            "type": handle.type,
            "user": handle.user.payload(),
            "authorizing_integration_owners": {"0": str(handle.guild.id)} if handle.guild else {},
        }
        if handle.type == APPLICATION_COMMAND:
            metadata["name"] = handle.payload["data"]["name"]
        return {
            "webhook_id": str(self.application_id),
            "application_id": str(self.application_id),
            "interaction_metadata": metadata,
        }

    def attachments_from(self, record: RecordedRequest, channel_id: int) -> list[Attachment]:
        """Turn a request's uploaded files into attachments served by the emulator."""
        found = []
        for _field, filename, data in record.files:
            attachment_id = self.ids.next()
            kind = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}"
            found.append(Attachment(attachment_id, filename, kind, data, url))
        return found

    async def _file(self, request: web.Request) -> web.StreamResponse:
        wanted = int(request.match_info["attachment_id"])
        for message in self.messages.all():
            for attachment in message.files:
                if attachment.id == wanted:
                    return web.Response(body=attachment.data, content_type=attachment.content_type)
        raise web.HTTPNotFound()

    async def echo(self, event: str, message: StoredMessage) -> None:
        """Send the bot's own message events over the gateway, as Discord does."""
        if not self.echo_bot_messages or message.ephemeral or self.gateway.session is None:
            return
        if not self.intents & Intent.GUILD_MESSAGES:
            return
        if event == "MESSAGE_DELETE":
            data = {k: message.payload[k] for k in ("id", "channel_id", "guild_id")}
        else:
            data = message.payload
        await self.dispatch_event(event, data)

    async def dispatch_event(self, event: str, data: dict[str, Any]) -> int | None:
        """Dispatch on the current session, if a client ever identified."""
        if self.gateway.session is None:
            return None
        return await self.gateway.dispatch(event, data)
