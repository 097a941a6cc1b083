"""What the delivery loop needs from a channel (Telegram now, WeChat later)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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


class Sender(Protocol):
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
