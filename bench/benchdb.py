"""A fresh, migrated database for a benchmark: a SQLite file, or a PostgreSQL database made
anew on the given server (dropped first if a previous run left it)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.db import migrate


async def fresh_bench_database(kind: str, server_url: str, *, name: str, sqlite_path: Path) -> str:
    if kind == "sqlite":
        url = f"sqlite://{sqlite_path}"
    else:
        import asyncpg

        admin = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    await migrate(url)
    return url
