"""Application commands: what the bot synced, with ids, validated like Discord does."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from .ids import Snowflakes
from .messages import ApiError

_NAME = re.compile(r"^[-_\w]{1,32}$")


@dataclass(eq=False)
class CommandSync:
    """One bulk overwrite: its scope (``guild_id`` None for global), payload and time."""

    guild_id: int | None
    payload: list[dict[str, Any]]
    received_at: float = field(default_factory=time.monotonic)


def _invalid(path: str, problem: str) -> ApiError:
    return ApiError(400, 50035, f"Invalid Form Body ({path}: {problem})")


def _check_options(options: list[dict[str, Any]], path: str) -> None:
    if len(options) > 25:
        raise _invalid(f"{path}.options", "at most 25 options")
    seen_optional = False
    for n, option in enumerate(options):
        where = f"{path}.options.{n}"
        _check_names(option, where, chat_input=True)
        if option.get("type") in (1, 2):
            _check_options(option.get("options") or [], where)
            continue
        if option.get("required") and seen_optional:
            raise _invalid(where, "required options must come before optional ones")
        seen_optional = seen_optional or not option.get("required")
        if len(option.get("choices") or []) > 25:
            raise _invalid(f"{where}.choices", "at most 25 choices")


def _check_names(item: dict[str, Any], path: str, *, chat_input: bool) -> None:
    name = item.get("name") or ""
    if chat_input and (not _NAME.match(name) or name != name.lower()):
        raise _invalid(f"{path}.name", f"{name!r} must be 1-32 lowercase letters, digits, - or _")
    description = item.get("description") or ""
    if chat_input and not 1 <= len(description) <= 100:
        raise _invalid(f"{path}.description", "must be 1-100 characters")


def validate_command(payload: dict[str, Any], index: int) -> None:
    """Raise ApiError (400, 50035) for a command Discord would refuse."""
    chat_input = payload.get("type", 1) == 1
    _check_names(payload, str(index), chat_input=chat_input)
    if chat_input:
        _check_options(payload.get("options") or [], str(index))


class CommandRegistry:
    """Global and per-guild commands; keeps ids stable across re-syncs, like Discord."""

    def __init__(self, application_id: int, ids: Snowflakes) -> None:
        self.application_id = application_id
        self._ids = ids
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.syncs: list[CommandSync] = []

    def commands(self, guild_id: int | None) -> list[dict[str, Any]]:
        """The commands in a scope (None for global)."""
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def overwrite(
        self, guild_id: int | None, payload: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Replace a scope's commands (PUT); returns the stored commands with ids."""
        if len(payload) > 100:
            raise ApiError(400, 30032, "Maximum number of application commands reached (100)")
        for index, command in enumerate(payload):
            validate_command(command, index)
        old = {(c["name"], c["type"]): c for c in self.commands(guild_id)}
        stored = [self._store(guild_id, c, old.get((c["name"], c.get("type", 1)))) for c in payload]
        self._set(guild_id, stored)
        self.syncs.append(CommandSync(guild_id, payload))
        return stored

    def upsert(self, guild_id: int | None, payload: dict[str, Any]) -> dict[str, Any]:
        """Create or replace one command (POST)."""
        validate_command(payload, 0)
        current = self.commands(guild_id)
        key = (payload["name"], payload.get("type", 1))
        old = next((c for c in current if (c["name"], c["type"]) == key), None)
        stored = self._store(guild_id, payload, old)
        self._set(guild_id, [c for c in current if c is not old] + [stored])
        return stored

    def delete(self, guild_id: int | None, command_id: int) -> bool:
        """Delete one command; False if it does not exist."""
        current = self.commands(guild_id)
        kept = [c for c in current if int(c["id"]) != command_id]
        self._set(guild_id, kept)
        return len(kept) != len(current)

    def get(self, guild_id: int | None, command_id: int) -> dict[str, Any] | None:
        """One command by id."""
        return next((c for c in self.commands(guild_id) if int(c["id"]) == command_id), None)

    def _set(self, guild_id: int | None, commands: list[dict[str, Any]]) -> None:
        if guild_id is None:
            self.global_commands = commands
        else:
            self.guild_commands[guild_id] = commands

    def _store(
        self, guild_id: int | None, payload: dict[str, Any], old: dict[str, Any] | None
    ) -> dict[str, Any]:
        perms = payload.get("default_member_permissions")
        stored = {
            "type": 1,
            "description": "",
            "options": [],
            "nsfw": False,
            "dm_permission": True,
            **payload,
            "id": old["id"] if old else str(self._ids.next()),
            "application_id": str(self.application_id),
            "version": str(self._ids.next()),
            "default_member_permissions": None if perms is None else str(perms),
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored
