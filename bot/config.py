"""Settings from the environment. Secrets come from here and are never logged."""

from __future__ import annotations

import os
import re
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

        def get(name: str, default: str = "") -> str:
            # Set but empty (`FOO=` in a compose file) means "not set"; a pasted token's
            # trailing newline is not part of it.
            return env.get(name, "").strip() or default

        jurisdiction = get("GRIDBOT_JURISDICTION")
        return cls(
            token=get("TELEGRAM_BOT_TOKEN"),
            api_base_url=get("TELEGRAM_API_BASE_URL", TELEGRAM_API),
            database_url=get("DATABASE_URL", DEFAULT_DB),
            jurisdiction=Path(jurisdiction) if jurisdiction else None,
            timezone=get("GRIDBOT_TIMEZONE", "Asia/Shanghai"),
            webhook_secret=get("GRIDBOT_WEBHOOK_SECRET"),
        )


_BOT_TOKEN = re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+")
_PASSWORD_PARAM = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def redact_url(url: str) -> str:
    """A URL fit for a log line: a database password (in the userinfo or as ``?password=``)
    and a Bot API token (``…/bot<token>/…``) are replaced with ``***``."""
    url = _BOT_TOKEN.sub(r"\1***", url)
    url = _PASSWORD_PARAM.sub(r"\1***", url)
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    user, colon, _ = creds.partition(":")
    return f"{scheme}{sep}{user}{':***' if colon else ''}@{host}"
