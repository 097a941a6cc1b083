"""`gridbot` on the command line: migrate, load-jurisdiction, run.

The quick commands run in-process (`bot.cli.main` in a worker thread, since it owns its event
loop) on every backend under test; `gridbot run` runs as a real subprocess polling a loopback
Bot API started here, and is stopped with SIGTERM like a service manager stops it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

import pytest
import pytest_asyncio

from bot import cli, texts
from bot.db import database
from bot.models import ChatBinding, Staff, Unit
from bot.jurisdiction.load import read_jurisdiction_file
from tests.conftest import BACKENDS, _pg_admin, _pg_url_for
from tests.e2e import EXAMPLE

GRIDBOT = Path(sys.executable).with_name("gridbot")
ROOT = EXAMPLE.parent.parent


async def gridbot(monkeypatch, db_url: str, *argv: str) -> int:
    """`gridbot ARGV…` in this process with DATABASE_URL=db_url (main() runs its own loop)."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    return await asyncio.to_thread(cli.main, list(argv))


async def snapshot(db_url: str) -> tuple:
    async with database(db_url):
        return (
            sorted(await Unit.all().values_list("code", "name", "active", "parent_id")),
            sorted(await Staff.all().values_list("user_id", "name", "unit_id", "active")),
            sorted(await ChatBinding.all().values_list("chat_id", "unit_id", "purpose")),
        )


async def applied_migrations(db_url: str) -> list[tuple]:
    async with database(db_url) as ctx:
        conn = ctx.connections.get("default")
        rows = await conn.execute_query_dict("SELECT * FROM tortoise_migrations")
    return sorted(tuple(sorted((k, str(v)) for k, v in row.items() if k not in ("id", "applied", "applied_at")))
                  for row in rows)


@pytest_asyncio.fixture(params=BACKENDS)
async def empty_db_url(request, tmp_path):
    """A database that exists but was never migrated (a fresh install)."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'fresh' / 'gridbot.sqlite3'}"
        return
    name = f"gridbot_e_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url_for(name)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ─── migrate ────────────────────────────────────────────────────────────────────────────────


async def test_migrate_builds_the_schema_and_a_second_run_changes_nothing(monkeypatch, empty_db_url):
    assert await gridbot(monkeypatch, empty_db_url, "migrate") == 0
    first = await applied_migrations(empty_db_url)
    assert first  # recorded
    assert await snapshot(empty_db_url) == ([], [], [])  # every table is there, empty

    assert await gridbot(monkeypatch, empty_db_url, "migrate") == 0
    assert await applied_migrations(empty_db_url) == first


async def test_migrate_keeps_the_data(monkeypatch, db_url):
    assert await gridbot(monkeypatch, db_url, "load-jurisdiction", str(EXAMPLE)) == 0
    before = await snapshot(db_url)
    assert await gridbot(monkeypatch, db_url, "migrate") == 0
    assert await snapshot(db_url) == before


# ─── load-jurisdiction ──────────────────────────────────────────────────────────────────────


async def test_load_jurisdiction_prints_the_summary_and_a_second_run_changes_nothing(
        monkeypatch, capsys, db_url):
    j = read_jurisdiction_file(EXAMPLE)
    units, staff, chats = len(j.units), len(j.staff), len(j.chats)

    assert await gridbot(monkeypatch, db_url, "load-jurisdiction", str(EXAMPLE)) == 0
    out = capsys.readouterr().out
    assert f"单位 {units} 个（新增 {units}，更新 0，停用 0）" in out
    assert f"人员 {staff} 人（新增 {staff}，更新 0，停用 0）" in out
    assert f"群 {chats} 个（新增 {chats}，更新 0，解绑 0）" in out
    assert "没有变化" not in out
    loaded = await snapshot(db_url)
    assert [len(rows) for rows in loaded] == [units, staff, chats]

    assert await gridbot(monkeypatch, db_url, "load-jurisdiction", str(EXAMPLE)) == 0
    out = capsys.readouterr().out
    assert f"单位 {units} 个（新增 0，更新 0，停用 0）" in out
    assert f"人员 {staff} 人（新增 0，更新 0，停用 0）" in out
    assert f"群 {chats} 个（新增 0，更新 0，解绑 0）" in out
    assert "没有变化" in out
    assert await snapshot(db_url) == loaded


async def test_load_jurisdiction_migrates_a_fresh_database_first(monkeypatch, capsys, empty_db_url):
    """The README's order on a new machine: `gridbot load-jurisdiction FILE` straight away."""
    assert await gridbot(monkeypatch, empty_db_url, "load-jurisdiction", str(EXAMPLE)) == 0
    assert "单位" in capsys.readouterr().out
    units, _, _ = await snapshot(empty_db_url)
    assert len(units) == len(read_jurisdiction_file(EXAMPLE).units)


