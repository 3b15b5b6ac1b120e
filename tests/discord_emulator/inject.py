"""Payload building for what tests inject: interactions, option values, modal answers, messages."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .interactions import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    USER,
)
from .messages import walk_components
from .permissions import Intent
from .world import Channel, Guild, Role, User

if TYPE_CHECKING:
    from .state import EmulatorState

TEXT_INPUT = 4
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class CommandUnavailable(LookupError):
    """Discord would not deliver this command: never synced, or hidden from this user."""


def interaction_payload(
    emu: EmulatorState,
    *,
    interaction_id: int,
    token: str,
    kind: int,
    data: dict[str, Any],
    user: User,
    channel: Channel,
    guild: Guild,
) -> dict[str, Any]:
    """The INTERACTION_CREATE payload for a guild interaction."""
    return {
        "id": str(interaction_id),
        "application_id": str(emu.application_id),
        "type": kind,
        "token": token,
        "version": 1,
        "data": data,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "guild_locale": "en-US",
        "channel_id": str(channel.id),
        "channel": channel.payload() | {"permissions": str(guild.permissions_for(user))},
        "member": guild.member_payload(user),
        "app_permissions": str(emu.bot_permissions(guild)),
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }


def check_visible(command: dict[str, Any], guild: Guild, user: User) -> None:
    """Raise CommandUnavailable if ``default_member_permissions`` hides the command from user."""
    required = command.get("default_member_permissions")
    if required is None:
        return
    granted = guild.permissions_for(user)
    if int(required) & granted != int(required):
        raise CommandUnavailable(
            f"/{command['name']} needs permissions {required} (default_member_permissions); "
            f"{user.username} has {granted}, so Discord would not show them the command"
        )


def resolve_option(
    emu: EmulatorState, guild: Guild, opt_type: int, value: Any, resolved: dict[str, Any]
) -> Any:
    """The wire value of one option, adding users/members/channels/roles to ``resolved``."""
    if opt_type == STRING:
        return str(value)
    if opt_type == INTEGER:
        return int(value)
    if opt_type == NUMBER:
        return float(value)
    if opt_type == BOOLEAN:
        return bool(value)
    if opt_type == USER or (opt_type == MENTIONABLE and not isinstance(value, Role)):
        user = value if isinstance(value, User) else emu.users[int(value)]
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        if user.id in guild.members:
            member = guild.member_payload(user)
            member.pop("user")
            resolved.setdefault("members", {})[str(user.id)] = member
        return str(user.id)
    if opt_type in (ROLE, MENTIONABLE):
        role = value if isinstance(value, Role) else _role(guild, int(value))
        resolved.setdefault("roles", {})[str(role.id)] = role.payload()
        return str(role.id)
    if opt_type == CHANNEL:
        channel = value if isinstance(value, Channel) else emu.channel(int(value))
        if channel is None:
            raise ValueError(f"unknown channel {value!r}")
        perms = str(emu.bot_permissions(guild))
        resolved.setdefault("channels", {})[str(channel.id)] = channel.payload() | {
            "permissions": perms
        }
        return str(channel.id)
    raise ValueError(f"the emulator cannot build option type {opt_type} yet")


def _role(guild: Guild, role_id: int) -> Role:
    found = next((r for r in guild.roles if r.id == role_id), None)
    if found is None:
        raise ValueError(f"guild {guild.name!r} has no role {role_id}")
    return found


def component_data(component: dict[str, Any], values: list[str] | None) -> dict[str, Any]:
    """The ``data`` of a component interaction (button click or select choice)."""
    if component.get("disabled"):
        raise ValueError(f"component {component['custom_id']!r} is disabled")
    data = {"custom_id": component["custom_id"], "component_type": component["type"]}
    if component["type"] in SELECT_TYPES:
        data["values"] = [str(v) for v in values or []]
    elif values:
        raise ValueError("values are only for select menus")
    return data


def modal_submission(modal: dict[str, Any], values: dict[str, str]) -> list[dict[str, Any]]:
    """Answer a modal: mirror its rows/labels with each text input's submitted value."""
    inputs = {
        c["custom_id"]: c for c in walk_components(modal["components"]) if c["type"] == TEXT_INPUT
    }
    unknown = set(values) - set(inputs)
    if unknown:
        raise ValueError(f"modal has no inputs {sorted(unknown)}; it has {sorted(inputs)}")
    missing = [k for k, c in inputs.items() if c.get("required", True) and k not in values]
    if missing:
        raise ValueError(f"required modal inputs missing: {missing}")

    def answer(component: dict[str, Any]) -> dict[str, Any]:
        if component["type"] == 1:
            return {"type": 1, "components": [answer(c) for c in component["components"]]}
        if component["type"] == 18:
            return {"type": 18, "component": answer(component["component"])}
        value = values.get(component.get("custom_id", ""), "")
        return {"type": component["type"], "custom_id": component.get("custom_id"), "value": value}

    return [answer(c) for c in modal["components"]]


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def user_message_extra(emu: EmulatorState, guild: Guild, content: str) -> dict[str, Any]:
    """The ``mentions``/``mention_roles``/``mention_everyone`` fields Discord derives."""
    mentions = []
    for raw in dict.fromkeys(_USER_MENTION.findall(content)):
        user = emu.users.get(int(raw))
        if user is None:
            continue
        entry = user.payload()
        if user.id in guild.members:
            entry["member"] = guild.members[user.id].payload(with_user=False)
        mentions.append(entry)
    roles = [r for r in dict.fromkeys(_ROLE_MENTION.findall(content))]
    return {
        "mentions": mentions,
        "mention_roles": roles,
        "mention_everyone": "@everyone" in content or "@here" in content,
    }


def visible_to_bot(payload: dict[str, Any], intents: int, bot_id: int) -> dict[str, Any]:
    """Strip content the bot cannot read without the MESSAGE_CONTENT intent."""
    if intents & Intent.MESSAGE_CONTENT or int(payload["author"]["id"]) == bot_id:
        return payload
    if any(int(m["id"]) == bot_id for m in payload.get("mentions", [])):
        return payload
    return payload | {"content": "", "embeds": [], "attachments": [], "components": []}
