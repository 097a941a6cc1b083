"""Webhook mode end to end: the sandbox posts updates to the bot's aiohttp endpoint exactly as
Telegram does (with X-Telegram-Bot-Api-Secret-Token), and the bot refuses anything else."""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
import pytest
import pytest_asyncio
from telegram import Update
from telegram.ext import TypeHandler

from bot import texts
from bot.clock import Clock
from bot.config import Settings
from bot.models import ChatBinding
from bot.runner import SECRET_HEADER, GridBot
from bot.runtime import Runtime
from bot.jurisdiction import routing
from bot.jurisdiction.load import load_jurisdiction_file
from tests.e2e import EXAMPLE

SECRET = "webhook-Secret_42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_bot(api, db_url: str, *, secret: str = SECRET) -> GridBot:
    port = free_port()
    settings = Settings(token=api.token, api_base_url=api.base_url, database_url=db_url,
                        webhook_secret=secret)
    rt = Runtime.from_settings(settings, clock=Clock(), rate_limit=False)
    return GridBot(rt, webhook_url=f"http://127.0.0.1:{port}/telegram", webhook_port=port)


@pytest_asyncio.fixture
async def hooked(db, db_url, sandbox):
    """The bot in webhook mode on the sample district; `seen` records every update it processes."""
    await load_jurisdiction_file(EXAMPLE)
    routing.forget_gazetteer()
    for binding in await ChatBinding.all():
        sandbox.add_chat(binding.chat_id, "supergroup", binding.title)
    bot = build_bot(sandbox, db_url)
    seen: list[int] = []

    async def record(update: Update, context) -> None:
        seen.append(update.update_id)

    bot.app.add_handler(TypeHandler(Update, record), group=-100)
    await bot.start(open_database=False)
    bot.seen = seen
    try:
        yield bot
    finally:
        await bot.stop()


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers={"Content-Type": "application/json", **headers}) as r:
            return r.status


async def test_start_registers_the_webhook_with_the_secret(hooked, sandbox):
    calls = sandbox.calls_to("setWebhook")
    assert len(calls) == 1 and calls[0].ok
    assert calls[0].params["url"] == hooked.webhook_url
    assert calls[0].params["secret_token"] == SECRET
    assert not sandbox.calls_to("getUpdates")  # no polling next to the webhook
    assert not sandbox.polling


async def test_a_residents_start_arrives_by_webhook_and_is_answered(hooked, sandbox):
    resident = sandbox.user(5550001, "王秀兰")
    sent = await sandbox.send_text(resident, "/start")
    reply = await sandbox.wait_for_bot_message(resident.id)
    assert reply["text"] == texts.WELCOME
    delivered = [d for d in sandbox.webhook_deliveries if d["status"] == 200]
    assert delivered and delivered[0]["attempt"] == 1
    (update_id,) = [u["update_id"] for u in sandbox.updates if u.get("message", {}).get("message_id")
                    == sent["message_id"] and u["message"]["chat"]["id"] == resident.id]
    assert delivered[0]["update_id"] == update_id
    assert update_id in hooked.seen
    assert not sandbox.pending_updates  # confirmed by the 200, as Telegram would


FORGED_ID = 990001
BAD_SECRETS = [{}, {SECRET_HEADER: ""}, {SECRET_HEADER: "wrong-secret"}, {SECRET_HEADER: SECRET + "x"},
               {SECRET_HEADER: SECRET[:-1]}, {SECRET_HEADER.lower(): SECRET.upper()}]


