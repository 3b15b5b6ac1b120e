"""The emulated world: users, guilds, roles, channels, members, and their API payloads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .ids import Snowflakes, iso_now
from .permissions import ALL_PERMISSIONS, DEFAULT_EVERYONE, Perm

TEXT_CHANNEL = 0
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = frozenset({10, PUBLIC_THREAD, PRIVATE_THREAD})


@dataclass(eq=False)
class User:
    """A Discord user (a person or a bot)."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    @property
    def mention(self) -> str:
        """The ``<@id>`` text that mentions this user."""
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        """The user object as the API sends it."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass(eq=False)
class Role:
    """A guild role; the @everyone role shares its guild's id. ``bot_id`` marks the role
    Discord manages for a bot (``tags.bot_id`` in the API)."""

    id: int
    name: str
    permissions: int
    position: int = 0
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        """The ``<@&id>`` text that mentions this role."""
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        """The role object as the API sends it."""
        tags = {"tags": {"bot_id": str(self.bot_id)}} if self.bot_id is not None else {}
        return tags | {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(int(self.permissions)),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "managed": self.bot_id is not None,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(eq=False)
class Channel:
    """A guild text channel or a thread (``type`` 11/12, with ``parent_id`` and ``owner_id``)."""

    id: int
    name: str
    guild_id: int
    type: int = TEXT_CHANNEL
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    owner_id: int | None = None
    auto_archive_duration: int = 1440
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        """Whether this channel is a thread."""
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        """The ``<#id>`` text that mentions this channel."""
        return f"<#{self.id}>"

    def payload(self) -> dict[str, Any]:
        """The channel (or thread) object as the API sends it."""
        base: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.is_thread:
            base |= {
                "parent_id": str(self.parent_id),
                "owner_id": str(self.owner_id),
                "message_count": self.message_count,
                "member_count": 1,
                "total_message_sent": self.message_count,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": iso_now(),
                    "locked": False,
                    "invitable": True,
                    "create_timestamp": iso_now(),
                },
            }
            return base
        return base | {
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": False,
            "topic": self.topic,
            "parent_id": None,
        }


@dataclass(eq=False)
class Member:
    """A user's membership of a guild."""

    user: User
    roles: list[Role] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        """The guild member object (``with_user=False`` for a message's ``member`` field)."""
        data: dict[str, Any] = {
            "roles": [str(role.id) for role in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass(eq=False)
class Guild:
    """A guild (server) with its roles, channels and members."""

    id: int
    name: str
    owner_id: int
    ids: Snowflakes = field(repr=False)
    roles: list[Role] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.roles:
            self.roles.append(Role(id=self.id, name="@everyone", permissions=DEFAULT_EVERYONE))

    @property
    def everyone(self) -> Role:
        """The @everyone role (edit its ``permissions`` to change the server defaults)."""
        return self.roles[0]

    def add_role(self, name: str, permissions: int = 0) -> Role:
        """Create a role with the given permission bits."""
        role = Role(
            id=self.ids.next(), name=name, permissions=permissions, position=len(self.roles)
        )
        self.roles.append(role)
        return role

    def add_channel(self, name: str, *, topic: str | None = None) -> Channel:
        """Create a text channel."""
        channel = Channel(
            id=self.ids.next(),
            name=name,
            guild_id=self.id,
            position=len(self.channels),
            topic=topic,
        )
        self.channels.append(channel)
        return channel

    def add_member(self, user: User, roles: tuple[Role, ...] | list[Role] = ()) -> Member:
        """Make ``user`` a member of this guild with the given roles (besides @everyone)."""
        member = Member(user=user, roles=list(roles))
        self.members[user.id] = member
        return member

    def channel(self, name: str) -> Channel:
        """The channel called ``name`` (raises KeyError naming the known channels)."""
        for channel in self.channels:
            if channel.name == name:
                return channel
        known = ", ".join(c.name for c in self.channels)
        raise KeyError(f"guild {self.name!r} has no channel {name!r} (channels: {known})")

    def permissions_for(self, user: User) -> int:
        """The user's guild-wide permission bits (owner and administrators get all)."""
        if user.id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user.id)
        if member is None:
            return 0
        value = int(self.everyone.permissions)
        for role in member.roles:
            value |= int(role.permissions)
        return ALL_PERMISSIONS if value & Perm.ADMINISTRATOR else value

    def member_payload(self, user: User) -> dict[str, Any]:
        """The member object for ``user`` including its computed ``permissions``."""
        member = self.members.get(user.id) or Member(user=user)
        return member.payload() | {"permissions": str(self.permissions_for(user))}

    def payload(self) -> dict[str, Any]:
        """The full GUILD_CREATE payload."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "roles": [role.payload() for role in self.roles],
            "channels": [c.payload() for c in self.channels if not c.is_thread],
            "threads": [c.payload() for c in self.channels if c.is_thread],
            "members": [member.payload() for member in self.members.values()],
            "member_count": len(self.members),
            "large": False,
            "unavailable": False,
            "joined_at": iso_now(),
            "features": [],
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "afk_timeout": 300,
            "afk_channel_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "application_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
        }
