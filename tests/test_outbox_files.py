"""Files the bot makes (charts, workbooks) go through the outbox as bytes: sent as a photo or a
document, in the chat's order, and dropped from the row once it is done."""

import datetime as dt

import pytest

from bot.channels.port import Sent, Undeliverable
from bot.clock import FrozenClock
from bot.messaging.delivery import Delivery
from bot.models import Outbox, OutboxStatus
from bot.messaging import outbox
from bot.messaging.outbox import Outgoing, enqueue

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)


class FileChannel:
    def __init__(self):
        self.sent, self.script = [], []

    async def send(self, chat_id, *, text, buttons, photo, reply_to):
        self.sent.append(("text", chat_id, text))
        return Sent(len(self.sent))

    async def edit(self, chat_id, message_id, *, text, buttons):
        return Sent(message_id)

    async def send_file(self, chat_id, *, kind, data, file_name, caption, reply_to):
        if self.script:
            raise self.script.pop(0)
        self.sent.append((kind, chat_id, file_name, data, caption))
        return Sent(len(self.sent))


async def test_files_are_sent_from_bytes_in_order_and_then_dropped(db):
    channel = FileChannel()
    delivery = Delivery(channel, FrozenClock(T0))
    await enqueue([
        Outgoing(1, "先说一句"),
        outbox.upload(1, b"\x89PNG fake", "chart.png", kind=outbox.FILE_PHOTO, caption="图"),
        outbox.upload(1, b"PK xlsx", "k.xlsx", caption="表"),
    ], now=T0)
    await delivery.deliver_due()
    assert channel.sent == [("text", 1, "先说一句"), ("photo", 1, "chart.png", b"\x89PNG fake", "图"),
                            ("document", 1, "k.xlsx", b"PK xlsx", "表")]
    rows = await Outbox.filter(file_kind__isnull=False).order_by("id")
    assert [(r.status, r.file_data, r.file_name) for r in rows] == [
        (OutboxStatus.SENT, None, "chart.png"), (OutboxStatus.SENT, None, "k.xlsx")]


async def test_an_undeliverable_file_is_dropped_too(db):
    channel = FileChannel()
    channel.script = [Undeliverable("Forbidden: bot was kicked from the group chat")]
    await enqueue([outbox.upload(7, b"data", "k.xlsx")], now=T0)
    await Delivery(channel, FrozenClock(T0)).deliver_due()
    row = await Outbox.get()
    assert row.status == OutboxStatus.DEAD and row.file_data is None


def test_upload_checks_kind_and_caption():
    with pytest.raises(ValueError):
        outbox.upload(1, b"x", "a.bin", kind="video")
    long = outbox.upload(1, b"x", "a.xlsx", caption="字" * 2000)
    assert len(long.text) == outbox.CAPTION_LIMIT and long.text.endswith("…")
