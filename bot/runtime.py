"""What every part of the running bot shares: settings, the clock, the calendar and policies.

Built once in the composition root (bot/runner.py) and handed to handlers through
the router, to features and services as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Settings
from bot.sla.policy import SlaPolicy
from bot.sla.workdays import WorkCalendar


@dataclass(frozen=True)
class Limits:
    max_text_chars: int = 20_000  # a resident's description is stored whole up to this
    card_text_chars: int = 300  # what a card shows of it
    max_photos: int = 9
    max_photo_bytes: int = 10 * 1024 * 1024  # Telegram's own limit for photos; the dashboard fetches them
    flood_messages: int = 8  # messages per resident …
    flood_seconds: float = 10.0  # … within this window before we ask them to slow down
    relay_burst: int = 5  # a ticket's answers a chat hears through the relay …
    relay_window_seconds: float = 60.0  # … within this window; the rest wait in its history


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    calendar: WorkCalendar
    sla: SlaPolicy
    limits: Limits = field(default_factory=Limits)
    rate_limit: bool = True  # Telegram's 30/s and 20/min per group; off in fast tests
    # Set by the composition root (bot/runner.py): the one way in (whose registry knows every
    # feature's conversations), and each channel's sender for what must not wait in the outbox.
    router: Any = None
    senders: dict = field(default_factory=dict)
    web_base_url: str | None = None  # where the dashboard listens once it does (the /web links)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None, **kw) -> Runtime:
        return cls(
            settings=settings,
            clock=clock or Clock(),
            calendar=WorkCalendar.from_file(),
            sla=SlaPolicy.load(),
            **kw,
        )
