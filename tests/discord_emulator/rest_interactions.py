"""REST routes for interaction callbacks and the interaction webhook (follow-ups, @original)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .interactions import (
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE_MESSAGE,
    UPDATE_MESSAGE,
    Callback,
    InteractionHandle,
)
from .messages import (
    EPHEMERAL,
    LOADING,
    SETTABLE_FLAGS,
    ApiError,
    StoredMessage,
    apply_edit,
    validate_message_body,
)
from .recording import RecordedRequest
from .rest import Router, reply

if TYPE_CHECKING:
    from .state import EmulatorState

APPLICATION_COMMAND = 2
CHAT_INPUT_COMMAND_MESSAGE = 20


class InteractionRoutes:
    """Interaction callbacks and the interaction webhook, per Discord's rules."""

    def __init__(self, emu: EmulatorState, router: Router) -> None:
        self.emu = emu
        hook = "/webhooks/{app_id}/{token}"
        router.add(
            "POST", "/interactions/{interaction_id}/{token}/callback", self.callback, auth=False
        )
        router.add("POST", hook, self.followup, auth=False)
        router.add("GET", hook + "/messages/{message_id}", self.get_message, auth=False)
        router.add("PATCH", hook + "/messages/{message_id}", self.edit_message, auth=False)
        router.add("DELETE", hook + "/messages/{message_id}", self.delete_message, auth=False)

    # -- callbacks -------------------------------------------------------------------

    async def callback(
        self, record: RecordedRequest, interaction_id: str, token: str
    ) -> web.Response:
        handle = self.emu.interactions.get(int(interaction_id))
        if handle is None or handle.token != token:
            raise ApiError(404, 10062, "Unknown interaction")
        if handle.callbacks:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        limit = self.emu.interaction_ack_timeout
        if limit is not None and record.received_at - handle.created_at > limit:
            # Discord forgets interactions not acknowledged within 3 seconds.
            handle.late_callbacks.append(record)
            raise ApiError(404, 10062, "Unknown interaction")
        body = dict(record.json or {})
        kind, data = int(body.get("type", 0)), body.get("data")
        message = await self._apply_callback(handle, kind, data or {}, record)
        handle.callbacks.append(Callback(kind, data, record.received_at, record))
        handle.record(f"callback:{kind}", message)
        if record.query.get("with_response", "").lower() not in ("1", "true"):
            return reply(None)
        return reply(self._callback_response(handle, kind, message))

    async def _apply_callback(
        self, handle: InteractionHandle, kind: int, data: dict[str, Any], record: RecordedRequest
    ) -> StoredMessage | None:
        if kind == CHANNEL_MESSAGE:
            validate_message_body(data, has_files=bool(record.files), creating=True)
            return await self._new_original(handle, data, record, loading=False)
        if kind == DEFERRED_CHANNEL_MESSAGE:
            return await self._new_original(handle, data, record, loading=True)
        if kind in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            if handle.source_message is None:
                raise ApiError(400, 40004, "Interaction has no message to update")
            handle.original = handle.source_message
            if kind == UPDATE_MESSAGE:
                validate_message_body(data, has_files=bool(record.files), creating=False)
                files = self.emu.attachments_from(record, handle.channel.id)
                apply_edit(handle.source_message, data, files)
                await self.emu.echo("MESSAGE_UPDATE", handle.source_message)
            return handle.original
        return None

    async def _new_original(
        self,
        handle: InteractionHandle,
        data: dict[str, Any],
        record: RecordedRequest,
        loading: bool,
    ) -> StoredMessage:
        flags = int(data.get("flags") or 0)
        # A deferral keeps only its ephemeral bit and shows as "thinking" (LOADING).
        flags = (flags & EPHEMERAL) | LOADING if loading else flags & SETTABLE_FLAGS
        message = self.emu.store_message(
            handle.channel,
            data,
            files=self.emu.attachments_from(record, handle.channel.id),
            source="interaction",
            msg_type=CHAT_INPUT_COMMAND_MESSAGE if handle.type == APPLICATION_COMMAND else 0,
            interaction=handle,
            extra={"flags": flags},
        )
        handle.original = message
        await self.emu.echo("MESSAGE_CREATE", message)
        return message

    def _callback_response(
        self, handle: InteractionHandle, kind: int, message: StoredMessage | None
    ) -> dict[str, Any]:
        info: dict[str, Any] = {"id": str(handle.id), "type": handle.type}
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            info |= {
                "response_message_id": str(message.id),
                "response_message_loading": message.loading,
                "response_message_ephemeral": message.ephemeral,
            }
            resource["message"] = message.payload
        return {"interaction": info, "resource": resource}

    # -- the interaction webhook -----------------------------------------------------

    def _handle(self, app_id: str, token: str) -> InteractionHandle:
        handle = self.emu.interaction_by_token(token)
        if int(app_id) != self.emu.application_id or handle is None or not handle.callbacks:
            raise ApiError(404, 10015, "Unknown Webhook")
        if time.monotonic() - handle.created_at > 15 * 60:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return handle

    def _find(self, handle: InteractionHandle, message_id: str) -> StoredMessage:
        if message_id == "@original":
            found = handle.original
        else:
            owned = [handle.original, *handle.followups]
            found = next((m for m in owned if m is not None and m.id == int(message_id)), None)
        if found is None or found.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return found

    async def followup(self, record: RecordedRequest, app_id: str, token: str) -> web.Response:
        handle = self._handle(app_id, token)
        body = dict(record.json or {})
        validate_message_body(body, has_files=bool(record.files), creating=True)
        files = self.emu.attachments_from(record, handle.channel.id)
        original = handle.original
        if original is not None and original.loading and not original.deleted:
            # After a "thinking" defer the first follow-up replaces the loading message.
            apply_edit(original, body, files)
            message, event = original, "MESSAGE_UPDATE"
        else:
            body["flags"] = int(body.get("flags") or 0) & ~LOADING
            message = self.emu.store_message(
                handle.channel, body, files=files, source="followup", interaction=handle
            )
            event = "MESSAGE_CREATE"
        handle.followups.append(message)
        handle.record("followup", message)
        await self.emu.echo(event, message)
        wait = record.query.get("wait", "").lower() in ("1", "true")
        return reply(message.payload if wait else None)

    async def get_message(
        self, record: RecordedRequest, app_id: str, token: str, message_id: str
    ) -> web.Response:
        return reply(self._find(self._handle(app_id, token), message_id).payload)

    async def edit_message(
        self, record: RecordedRequest, app_id: str, token: str, message_id: str
    ) -> web.Response:
        handle = self._handle(app_id, token)
        message = self._find(handle, message_id)
        body = dict(record.json or {})
        validate_message_body(body, has_files=bool(record.files), creating=False)
        apply_edit(message, body, self.emu.attachments_from(record, message.channel_id))
        handle.record("edit_original" if message is handle.original else "edit_followup", message)
        await self.emu.echo("MESSAGE_UPDATE", message)
        return reply(message.payload)

    async def delete_message(
        self, record: RecordedRequest, app_id: str, token: str, message_id: str
    ) -> web.Response:
        handle = self._handle(app_id, token)
        message = self._find(handle, message_id)
        message.deleted = True
        handle.record(
            "delete_original" if message is handle.original else "delete_followup", message
        )
        await self.emu.echo("MESSAGE_DELETE", message)
        return reply(None)
