"""Bad input gets a short polite answer and loses nothing."""

import datetime as dt

from bot import texts
from bot.models import Attachment, Pending, Outbox, OutboxStatus, Ticket
from bot.sandbox import make_png
from tests.e2e import GRID_NHJ1_01_CHAT, WORKER_NHJ1_01, start_harness
from tests.test_e2e_intake import _buttons, submit_report


async def test_blank_text_sticker_voice_and_other_content(harness):
    h = harness
    resident = h.resident()
    assert (await h.reply_to(resident, "   "))["text"] in (texts.EMPTY_TEXT,)
    await h.api.send_sticker(resident)
    assert (await h.api.wait_for_bot_message(resident.id))["text"] == texts.STICKER_NOT_SUPPORTED
    await h.api.send_voice(resident)
    assert (await h.api.wait_for_bot_message(resident.id))["text"] == texts.VOICE_NOT_SUPPORTED
    await h.api.send_contact(resident, "13912345678")
    assert (await h.api.wait_for_bot_message(resident.id))["text"] == texts.UNSUPPORTED
    assert await Ticket.all().count() == 0


async def test_a_5000_character_message_is_stored_whole_and_shortened_on_the_card(harness):
    h = harness
    resident = h.resident()
    long_text = "南海街1号院楼下饭店油烟太大，" + "每天从早到晚熏得家里没法开窗，" * 340
    assert len(long_text) > 5000
    number = await submit_report(h, resident, long_text)
    ticket = await Ticket.get(number=number)
    assert ticket.text == long_text
    card = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or ""))
    assert len(card["text"]) < 1000 and f"全文共 {len(long_text)} 字" in card["text"]


async def test_emoji_and_mixed_english_are_understood(harness):
    h = harness
    resident = h.resident()
    number = await submit_report(h, resident, "😡😡 南海街1号院楼上 KTV noise 太吵了，半夜12点还在唱歌🎤")
    ticket = await Ticket.get(number=number)
    assert ticket.category == "noise"
    assert "😡" in ticket.text  # stored as written


async def test_group_chatter_is_ignored(harness):
    h = harness
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, "大家早上好", chat_id=GRID_NHJ1_01_CHAT)
    await h.api.send_text(worker, "/start", chat_id=GRID_NHJ1_01_CHAT)
    reply = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT)
    assert "工作群" in reply["text"]  # only the command was answered
    assert len(h.api.bot_messages(GRID_NHJ1_01_CHAT)) == 1
    assert await Pending.all().count() == 0


async def test_a_flood_is_slowed_down_kept_and_files_one_ticket(harness):
    h = harness
    resident = h.resident()
    limit = h.rt.limits.flood_messages
    for i in range(limit + 5):
        await h.api.send_text(resident, f"南海街1号院楼下烧烤店油烟太大，第{i + 1}遍")
    await h.api.wait_for(lambda: any(m["text"] == texts.TOO_FAST for m in h.api.bot_messages(resident.id)))
    await h.drain()
    assert sum(m["text"] == texts.TOO_FAST for m in h.api.bot_messages(resident.id)) == 1
    draft = await Pending.get(user_id=resident.id)
    assert len(draft.data["texts"]) + (1 if draft.data.get("followup", {}) and draft.data["followup"].get("a") else 0) >= limit
    assert await Ticket.all().count() == 0
    assert await Outbox.filter(status=OutboxStatus.DEAD).count() == 0


async def test_delivery_survives_500_then_429_and_sends_each_message_once(harness):
    h = harness
    resident = h.resident()
    h.api.fail("sendMessage", status=500, times=1)
    h.api.fail("sendMessage", status=429, times=1, retry_after=1)
    await h.api.send_text(resident, "南海街1号院楼下早餐店油烟太大")
    # each retry waits for its moment: move the clock instead of sleeping
    for status in (500, 429):
        await h.api.wait_for(lambda: any(c.status == status for c in h.api.calls_to("sendMessage")))
        await h.drain()
        h.rt.clock.advance(dt.timedelta(seconds=5))
        h.bot.delivery.wake()
    await h.api.wait_for_bot_message(resident.id)
    await h.drain()
    failed = [c for c in h.api.calls_to("sendMessage") if c.status != 200]
    assert [c.status for c in failed] == [500, 429]
    sent = [m for m in h.api.bot_messages(resident.id)]
    assert len(sent) == 1 and "店铺" in sent[0]["text"]
    row = await Outbox.get()
    assert row.status == OutboxStatus.SENT and row.attempts == 2 and row.message_id == sent[0]["message_id"]


