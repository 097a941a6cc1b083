"""What the loopback Bot API holds: chats, users, messages with their edits, files, the queue
of updates for the bot, and the change notification everyone waits on.

The sandbox is one class (``LoopbackBotAPI``) put together from parts that all work on this
state: the driver (driver.py: what users do, what tests read), the Bot API methods
(methods.py), update delivery (delivery.py: long polling and webhooks), injected faults
(faults.py) and the HTTP server (botapi.py). Each part that needs more state of its own sets
it up in its own ``__init__`` and hands the rest on (``super().__init__(**config)``).
"""

from __future__ import annotations

import asyncio
import copy
import time
from dataclasses import dataclass, field
from typing import Callable

from bot.sandbox.media import FileStore
from bot.sandbox.wire import JSONDict

# Telegram's default when allowed_updates is an empty list: everything but these.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def update_type(update: JSONDict) -> str | None:
    return next((key for key in update if key != "update_id"), None)


# ---------------------------------------------------------------------------------------------
# Small value objects


@dataclass(frozen=True)
class SandboxUser:
    """A simulated Telegram user; the driver's ``send_*`` methods act as this person."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"
    is_bot: bool = False

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class RecordedCall:
    """One HTTP call the bot made, whatever its outcome (the reply's status and body)."""

    method: str
    params: JSONDict
    status: int
    time: float
    response: JSONDict | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class StoredMessage:
    """A message as the chat shows it now, plus what it looked like before each edit."""

    message: JSONDict
    from_bot: bool
    history: list[JSONDict] = field(default_factory=list)
    reply_keyboard: JSONDict | None = None
    deleted: bool = False

    def snapshot(self) -> JSONDict:
        data = copy.deepcopy(self.message)
        data["edits"] = len(self.history)
        data["edit_history"] = copy.deepcopy(self.history)
        data["from_bot"] = self.from_bot
        if self.reply_keyboard is not None:
            data["reply_keyboard"] = copy.deepcopy(self.reply_keyboard)
        if self.deleted:
            data["deleted"] = True
        return data


# ---------------------------------------------------------------------------------------------
# The state


class SandboxState:
    """The chats and everything in them; the parts of LoopbackBotAPI act on it."""

    def __init__(self, *, bot_user: JSONDict, group_privacy: bool, now: Callable[[], float]) -> None:
        self.bot_user = bot_user
        self.group_privacy = group_privacy
        self._admin_in: set[int] = set()  # groups where the bot is an admin and sees everything
        self._now = now

        # Observable state.
        self.calls: list[RecordedCall] = []
        self.updates: list[JSONDict] = []
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._chats: dict[int, JSONDict] = {}
        self._users: dict[int, SandboxUser] = {}
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._chat_changed: dict[int, asyncio.Event] = {}  # per chat, for wait_for_bot_message
        self._last_message_id: dict[int, int] = {}
        self._last_user_message: dict[int, int] = {}
        self._files = FileStore(self._next_number)
        self._callbacks: dict[str, JSONDict] = {}
        self._callback_answers: dict[str, JSONDict] = {}

        # The updates waiting for the bot.
        self._pending: list[JSONDict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None

        # Change notification.
        self._changed = asyncio.Event()
        self._subscribers: list[asyncio.Queue[JSONDict]] = []
        self._counter = 0

    # -- change notification ---------------------------------------------------------------

    def _notify(self, event: JSONDict | None = None, *, all_chats: bool = False) -> None:
        """Wake every waiter (a fresh Event per change: no lock, no polling) and subscribers."""
        if event is not None:
            for queue in self._subscribers:
                queue.put_nowait(event)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        # A change to a chat's messages names its chat and wakes only that chat's waiters
        # (wait_for_bot_message): with hundreds of residents waiting, waking them all at every
        # call costs more than the bot being measured. Calls, updates and polls change no chat.
        chat = event.get("chat_id") if event else None
        woken = list(self._chat_changed) if all_chats else [chat] if chat in self._chat_changed else []
        for chat_id in woken:
            self._chat_changed.pop(chat_id).set()

    # -- storage helpers -------------------------------------------------------------------

    def _private_chat(self, person: SandboxUser) -> JSONDict:
        chat = self._chats.get(person.id)
        if chat is None:
            chat = {"id": person.id, "type": "private", "first_name": person.first_name}
            if person.last_name:
                chat["last_name"] = person.last_name
            if person.username:
                chat["username"] = person.username
            self._chats[person.id] = chat
            self._messages.setdefault(person.id, {})
        return chat

    def _next_number(self) -> int:
        """The running number behind callback query ids and file paths."""
        self._counter += 1
        return self._counter

    def _take_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def _new_message(self, chat: JSONDict, sender: JSONDict, reply_to: StoredMessage | None) -> JSONDict:
        """A fresh message skeleton; ids increase per chat, shared by users and the bot."""
        message_id = self._last_message_id.get(chat["id"], 0) + 1
        self._last_message_id[chat["id"]] = message_id
        message: JSONDict = {
            "message_id": message_id,
            "from": dict(sender),
            "chat": dict(chat),
            "date": int(self._now()),
        }
        if reply_to is not None:
            quoted = copy.deepcopy(reply_to.message)
            quoted.pop("reply_to_message", None)
            message["reply_to_message"] = quoted
        return message

    def _store(self, stored: StoredMessage) -> None:
        chat_id = stored.message["chat"]["id"]
        self._messages.setdefault(chat_id, {})[stored.message["message_id"]] = stored
        self._notify({"type": "message", "chat_id": chat_id, "message": stored.snapshot()})

    def _enqueue(self, update: JSONDict) -> None:
        """Queue an update for getUpdates or the webhook, honouring allowed_updates."""
        allowed = self._allowed_updates
        kind = update_type(update)
        if allowed is not None:
            permitted = set(allowed) if allowed else None
            if (permitted is not None and kind not in permitted) or (
                permitted is None and kind in OPT_IN_UPDATE_TYPES
            ):
                return
        self.updates.append(copy.deepcopy(update))
        self._pending.append(update)
        self._notify()

    # -- keeping the chats across restarts (the demo) --------------------------------------

    def export_state(self) -> JSONDict:
        """Chats, users, messages (with their edits) and files as JSON-ready data.

        Why: the demo keeps its database between runs, and the bot remembers message ids
        (a ticket's card is edited in place). A sandbox that forgot its chats would hand out
        those ids again, and the bot would edit the wrong message.
        """
        return {
            "version": 1,
            "chats": list(self._chats.values()),
            "users": [user.__dict__ for user in self._users.values()],
            "messages": [
                {
                    "message": stored.message, "from_bot": stored.from_bot, "history": stored.history,
                    "reply_keyboard": stored.reply_keyboard, "deleted": stored.deleted,
                }
                for chat in self._messages.values() for stored in chat.values()
            ],
            "last_message_id": [[chat_id, last] for chat_id, last in self._last_message_id.items()],
            "last_user_message": [[chat_id, last] for chat_id, last in self._last_user_message.items()],
            **self._files.export(),  # "files" and "photos"
            "counter": self._counter,
            # The bot remembers the update ids it has handled (bot/channels/claims.py):
            # the next run must go on numbering, as Telegram does, or its updates look seen.
            "next_update_id": self._next_update_id,
        }

    def import_state(self, state: JSONDict) -> None:
        """Restore what export_state() wrote (before the bot starts; replaces these chats)."""
        if state.get("version") != 1:
            raise ValueError("unknown sandbox state version")
        for user in state.get("users", []):
            self._users[int(user["id"])] = SandboxUser(**user)
        for chat in state.get("chats", []):
            self._chats[int(chat["id"])] = chat
            self._messages.setdefault(int(chat["id"]), {})
        for row in state.get("messages", []):
            stored = StoredMessage(row["message"], bool(row["from_bot"]), list(row.get("history") or []),
                                   row.get("reply_keyboard"), bool(row.get("deleted")))
            chat_id = int(stored.message["chat"]["id"])
            self._messages.setdefault(chat_id, {})[int(stored.message["message_id"])] = stored
        for chat_id, last in state.get("last_message_id", []):
            self._last_message_id[int(chat_id)] = int(last)
        for chat_id, last in state.get("last_user_message", []):
            self._last_user_message[int(chat_id)] = int(last)
        self._files.restore(state)
        self._counter = max(self._counter, int(state.get("counter", 0)))
        # A state written before update ids were saved: jump past any id the last run can have
        # used (Telegram, too, picks a new start after a quiet week).
        next_update_id = int(state.get("next_update_id") or int(time.time()))
        self._next_update_id = max(self._next_update_id, next_update_id)
        self._notify(all_chats=True)
