"""/ask, mentions ("@Newsdesk who won?"), and follow-up questions in the bot's threads.

A mention of the bot's own role (the role Discord made for it, which autocomplete offers under
the bot's name) counts as a mention of the bot. A question is checked before it takes a slot
of the user's rate limit, and before /ask's public "thinking" reply, so a bad one gets a
private answer and costs nothing.

``/ask thread:True`` opens a thread on the answer. In a thread the bot started, a message that
mentions the bot (or any message, when the Message Content intent is on) is a follow-up: it
is rewritten with the thread's earlier questions into a standalone question
(:mod:`bot.core.followup`) and answered there. Every answer is recorded in the activity store
(for /stats and the thread's history) and carries the Sources and 👍/👎 buttons.

With an LLM answerer the answer streams in: the reply shows drafts, edited about once a
second, until the checked answer replaces them (:class:`bot.cogs.delivery.StreamedReply`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import date

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.delivery import StreamedReply, followup_target, reply_target, safe_send_kwargs
from bot.core.activity import ActivityStore
from bot.core.answer import MAX_QUESTION_CHARS, today_utc
from bot.core.chitchat import is_chitchat
from bot.core.followup import RewriteFn, pin_time, rewrite_followup
from bot.core.llm_stream import StreamItem
from bot.core.models import Answer
from bot.core.ports import QuestionAnswering
from bot.errors import BadInput, RateLimited, checked_text, send_ephemeral, user_message_for
from bot.ratelimit import RateLimiter, take_slot
from bot.render import collapse, render_answer, render_followup, shorten

log = logging.getLogger(__name__)

THREAD_NAME_CHARS = 90
WAIT_REACTION = "⏳"
EMPTY_MENTION = (
    "Ask me a question after the mention, e.g. “@Newsdesk what happened at the summit?”, "
    "or use `/ask`."
)
ROLE_UNREADABLE = (
    "I can't read messages that mention my role. Mention me (the bot, not the role) or use `/ask`."
)
HINT_MENTION = "Ask follow-up questions here: mention me, e.g. “@Newsdesk and why?”"
HINT_ANY = "Ask follow-up questions here: just type them, e.g. “and why?”"
NO_THREAD_HERE = "I can only open a thread in a server's text channel, so I answered here."
THREAD_FAILED = "I couldn't open a thread here (I may lack the Create Public Threads permission)."

ViewFactory = Callable[[int, bool], discord.ui.View]


def mention_question(content: str, bot_user_id: int, role_ids: Iterable[int] = ()) -> str | None:
    """The question in a message that mentions the bot (or one of ``role_ids``), without the
    mention; None when it mentions neither."""
    targets = [rf"<@!?{bot_user_id}>", *(rf"<@&{role_id}>" for role_id in role_ids)]
    mention = re.compile(rf"\s*(?:{'|'.join(targets)})[\s,:;]*")
    if not mention.search(content):
        return None
    return collapse(mention.sub(" ", content))


def own_role_ids(guild: discord.Guild | None, bot_user_id: int) -> frozenset[int]:
    """The ids of the bot's own managed role in ``guild`` (none outside a server)."""
    me = guild.me if guild is not None else None
    if me is None:
        return frozenset()
    return frozenset(
        role.id
        for role in me.roles
        # Only the role Discord manages for this bot: any other role is shared with people.
        if role.is_bot_managed() and role.tags is not None and role.tags.bot_id == bot_user_id
    )


def check_question(question: str) -> str:
    """The question, tidied; BadInput when it is empty or too long (the core's limit)."""
    return checked_text(
        question,
        limit=MAX_QUESTION_CHARS,
        what="question",
        if_empty="Please ask a question, e.g. “What did the central bank decide?”",
    )


def thread_name(question: str) -> str:
    """A thread's name from its first question (Discord allows 1-100 characters)."""
    return shorten(collapse(question), THREAD_NAME_CHARS) or "Follow-up questions"