SMALL_BAD = """\
district:
  code: yingze
  name: 迎泽区
  ticket_prefix: YZ
  chat: -1001000000001
  streets:
    - code: miaoqian
      name: 庙前街道
      colour: red
"""


async def test_a_broken_file_exits_1_with_the_line_and_changes_nothing(monkeypatch, capsys, db_url, tmp_path):
    assert await gridbot(monkeypatch, db_url, "load-jurisdiction", str(EXAMPLE)) == 0
    capsys.readouterr()
    before = await snapshot(db_url)
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL_BAD, encoding="utf-8")  # applied, it would deactivate nearly everything
    line = SMALL_BAD.splitlines().index("      colour: red") + 1

    assert await gridbot(monkeypatch, db_url, "load-jurisdiction", str(bad)) == 1
    captured = capsys.readouterr()
    assert f"bad.yaml 第{line}行" in captured.err and "colour" in captured.err, captured.err
    assert "单位" not in captured.out
    assert await snapshot(db_url) == before


async def test_a_file_that_is_not_yaml_exits_1_with_the_line(monkeypatch, capsys, db_url, tmp_path):
    text = "district:\n  code: yingze\n  name: [迎泽区\n  chat: -1001000000001\n"
    bad = tmp_path / "broken.yaml"
    bad.write_text(text, encoding="utf-8")
    assert await gridbot(monkeypatch, db_url, "load-jurisdiction", str(bad)) == 1
    err = capsys.readouterr().err
    assert "broken.yaml 第" in err and "YAML" in err, err
    assert await snapshot(db_url) == ([], [], [])


async def test_a_broken_file_does_not_even_create_the_database(monkeypatch, capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL_BAD, encoding="utf-8")
    target = tmp_path / "never" / "gridbot.sqlite3"
    assert await gridbot(monkeypatch, f"sqlite://{target}", "load-jurisdiction", str(bad)) == 1
    assert "第" in capsys.readouterr().err
    assert not target.exists()


async def test_a_missing_file_exits_1(monkeypatch, capsys, db_url, tmp_path):
    assert await gridbot(monkeypatch, db_url, "load-jurisdiction", str(tmp_path / "nope.yaml")) == 1
    assert "nope.yaml" in capsys.readouterr().err


# ─── run: refusing to start ─────────────────────────────────────────────────────────────────


def test_run_without_a_token_exits_2_and_says_what_to_do(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    target = tmp_path / "gridbot.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{target}")
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "gridbot demo" in err
    assert not target.exists()  # refused before touching anything


def test_run_with_a_webhook_but_no_secret_exits_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SANDBOX-TOKEN")
    monkeypatch.delenv("GRIDBOT_WEBHOOK_SECRET", raising=False)
    target = tmp_path / "gridbot.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{target}")
    assert cli.main(["run", "--webhook", "https://bot.example.org/telegram"]) == 2
    err = capsys.readouterr().err
    assert "GRIDBOT_WEBHOOK_SECRET" in err and "123456:SANDBOX-TOKEN" not in err
    assert not target.exists()


# ─── run: a real process against the loopback Bot API ───────────────────────────────────────


