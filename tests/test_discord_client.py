"""The client: command metadata, intents, the API base, and syncing (against a local fake API)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import discord.http
import discord.webhook.async_
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from discord.gateway import DiscordWebSocket
from test_discord_fakes import FakeLibrary, FakeMessage, FakeQA, make_settings

from bot.client import NewsdeskBot, apply_api_base, build_bot, sync_commands
from bot.core.answer import MAX_QUESTION_CHARS
from bot.errors import ConfigurationError, on_app_command_error

TOKEN = "fake-token-do-not-log"
APP_ID = "555"
BOT_USER = {"id": "999", "username": "Newsdesk", "discriminator": "0", "avatar": None, "bot": True}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come only from each test, not from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("NEWSDESK_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def restore_discord_endpoints() -> Iterator[None]:
    """apply_api_base and the gateway are process-wide: put them back after each test."""
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE = base
    discord.webhook.async_.Route.BASE = base
    DiscordWebSocket.DEFAULT_GATEWAY = gateway


@dataclass
class FakeDiscordAPI:
    """A tiny stand-in for Discord's REST API on 127.0.0.1 that records each request."""

    server: TestServer
    requests: list[tuple[str, str, str, Any]] = field(default_factory=list)

    @property
    def base(self) -> str:
        """The REST base (what NEWSDESK_DISCORD_API_BASE would hold)."""
        return f"http://127.0.0.1:{self.server.port}/api/v10"

    def puts(self) -> dict[str, list[str]]:
        """Command syncs: path -> names of the commands sent."""
        return {
            path: [c["name"] for c in body]
            for method, path, _, body in self.requests
            if method == "PUT"
        }


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py only decodes a body whose content type is exactly "application/json".
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


