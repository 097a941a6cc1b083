"""Opening the database and applying migrations (Tortoise 1.x's built-in tool)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

MODELS = ["bot.models", "bot.models_care", "bot.models_web"]
MIGRATIONS = "migrations"


def tortoise_config(db_url: str) -> dict:
    return {
        "connections": {"default": _prepare_url(db_url)},
        "apps": {
            "models": {
                "models": MODELS,
                "default_connection": "default",
                "migrations": MIGRATIONS,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _prepare_url(db_url: str) -> str | dict:
    """SQLite files live in a folder that may not exist yet on a fresh machine. PostgreSQL
    connections skip asyncpg's reset on every return to the pool (see LeanConnection)."""
    if db_url.startswith("sqlite://") and ":memory:" not in db_url:
        path = Path(db_url.removeprefix("sqlite://").split("?", 1)[0])
        path.parent.mkdir(parents=True, exist_ok=True)
    if db_url.startswith(("postgres://", "postgresql://")):
        config = expand_db_url(db_url)
        if config["engine"] == "tortoise.backends.asyncpg":
            config["credentials"]["connection_class"] = LeanConnection
        return config
    return db_url


class LeanConnection(asyncpg.Connection):
    """asyncpg resets a connection each time it goes back to the pool (RESET ALL, UNLISTEN,
    advisory unlocks, CLOSE ALL): one more round trip per query outside a transaction, 4% of
    the bot's CPU in bench/intake.py. GridBot sets no session state, listens to nothing and
    takes no advisory locks, so there is nothing to reset; an open transaction is still rolled
    back by the pool."""

    def get_reset_query(self) -> str:
        return ""


async def migrate(db_url: str) -> None:
    """Apply every migration not yet applied (idempotent)."""
    from tortoise.migrations.api import migrate as run_migrations

    async with TortoiseContext():
        await run_migrations(config=tortoise_config(db_url))
        await Tortoise.close_connections()


@contextlib.asynccontextmanager
async def database(db_url: str) -> AsyncIterator[TortoiseContext]:
    """Connections for the running bot, inside the caller's event loop."""
    # Tortoise caches compiled INSERT/DELETE SQL per connection *name*; a process that opens
    # another backend under the same name (the test suite: SQLite, then PostgreSQL) must not
    # reuse the other dialect's SQL.
    EXECUTOR_CACHE.clear()
    _forget_cached_answers()
    ctx = TortoiseContext()
    async with ctx:
        await ctx.init(config=tortoise_config(db_url))
        try:
            yield ctx
        finally:
            await ctx.close_connections()


def _forget_cached_answers() -> None:
    """What the services keep from the last database (a grid's chat, place names) is not this one's."""
    from bot.jurisdiction import cache

    cache.forget_cached()


def _cli_config() -> dict:
    import os

    from bot.config import DEFAULT_DB

    return tortoise_config(os.environ.get("DATABASE_URL", DEFAULT_DB))


# For Tortoise's own CLI: `tortoise -c bot.db.TORTOISE_ORM makemigrations`.
TORTOISE_ORM = _cli_config()
