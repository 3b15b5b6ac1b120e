"""A local Discord for end-to-end tests: the real discord.py client against REST + gateway.

The emulator speaks enough of Discord's API v10 on 127.0.0.1 (aiohttp, ephemeral port) for
an unmodified discord.py 2.7 client to log in, connect, sync commands, receive interactions
and messages, answer them, and survive rate limits and dropped connections. Everything the
bot sends is recorded so tests can assert on it, and waiting helpers replace sleeps.

Pointing discord.py at it
-------------------------
Three class attributes (``bot.client.apply_api_base(emu.api_base)`` sets the first two and
``bot.client.apply_gateway(emu.gateway_url)`` the third)::

    discord.http.Route.BASE = emu.api_base                     # http://127.0.0.1:PORT/api/v10
    discord.webhook.async_.Route.BASE = emu.api_base           # the same Route class in 2.7
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)

A plain ``discord.Client``/``commands.Bot`` never asks ``GET /gateway/bot``: it connects to
``DEFAULT_GATEWAY`` directly, so the REST base alone is not enough (AutoSharded clients do
ask, and the emulator answers). Restore the attributes afterwards. Pass
``guild_ready_timeout=0.05`` to the client, or on_ready waits 2 s after the last GUILD_CREATE.

A test, start to finish
-----------------------
The ``emulator`` fixture (tests/conftest.py) yields a started emulator whose default world
was seeded (``emu.world``: guild "Newsroom", channels ``channel`` (#general) and ``news``,
users ``owner``, ``admin`` (role "Editors": MANAGE_GUILD, MANAGE_MESSAGES) and ``member``
(no extra permissions)); it stops the emulator at teardown::

    from discord_emulator.clients import running_client

    @pytest.mark.emulator
    async def test_ask(emulator):
        bot = build_bot(...)                           # pointed at emulator.api_base etc.
        async with running_client(bot, emulator.token):   # start, wait ready, always close
            await bot.tree.sync()                      # recorded: emulator.commands.syncs
            ix = await emulator.slash("ask", {"question": "What happened?"})
            answer = await ix.wait_answer(timeout=10)
        assert ix.callback.type == 5 and ix.time_to_callback < 3
        assert "[1]" in answer.text and not answer.pings()

Building the world (before the client connects)
-----------------------------------------------
``DiscordEmulator(token=..., bot_name=..., heartbeat_interval=41.25 (seconds),
interaction_ack_timeout=3.0 (None: off), require_synced_commands=True,
echo_bot_messages=True)``; ``emu.seed_default_world()`` -> ``World``;
``emu.add_user(name)``, ``emu.add_guild(name, owner=, channels=("general",))`` (adds the bot
with a managed role and the owner), ``guild.add_role(name, Perm.X | Perm.Y)``,
``guild.add_channel(name)``, ``guild.add_member(user, [role])``, ``guild.everyone.permissions``,
``guild.channel("news")``, ``guild.permissions_for(user)``. A guild added after the bot
connected is announced with ``await emu.announce_guild(guild)``.

Injecting what users do (the bot must be connected)
---------------------------------------------------
- ``await emu.slash("ask", {"question": "..."}, user=, channel=, guild=)`` -> InteractionHandle.
  ``"group sub"`` / ``"group subgroup sub"`` address subcommands. Option types come from the
  synced command (unknown or missing required options and values outside ``choices`` raise);
  pass ``User``/``Channel``/``Role`` objects for entity options (``resolved`` is filled in).
  The command must have been synced (else ``CommandUnavailable``) and its
  ``default_member_permissions`` must allow the user (else ``CommandUnavailable``), as in
  Discord. Defaults: user ``world.member``, channel ``world.channel``.
- ``await emu.click(message, custom_id, user=, values=[...])``: a button (or a select menu
  with ``values``) on a ``StoredMessage`` or message id; the user defaults to whoever ran the
  interaction that produced the message. Raises if the message has no such component.
- ``await emu.submit_modal(handle, {"input_custom_id": "text"})`` answers a modal the bot
  opened with callback type 9; ``await emu.autocomplete("ask", {"question": "wh"},
  focused="question")`` sends an autocomplete interaction (callback type 8 carries choices).
- ``await emu.send_message("text", user=, channel=, mention_bot=False)`` -> StoredMessage,
  delivered as MESSAGE_CREATE with ``mentions``. As in Discord: nothing is delivered without
  the GUILD_MESSAGES intent (``message.delivered`` is False), and without MESSAGE_CONTENT
  the content is blank unless the bot is mentioned.

InteractionHandle: what the bot answered, and when
--------------------------------------------------
``callback`` (first ``Callback``: ``type`` 4 message, 5 deferred, 6 deferred update,
7 update, 8 autocomplete, 9 modal; ``data``; ``received_at``), ``callbacks``,
``time_to_callback`` (seconds from dispatch), ``events`` / ``kinds`` (ordered, e.g.
``["callback:5", "edit_original", "followup"]``, each with ``at``), ``original`` (the
response message; for 6/7 the clicked message), ``followups``, ``modal``,
``late_callbacks`` (callbacks refused because they came after ``interaction_ack_timeout``:
Discord answers those with 404 Unknown interaction). Waiting: ``await wait_callback()``,
``await wait_followup(index=0)``, ``await wait_original(predicate)``, ``await wait_answer()``
(the first visible answer: a non-loading original or a follow-up). As in Discord, the first
follow-up after a "thinking" defer fills the loading message (so it *is* ``original``).

StoredMessage (``emu.messages``, ``emu.channel_messages(channel)``)
--------------------------------------------------------------------
``payload`` (the API message object), ``content``, ``embeds``, ``components``, ``text``
(content + embed text), ``flags``, ``ephemeral``, ``loading``, ``custom_ids()``,
``component(custom_id)``, ``files`` (``Attachment`` with ``data`` bytes), ``history``
(payloads before each edit), ``deleted``, ``source`` ("channel", "interaction",
"followup", "user"), ``allowed_mentions`` and ``pings()`` (who would be notified under
Discord's allowed_mentions rules: ``Pings(users, roles, everyone)``, falsy if nobody).
Requests Discord refuses are refused: content over 2,000 characters, embeds over their
limits (4,096 description, 6,000 in all, 25 fields...), empty messages (400, code 50035 /
50006), missing bot permissions (403, 50013), callbacks to an acknowledged interaction
(400, 40060), follow-ups before any callback (404, 10015).

Recording and waiting
---------------------
``emu.requests`` (``RecordedRequest``: ``method``, ``path`` relative to the API base,
``query``, ``json`` (or multipart ``payload_json``), ``files``, ``headers`` without the
token, ``received_at`` (monotonic), ``status``, ``fault``), ``emu.requests_matching("POST
/webhooks/*")`` (glob; method optional; or a predicate), ``await emu.wait_for_request(route,
timeout=10, since=t)``, ``emu.unhandled`` (requests for routes the emulator lacks: assert it
is empty), ``emu.commands.syncs`` (``CommandSync``: ``guild_id``, ``payload``),
``emu.commands.global_commands`` / ``guild_commands[guild_id]`` (stored, with ids),
``await emu.wait_for_sync(guild=None)``, ``emu.identify`` (last IDENTIFY, token redacted),
``emu.intents``, ``emu.gateway.received`` (client frames: op, d, received_at),
``emu.gateway.identifies`` / ``resumes`` / ``replayed`` (events replayed per RESUME),
``await emu.wait_for_resume(count=1)``, ``await emu.wait_for_message(channel, predicate)``,
and ``await emu.wait_until(check, timeout, "what")`` for anything else (re-checked on every
emulator change and every 20 ms, so client-side conditions work too). Timeouts raise
``EmulatorTimeout`` (an AssertionError naming what was awaited).

Faults
------
- ``emu.rate_limit("POST /webhooks/*", times=1, retry_after=0.25, is_global=False)``: the
  next matching requests get 429 with ``retry_after``/``global`` in the body and the headers
  discord.py reads (Retry-After, X-RateLimit-Limit/Remaining/Reset/Reset-After/Bucket/Scope,
  Via); discord.py sleeps and retries.
- ``emu.fail("POST /channels/*/messages", times=1, status=500)``: server errors (discord.py
  retries 500/502/504 after 1 s, 3 s, ...).
- ``await emu.drop_gateway()`` cuts the TCP connection (``code=4000`` closes politely
  instead); events dispatched meanwhile are buffered and replayed after the client's RESUME,
  with their sequence numbers, then RESUMED. ``await emu.request_reconnect()`` sends op 7;
  ``await emu.invalidate_session(resumable=False)`` sends op 9 (the client
  re-identifies, after discord.py's own 5 s identify delay).

Protocol notes
--------------
Gateway frames are compressed as the client asks (``compress=zstd-stream`` when
``zstandard`` is installed, as here; ``zlib-stream`` with Z_SYNC_FLUSH; or plain text).
READY lists guilds as unavailable, then GUILD_CREATE follows per guild (members other than
the bot only with the GUILD_MEMBERS intent; REQUEST_GUILD_MEMBERS is answered with one
GUILD_MEMBERS_CHUNK). The bot's own non-ephemeral messages come back as MESSAGE_CREATE /
UPDATE / DELETE (with GUILD_MESSAGES), and threads it creates as THREAD_CREATE. Not
emulated: DMs, voice, context-menu commands, webhooks other than the interaction webhook,
member/role update events, permission overwrites.
"""

from .inject import CommandUnavailable
from .interactions import Callback, InteractionHandle, ResponseEvent
from .messages import Attachment, Pings, StoredMessage, compute_pings
from .permissions import ALL_PERMISSIONS, DEFAULT_EVERYONE, Intent, Perm
from .recording import EmulatorTimeout, Fault, RecordedRequest
from .server import DiscordEmulator
from .state import World
from .world import Channel, Guild, Member, Role, User

__all__ = [
    "ALL_PERMISSIONS",
    "DEFAULT_EVERYONE",
    "Attachment",
    "Callback",
    "Channel",
    "CommandUnavailable",
    "DiscordEmulator",
    "EmulatorTimeout",
    "Fault",
    "Guild",
    "Intent",
    "InteractionHandle",
    "Member",
    "Perm",
    "Pings",
    "RecordedRequest",
    "ResponseEvent",
    "Role",
    "StoredMessage",
    "User",
    "World",
    "compute_pings",
]