async def test_a_blocked_resident_is_recorded_not_retried_forever(harness):
    h = harness
    resident = h.resident()
    h.api.block(resident.id)
    await h.api.send_text(resident, "南海街1号院楼下早餐店油烟太大")
    await h.api.wait_for(lambda: any(c.status == 403 for c in h.api.calls_to("sendMessage")))
    await h.drain()
    row = await Outbox.get()
    assert row.status == OutboxStatus.DEAD and "blocked" in row.error
    assert sum(1 for c in h.api.calls_to("sendMessage") if c.status == 403) == 1


async def test_an_oversized_photo_keeps_its_largest_copy_within_the_limit(harness):
    """Telegram offers each photo in several sizes: the original over the limit is not kept
    (the dashboard would have to fetch it), the 800 px copy is, and the resident is not asked
    to send it again."""
    h = harness
    resident = h.resident()
    limit = h.bot.rt.limits.max_photo_bytes
    original = make_png(1600, 1200)
    original += b"\0" * (limit + 1 - len(original))  # a camera original: past the limit
    sent = await h.api.send_photo(resident, original)
    assert (await h.api.wait_for_bot_message(resident.id))["text"] == texts.GOT_PHOTO_NEED_TEXT
    number = await submit_report(h, resident, "南海街1号院门口井盖松了，走上去咣当响")
    ticket = await Ticket.get(number=number)
    kept = await Attachment.filter(ticket_id=ticket.id).values_list("file_id", flat=True)
    sizes = {size["file_id"]: size for size in sent["photo"]}
    assert len(kept) == 1 and sizes[kept[0]]["width"] == 800
    assert sizes[kept[0]]["file_size"] <= limit < sent["photo"][-1]["file_size"]


async def test_a_photo_past_the_most_a_report_holds_is_declined_and_the_others_kept(harness):
    h = harness
    resident = h.resident()
    most = h.bot.rt.limits.max_photos
    for _ in range(most):
        await h.api.send_photo(resident)
        await h.api.wait_for_bot_message(resident.id)
    await h.api.send_photo(resident)
    reply = await h.api.wait_for_bot_message(resident.id)
    assert reply["text"] == texts.TOO_MANY_PHOTOS.format(max=most)
    draft = await Pending.get(user_id=resident.id)
    assert len(draft.data["photos"]) == most


async def test_a_send_that_times_out_is_retried_and_only_that_message_may_arrive_twice(db, db_url, sandbox):
    """Telegram took the message but answered after the bot stopped waiting: the bot cannot
    know, so it sends again (at least once; Telegram has no idempotency key). That one message
    may show twice; nothing is lost and nothing else is doubled."""
    h = await start_harness(sandbox, db_url, telegram_timeout=0.3)
    try:
        resident = h.resident()
        h.api.delay("sendMessage", 1.0)  # past the bot's 0.3 s: it gives up, then Telegram stores it
        await h.api.send_text(resident, "南海街1号院楼下早餐店油烟太大")
        late = await h.api.wait_for_bot_message(resident.id)
        await h.drain()  # the timed-out row waits for its retry, 2 s on the bot's clock
        row = await Outbox.get()
        assert row.status == OutboxStatus.PENDING and row.attempts == 1 and "Timed out" in row.error
        h.rt.clock.advance(dt.timedelta(seconds=5))
        h.bot.delivery.wake()
        await h.drain()
        row = await Outbox.get()
        assert row.status == OutboxStatus.SENT and row.attempts == 2
        assert [m["text"] for m in h.api.bot_messages(resident.id)] == [late["text"]] * 2

        reply = await h.reply_to(resident, "老王早点铺，南海街12号")  # the next message: once
        assert texts.BTN_CONFIRM in _buttons(reply)
        assert sum(m["text"] == reply["text"] for m in h.api.bot_messages(resident.id)) == 1
    finally:
        await h.bot.stop()