def run_env(api, tmp_path: Path, token: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "GRIDBOT_", "DATABASE_URL"))}
    env.update(
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_BOT_TOKEN=token,
        DATABASE_URL=f"sqlite://{tmp_path / 'run.sqlite3'}",
        GRIDBOT_JURISDICTION=str(EXAMPLE),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


async def spawn(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    """The process, with its output read as it comes: a pipe nobody reads fills up (64 KB of
    DEBUG logging) and then the process blocks on its next log line."""
    assert GRIDBOT.exists(), f"{GRIDBOT} is missing: run ./scripts/setup-env"
    proc = await asyncio.create_subprocess_exec(
        str(GRIDBOT), *args, env=env, cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    proc.readers = (asyncio.create_task(proc.stdout.read()), asyncio.create_task(proc.stderr.read()))
    return proc


async def finish(proc: asyncio.subprocess.Process, timeout: float = 20) -> tuple[int, str, str]:
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        err = await proc.readers[1]
        pytest.fail(f"gridbot did not exit within {timeout}s\nstderr:\n{err.decode()}")
    out, err = [await reader for reader in proc.readers]
    return proc.returncode, out.decode(), err.decode()


async def test_run_polls_answers_a_resident_and_stops_cleanly_on_sigterm(sandbox, tmp_path):
    secret = "hook-Secret_never_logged"
    proc = await spawn(run_env(sandbox, tmp_path, sandbox.token, GRIDBOT_WEBHOOK_SECRET=secret),
                       "--log-level", "DEBUG", "run")
    try:
        resident = sandbox.user(5550001, "王秀兰")
        await sandbox.send_text(resident, "/start")  # waits in the queue until the bot polls
        reply = await sandbox.wait_for_bot_message(resident.id, timeout=60)
        assert reply["text"] == texts.WELCOME
        await sandbox.wait_for(lambda: sandbox.polling, timeout=30, what="the next long poll")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    code, out, err = await finish(proc)

    assert code == 0, err
    assert "GridBot started (polling)" in err and "GridBot stopped" in err  # it did log
    assert "单位" in out  # the jurisdiction was loaded at start
    # Every call carried the token in its URL; none of it reaches the log, even at DEBUG.
    assert sandbox.calls_to("getUpdates") and sandbox.calls_to("sendMessage")
    for secret_text in (sandbox.token, sandbox.token.split(":")[1], secret):
        assert secret_text not in err and secret_text not in out


async def test_run_with_a_rejected_token_exits_2_without_printing_it(sandbox, tmp_path):
    wrong = "999999:WRONG-token_that-must-not-leak"
    proc = await spawn(run_env(sandbox, tmp_path, wrong), "run")
    code, out, err = await finish(proc)
    assert code == 2, err
    assert "TELEGRAM_BOT_TOKEN" in err and "rejected" in err
    assert "Traceback" not in err
    assert wrong not in err and wrong.split(":")[1] not in err and wrong not in out
    assert [call.status for call in sandbox.calls_to("getMe")] == [401]


def test_log_lines_never_carry_the_token_or_the_secret(monkeypatch):
    import logging

    token, secret = "7012345678:AAHk-Secret_TokenPart", "hook-Secret_0123"
    cli.setup_logging("INFO", (token, secret, ""))
    # httpx logs each request's URL at INFO, and a Bot API URL holds the token.
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING

    formatter = cli.RedactingFormatter("%(name)s: %(message)s", (token, secret, ""))
    try:
        raise RuntimeError(f"The token `{token}` was rejected by the server.")
    except RuntimeError:
        record = logging.LogRecord("telegram.ext.ExtBot", logging.DEBUG, __file__, 1,
                                   "Set Bot API URL: %s (secret %s)",
                                   (f"https://api.telegram.org/bot{token}", secret), sys.exc_info())
    line = formatter.format(record)
    assert "Set Bot API URL: https://api.telegram.org/bot***" in line and "RuntimeError" in line
    assert token not in line and secret not in line and token.split(":")[1] not in line


# ─── demo: the terminal chat ────────────────────────────────────────────────────────────────


async def test_the_demo_chat_shows_numbered_buttons_presses_them_and_shows_the_answer(
        sandbox, capsys, monkeypatch):
    """`:press N` must press the N-th button the chat showed, and the bot's toast must appear."""
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

    from bot.sandbox.demo import RESIDENT_ID, TerminalChat

    chat = TerminalChat(sandbox)
    events = sandbox.subscribe()
    async with Bot(sandbox.token, base_url=sandbox.base_url) as bot:
        markup = InlineKeyboardMarkup([
            [InlineKeyboardButton("确认提交", callback_data="c:ok"),
             InlineKeyboardButton("重新描述", callback_data="c:redo")],
            [InlineKeyboardButton("查看说明", url="https://example.org/help")],
        ])
        await bot.send_message(RESIDENT_ID, "请确认您的诉求", reply_markup=markup)
        while not events.empty():
            chat.show(events.get_nowait())
        shown = capsys.readouterr().out
        assert "请确认您的诉求" in shown
        assert "(1) 确认提交" in shown and "(2) 重新描述" in shown and "(3) 查看说明" in shown

        await chat._handle(":press 2")
        (query,) = [u["callback_query"] for u in sandbox.updates if "callback_query" in u]
        assert query["data"] == "c:redo" and query["from"]["id"] == RESIDENT_ID

        await chat._handle(":press 3")  # a link: nothing to press, said so
        assert "example.org/help" in capsys.readouterr().out
        assert len([u for u in sandbox.updates if "callback_query" in u]) == 1

        await bot.answer_callback_query(query["id"], text="好的，请重新描述")
        while not events.empty():
            chat.show(events.get_nowait())
        assert "（提示）好的，请重新描述" in capsys.readouterr().out
    sandbox.unsubscribe(events)

    # A mistyped command is explained; the chat goes on until :quit.
    from bot.sandbox import demo

    lines = iter([":loc 北纬 东经", ":press 7", "你好", ":quit"])
    monkeypatch.setattr(demo, "_read_line", lambda prompt: next(lines))
    await chat.run()
    out = capsys.readouterr().out
    assert "没看懂" in out and "没有这个按钮" in out
    assert sandbox.transcript(RESIDENT_ID)[-1]["text"] == "你好"
