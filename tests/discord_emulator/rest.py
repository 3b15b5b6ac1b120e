"""REST plumbing: parse and record every request, serve faults, route, and the simple routes."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .messages import ApiError
from .recording import RecordedRequest

if TYPE_CHECKING:
    from .state import EmulatorState

API_PREFIX = "/api/v10"
Handler = Callable[..., Awaitable[web.StreamResponse]]


def reply(
    data: Any = None, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response, or 204 No Content for ``None``."""
    if data is None:
        return web.Response(status=204, headers=headers)
    # Exactly "application/json", no charset: discord.py compares the header verbatim.
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers=headers, content_type="application/json")


async def parse_request(request: web.Request) -> RecordedRequest:
    """Read method, path, query, JSON or multipart body (payload_json + files) and headers."""
    body: Any = None
    files: list[tuple[str, str, bytes]] = []
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            data = await part.read(decode=False)  # type: ignore[union-attr]
            if part.name == "payload_json":
                body = json.loads(data)
            elif part.filename:
                files.append((part.name or "", part.filename, bytes(data)))
    elif request.can_read_body:
        text = await request.text()
        body = json.loads(text) if request.content_type == "application/json" and text else text
    # The bot token is a secret: keep it out of the record.
    headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
    return RecordedRequest(
        method=request.method,
        path=request.path.removeprefix(API_PREFIX),
        query=dict(request.query),
        json=body,
        files=files,
        headers=headers,
    )


def _compile(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template))


class Router:
    """Maps ``(method, path template)`` to handlers; templates use ``{name}`` placeholders."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        """Register a handler; ``auth`` routes require ``Authorization: Bot <token>``."""
        self._routes.append((method, _compile(template), handler, auth))

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str], bool] | None:
        """The handler, path parameters and auth flag for a request, or None."""
        allowed = False
        for route_method, pattern, handler, auth in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if route_method == method:
                return handler, match.groupdict(), auth
            allowed = True
        if allowed:
            raise ApiError(405, 0, "405: Method Not Allowed")
        return None


class RestApi:
    """The HTTP side of the emulator."""

    def __init__(self, emu: EmulatorState) -> None:
        self.emu = emu
        self.router = Router()
        add = self.router.add
        add("GET", "/gateway", self.get_gateway, auth=False)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        add("GET", "/users/@me", self.get_me)
        add("GET", "/users/{user_id}", self.get_user)
        add("GET", "/oauth2/applications/@me", self.get_application)
        add("GET", "/applications/@me", self.get_application)
        for prefix in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            add("GET", prefix + "/commands", self.list_commands)
            add("PUT", prefix + "/commands", self.put_commands)
            add("POST", prefix + "/commands", self.post_command)
            add("GET", prefix + "/commands/{command_id}", self.get_command)
            add("PATCH", prefix + "/commands/{command_id}", self.patch_command)
            add("DELETE", prefix + "/commands/{command_id}", self.delete_command)
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp entry point for every ``/api/v10/...`` request."""
        emu = self.emu
        record = await parse_request(request)
        emu.requests.append(record)
        try:
            response = await self._answer(request, record)
        except ApiError as error:
            response = reply(error.body(), status=error.status)
        record.status = response.status
        emu.changed()
        return response

    async def _answer(self, request: web.Request, record: RecordedRequest) -> web.StreamResponse:
        fault = next((f for f in self.emu.faults if f.take(record)), None)
        if fault is not None:
            record.fault = str(fault.status)
            return reply(fault.body(), status=fault.status, headers=fault.headers())
        found = self.router.resolve(record.method, record.path)
        if found is None:
            self.emu.unhandled.append(record)
            raise ApiError(404, 0, f"404: Not Found (the emulator has no route {record.route})")
        handler, params, auth = found
        if auth and request.headers.get("Authorization") != f"Bot {self.emu.token}":
            raise ApiError(401, 0, "401: Unauthorized")
        return await handler(record, **params)

    # -- gateway, users, application -------------------------------------------------

    async def get_gateway(self, record: RecordedRequest) -> web.Response:
        return reply({"url": self.emu.gateway_url})

    async def get_gateway_bot(self, record: RecordedRequest) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return reply({"url": self.emu.gateway_url, "shards": 1, "session_start_limit": limit})

    async def get_me(self, record: RecordedRequest) -> web.Response:
        extra = {"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None}
        return reply(self.emu.bot.payload() | extra)

    async def get_user(self, record: RecordedRequest, user_id: str) -> web.Response:
        user = self.emu.users.get(int(user_id))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return reply(user.payload())

    async def get_application(self, record: RecordedRequest) -> web.Response:
        emu = self.emu
        return reply(
            {
                "id": str(emu.application_id),
                "name": emu.bot.username,
                "icon": None,
                "description": "",
                "summary": "",
                "rpc_origins": [],
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": emu.owner.payload(),
                "team": None,
                "verify_key": "0" * 64,
                "flags": emu.application_flags,
                "bot": emu.bot.payload(),
                "interactions_endpoint_url": None,
                "tags": [],
            }
        )

    # -- application commands --------------------------------------------------------

    def _scope(self, app_id: str, guild_id: str | None) -> int | None:
        if int(app_id) != self.emu.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if guild_id is None:
            return None
        if self.emu.guild(int(guild_id)) is None:
            raise ApiError(403, 50001, "Missing Access")
        return int(guild_id)

    async def list_commands(
        self, record: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> web.Response:
        return reply(self.emu.commands.commands(self._scope(app_id, guild_id)))

    async def put_commands(
        self, record: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> web.Response:
        scope = self._scope(app_id, guild_id)
        return reply(self.emu.commands.overwrite(scope, list(record.json or [])))

    async def post_command(
        self, record: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> web.Response:
        scope = self._scope(app_id, guild_id)
        return reply(self.emu.commands.upsert(scope, dict(record.json or {})), status=201)

    async def get_command(
        self, record: RecordedRequest, app_id: str, command_id: str, guild_id: str | None = None
    ) -> web.Response:
        found = self.emu.commands.get(self._scope(app_id, guild_id), int(command_id))
        if found is None:
            raise ApiError(404, 10063, "Unknown application command")
        return reply(found)

    async def patch_command(
        self, record: RecordedRequest, app_id: str, command_id: str, guild_id: str | None = None
    ) -> web.Response:
        scope = self._scope(app_id, guild_id)
        found = self.emu.commands.get(scope, int(command_id))
        if found is None:
            raise ApiError(404, 10063, "Unknown application command")
        return reply(self.emu.commands.upsert(scope, found | dict(record.json or {})))

    async def delete_command(
        self, record: RecordedRequest, app_id: str, command_id: str, guild_id: str | None = None
    ) -> web.Response:
        if not self.emu.commands.delete(self._scope(app_id, guild_id), int(command_id)):
            raise ApiError(404, 10063, "Unknown application command")
        return reply(None)

    # -- guilds ----------------------------------------------------------------------

    async def get_guild(self, record: RecordedRequest, guild_id: str) -> web.Response:
        guild = self.emu.guild(int(guild_id))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return reply(guild.payload())

    async def get_member(
        self, record: RecordedRequest, guild_id: str, user_id: str
    ) -> web.Response:
        guild = self.emu.guild(int(guild_id))
        member = guild.members.get(int(user_id)) if guild else None
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return reply(member.payload())
