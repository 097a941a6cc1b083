"""The driver: the sandbox's other side, used by tests, benchmarks and the demo's pages.

It plays the users (``send_text``, ``send_photo``, ``press``...), applies group privacy mode
to what they write as Telegram does, and reads what the bot did (``transcript``,
``wait_for_bot_message``...).
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any, Callable

from bot.sandbox.formatting import u16len
from bot.sandbox.keyboards import button_texts, find_button
from bot.sandbox.media import SAMPLE_PNG, STICKER_BYTES
from bot.sandbox.state import RecordedCall, SandboxState, SandboxUser, StoredMessage
from bot.sandbox.wire import JSONDict


class Driver(SandboxState):
    """What users do in the chats, and what a test reads back."""

    # -- chats and users -------------------------------------------------------------------

    def add_chat(
        self, chat_id: int, type: str = "group", title: str | None = None, username: str | None = None,
        *, bot_admin: bool = False,
    ) -> JSONDict:
        """Register a group/supergroup (or a private chat) the bot is a member of. An admin bot
        sees every message of the group; otherwise privacy mode decides (`group_privacy`)."""
        if type not in ("group", "supergroup", "private", "channel"):
            raise ValueError(f"unknown chat type {type!r}")
        chat: JSONDict = {"id": chat_id, "type": type}
        if type == "private":
            user = self._users.get(chat_id)
            chat["first_name"] = title or (user.first_name if user else str(chat_id))
        else:
            chat["title"] = title or f"Sandbox {type} {chat_id}"
        if username:
            chat["username"] = username
        self._chats[chat_id] = chat
        self._messages.setdefault(chat_id, {})
        if bot_admin:
            self._admin_in.add(chat_id)
        else:
            self._admin_in.discard(chat_id)
        return dict(chat)

    def user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> SandboxUser:
        """Create (or replace) a simulated user; their private chat has id == user id."""
        person = SandboxUser(user_id, first_name, last_name, username, language_code)
        self._users[user_id] = person
        return person

    @property
    def chats(self) -> dict[int, JSONDict]:
        return copy.deepcopy(self._chats)

    def _driver_chat(self, person: SandboxUser, chat_id: int | None) -> JSONDict:
        if person.id not in self._users:
            self._users[person.id] = person
        if chat_id is None or chat_id == person.id:
            return self._private_chat(person)
        if chat_id not in self._chats:
            raise KeyError(f"chat {chat_id} is unknown: call add_chat() first")
        return self._chats[chat_id]

    # -- what users do ---------------------------------------------------------------------

    async def send_text(
        self, user: SandboxUser, text: str, chat_id: int | None = None, *, reply_to: JSONDict | None = None
    ) -> JSONDict:
        """The user types ``text``; a leading /command gets its bot_command entity."""
        content: JSONDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else "/"
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": u16len(command)}]
        return self._user_message(user, chat_id, content, reply_to)

    async def send_photo(
        self, user: SandboxUser, data: bytes = SAMPLE_PNG, caption: str | None = None, chat_id: int | None = None,
        *, reply_to: JSONDict | None = None,
    ) -> JSONDict:
        """The user sends a photo; the bytes are stored and offered as 2-4 PhotoSizes."""
        content: JSONDict = {"photo": self._files.add_photo(data)}
        if caption:
            content["caption"] = caption
        return self._user_message(user, chat_id, content, reply_to)

    async def send_location(self, user: SandboxUser, lat: float, lon: float, chat_id: int | None = None) -> JSONDict:
        return self._user_message(user, chat_id, {"location": {"latitude": lat, "longitude": lon}})

    async def send_contact(
        self, user: SandboxUser, phone_number: str, chat_id: int | None = None
    ) -> JSONDict:
        """The user shares their own contact (a request_contact keyboard button)."""
        contact = {"phone_number": phone_number, "first_name": user.first_name, "user_id": user.id}
        if user.last_name:
            contact["last_name"] = user.last_name
        return self._user_message(user, chat_id, {"contact": contact})

    async def send_sticker(self, user: SandboxUser, chat_id: int | None = None) -> JSONDict:
        stored = self._files.add(STICKER_BYTES, "stickers", ".webp", "sticker")
        sticker = {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": 512,
            "height": 512, "is_animated": False, "is_video": False, "type": "regular",
            "emoji": "👍", "file_size": len(stored.data),
        }
        return self._user_message(user, chat_id, {"sticker": sticker})

    async def send_voice(self, user: SandboxUser, chat_id: int | None = None, duration: int = 3) -> JSONDict:
        stored = self._files.add(b"OggS\x00\x02" + bytes(58), "voice", ".oga", "voice")
        voice = {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "duration": duration, "mime_type": "audio/ogg", "file_size": len(stored.data),
        }
        return self._user_message(user, chat_id, {"voice": voice})

    async def send_update(self, raw: JSONDict) -> JSONDict:
        """Queue any update as given (fuzzing); an update_id is assigned when missing."""
        update = copy.deepcopy(raw)
        if "update_id" not in update:
            update["update_id"] = self._take_update_id()
        elif isinstance(update["update_id"], int):
            self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._notify({"type": "update", "update": copy.deepcopy(update)})
        self._enqueue(update)
        return update

    async def press(
        self,
        user: SandboxUser,
        message: JSONDict | int,
        button: str | None = None,
        *,
        data: str | None = None,
        chat_id: int | None = None,
    ) -> str:
        """Press an inline button of a bot message; returns the callback_query id.

        ``button`` is the button's text or its callback_data; ``data=`` sends any string
        (a forged or stale button). ``message`` is a message dict or a message_id.
        """
        stored = self._find_for_press(message, chat_id)
        if data is None:
            if button is None:
                raise ValueError("press() needs a button text/callback_data or data=")
            found = find_button(stored.message, button)
            if found is None:
                raise LookupError(f"no button {button!r}; buttons: {button_texts(stored.message)}")
            if "callback_data" not in found:
                raise ValueError(f"button {button!r} has no callback_data: {found}")
            data = found["callback_data"]
        query_id = str(4_000_000_000_000_000_000 + self._next_number())
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": copy.deepcopy(stored.message),
            "chat_instance": str((stored.message["chat"]["id"] * 2654435761) % (1 << 62)),
            "data": data,
        }
        self._callbacks[query_id] = query
        chat_id = stored.message["chat"]["id"]
        self._notify({"type": "callback_query", "chat_id": chat_id, "callback_query": copy.deepcopy(query)})
        self._enqueue({"update_id": self._take_update_id(), "callback_query": query})
        return query_id

    def _find_for_press(self, message: JSONDict | int, chat_id: int | None) -> StoredMessage:
        if isinstance(message, dict):
            chat_id = message["chat"]["id"] if chat_id is None else chat_id
            message_id = message["message_id"]
        else:
            message_id = message
        if chat_id is None:
            raise ValueError("press() with a message_id needs chat_id")
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None or stored.deleted:
            raise LookupError(f"message {message_id} not found in chat {chat_id}")
        return stored

    def _user_message(
        self, person: SandboxUser, chat_id: int | None, content: JSONDict, reply_to: JSONDict | None = None
    ) -> JSONDict:
        """Store a user's message in the chat and queue it as an update (privacy permitting)."""
        chat = self._driver_chat(person, chat_id)
        target = None
        if reply_to is not None:
            target = self._messages[chat["id"]].get(reply_to["message_id"])
        message = self._new_message(chat, person.to_dict(), target)
        message.update(content)
        stored = StoredMessage(message, from_bot=False)
        self._store(stored)
        self._last_user_message[chat["id"]] = message["message_id"]
        if self._bot_sees(chat, message, target):
            self._enqueue({"update_id": self._take_update_id(), "message": copy.deepcopy(message)})
        return copy.deepcopy(message)

    def _bot_sees(self, chat: JSONDict, message: JSONDict, target: StoredMessage | None) -> bool:
        """Group privacy mode (Telegram's default): only commands, replies to the bot and
        @mentions reach it, unless the bot is an admin of the group."""
        if not self.group_privacy or chat["type"] not in ("group", "supergroup") or chat["id"] in self._admin_in:
            return True
        text = message.get("text") or message.get("caption") or ""
        mentioned = f"@{self.bot_user['username']}".lower() in text.lower()
        return text.startswith("/") or mentioned or bool(target and target.from_bot)

    # -- reading ---------------------------------------------------------------------------

    def transcript(self, chat_id: int, *, include_deleted: bool = False) -> list[JSONDict]:
        """Every message in the chat, users' and the bot's, as it looks now (edits applied)."""
        return [
            stored.snapshot()
            for stored in self._messages.get(chat_id, {}).values()
            if include_deleted or not stored.deleted
        ]

    def chats_with_messages(self) -> list[int]:
        """Every chat (groups and private) that holds a message."""
        return list(self._messages)

    def bot_messages(self, chat_id: int) -> list[JSONDict]:
        return [message for message in self.transcript(chat_id) if message["from_bot"]]

    def last_bot_message(self, chat_id: int) -> JSONDict | None:
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    def callback_answer(self, callback_query_id: str) -> JSONDict | None:
        return copy.deepcopy(self._callback_answers.get(callback_query_id))

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def file_data(self, file_id: str) -> tuple[bytes, str] | None:
        """A stored file's bytes and content type (the web chat page shows photos with it)."""
        return self._files.content(file_id)

    def file_name(self, file_id: str) -> str | None:
        """A document's name (the web chat page offers it as a download under that name)."""
        return self._files.name(file_id)

    # -- waiting for the bot ---------------------------------------------------------------

    def subscribe(self) -> asyncio.Queue[JSONDict]:
        """A queue receiving every change: message, edit, delete, callback_query,
        callback_answer, chat_action, update (raw injections). For the web chat page."""
        queue: asyncio.Queue[JSONDict] = asyncio.Queue()
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[JSONDict]) -> None:
        if queue in self._subscribers:
            self._subscribers.remove(queue)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10, *, what: str | None = None) -> Any:
        """Return ``predicate()``'s first truthy value, re-checked on every change."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    changed = self._changed
                    result = predicate()
                    if result:
                        return result
                    await changed.wait()
        except TimeoutError:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what or predicate!r}") from None

    async def wait_for_bot_message(
        self,
        chat_id: int,
        predicate: Callable[[JSONDict], Any] = lambda message: True,
        timeout: float = 10,
        *,
        after: int | None = None,
    ) -> JSONDict:
        """The oldest bot message in ``chat_id`` newer than ``after`` that satisfies ``predicate``.

        ``after`` defaults to the last message a driver user sent into that chat, so the
        answer is "the bot's reply to what the user just did". Edits count: the predicate
        sees each message's current text and markup.
        """
        floor = self._last_user_message.get(chat_id, 0) if after is None else after

        def match() -> JSONDict | None:
            # Copies only the bot's messages past the floor: every change anywhere re-runs this
            # for every waiter, and copying whole transcripts made the harness cost more CPU
            # than the bot under load (bench/intake.py).
            for message_id, stored in self._messages.get(chat_id, {}).items():
                if message_id > floor and stored.from_bot and not stored.deleted:
                    message = stored.snapshot()
                    if predicate(message):
                        return message
            return None

        try:
            async with asyncio.timeout(timeout):
                while True:
                    changed = self._chat_changed.setdefault(chat_id, asyncio.Event())
                    found = match()
                    if found:
                        return found
                    await changed.wait()
        except TimeoutError:
            seen = [(m["message_id"], m.get("text") or m.get("caption")) for m in self.transcript(chat_id)[-5:]]
            raise TimeoutError(
                f"no matching bot message in chat {chat_id} after #{floor} within {timeout}s; "
                f"last messages: {seen}"
            ) from None

    async def wait_for_callback_answer(self, callback_query_id: str, timeout: float = 10) -> JSONDict:
        """The parameters the bot passed to answerCallbackQuery for this query."""
        return await self.wait_for(
            lambda: self._callback_answers.get(callback_query_id),
            timeout,
            what=f"answerCallbackQuery({callback_query_id})",
        )
