"""The real discord.py client against the Discord emulator: connect, sync, interact, recover."""

from __future__ import annotations

import asyncio
import io
import json
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import aiohttp
import discord
import discord.webhook.async_ as webhook_async
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord_emulator import DiscordEmulator, Perm
from discord_emulator.clients import running_client

pytestmark = pytest.mark.emulator


@contextmanager
def discord_py_pointed_at(emu: DiscordEmulator) -> Iterator[None]:
    """Point discord.py's REST base, webhook base and default gateway at the emulator."""
    saved = (discord.http.Route.BASE, webhook_async.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    discord.http.Route.BASE = emu.api_base
    webhook_async.Route.BASE = emu.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, webhook_async.Route.BASE = saved[0], saved[1]
        DiscordWebSocket.DEFAULT_GATEWAY = saved[2]


def make_client(
    intents: discord.Intents | None = None,
) -> tuple[discord.Client, app_commands.CommandTree]:
    """A plain client (no message-content intent) with a command tree."""
    # A short guild_ready_timeout: on_ready fires once no GUILD_CREATE came for that long.
    client = discord.Client(intents=intents or discord.Intents.default(), guild_ready_timeout=0.05)
    return client, app_commands.CommandTree(client)


@asynccontextmanager
async def connected(emu: DiscordEmulator, client: discord.Client) -> AsyncIterator[None]:
    """Run the client against the emulator; fail if it called a route the emulator lacks."""
    with discord_py_pointed_at(emu):
        async with running_client(client, emu.token, ready_timeout=5):
            yield
    assert not emu.unhandled, f"routes the emulator does not serve: {emu.unhandled}"


def add_ask(tree: app_commands.CommandTree, delay: float = 0.0) -> None:
    """``/ask question``: defer with 'thinking', then answer in a follow-up."""

    @tree.command(name="ask", description="Ask the newsroom a question")
    @app_commands.describe(question="What you want to know")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(delay)
        await interaction.followup.send(f"Answer: {question}")


async def test_client_connects_and_sees_the_guild(emulator: DiscordEmulator) -> None:
    client, _ = make_client()
    ready: list[int] = []

    @client.event
    async def on_ready() -> None:
        ready.append(client.user.id)

    async with connected(emulator, client):
        await emulator.wait_until(lambda: ready, 5, "on_ready")
        world = emulator.world
        guild = client.get_guild(world.guild.id)
        assert guild is not None and guild.name == "Newsroom"
        assert [c.name for c in guild.text_channels] == ["general", "news"]
        assert guild.owner_id == world.owner.id
        assert guild.me.id == emulator.bot.id == ready[0]
        assert "Editors" in [role.name for role in guild.roles]
        await emulator.wait_until(lambda: client.latency < 1, 3, "a heartbeat ACK")
    assert emulator.intents == discord.Intents.default().value
    assert emulator.identify["token"] == "<redacted>"
    assert emulator.gateway.received[0].op == 1  # discord.py heartbeats right after HELLO


async def test_tree_sync_records_payloads_and_assigns_ids(emulator: DiscordEmulator) -> None:
    client, tree = make_client()
    add_ask(tree)
    home = discord.Object(emulator.world.guild.id)

    @tree.command(name="reindex", description="Rebuild the article index", guild=home)
    @app_commands.default_permissions(manage_guild=True)
    async def reindex(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Reindexing", ephemeral=True)

    async with connected(emulator, client):
        synced = await tree.sync()
        await tree.sync(guild=home)
        again = await tree.sync()

    global_sync, guild_sync, _ = emulator.commands.syncs
    assert global_sync.guild_id is None and [c["name"] for c in global_sync.payload] == ["ask"]
    option = global_sync.payload[0]["options"][0]
    assert (option["name"], option["type"], option["required"]) == ("question", 3, True)
    assert guild_sync.guild_id == home.id
    assert int(guild_sync.payload[0]["default_member_permissions"]) == Perm.MANAGE_GUILD
    stored = emulator.commands.guild_commands[home.id][0]
    assert stored["default_member_permissions"] == str(int(Perm.MANAGE_GUILD))
    assert synced[0].id == int(emulator.commands.global_commands[0]["id"]) == again[0].id


async def test_slash_command_defer_then_followup(emulator: DiscordEmulator) -> None:
    client, tree = make_client()
    add_ask(tree, delay=0.05)
    async with connected(emulator, client):
        await tree.sync()
        interaction = await emulator.slash("ask", {"question": "What happened?"})
        answer = await interaction.wait_followup(timeout=5)

    assert interaction.kinds == ["callback:5", "followup"]
    assert interaction.callback.type == 5
    assert 0 <= interaction.time_to_callback < 3.0
    defer, followup = interaction.events
    assert followup.at - defer.at >= 0.05
    assert answer.content == "Answer: What happened?"
    # After a "thinking" defer, the first follow-up replaces the loading message.
    assert answer is interaction.original and not answer.loading
    sent = [r.path.split("/")[1] for r in emulator.requests if r.method == "POST"]
    assert sent == ["interactions", "webhooks"]


async def test_subcommand_group_with_entity_options(emulator: DiscordEmulator) -> None:
    client, tree = make_client()
    seen: dict[str, object] = {}
    sources = app_commands.Group(name="source", description="Manage news sources")
    feeds = app_commands.Group(name="feed", description="Feed sources", parent=sources)

    @feeds.command(name="add", description="Add a feed")
    async def add(
        interaction: discord.Interaction, url: str, channel: discord.TextChannel, limit: int = 5
    ) -> None:
        seen.update(url=url, channel=channel.id, limit=limit, user=interaction.user.id)
        seen["manage_guild"] = interaction.permissions.manage_guild
        await interaction.response.send_message("Feed added", ephemeral=True)

    tree.add_command(sources)
    world = emulator.world
    async with connected(emulator, client):
        await tree.sync()
        options = {"url": "https://example.org/rss", "channel": world.news, "limit": 2}
        interaction = await emulator.slash("source feed add", options, user=world.admin)
        reply = await interaction.wait_answer(timeout=5)

    assert seen == {
        "url": "https://example.org/rss",
        "channel": world.news.id,
        "limit": 2,
        "user": world.admin.id,
        "manage_guild": True,
    }
    assert reply.ephemeral and reply.content == "Feed added"


async def test_followup_succeeds_after_rate_limit(emulator: DiscordEmulator) -> None:
    client, tree = make_client()
    add_ask(tree)
    emulator.rate_limit("POST /webhooks/*", retry_after=0.2)
    async with connected(emulator, client):
        await tree.sync()
        interaction = await emulator.slash("ask", {"question": "Again?"})
        answer = await interaction.wait_followup(timeout=5)

    posts = emulator.requests_matching("POST /webhooks/*")
    assert [(p.status, p.fault) for p in posts] == [(429, "429"), (200, None)]
    assert posts[1].received_at - posts[0].received_at >= 0.2
    assert answer.content == "Answer: Again?"


async def test_channel_message_retried_after_server_error(emulator: DiscordEmulator) -> None:
    client, _ = make_client()
    emulator.fail("POST /channels/*/messages", status=500)
    async with connected(emulator, client):
        channel = client.get_channel(emulator.world.news.id)
        sent = await channel.send("Morning briefing")

    posts = emulator.requests_matching("POST /channels/*/messages")
    assert [p.status for p in posts] == [500, 200]
    stored = emulator.channel_messages(emulator.world.news)
    assert [m.content for m in stored] == ["Morning briefing"] and stored[0].id == sent.id


async def test_client_resumes_after_dropped_gateway(emulator: DiscordEmulator) -> None:
    client, tree = make_client()
    add_ask(tree)
    resumed: list[bool] = []

    @client.event
    async def on_resumed() -> None:
        resumed.append(True)

    async with connected(emulator, client):
        await tree.sync()
        first = await emulator.slash("ask", {"question": "Before"})
        await first.wait_followup(timeout=5)
        session = emulator.gateway.session
        await emulator.wait_until(lambda: client.ws.sequence == session.seq, 5, "client caught up")
        seq_before_drop = session.seq

        await emulator.drop_gateway()
        # Injected while the socket is down: Discord replays it after RESUME.
        after = await emulator.slash("ask", {"question": "After"})
        answer = await after.wait_followup(timeout=5)
        assert await emulator.wait_for_resume(timeout=5) == 1
        await emulator.wait_until(lambda: resumed, 5, "on_resumed")
        await emulator.wait_until(lambda: client.ws.sequence == session.seq, 5, "seq in step")

    assert answer.content == "Answer: After"
    assert len(emulator.gateway.identifies) == 1  # resumed, not re-identified
    assert emulator.gateway.resumes[0]["seq"] == seq_before_drop
    assert emulator.gateway.replayed == [1]


async def test_button_click_reaches_view_callback(emulator: DiscordEmulator) -> None:
    client, tree = make_client()
    clicks: list[int] = []

    class Confirm(discord.ui.View):
        @discord.ui.button(label="Publish", custom_id="publish:confirm")
        async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            clicks.append(interaction.user.id)
            await interaction.response.edit_message(content="Published", view=None)

    @tree.command(name="publish", description="Publish the digest")
    async def publish(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Publish the digest?", view=Confirm())

    admin = emulator.world.admin
    async with connected(emulator, client):
        await tree.sync()
        command = await emulator.slash("publish", user=admin)
        prompt = await command.wait_original(timeout=5)
        assert prompt.custom_ids() == ["publish:confirm"]
        click = await emulator.click(prompt, "publish:confirm")
        await click.wait_callback(timeout=5)

    assert clicks == [admin.id]  # the click defaults to the user who ran the command
    assert click.callback.type == 7
    assert prompt.content == "Published" and prompt.components == []


async def test_modal_submission_reaches_on_submit(emulator: DiscordEmulator) -> None:
    client, tree = make_client()
    submitted: list[str] = []

    class Feedback(discord.ui.Modal, title="Feedback"):
        text = discord.ui.TextInput(label="Your feedback", custom_id="feedback:text")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            submitted.append(self.text.value)
            await interaction.response.send_message("Thanks!", ephemeral=True)

    @tree.command(name="feedback", description="Tell us what you think")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    async with connected(emulator, client):
        await tree.sync()
        command = await emulator.slash("feedback")
        await command.wait_callback(timeout=5)
        submission = await emulator.submit_modal(command, {"feedback:text": "Useful"})
        thanks = await submission.wait_answer(timeout=5)

    assert command.callback.type == 9 and command.modal["title"] == "Feedback"
    assert submitted == ["Useful"] and thanks.content == "Thanks!"


async def test_message_mentioning_the_bot_reaches_on_message(emulator: DiscordEmulator) -> None:
    client, _ = make_client()  # default intents: no MESSAGE_CONTENT
    seen: list[tuple[str, list[int]]] = []

    @client.event
    async def on_message(message: discord.Message) -> None:
        seen.append((message.content, [user.id for user in message.mentions]))

    bot_id = emulator.bot.id
    async with connected(emulator, client):
        await emulator.send_message("what's new?", mention_bot=True)
        await emulator.send_message("just chatting")
        await emulator.wait_until(lambda: len(seen) == 2, 5, "two on_message calls")

    assert seen[0] == (f"<@{bot_id}> what's new?", [bot_id])
    # Without the MESSAGE_CONTENT intent Discord blanks messages that don't mention the bot.
    assert seen[1] == ("", [])


async def test_emulator_enforces_discord_rules(emulator: DiscordEmulator) -> None:
    client, tree = make_client()
    errors: list[discord.HTTPException] = []
    emulator.interaction_ack_timeout = 0.1

    @tree.command(name="slow", description="Answers too late")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.2)
        try:
            await interaction.response.send_message("late")
        except discord.NotFound as error:
            errors.append(error)

    async with connected(emulator, client):
        await tree.sync()
        with pytest.raises(discord.HTTPException) as too_long:
            await client.get_channel(emulator.world.channel.id).send("x" * 2001)
        interaction = await emulator.slash("slow")
        await emulator.wait_until(lambda: errors, 5, "the late callback to fail")

    assert too_long.value.code == 50035
    assert errors[0].code == 10062 and interaction.callback is None
    assert len(interaction.late_callbacks) == 1


async def test_gateway_speaks_zlib_stream_and_rejects_bad_tokens(
    emulator: DiscordEmulator,
) -> None:
    inflate = zlib.decompressobj()
    url = emulator.gateway_url + "?v=10&encoding=json&compress=zlib-stream"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        frame = await ws.receive_bytes(timeout=5)
        assert frame.endswith(b"\x00\x00\xff\xff")
        hello = json.loads(inflate.decompress(frame))
        assert hello == {"op": 10, "d": {"heartbeat_interval": 1000}, "s": None, "t": None}
        await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 0, "properties": {}}})
        closing = await ws.receive(timeout=5)
    assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == 4004


