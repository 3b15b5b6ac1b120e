"""/ask, and answering messages that mention the bot ("@Newsdesk who won?")."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.delivery import reply_to, send_followups
from bot.core.models import Answer
from bot.core.ports import QuestionAnswering
from bot.errors import BadInput, user_message_for
from bot.render import collapse, render_answer

log = logging.getLogger(__name__)

MAX_QUESTION = 500
EMPTY_MENTION = (
    "Ask me a question after the mention, e.g. “@Newsdesk what happened at the summit?”, "
    "or use `/ask`."
)


def mention_question(content: str, bot_user_id: int) -> str | None:
    """The question in a message that mentions the bot, without the mention; None otherwise."""
    mention = re.compile(rf"\s*<@!?{bot_user_id}>[\s,:;]*")
    if not mention.search(content):
        return None
    return collapse(mention.sub(" ", content))


def check_question(question: str) -> str:
    """The question, tidied; BadInput when it is empty or too long."""
    question = collapse(question)
    if not question:
        raise BadInput("Please ask a question, e.g. “What did the central bank decide?”")
    if len(question) > MAX_QUESTION:
        raise BadInput(f"Please keep the question under {MAX_QUESTION} characters.")
    return question


class AskCog(commands.Cog):
    """Answers questions, from /ask or from a message that mentions the bot."""

    def __init__(
        self, qa: QuestionAnswering, bot_user_id: Callable[[], int | None] = lambda: None
    ) -> None:
        self.qa = qa
        # A callable, because the bot's own id is only known once it has logged in.
        self._bot_user_id = bot_user_id

    async def answer(self, question: str, guild_id: int | None) -> Answer:
        """Run the (CPU-bound) core off the event loop so the gateway heartbeat keeps going."""
        question = check_question(question)
        return await asyncio.to_thread(self.qa.ask, question, guild_id=guild_id)

    @app_commands.command(name="ask")
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, MAX_QUESTION]
    ) -> None:
        """Ask a question about the news; the answer cites the articles it comes from.

        Args:
            question: What you want to know, e.g. "What did the central bank decide?"
        """
        await interaction.response.defer(thinking=True)
        answer = await self.answer(question, interaction.guild_id)
        await send_followups(interaction, render_answer(answer))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message that mentions the bot, replying to it."""
        me = self._bot_user_id()
        if me is None or message.author.bot or message.author.id == me:
            return
        question = mention_question(message.content, me)
        if question is None:
            return
        if not question:
            contents = [EMPTY_MENTION]
        else:
            contents = await self._answer_contents(question, message)
        try:
            await reply_to(message, contents)
        except discord.HTTPException:
            log.warning("Could not reply in channel %s", message.channel.id, exc_info=True)

    async def _answer_contents(self, question: str, message: discord.Message) -> list[str]:
        guild_id = message.guild.id if message.guild else None
        try:
            async with message.channel.typing():
                answer = await self.answer(question, guild_id)
        except Exception as error:  # noqa: BLE001 - the user gets a safe reply, bugs are logged
            return [user_message_for(error)]
        return render_answer(answer)