class AskCog(commands.Cog):
    """Answers questions, from /ask, from mentions, and as follow-ups in the bot's threads."""

    def __init__(
        self,
        qa: QuestionAnswering,
        bot_user_id: Callable[[], int | None] = lambda: None,
        *,
        activity: ActivityStore | None = None,
        views: ViewFactory | None = None,
        limiter: RateLimiter | None = None,
        read_all_in_threads: bool = False,
        rewrite: RewriteFn = rewrite_followup,
        today: Callable[[], date] = today_utc,
    ) -> None:
        self.qa = qa
        # A callable, because the bot's own id is only known once it has logged in.
        self._bot_user_id = bot_user_id
        self.activity = activity or ActivityStore()
        self.views = views
        self.limiter = limiter
        # With the Message Content intent every message in our threads is a follow-up.
        self.read_all_in_threads = read_all_in_threads
        self.rewrite = rewrite  # follow-up -> standalone question (rules, or an LLM)
        self.today = today
        self._told_until: dict[int, float] = {}  # user id -> when their limit notice expires

    def stream(self, question: str, guild_id: int | None) -> AsyncIterator[StreamItem]:
        """The answer's drafts (with an LLM answerer), then the Answer.

        The core runs off the event loop either way, so the gateway heartbeat keeps going.
        """
        if hasattr(self.qa, "stream"):
            return self.qa.stream(question, guild_id=guild_id)
        return self._asked(question, guild_id)  # a QuestionAnswering that cannot stream

    async def _asked(self, question: str, guild_id: int | None) -> AsyncIterator[StreamItem]:
        yield await asyncio.to_thread(self.qa.ask, question, guild_id=guild_id)

    @app_commands.command(name="ask")
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        thread: bool = False,
    ) -> None:
        """Ask a question about the news; the answer cites the articles it comes from.

        Args:
            question: What you want to know, e.g. "What did the central bank decide?"
            thread: Open a thread on the answer, for follow-up questions (default: no)
        """
        # Checked before the (public) defer, so a bad question gets a private reply, and
        # before the rate limit, so it costs no slot.
        question = check_question(question)
        take_slot(self.limiter, interaction.user.id)
        await interaction.response.defer(thinking=True)
        started = time.perf_counter()
        reply = StreamedReply(followup_target(interaction))
        answer = await reply.collect(self.stream(question, interaction.guild_id))
        answer_id = await self.record(
            "ask",
            question,
            answer,
            started,
            standalone=pin_time(question, self.today()),
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
        )
        sent = await reply.finish(render_answer(answer), self.view_for(answer_id, answer))
        if thread:
            await self._open_thread(interaction, sent[0] if sent else None, question, answer_id)

    async def record(
        self, kind: str, question: str, answer: Answer, started: float, **fields: object
    ) -> int:
        """Store the answer in the activity log (off the event loop); returns its id."""
        latency = time.perf_counter() - started
        return await asyncio.to_thread(
            self.activity.record_answer, kind, question, answer, latency_s=latency, **fields
        )

    def view_for(self, answer_id: int, answer: Answer) -> discord.ui.View | None:
        """The buttons under an answer (Sources only when it cites passages)."""
        if self.views is None:
            return None
        return self.views(answer_id, bool(answer.citations) and not answer.refused)

    async def _open_thread(
        self,
        interaction: discord.Interaction,
        message: discord.Message | None,
        question: str,
        answer_id: int,
    ) -> None:
        channel = interaction.channel
        if isinstance(channel, discord.Thread):
            # Asked inside a thread already: the conversation continues right here.
            await asyncio.to_thread(self.activity.attach_thread, answer_id, channel.id)
            return
        if message is None or not isinstance(channel, discord.TextChannel):
            await send_ephemeral(interaction, NO_THREAD_HERE)
            return
        try:
            # Through the channel: a follow-up's webhook message carries no guild to start from.
            opened = await channel.create_thread(name=thread_name(question), message=message)
        except discord.HTTPException:
            log.warning("Could not open a thread in channel %s", channel.id, exc_info=True)
            await send_ephemeral(interaction, THREAD_FAILED)
            return
        await asyncio.to_thread(self.activity.attach_thread, answer_id, opened.id)
        hint = HINT_ANY if self.read_all_in_threads else HINT_MENTION
        await opened.send(hint, **safe_send_kwargs())

    # --- messages ------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a mention (in a reply), or a follow-up in one of the bot's threads."""
        me = self._bot_user_id()
        if me is None or message.author.bot or message.author.id == me:
            return
        roles = own_role_ids(message.guild, me)
        question = mention_question(message.content, me, roles)
        if question is None and _role_mention_unread(message, roles):
            await self._reply(message, [ROLE_UNREADABLE])
            return
        if question is None and not self.read_all_in_threads:
            return
        thread_id = await self._conversation(message.channel, me)
        if question is None and thread_id is not None and self.read_all_in_threads:
            question = collapse(message.content) or None
        if question is None:
            return
        if not question:
            await self._reply(message, [EMPTY_MENTION])
            return
        try:
            question = check_question(question)  # before the limit: a bad question costs no slot
        except BadInput as bad:
            await self._reply(message, [bad.message])
            return
        if is_chitchat(question):  # "thanks!", "ok", "lol": nothing to answer, no slot taken
            return
        if not await self._within_limit(message):
            return
        if thread_id is None:
            await self._answer_mention(message, question)
        else:
            await self._answer_followup(message, question, thread_id)

    async def _conversation(self, channel: object, me: int) -> int | None:
        """The thread's id when ``channel`` is a thread the bot started (or answered in)."""
        if not isinstance(channel, discord.Thread):
            return None
        if channel.owner_id == me:
            return channel.id
        known = await asyncio.to_thread(self.activity.knows_thread, channel.id)
        return channel.id if known else None

    async def _within_limit(self, message: discord.Message) -> bool:
        try:
            take_slot(self.limiter, message.author.id)
        except RateLimited as limited:
            await self._tell_limited(message, limited)
            return False
        return True

    async def _tell_limited(self, message: discord.Message, limited: RateLimited) -> None:
        """One notice per wait, which disappears once they may ask again (messages get no
        private replies); later mentions in the wait get a ⏳ reaction, so a user cannot make
        the bot fill a channel with notices."""
        now = time.monotonic()
        if self._told_until.get(message.author.id, 0.0) > now:
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction(WAIT_REACTION)
            return
        self._told_until = {user: t for user, t in self._told_until.items() if t > now}
        self._told_until[message.author.id] = now + limited.retry_after
        await message.reply(
            limited.message,
            mention_author=False,
            delete_after=max(5.0, limited.retry_after),
            **safe_send_kwargs(),
        )

    async def _answer_mention(self, message: discord.Message, question: str) -> None:
        guild_id = message.guild.id if message.guild else None
        started = time.perf_counter()
        reply = StreamedReply(reply_target(message))
        try:
            async with message.channel.typing():
                answer = await reply.collect(self.stream(question, guild_id))
        except Exception as error:  # noqa: BLE001 - the user gets a safe reply, bugs are logged
            await self._reply(message, [user_message_for(error)])
            return
        answer_id = await self.record(
            "mention",
            question,
            answer,
            started,
            standalone=pin_time(question, self.today()),
            guild_id=guild_id,
            channel_id=message.channel.id,
            user_id=message.author.id,
        )
        await self._reply(message, render_answer(answer), self.view_for(answer_id, answer), reply)

    async def _answer_followup(self, message: discord.Message, question: str, thread: int) -> None:
        guild_id = message.guild.id if message.guild else None
        started = time.perf_counter()
        reply = StreamedReply(reply_target(message))
        try:
            history = await asyncio.to_thread(self.activity.thread_questions, thread)
            async with message.channel.typing():
                rewrite = await asyncio.to_thread(self.rewrite, question, history, self.today())
                if not rewrite.is_question:  # e.g. "and?" with nothing new to ask
                    return
                answer = await reply.collect(self.stream(rewrite.question, guild_id))
        except Exception as error:  # noqa: BLE001 - the user gets a safe reply, bugs are logged
            await self._reply(message, [user_message_for(error)])
            return
        log.info("Follow-up in thread %s (%s): %r", thread, rewrite.kind, rewrite.question)
        answer_id = await self.record(
            "followup",
            question,
            answer,
            started,
            standalone=rewrite.question,
            guild_id=guild_id,
            channel_id=message.channel.id,
            thread_id=thread,
            user_id=message.author.id,
        )
        contents = (
            render_followup(answer, rewrite.question) if rewrite.changed else render_answer(answer)
        )
        await self._reply(message, contents, self.view_for(answer_id, answer), reply)

    async def _reply(
        self,
        message: discord.Message,
        contents: list[str],
        view: discord.ui.View | None = None,
        reply: StreamedReply | None = None,
    ) -> None:
        """Reply with ``contents``, in place of ``reply``'s draft when it showed one."""
        try:
            await (reply or StreamedReply(reply_target(message))).finish(contents, view)
        except discord.HTTPException:
            log.warning("Could not reply in channel %s", message.channel.id, exc_info=True)


def _role_mention_unread(message: discord.Message, roles: frozenset[int]) -> bool:
    """Whether ``message`` mentions the bot's role but Discord withheld its text.

    Without the Message Content intent Discord may send a role mention's message without its
    content; ``role_mentions`` still says the role was mentioned, so the user can be told.
    """
    if message.content or not roles:
        return False
    return any(role.id in roles for role in message.role_mentions)
