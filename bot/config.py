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
    # The web dashboard, Open311 and /metrics (bot/web/): where it listens, and the address
    # people's browsers use for it (links in /web messages). Empty base URL: http://host:port.
    web_host: str = "127.0.0.1"
    web_port: int = 8081
    web_base_url: str = ""
    # Seconds to wait for the Bot API's answer (and to connect) before a send counts as timed
    # out and is retried later; a long poll adds its own wait to this.
    telegram_timeout: float = 5.0
    # Keys the hash that stands for a Telegram id in log lines (bot/logids.py); empty: random
    # per process, so a person can be followed through one run's log only.
    log_key: str = field(default="", repr=False)
    # /healthz says the outbox is stuck (503) once the oldest unsent message has waited this long.
    health_outbox_seconds: float = 300.0

    @property
    def api_base_file_url(self) -> str:
        # https://api.telegram.org/bot → https://api.telegram.org/file/bot
        head, _, _ = self.api_base_url.rstrip("/").rpartition("/")
        return f"{head}/file/bot"

    @property
    def web_url(self) -> str:
        """The dashboard's public base URL, without a trailing slash."""
        return (self.web_base_url or f"http://{self.web_host}:{self.web_port}").rstrip("/")

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
            web_host=get("GRIDBOT_WEB_HOST", "127.0.0.1"),
            web_port=_port(get("GRIDBOT_WEB_PORT", "8081"), "GRIDBOT_WEB_PORT"),
            web_base_url=get("GRIDBOT_WEB_BASE_URL"),
            telegram_timeout=_seconds(get("GRIDBOT_TELEGRAM_TIMEOUT", "5"), "GRIDBOT_TELEGRAM_TIMEOUT"),
            log_key=get("GRIDBOT_LOG_KEY"),
            health_outbox_seconds=_seconds(get("GRIDBOT_HEALTH_OUTBOX_SECONDS", "300"),
                                           "GRIDBOT_HEALTH_OUTBOX_SECONDS", most=86_400),
        )


def _seconds(value: str, name: str, most: float = 300) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= most:
        raise ValueError(f"{name} must be a number of seconds (0-{most:g}), not {value!r}")
    return seconds


def _port(value: str, name: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise ValueError(f"{name} must be a port number (0-65535), not {value!r}")
    return int(value)


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