async def test_channel_messages_files_threads_and_reactions(emulator: DiscordEmulator) -> None:
    client, _ = make_client()
    news = emulator.world.news
    async with connected(emulator, client):
        channel = client.get_channel(news.id)
        digest = await channel.send("Digest", file=discord.File(io.BytesIO(b"a,b"), "digest.csv"))
        thread = await digest.create_thread(name="Digest discussion")
        await thread.send("Sources inside")
        await digest.add_reaction("📰")
        await digest.edit(content="Digest (updated)")
        fetched = await channel.fetch_message(digest.id)
        note = await channel.send("temporary")
        await note.delete()

    upload = emulator.requests_matching("POST /channels/*/messages")[0]
    assert upload.json["content"] == "Digest" and upload.files[0][1:] == ("digest.csv", b"a,b")
    stored = emulator.channel_messages(news)
    assert [m.content for m in stored] == ["Digest (updated)"] and fetched.edited_at is not None
    assert stored[0].files[0].data == b"a,b" and stored[0].history[0]["content"] == "Digest"
    assert stored[0].payload["reactions"][0]["emoji"]["name"] == "📰"
    in_thread = emulator.messages.in_channel(thread.id)
    assert thread.id == digest.id and [m.content for m in in_thread] == ["Sources inside"]


