"""The one way in: every message and every press, from any channel, goes through here.

A message: a command goes to the feature that declared it. Anything else is an answer or a
new thing. The person's pending questions in this chat are read once; a reply to a message the
bot sent names what it answers (a prompt, a ticket's card, a question sent to a resident); a
message that replies to nothing answers the newest question waiting for this person, if it is
the kind of message that question takes. In a private chat what answers nothing is a new
report; in a group it is people talking to each other, and the bot stays out of it.

A press: the button's action (bot/handlers/actions.py) is found by its data and run; data no
action reads is a stale or forged button, refused politely.

Nothing here knows Telegram, and no rule of the work lives here: the features decide.
"""

from __future__ import annotations

import dataclasses
import logging

from tortoise.transactions import in_transaction

from bot import logids, texts
from bot.channels.port import GROUP, Inbound, Press
from bot.handlers import pending
from bot.handlers.registry import ANYWHERE, GROUPS_ONLY, PRIVATE_ONLY, Conversation, Registry
from bot.models import Pending, MessageRef
from bot.refusals import Refused
from bot.messaging import outbox
from bot.messaging.outbox import Outgoing
from bot.handlers.flood import FloodGuard
from bot.nlp.textin import clean

log = logging.getLogger("gridbot.router")


class Router:
    def __init__(self, rt, registry: Registry) -> None:
        self.rt = rt
        self.registry = registry
        # On the bot's clock, like every other timer: a test (or the demo) moves it.
        self.flood = FloodGuard(rt.limits.flood_messages, rt.limits.flood_seconds,
                                monotonic=lambda: rt.clock.now().timestamp())

    # --- messages ------------------------------------------------------------------------------

    async def message(self, inbound: Inbound) -> None:
        inbound = _cleaned(inbound)
        if inbound.private and inbound.photo is None and inbound.text:  # an album is many photos at once, rightly
            verdict = self.flood.check(inbound.user_id)
            if verdict == "warn":
                await self._say(inbound, texts.TOO_FAST)
            inbound = dataclasses.replace(inbound, quiet=verdict != "ok")
        keyboard = self.registry.keyboard.get((inbound.text or "").strip()) if inbound.private else None
        if inbound.command is not None:
            await self._command(inbound)
        elif keyboard is not None and await keyboard(self.rt, inbound):
            pass
        else:
            async with in_transaction():
                await self._answer_or_new(inbound)
        outbox.wake_delivery()

    async def _command(self, inbound: Inbound) -> None:
        command = self.registry.commands.get(inbound.command)
        if command is None or not _fits(command.where, inbound):
            if inbound.private:
                await self._say(inbound, texts.UNKNOWN_COMMAND)
            return
        await command.run(self.rt, inbound)

    async def _answer_or_new(self, inbound: Inbound) -> None:
        now = self.rt.clock.now()
        waiting = [row for row in await pending.of_person(inbound.channel, inbound.chat_id, inbound.user_id)
                   if pending.is_live(row, now)]
        if inbound.reply_to is not None and await self._reply(inbound, waiting):
            return
        for row in waiting:
            conversation = self.registry.conversations.get(row.kind)
            if conversation is None:
                continue  # a kind no feature owns any more: the expiry sweep ends it
            if not inbound.content & conversation.accepts:
                if conversation.refuse and not inbound.other:
                    await self._say(inbound, conversation.refuse)
                    return
                continue
            await self._take(conversation, row, inbound)
            return
        await self._new(inbound)

    async def _reply(self, inbound: Inbound, waiting: list[Pending]) -> bool:
        """A reply names what it answers. Returns False when it names nothing the bot knows
        (a reply to someone else's message): then it is treated like any other message."""
        ref = await MessageRef.filter(channel=inbound.channel, chat_id=inbound.chat_id,
                                      message_id=inbound.reply_to).values_list("ref", flat=True)
        ref = ref[0] if ref else None
        if ref is None:
            return False
        asked = next((row for row in waiting if row.prompt_ref == ref), None)
        if asked is None:
            other = await pending.by_prompt(inbound.channel, inbound.chat_id, ref)
            if other is not None and other.user_id != inbound.user_id:
                await self._say(inbound, texts.PROMPT_NOT_YOURS.format(name=await _asked_name(other)))
                return True
        if asked is not None:
            conversation = self.registry.conversations.get(asked.kind)
            if conversation is not None and inbound.content & conversation.accepts:
                await self._take(conversation, asked, inbound, replied=True)
                return True
            if conversation is not None and conversation.refuse:
                await self._say(inbound, conversation.refuse)
                return True
        owner = self.registry.replies_for(ref)
        return owner is not None and await owner.take(self.rt, inbound, ref)

    async def _take(self, conversation: Conversation, row: Pending, inbound: Inbound, *, replied: bool = False) -> None:
        if (not replied and conversation.not_an_answer is not None and not row.data.get("asked_which")
                and conversation.not_an_answer(inbound)):
            await self._ask_which(row, inbound)
            return
        await conversation.take(self.rt, row, inbound)

    async def _new(self, inbound: Inbound) -> None:
        if inbound.private:
            if inbound.other:
                await self._say(inbound, texts.OTHER_CONTENT.get(inbound.other, texts.UNSUPPORTED))
            elif self.registry.private_message is not None:
                await self.registry.private_message(self.rt, inbound)
            return
        for taker in self.registry.group_messages:  # most group talk is nobody's business but the people's
            if await taker(self.rt, inbound):
                return

    # --- "is this the answer?" -----------------------------------------------------------------

    async def _ask_which(self, row: Pending, inbound: Inbound) -> None:
        """A message that looks like something new while a question waits: ask once, keeping
        the message, instead of guessing (bot/handlers/which.py takes the answer)."""
        from bot.handlers import which

        row.data["asked_which"] = True
        await pending.touch(row, self.rt.clock.now())
        await which.ask(self.rt, row, inbound)

    # --- presses -------------------------------------------------------------------------------

    async def press(self, press: Press) -> str | None:
        """Run the button's action; returns the short toast for the presser."""
        found = self.registry.actions.parse(press.data)
        if found is None:
            log.info("stale or unknown button %r from %s in %s", press.data[:64], logids.person(press.user_id),
                     logids.chat(press.chat_id))
            return texts.STALE_BUTTON
        action, handler, values = found
        try:
            async with in_transaction():
                toast = await handler(self.rt, press, *values)
        except Refused as exc:
            log.info("refused %s from %s in %s: %s", action.name, logids.person(press.user_id),
                     logids.chat(press.chat_id), exc)
            toast = str(exc)
        outbox.wake_delivery()
        return toast

    # --- helpers -------------------------------------------------------------------------------

    async def _say(self, inbound: Inbound, text: str) -> None:
        await outbox.enqueue([Outgoing(inbound.chat_id, text)], now=self.rt.clock.now())


def _fits(where: str, inbound: Inbound) -> bool:
    return (where == ANYWHERE or (where == PRIVATE_ONLY and inbound.private)
            or (where == GROUPS_ONLY and inbound.chat_kind == GROUP))


def _cleaned(inbound: Inbound) -> Inbound:
    """Text made safe to store (control characters dropped) before any feature sees it."""
    text = clean(inbound.text) if inbound.text is not None else None
    return dataclasses.replace(inbound, text=text, args=tuple(clean(a) for a in inbound.args))


async def _asked_name(row: Pending) -> str:
    from bot.jurisdiction import directory

    staff = await directory.staff_for_user(row.user_id)
    return staff.name if staff else ""