async def test_a_post_without_the_right_secret_is_refused_and_not_processed(hooked, sandbox):
    forger = sandbox.user(5550666, "冒充者")
    forged = {
        "update_id": FORGED_ID,
        "message": {
            "message_id": 1, "date": 1_700_000_000, "text": "/start",
            "chat": {"id": forger.id, "type": "private", "first_name": forger.first_name},
            "from": forger.to_dict(),
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    for headers in BAD_SECRETS:
        assert await post(hooked.webhook_url, json.dumps(forged).encode(), headers) == 403, headers

    # A genuine update sent after the forged ones is processed and answered; by then the forged
    # ones would have been too, had they been let in.
    resident = sandbox.user(5550001, "王秀兰")
    await sandbox.send_text(resident, "/start")
    await sandbox.wait_for_bot_message(resident.id)
    assert hooked.seen and FORGED_ID not in hooked.seen
    assert not sandbox.bot_messages(forger.id)
    assert not [c for c in sandbox.calls_to("sendMessage") if str(c.params.get("chat_id")) == str(forger.id)]


MALFORMED = [
    b"{not json", b"", b"null", b"[]", b'"update"', b"42", b"{}",
    b'{"update_id": 5, "message": "text"}',
    b'{"update_id": 5, "message": {"message_id": 1}}',
    '{"update_id": 5, "message": 一}'.encode(),
    b"\xff\xfe not utf-8",
    b'{"update_id": 5, "message": {"message_id": 1, "date": 1, "text": "\xff\xfe", "chat": {"id": 1, "type": "private"}}}',
    b"[" * 100_000 + b"]" * 100_000,  # deep enough to exhaust the parser
    b'{"update_id": 5, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"update_id": 5, "message": {"message_id": 1, "date": 1e20, "chat": {"id": 1, "type": "private"}}}',
    b'{"update_id": 5, "message": {"message_id": 1, "date": Infinity, "chat": {"id": 1, "type": "private"}}}',
    b'{"update_id": 5, "message": {"message_id": 1, "date": NaN, "chat": {"id": 1, "type": "private"}}}',
    b'{"update_id": "5"}', b'{"update_id": 1e20}', b'{"update_id": null}',
]


async def test_malformed_json_with_the_right_secret_is_a_400(hooked, sandbox):
    for body in MALFORMED:
        assert await post(hooked.webhook_url, body, {SECRET_HEADER: SECRET}) == 400, body
    # and the bot is none the worse for it
    resident = sandbox.user(5550001, "王秀兰")
    await sandbox.send_text(resident, "/start")
    assert (await sandbox.wait_for_bot_message(resident.id))["text"] == texts.WELCOME
    assert len(hooked.seen) == 1


async def test_an_update_sent_twice_is_handled_once_also_when_the_copies_arrive_together(hooked, sandbox):
    """Telegram sends an update again when the answer is slow: the copy, or two copies racing,
    are dropped; the resident is answered once."""
    resident = sandbox.user(5550001, "王秀兰")
    sent = await sandbox.send_text(resident, "/start")
    await sandbox.wait_for_bot_message(resident.id)
    (update,) = [u for u in sandbox.updates if u.get("message", {}).get("message_id") == sent["message_id"]]
    body = json.dumps(update).encode()
    statuses = await asyncio.gather(*(post(hooked.webhook_url, body, {SECRET_HEADER: SECRET}) for _ in range(3)))
    assert statuses == [200, 200, 200]  # each copy is answered, so Telegram stops sending it
    fresh = dict(update, update_id=update["update_id"] + 1000)  # a new update with the same words
    await asyncio.gather(*(post(hooked.webhook_url, json.dumps(fresh).encode(), {SECRET_HEADER: SECRET})
                           for _ in range(2)))
    # `seen` is written before the update is handled: wait for the answer itself, then for
    # anything else that might still come.
    await sandbox.wait_for(lambda: len(sandbox.bot_messages(resident.id)) >= 2)
    await hooked.delivery.drain()
    assert sorted(hooked.seen) == [update["update_id"], fresh["update_id"]]
    assert [m["text"] for m in sandbox.bot_messages(resident.id)] == [texts.WELCOME, texts.WELCOME]


async def test_copies_of_an_update_reaching_two_instances_are_handled_once(hooked, sandbox, db_url):
    """Two instances on one database behind a balancer: each gets a copy of the same update."""
    other = build_bot(sandbox, db_url)
    other_seen: list[int] = []

    async def record(update: Update, context) -> None:
        other_seen.append(update.update_id)

    other.app.add_handler(TypeHandler(Update, record), group=-100)
    await other.start(open_database=False)
    try:
        resident = sandbox.user(5550002, "李建国")
        update = {
            "update_id": 424242,
            "message": {
                "message_id": 1, "date": 1_700_000_000, "text": "/start",
                "chat": {"id": resident.id, "type": "private", "first_name": resident.first_name},
                "from": resident.to_dict(), "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        body = json.dumps(update).encode()
        statuses = await asyncio.gather(post(hooked.webhook_url, body, {SECRET_HEADER: SECRET}),
                                        post(other.webhook_url, body, {SECRET_HEADER: SECRET}))
        assert statuses == [200, 200]
        await sandbox.wait_for_bot_message(resident.id)
        await sandbox.wait_for(lambda: (hooked.seen + other_seen).count(424242) == 1)
        await hooked.delivery.drain()
        await other.delivery.drain()
        assert (hooked.seen + other_seen).count(424242) == 1
        assert [m["text"] for m in sandbox.bot_messages(resident.id)] == [texts.WELCOME]
    finally:
        await other.stop()


async def test_only_post_is_served(hooked):
    async with aiohttp.ClientSession() as session:
        async with session.get(hooked.webhook_url, headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 405


async def test_webhook_mode_without_a_secret_refuses_to_start(db, db_url, sandbox):
    bot = build_bot(sandbox, db_url, secret="")
    with pytest.raises(RuntimeError, match="GRIDBOT_WEBHOOK_SECRET"):
        await bot.start(open_database=False)
    # Refused before anything started: no Bot API call, no listening socket, nothing running.
    assert sandbox.calls == []
    assert not bot.app.running
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", bot.webhook_port))
    await bot.stop()  # harmless after a refused start


async def test_a_webhook_bot_waits_for_the_bot_api_then_sets_its_webhook(db, db_url, sandbox):
    """Telegram down at start: getMe and setWebhook are asked again until they answer."""
    await load_jurisdiction_file(EXAMPLE)
    bot = build_bot(sandbox, db_url)
    sandbox.outage("getMe", "setWebhook")
    starting = asyncio.create_task(bot.start(open_database=False))
    try:
        await sandbox.wait_for(lambda: len(sandbox.calls_to("getMe")) >= 3, 15)
        assert not starting.done() and not bot.connected
        sandbox.outage("setWebhook")  # getMe answers now; setWebhook not yet
        await sandbox.wait_for(lambda: len(sandbox.calls_to("setWebhook")) >= 2, 15)
        assert not starting.done()
        sandbox.end_outage()
        await asyncio.wait_for(starting, 15)
        assert bot.connected and sandbox.calls_to("setWebhook")[-1].ok
        resident = sandbox.user(5550001, "王秀兰")
        await sandbox.send_text(resident, "/start")
        assert (await sandbox.wait_for_bot_message(resident.id))["text"] == texts.WELCOME
    finally:
        starting.cancel()
        await bot.stop()


async def test_a_failed_start_leaves_nothing_running(db, db_url, sandbox):
    """setWebhook fails (Telegram refuses the URL, say): start raises and cleans up after itself."""
    bot = build_bot(sandbox, db_url)
    sandbox.fail("setWebhook", 400, description="Bad Request: bad webhook: Failed to resolve host")
    with pytest.raises(Exception, match="resolve host"):
        await bot.start(open_database=False)
    assert not bot.app.running
    with socket.socket() as sock:  # the webhook listener was closed again
        sock.bind(("127.0.0.1", bot.webhook_port))