async def test_autocomplete_and_select_menu(emulator: DiscordEmulator) -> None:
    client, tree = make_client()
    picked: list[list[str]] = []

    class Pick(discord.ui.View):
        @discord.ui.select(
            custom_id="topic:pick",
            options=[discord.SelectOption(label="Politics"), discord.SelectOption(label="Sport")],
        )
        async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
            picked.append(select.values)
            await interaction.response.defer()

    async def topics(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = ["politics", "sport", "science"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @tree.command(name="digest", description="Send a digest on a topic")
    @app_commands.autocomplete(topic=topics)
    async def digest(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"Digest: {topic}", view=Pick(), ephemeral=True)

    async with connected(emulator, client):
        await tree.sync()
        typing = await emulator.autocomplete("digest", {"topic": "s"}, focused="topic")
        suggestions = await typing.wait_callback(timeout=5)
        command = await emulator.slash("digest", {"topic": "sport"})
        menu = await command.wait_original(timeout=5)
        choice = await emulator.click(menu, "topic:pick", values=["Sport"])
        await choice.wait_callback(timeout=5)

    assert suggestions.type == 8
    assert [c["value"] for c in suggestions.data["choices"]] == ["sport", "science"]
    assert menu.ephemeral and menu.content == "Digest: sport"
    assert picked == [["Sport"]] and choice.callback.type == 6
