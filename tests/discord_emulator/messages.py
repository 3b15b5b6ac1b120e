"""Stored messages, Discord's message limits, and who a message would ping."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .ids import iso_now

EPHEMERAL = 1 << 6
LOADING = 1 << 7
# Flags a bot may set on a message it sends (suppress embeds, ephemeral, silent, components v2).
SETTABLE_FLAGS = (1 << 2) | EPHEMERAL | (1 << 12) | (1 << 15)

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


class ApiError(Exception):
    """An error the emulated API answers with (status, Discord error code, message)."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """The JSON error body Discord sends."""
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def _too_long(path: str, limit: int) -> ApiError:
    errors: dict[str, Any] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": ""}]}
    errors["_errors"][0]["message"] = f"Must be {limit} or fewer in length."
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return ApiError(400, 50035, f"Invalid Form Body ({path}: must be {limit} or fewer)", errors)


def _embed_text_sizes(embed: dict[str, Any]) -> Iterator[tuple[str, int, int]]:
    """Yield (field path, length, limit) for every text field of one embed."""
    yield "title", len(embed.get("title") or ""), 256
    yield "description", len(embed.get("description") or ""), 4096
    yield "footer.text", len((embed.get("footer") or {}).get("text") or ""), 2048
    yield "author.name", len((embed.get("author") or {}).get("name") or ""), 256
    for n, item in enumerate(embed.get("fields") or []):
        yield f"fields.{n}.name", len(item.get("name") or ""), 256
        yield f"fields.{n}.value", len(item.get("value") or ""), 1024


def validate_message_body(body: dict[str, Any], *, has_files: bool, creating: bool) -> None:
    """Reject what Discord rejects: over-long content or embeds, and empty new messages."""
    content = body.get("content")
    if content is not None and len(content) > 2000:
        raise _too_long("content", 2000)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise ApiError(400, 50035, "Invalid Form Body (embeds: at most 10)")
    total = 0
    for index, embed in enumerate(embeds):
        if len(embed.get("fields") or []) > 25:
            raise ApiError(400, 50035, f"Invalid Form Body (embeds.{index}.fields: at most 25)")
        for path, size, limit in _embed_text_sizes(embed):
            if size > limit:
                raise _too_long(f"embeds.{index}.{path}", limit)
            total += size
    if total > 6000:
        raise ApiError(
            400, 50035, "Invalid Form Body (embeds: Embed size exceeds maximum size of 6000)"
        )
    has_body = any(
        body.get(key) for key in ("content", "embeds", "components", "sticker_ids", "poll")
    )
    if creating and not has_body and not has_files:
        raise ApiError(400, 50006, "Cannot send an empty message")


@dataclass(frozen=True)
class Pings:
    """Whom a message notifies, given its content and ``allowed_mentions``."""

    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    everyone: bool = False

    def __bool__(self) -> bool:
        return bool(self.users or self.roles or self.everyone)


def compute_pings(
    content: str, allowed_mentions: dict[str, Any] | None, replied_user: int | None = None
) -> Pings:
    """Apply Discord's allowed_mentions rules (absent means: parse everything)."""
    users = {int(x) for x in _USER_MENTION.findall(content)}
    roles = {int(x) for x in _ROLE_MENTION.findall(content)}
    everyone = "@everyone" in content or "@here" in content
    if allowed_mentions is None:
        if replied_user is not None:
            users.add(replied_user)
        return Pings(frozenset(users), frozenset(roles), everyone)
    parse = set(allowed_mentions.get("parse") or [])
    allowed_users = {int(x) for x in allowed_mentions.get("users") or []}
    allowed_roles = {int(x) for x in allowed_mentions.get("roles") or []}
    users = users if "users" in parse else users & allowed_users
    roles = roles if "roles" in parse else roles & allowed_roles
    if replied_user is not None and allowed_mentions.get("replied_user"):
        users.add(replied_user)
    return Pings(frozenset(users), frozenset(roles), everyone and "everyone" in parse)


@dataclass(eq=False)
class Attachment:
    """A file uploaded with a message; ``data`` holds its bytes."""

    id: int
    filename: str
    content_type: str
    data: bytes
    url: str = ""

    def payload(self) -> dict[str, Any]:
        """The attachment object as the API sends it."""
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
        }