async def _handle(api: FakeDiscordAPI, request: web.Request) -> web.StreamResponse:
    body = (
        await request.json()
        if request.can_read_body and request.content_type == "application/json"
        else None
    )
    path = request.path.removeprefix("/api/v10")
    api.requests.append((request.method, path, request.headers.get("Authorization", ""), body))
    if path == "/users/@me":
        return _json(BOT_USER)
    if path == "/oauth2/applications/@me":
        return _json(
            {
                "id": APP_ID,
                "name": "Newsdesk",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": BOT_USER,
                "verify_key": "key",
            }
        )
    if path == "/gateway/bot":
        return _json(
            {
                "url": f"ws://127.0.0.1:{api.server.port}/gateway",
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )
    if request.method == "PUT" and path.endswith("/commands"):
        return _json(
            [
                {**command, "id": str(i + 1), "application_id": APP_ID, "version": "1"}
                for i, command in enumerate(body)
            ]
        )
    if request.method == "POST" and path.startswith("/webhooks/"):
        return web.Response(status=204)
    return _json({"message": "Unknown route", "code": 0}, status=404)


@pytest.fixture
async def api() -> AsyncIterator[FakeDiscordAPI]:
    app = web.Application()
    server = TestServer(app, host="127.0.0.1")
    fake = FakeDiscordAPI(server)

    async def handler(request: web.Request) -> web.StreamResponse:
        return await _handle(fake, request)

    app.router.add_route("*", "/{tail:.*}", handler)
    await server.start_server()
    yield fake
    await server.close()


def make_bot(**env: Any) -> NewsdeskBot:
    return build_bot(make_settings(**env), FakeQA(), FakeLibrary())


# --- commands and intents --------------------------------------------------------------------


COMMANDS = {"ask", "summary", "timeline", "sources", "stats", "reindex"}


async def test_the_tree_has_the_commands_with_user_facing_descriptions() -> None:
    bot = make_bot()
    await bot.load_cogs()

    commands = {command.name: command for command in bot.tree.get_commands()}

    assert set(commands) == COMMANDS
    for command in commands.values():
        assert 10 < len(command.description) <= 100
        assert command.description != "…"
        for parameter in command.parameters:
            assert 5 < len(parameter.description) <= 100, (command.name, parameter.name)
    assert commands["ask"].description.startswith("Ask a question about the news")
    assert bot.tree.on_error is on_app_command_error


async def test_reindex_is_hidden_from_members_and_summary_days_is_bounded() -> None:
    bot = make_bot()
    await bot.load_cogs()

    reindex = bot.tree.get_command("reindex")
    assert reindex.default_permissions == discord.Permissions(manage_guild=True)
    assert bot.tree.get_command("ask").default_permissions is None

    days = bot.tree.get_command("summary").get_parameter("days")
    assert (days.min_value, days.max_value, days.default, days.required) == (1, 365, 7, False)
    # What Discord receives when the commands are synced:
    payload = {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}
    assert (
        payload["reindex"]["default_member_permissions"]
        == discord.Permissions(manage_guild=True).value
    )
    [days_option] = [o for o in payload["summary"]["options"] if o["name"] == "days"]
    assert (days_option["min_value"], days_option["max_value"]) == (1, 365)
    [question] = [o for o in payload["ask"]["options"] if o["name"] == "question"]
    assert question["required"] and question["max_length"] == MAX_QUESTION_CHARS  # the core's


def test_intents_are_guilds_and_messages_and_content_only_when_asked() -> None:
    intents = make_bot().intents
    assert intents.guilds and intents.guild_messages
    assert not intents.message_content
    assert not intents.members and not intents.presences

    assert make_bot(NEWSDESK_MESSAGE_CONTENT_INTENT="true").intents.message_content


# --- where requests go -----------------------------------------------------------------------


def test_apply_api_base_changes_bot_and_webhook_routes() -> None:
    assert apply_api_base("http://127.0.0.1:9/") == "http://127.0.0.1:9/api/v10"
    assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
    webhook_route = discord.webhook.async_.Route(
        "POST", "/webhooks/{webhook_id}/{webhook_token}", webhook_id=1, webhook_token="t"
    )
    assert webhook_route.url == "http://127.0.0.1:9/api/v10/webhooks/1/t"
    assert apply_api_base("http://127.0.0.1:9/api/v9") == "http://127.0.0.1:9/api/v9"


async def test_build_bot_sends_rest_and_follow_ups_to_the_configured_api(
    api: FakeDiscordAPI,
) -> None:
    async with make_bot(DISCORD_TOKEN=TOKEN, NEWSDESK_DISCORD_API_BASE=api.base) as bot:
        await bot.login(TOKEN)
        async with aiohttp.ClientSession() as session:
            # Interaction follow-ups use this webhook path.
            await discord.Webhook.partial(1, "interaction-token", session=session).send(
                "hello", allowed_mentions=discord.AllowedMentions.none()
            )

    calls = [(method, path) for method, path, _, _ in api.requests]
    assert ("GET", "/users/@me") in calls
    assert ("POST", "/webhooks/1/interaction-token") in calls
    assert api.requests[0][2] == f"Bot {TOKEN}"


async def test_with_an_api_base_the_gateway_comes_from_that_api(api: FakeDiscordAPI) -> None:
    async with make_bot(DISCORD_TOKEN=TOKEN, NEWSDESK_DISCORD_API_BASE=api.base) as bot:
        await bot.login(TOKEN)
        await bot.use_api_gateway()

    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == f"ws://127.0.0.1:{api.server.port}/gateway"


async def test_the_running_bot_answers_a_mention_of_itself(api: FakeDiscordAPI) -> None:
    qa = FakeQA()
    async with build_bot(
        make_settings(NEWSDESK_DISCORD_API_BASE=api.base), qa, FakeLibrary()
    ) as bot:
        await bot.login(TOKEN)  # learns its own id (999) from the API
        message = FakeMessage(f"<@{BOT_USER['id']}> who approved the plan?")
        bot.dispatch("message", message)
        for _ in range(200):
            if message.events.messages():
                break
            await asyncio.sleep(0.01)

    assert [call.kwargs["question"] for call in qa.events] == ["who approved the plan?"]
    assert message.events.messages()[0].name == "message.reply"


# --- syncing ---------------------------------------------------------------------------------


async def test_starting_without_a_dev_server_syncs_nothing(api: FakeDiscordAPI) -> None:
    async with make_bot(NEWSDESK_DISCORD_API_BASE=api.base) as bot:
        await bot.login(TOKEN)
        assert bot.tree.get_command("ask") is not None

    assert api.puts() == {}


async def test_starting_with_a_dev_server_syncs_only_to_it(api: FakeDiscordAPI) -> None:
    async with make_bot(NEWSDESK_DISCORD_API_BASE=api.base, NEWSDESK_DEV_GUILD_ID="321") as bot:
        await bot.login(TOKEN)

    assert list(api.puts()) == [f"/applications/{APP_ID}/guilds/321/commands"]


async def test_sync_commands_to_a_server_copies_the_global_commands_there(
    api: FakeDiscordAPI, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(DISCORD_TOKEN=TOKEN, NEWSDESK_DISCORD_API_BASE=api.base)

    with caplog.at_level(logging.DEBUG):
        names = await sync_commands(settings, FakeQA(), FakeLibrary(), 123)

    assert names == sorted(COMMANDS)
    puts = api.puts()
    assert list(puts) == [f"/applications/{APP_ID}/guilds/123/commands"]
    assert sorted(puts[f"/applications/{APP_ID}/guilds/123/commands"]) == names
    assert TOKEN not in caplog.text


async def test_sync_commands_globally_only_when_asked(api: FakeDiscordAPI) -> None:
    settings = make_settings(
        DISCORD_TOKEN=TOKEN, NEWSDESK_DISCORD_API_BASE=api.base, NEWSDESK_DEV_GUILD_ID="321"
    )

    await sync_commands(settings, FakeQA(), FakeLibrary(), None, globally=True)

    assert list(api.puts()) == [f"/applications/{APP_ID}/commands"]


async def test_sync_commands_needs_a_token_and_a_target() -> None:
    with pytest.raises(ConfigurationError, match="DISCORD_TOKEN"):
        await sync_commands(make_settings(), FakeQA(), FakeLibrary(), 1)
    with pytest.raises(ConfigurationError, match="NEWSDESK_DEV_GUILD_ID"):
        await sync_commands(make_settings(DISCORD_TOKEN=TOKEN), FakeQA(), FakeLibrary(), None)
