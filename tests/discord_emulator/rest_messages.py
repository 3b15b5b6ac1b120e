"""REST routes for channel messages, threads, reactions and typing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .messages import ApiError, StoredMessage, apply_edit, validate_message_body
from .permissions import Perm, has_all
from .recording import RecordedRequest
from .rest import Router, reply
from .world import PUBLIC_THREAD, Channel

if TYPE_CHECKING:
    from .state import EmulatorState

REPLY = 19


class MessageRoutes:
    """Channel message endpoints, acting as the bot user."""

    def __init__(self, emu: EmulatorState, router: Router) -> None:
        self.emu = emu
        base = "/channels/{channel_id}"
        one = base + "/messages/{message_id}"
        router.add("GET", base, self.get_channel)
        router.add("POST", base + "/typing", self.typing)
        router.add("GET", base + "/messages", self.list_messages)
        router.add("POST", base + "/messages", self.create)
        router.add("GET", one, self.get)
        router.add("PATCH", one, self.edit)
        router.add("DELETE", one, self.delete)
        router.add("POST", one + "/threads", self.thread_from_message)
        router.add("POST", base + "/threads", self.thread)
        router.add("PUT", one + "/reactions/{emoji}/@me", self.react)
        router.add("DELETE", one + "/reactions/{emoji}/@me", self.unreact)

    def _channel(self, channel_id: str) -> Channel:
        channel = self.emu.channel(int(channel_id))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    def _message(self, channel: Channel, message_id: str) -> StoredMessage:
        message = self.emu.messages.get(int(message_id))
        if message is None or message.deleted or message.channel_id != channel.id:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def _require(self, channel: Channel, permissions: int) -> None:
        granted = self.emu.bot_permissions(self.emu.guild_of(channel))
        if not has_all(granted, permissions):
            raise ApiError(403, 50013, "Missing Permissions")

    async def get_channel(self, record: RecordedRequest, channel_id: str) -> web.Response:
        return reply(self._channel(channel_id).payload())

    async def typing(self, record: RecordedRequest, channel_id: str) -> web.Response:
        self._channel(channel_id)
        return reply(None)

    async def list_messages(self, record: RecordedRequest, channel_id: str) -> web.Response:
        channel = self._channel(channel_id)
        self._require(channel, Perm.VIEW_CHANNEL | Perm.READ_MESSAGE_HISTORY)
        found = self.emu.messages.in_channel(channel.id)
        if "before" in record.query:
            found = [m for m in found if m.id < int(record.query["before"])]
        if "after" in record.query:
            found = [m for m in found if m.id > int(record.query["after"])]
        limit = int(record.query.get("limit", 50))
        newest_first = sorted(found, key=lambda m: m.id, reverse=True)[:limit]
        return reply([m.payload for m in newest_first])

    async def create(self, record: RecordedRequest, channel_id: str) -> web.Response:
        channel = self._channel(channel_id)
        send = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        self._require(channel, Perm.VIEW_CHANNEL | send)
        body = dict(record.json or {})
        validate_message_body(body, has_files=bool(record.files), creating=True)
        extra: dict[str, Any] = {}
        reference = body.get("message_reference")
        if reference and reference.get("message_id"):
            target = self.emu.messages.get(int(reference["message_id"]))
            if target is None and reference.get("fail_if_not_exists", True):
                raise ApiError(400, 50035, "Invalid Form Body (message_reference: Unknown message)")
            extra["message_reference"] = {**reference, "channel_id": str(channel.id)}
            extra["referenced_message"] = target.payload if target else None
        message = self.emu.store_message(
            channel,
            body,
            files=self.emu.attachments_from(record, channel.id),
            source="channel",
            msg_type=REPLY if extra else 0,
            extra=extra,
        )
        channel.message_count += 1 if channel.is_thread else 0
        await self.emu.echo("MESSAGE_CREATE", message)
        return reply(message.payload)

    async def get(self, record: RecordedRequest, channel_id: str, message_id: str) -> web.Response:
        return reply(self._message(self._channel(channel_id), message_id).payload)

    async def edit(self, record: RecordedRequest, channel_id: str, message_id: str) -> web.Response:
        message = self._message(self._channel(channel_id), message_id)
        if message.author_id != self.emu.bot.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        body = dict(record.json or {})
        validate_message_body(body, has_files=bool(record.files), creating=False)
        apply_edit(message, body, self.emu.attachments_from(record, message.channel_id))
        await self.emu.echo("MESSAGE_UPDATE", message)
        return reply(message.payload)

    async def delete(
        self, record: RecordedRequest, channel_id: str, message_id: str
    ) -> web.Response:
        channel = self._channel(channel_id)
        message = self._message(channel, message_id)
        if message.author_id != self.emu.bot.id:
            self._require(channel, Perm.MANAGE_MESSAGES)
        message.deleted = True
        await self.emu.echo("MESSAGE_DELETE", message)
        return reply(None)

    async def thread_from_message(
        self, record: RecordedRequest, channel_id: str, message_id: str
    ) -> web.Response:
        channel = self._channel(channel_id)
        message = self._message(channel, message_id)
        self._require(channel, Perm.CREATE_PUBLIC_THREADS)
        if message.payload.get("thread"):
            raise ApiError(400, 160004, "A thread has already been created for this message")
        # A thread started from a message takes the message's id.
        thread = self._new_thread(channel, record, thread_id=message.id, thread_type=PUBLIC_THREAD)
        message.payload["thread"] = thread.payload()
        return await self._announce(thread)

    async def thread(self, record: RecordedRequest, channel_id: str) -> web.Response:
        channel = self._channel(channel_id)
        body = record.json or {}
        thread_type = int(body.get("type") or PUBLIC_THREAD)
        needed = (
            Perm.CREATE_PUBLIC_THREADS
            if thread_type == PUBLIC_THREAD
            else Perm.CREATE_PRIVATE_THREADS
        )
        self._require(channel, needed)
        thread = self._new_thread(channel, record, self.emu.ids.next(), thread_type)
        return await self._announce(thread)

    def _new_thread(
        self, parent: Channel, record: RecordedRequest, thread_id: int, thread_type: int
    ) -> Channel:
        body = record.json or {}
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise ApiError(400, 50035, "Invalid Form Body (name: must be 1-100 characters)")
        thread = Channel(
            id=thread_id,
            name=name,
            guild_id=parent.guild_id,
            type=thread_type,
            parent_id=parent.id,
            owner_id=self.emu.bot.id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        self.emu.guild_of(parent).channels.append(thread)
        return thread

    async def _announce(self, thread: Channel) -> web.Response:
        payload = thread.payload()
        await self.emu.dispatch_event("THREAD_CREATE", payload | {"newly_created": True})
        return reply(payload, status=201)

    async def react(
        self, record: RecordedRequest, channel_id: str, message_id: str, emoji: str
    ) -> web.Response:
        channel = self._channel(channel_id)
        message = self._message(channel, message_id)
        self._require(channel, Perm.ADD_REACTIONS | Perm.READ_MESSAGE_HISTORY)
        reactions = message.payload.setdefault("reactions", [])
        entry = next((r for r in reactions if _emoji_key(r["emoji"]) == emoji), None)
        if entry is None:
            entry = {"emoji": _emoji_payload(emoji), "count": 0, "me": False, "me_burst": False}
            entry |= {"count_details": {"burst": 0, "normal": 0}, "burst_colors": []}
            reactions.append(entry)
        if not entry["me"]:
            entry["me"] = True
            entry["count"] += 1
            entry["count_details"]["normal"] += 1
        return reply(None)

    async def unreact(
        self, record: RecordedRequest, channel_id: str, message_id: str, emoji: str
    ) -> web.Response:
        message = self._message(self._channel(channel_id), message_id)
        reactions = message.payload.get("reactions") or []
        for entry in reactions:
            if _emoji_key(entry["emoji"]) == emoji and entry["me"]:
                entry["me"] = False
                entry["count"] -= 1
                entry["count_details"]["normal"] -= 1
        message.payload["reactions"] = [r for r in reactions if r["count"] > 0]
        return reply(None)


def _emoji_payload(text: str) -> dict[str, Any]:
    """``"👍"`` or ``"name:id"`` (custom emoji) as an emoji object."""
    name, _, emoji_id = text.partition(":")
    return {"id": emoji_id or None, "name": name}


def _emoji_key(emoji: dict[str, Any]) -> str:
    return f"{emoji['name']}:{emoji['id']}" if emoji.get("id") else emoji["name"]
