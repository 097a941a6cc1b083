"""The channel port: what GridBot takes in from a messaging channel, in no channel's words.

A channel adapter (Telegram today, bot/channels/telegram/; a WeChat 服务号 for residents and
WeCom for staff later) turns what its platform delivers into `Inbound` (a message) and `Press`
(a button pressed), and sends outbox rows through a `Sender` (bot/channels/base.py). The router
(bot/handlers/router.py) and the features behind it see only these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    extra: dict = field(default_factory=dict)
