"""Settings from the environment. Secrets come from here and are never logged."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TELEGRAM_API = "https://api.telegram.org/bot"
DEFAULT_DB = "sqlite://data/gridbot.sqlite3"


@dataclass(frozen=True)
class Settings:
    token: str = field(default="", repr=False)
    api_base_url: str = TELEGRAM_API
    database_url: str = field(default=DEFAULT_DB, repr=False)
    jurisdiction: Path | None = None
    timezone: str = "Asia/Shanghai"
    webhook_secret: str = field(default="", repr=False)

    @property
    def api_base_file_url(self) -> str:
        # https://api.telegram.org/bot → https://api.telegram.org/file/bot
        head, _, _ = self.api_base_url.rstrip("/").rpartition("/")
        return f"{head}/file/bot"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        jurisdiction = env.get("GRIDBOT_JURISDICTION")
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", ""),
            api_base_url=env.get("TELEGRAM_API_BASE_URL", TELEGRAM_API),
            database_url=env.get("DATABASE_URL", DEFAULT_DB),
            jurisdiction=Path(jurisdiction) if jurisdiction else None,
            timezone=env.get("GRIDBOT_TIMEZONE", "Asia/Shanghai"),
            webhook_secret=env.get("GRIDBOT_WEBHOOK_SECRET", ""),
        )


def redact_url(url: str) -> str:
    """A database URL fit for a log line: the password is replaced."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
