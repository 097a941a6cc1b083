"""Shared fixtures: a migrated database per test, on SQLite and (when asked) PostgreSQL.

Each backend is migrated once per session into a template (a file for SQLite, a template
database for PostgreSQL); every test gets a fresh copy, so tests never see each other's rows
and the real migrations, not `generate_schemas`, build every schema a test runs on.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import pytest_asyncio

from bot.db import database, migrate

PG_URL = os.environ.get("GRIDBOT_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


def _run_aside(coro_fn) -> None:
    """Run a coroutine to completion on a loop of its own (session fixtures are built
    lazily, from inside a test's running loop)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro_fn()).result()


def _pg_url_for(dbname: str) -> str:
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _run_aside(lambda: migrate(f"sqlite://{path}"))
    return str(path)


@pytest.fixture(scope="session")
def pg_template() -> str:
    name = f"gridbot_tpl_{os.getpid()}"

    async def build() -> None:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        await _pg_admin(f'CREATE DATABASE "{name}"')
        await migrate(_pg_url_for(name))

    _run_aside(build)
    yield name
    _run_aside(lambda: _pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture(scope="session")
def pg_dropper():
    """Drops each test's database while the next test runs: a drop is 0.1 s of the server's
    work (its files removed), a third of a minute over the suite when waited for."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="pg-drop") as pool:
        yield pool


@pytest_asyncio.fixture(params=BACKENDS)
async def db_url(request, tmp_path):
    """A URL to a freshly migrated, empty database of each backend under test."""
    if request.param == "sqlite":
        path = tmp_path / "gridbot.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite://{path}"
        return
    template = request.getfixturevalue("pg_template")
    dropper = request.getfixturevalue("pg_dropper")
    name = f"gridbot_t_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url_for(name)
    finally:
        dropper.submit(asyncio.run, _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest_asyncio.fixture
async def db(db_url):
    """Connections to that database, open for the test's body."""
    async with database(db_url) as ctx:
        yield ctx


@pytest_asyncio.fixture
async def sandbox():
    from bot.sandbox import LoopbackBotAPI

    async with LoopbackBotAPI() as api:
        yield api


@pytest_asyncio.fixture
async def harness(db, db_url, sandbox):
    """The real bot polling the loopback Bot API, on the sample district."""
    from tests.e2e import start_harness

    h = await start_harness(sandbox, db_url)
    try:
        yield h
        assert unfilled_templates(h.api) == []
    finally:
        await h.bot.stop()


TEMPLATE_SLOT = re.compile(r"\{[a-z_]*\}|\bNone\b")


def unfilled_templates(api) -> list[tuple[int, str]]:
    """Bot messages (text and buttons, as they show now) that still hold a template's slot
    ("{number}") or a missing value ("None"): whatever the test looked at, no person may read one."""
    found = []
    for chat_id in api.chats_with_messages():
        for m in api.bot_messages(chat_id):
            shown = [m.get("text") or m.get("caption") or ""]
            shown += [b.get("text", "") for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
            found += [(chat_id, s) for s in shown if TEMPLATE_SLOT.search(s)]
    return found


@pytest.fixture
def statements(monkeypatch):
    """Counts the statements sent to the database (every `execute_*` of Tortoise's clients,
    transactions' included; not BEGIN/COMMIT), as the name of the task that sent each.
    A count is behaviour, not timing."""
    import tortoise.backends.sqlite.client  # noqa: F401
    from tortoise.backends.base.client import BaseDBAsyncClient

    try:
        import tortoise.backends.asyncpg.client  # noqa: F401
    except ImportError:
        pass

    class Statements(list):
        def handling(self) -> int:
            """Statements sent handling updates: not by the delivery loop (its tasks are named
            outbox-*), nor by unnamed tasks (the test itself, the scheduler's jobs)."""
            return sum(1 for name in self if not name.startswith(("outbox-", "Task-")))

    sent = Statements()
    todo = [BaseDBAsyncClient]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        for method in ("execute_insert", "execute_query", "execute_query_dict", "execute_many"):
            own = cls.__dict__.get(method)
            if own is None:
                continue

            async def counting(self, *args, _own=own, **kwargs):
                task = asyncio.current_task()
                sent.append(task.get_name() if task else "")
                return await _own(self, *args, **kwargs)

            monkeypatch.setattr(cls, method, counting)
    return sent