@dataclass(eq=False)
class StoredMessage:
    """A message in the emulator, with how it came to be (``source``) and its edit history.

    ``source`` is one of ``"channel"`` (bot POST to a channel), ``"interaction"`` (an
    interaction's original response), ``"followup"`` (webhook follow-up), ``"user"``
    (injected by the test).
    """

    payload: dict[str, Any]
    source: str
    interaction_id: int | None = None
    allowed_mentions: dict[str, Any] | None = None
    files: list[Attachment] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    delivered: bool = True
    created_at: float = field(default_factory=time.monotonic)
    updated_at: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:
        state = " deleted" if self.deleted else ""
        return f"<StoredMessage {self.id} {self.source}{state} content={self.content[:60]!r}>"

    @property
    def id(self) -> int:
        """The message id."""
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        """The id of the channel (or thread) the message is in."""
        return int(self.payload["channel_id"])

    @property
    def author_id(self) -> int:
        """The author's user id."""
        return int(self.payload["author"]["id"])

    @property
    def content(self) -> str:
        """The message text."""
        return self.payload.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """The embed objects."""
        return self.payload.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        """The component objects (action rows, buttons, ...)."""
        return self.payload.get("components") or []

    @property
    def flags(self) -> int:
        """The message flag bits."""
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user sees the message."""
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether this is a deferred response still 'thinking'."""
        return bool(self.flags & LOADING)

    @property
    def text(self) -> str:
        """Content plus embed titles, descriptions and fields: everything a reader sees."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [
                f"{f.get('name', '')}\n{f.get('value', '')}" for f in embed.get("fields") or []
            ]
            parts.append((embed.get("footer") or {}).get("text") or "")
        return "\n".join(p for p in parts if p)

    def custom_ids(self) -> list[str]:
        """Every ``custom_id`` in the message's components (buttons, selects), in order."""
        return [c["custom_id"] for c in walk_components(self.components) if "custom_id" in c]

    def component(self, custom_id: str) -> dict[str, Any] | None:
        """The component with this ``custom_id``, if present."""
        return next(
            (c for c in walk_components(self.components) if c.get("custom_id") == custom_id), None
        )

    def pings(self) -> Pings:
        """Whom this message would notify under Discord's rules."""
        ref = self.payload.get("referenced_message") or {}
        replied = int(ref["author"]["id"]) if ref.get("author") else None
        return compute_pings(self.content, self.allowed_mentions, replied)


def walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Depth-first walk through nested components (rows, containers, sections, labels)."""
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                yield from walk_components([component[key]])


class MessageStore:
    """All messages, by id and by channel in creation order."""

    def __init__(self) -> None:
        self._by_id: dict[int, StoredMessage] = {}
        self._by_channel: dict[int, list[StoredMessage]] = {}

    def add(self, message: StoredMessage) -> StoredMessage:
        """Store a new message."""
        self._by_id[message.id] = message
        self._by_channel.setdefault(message.channel_id, []).append(message)
        return message

    def get(self, message_id: int) -> StoredMessage | None:
        """The message with this id, deleted or not."""
        return self._by_id.get(message_id)

    def in_channel(self, channel_id: int, *, include_deleted: bool = False) -> list[StoredMessage]:
        """The channel's messages, oldest first."""
        found = self._by_channel.get(channel_id, [])
        return [m for m in found if include_deleted or not m.deleted]

    def all(self) -> list[StoredMessage]:
        """Every message, oldest first."""
        return sorted(self._by_id.values(), key=lambda m: m.id)


def message_payload(
    *,
    message_id: int,
    channel_id: int,
    guild_id: int | None,
    author: dict[str, Any],
    body: dict[str, Any],
    attachments: list[Attachment],
    msg_type: int = 0,
) -> dict[str, Any]:
    """Build the message object Discord would return for a create request."""
    return {
        "id": str(message_id),
        "channel_id": str(channel_id),
        **({"guild_id": str(guild_id)} if guild_id else {}),
        "author": author,
        "type": msg_type,
        "content": body.get("content") or "",
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "attachments": [a.payload() for a in attachments],
        "flags": int(body.get("flags") or 0) & SETTABLE_FLAGS,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts")),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "nonce": body.get("nonce"),
        **({"poll": body["poll"]} if body.get("poll") else {}),
    }


def apply_edit(message: StoredMessage, body: dict[str, Any], new_files: list[Attachment]) -> None:
    """Apply a PATCH body to a stored message, keeping the previous version in ``history``."""
    message.history.append(dict(message.payload))
    data = dict(message.payload)
    for key in ("content", "embeds", "components"):
        if key in body:
            data[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
    if "flags" in body and body["flags"] is not None:
        data["flags"] = (int(body["flags"]) & SETTABLE_FLAGS) | (message.flags & EPHEMERAL)
    data["flags"] = int(data.get("flags") or 0) & ~LOADING
    if "attachments" in body or new_files:
        keep_ids = {str(a.get("id")) for a in body.get("attachments") or []}
        message.files = [a for a in message.files if str(a.id) in keep_ids] + new_files
        data["attachments"] = [a.payload() for a in message.files]
    if "allowed_mentions" in body:
        message.allowed_mentions = body["allowed_mentions"]
    data["edited_timestamp"] = iso_now()
    message.payload = data
    message.updated_at = time.monotonic()
