"""Stopping (SIGTERM) sends what is queued before the bot goes away."""

from bot.models import Outbox, OutboxStatus
from bot.messaging.outbox import Outgoing, enqueue
from tests.e2e import start_harness


async def test_stop_flushes_the_outbox(db, db_url, sandbox):
    h = await start_harness(sandbox, db_url)
    resident = h.resident()
    await h.drain()
    # queued without waking delivery, as if a handler had just committed them
    await enqueue([Outgoing(resident.id, f"消息{i}") for i in range(3)], now=h.rt.clock.now())
    await h.bot.stop()
    assert [m["text"] for m in sandbox.bot_messages(resident.id)] == ["消息0", "消息1", "消息2"]
    assert await Outbox.filter(status=OutboxStatus.SENT).count() == await Outbox.all().count()
