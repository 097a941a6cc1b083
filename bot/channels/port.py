"""The channel port: what GridBot needs from a messaging channel, in no channel's words.

A channel adapter (Telegram today, bot/channels/telegram/; a WeChat 服务号 for residents and
WeCom for staff later) provides:

- inbound: what its platform delivers, turned into `Inbound` (a message: who, which chat,
  text / photo / location / command, which message it replies to) and `Press` (a button and
  the data the bot put on it), each once (a claim per update id: bot/channels/claims.py);
- outbound: a `Sender` that sends text, photos and files, edits a message in place, shows
  buttons (rows of (label, data); data at most `Limits.button_data_bytes`), asks one person in
  a group (the "force_reply" markup: Telegram's selective ForceReply naming them), fetches a
  file a person sent, and says whether the channel answers;
- failures in the delivery loop's words (RetryLater with the wait a rate limit asks for,
  Transient, Undeliverable with a reason, TargetMissing), and its limits (`Limits`: text and
  caption size in UTF-16 units, button data, messages a minute into one group);
- integer ids for people and chats: a channel whose ids are strings (a WeChat openid) keeps a
  table of its own that numbers them.

The router (bot/handlers/router.py), the features behind it and the outbox see only these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

PRIVATE = "private"  # a person's own chat with the bot
GROUP = "group"  # a unit's group chat (a grid's WeChat group, the command centre's …)


@dataclass(frozen=True)
class Photo:
    file_id: str
    file_unique_id: str | None = None


@dataclass(frozen=True)
class Inbound:
    """One message from a person: text (or a photo's caption), a photo, a location, or a
    command; which message it replies to; and content the bot cannot read (`other`)."""

    channel: str
    user_id: int
    chat_id: int
    chat_kind: str  # PRIVATE | GROUP
    display_name: str = ""
    username: str | None = None
    text: str | None = None
    photo: Photo | None = None
    location: tuple[float, float] | None = None
    command: str | None = None  # "stats" for "/stats month" (or "/stats@GridBot month")
    args: tuple[str, ...] = ()
    reply_to: int | None = None  # the id of the message this one replies to, in this chat
    replied_text: str | None = None  # that message's words, as the person saw them
    other: str | None = None  # "sticker" | "voice" | "unsupported"
    quiet: bool = False  # a flood: keep what it says, answer nothing

    @property
    def private(self) -> bool:
        return self.chat_kind == PRIVATE

    @property
    def content(self) -> frozenset[str]:
        """What it carries: {"text"}, {"photo"}, {"photo", "text"} (a captioned photo), {"location"}."""
        found = set()
        if self.text and self.text.strip():
            found.add("text")
        if self.photo is not None:
            found.add("photo")
        if self.location is not None:
            found.add("location")
        return frozenset(found)


@dataclass(frozen=True)
class Press:
    """A button pressed: the data the bot put on it, who pressed, and in which chat."""

    channel: str
    user_id: int
    chat_id: int
    chat_kind: str
    data: str
    message_id: int | None = None
    display_name: str = ""
    username: str | None = None

    @property
    def private(self) -> bool:
        return self.chat_kind == PRIVATE


@dataclass(frozen=True)
class Limits:
    """A channel's limits the features must respect (Telegram's, by default)."""

    text_units: int = 4096  # UTF-16 code units in one text message
    caption_units: int = 1024
    button_data_bytes: int = 64
    group_messages_per_minute: int = 20


class DeliveryError(Exception):
    """A send failed; the subclass says what to do about it."""


class RetryLater(DeliveryError):
    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {seconds}s")
        self.seconds = seconds


class Transient(DeliveryError):
    """A network fault or a server error: try again with backoff."""


class Undeliverable(DeliveryError):
    """A permanent answer: the recipient blocked the bot, the chat is gone, or the request is
    malformed. `reason` is one of REASONS (a metric label and a key of texts.UNDELIVERED_REASONS)."""

    def __init__(self, description: str, reason: str = "bad_request") -> None:
        super().__init__(description)
        self.reason = reason if reason in REASONS else "bad_request"


# Why a message ended undelivered: blocked or removed (403), the chat does not exist or moved
# to a new id (400 with those words), any other refusal of the request (400).
REASONS = ("forbidden", "chat_not_found", "chat_migrated", "bad_request")


class TargetMissing(DeliveryError):
    """The message to edit no longer exists: send a new one instead."""


@dataclass(frozen=True)
class Sent:
    message_id: int | None


class TooLarge(DeliveryError):
    """A file past the size the caller will hold in memory."""


@dataclass(frozen=True)
class FetchedFile:
    data: bytes
    content_type: str  # "image/jpeg" …


class Sender(Protocol):
    """What the channel does for GridBot: send, edit, upload, fetch a file a person sent, and
    say whether it answers at all (for /healthz)."""

    async def send(
        self,
        chat_id: int,
        *,
        text: str | None,
        buttons: list | None,
        photo: str | None,
        reply_to: int | None,
    ) -> Sent: ...

    async def edit(self, chat_id: int, message_id: int, *, text: str, buttons: list | None) -> Sent: ...

    async def send_file(
        self,
        chat_id: int,
        *,
        kind: str,
        data: bytes,
        file_name: str,
        caption: str | None,
        reply_to: int | None,
    ) -> Sent:
        """Upload bytes the bot made: `kind` "photo" (shown as a picture) or "document"."""
        ...

    async def fetch_file(self, file_id: str, *, limit: int) -> FetchedFile:
        """The bytes of a file a person sent (a photo, for the dashboard). TooLarge past `limit`
        bytes (nothing that large is held); Transient when the channel does not give it."""
        ...

    async def check(self) -> None:
        """Return when the channel answers; raise DeliveryError when it does not."""
        ...
