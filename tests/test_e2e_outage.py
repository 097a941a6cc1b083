"""Telegram refuses, for an hour or for good: nothing is given up on a transient failure, and
what does end is told.

* An outage of an hour (of the moved clock): every send and edit answers 502 while residents
  report and workers accept; when it is over, every card and every reply arrives once, each
  chat in the order its messages were queued, and no message was given up.
* The bot removed from a grid's group: the card cannot arrive, and the command centre is told
  which ticket's card did not reach which unit, and why.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bot import texts
from bot.clock import Clock
from bot.models import Outbox, OutboxStatus, Ticket
from bot.messaging import outbox
from bot.workflow import cards
from tests.e2e import COMMAND_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01, start_harness
from tests.procs import until
from tests.test_e2e_intake import NUMBER, _buttons, has_button, submit_report

SENDS = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument")


async def test_the_bot_removed_from_a_grid_chat_the_command_centre_hears_of_the_card(harness):
    h = harness
    h.api.block(GRID_NHJ1_01_CHAT)  # "Forbidden: bot was kicked from the supergroup chat"
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    note = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: number in (m.get("text") or "")
                                            and "卡片没能发到" in m["text"])
    assert "【南海街一社区第一网格】的群" in note["text"]
    assert texts.UNDELIVERED_REASONS["forbidden"] in note["text"]
    card = await Outbox.get(chat_id=GRID_NHJ1_01_CHAT, ref__startswith="card:")
    assert card.status == OutboxStatus.DEAD and "kicked" in card.error

    # Its next version fails too: the command centre was told once.
    ticket = await Ticket.get(number=number)
    await outbox.enqueue(await cards.refresh_card(h.rt, ticket), now=h.rt.clock.now(), ticket=ticket)
    await h.drain()
    assert await Outbox.filter(chat_id=GRID_NHJ1_01_CHAT, ref__startswith="card:", status=OutboxStatus.DEAD).count() == 2
    notes = [m for m in h.api.bot_messages(COMMAND_CHAT) if "卡片没能发到" in (m.get("text") or "")]
    assert len(notes) == 1


def _ok_sends_since(api, since: int) -> dict[str, list[str]]:
    """What Telegram accepted after call number `since`: per chat, each send's or edit's text."""
    seen: dict[str, list[str]] = {}
    for call in api.calls[since:]:
        if call.method in SENDS and call.ok:
            seen.setdefault(str(call.params["chat_id"]), []).append(call.params.get("text") or call.params.get("caption"))
    return seen


async def _more_than(query, n: int) -> bool:
    return await query.count() > n


async def test_an_hour_without_telegram_then_every_card_and_reply_arrives_once_in_order(db, db_url, sandbox):
    clock = Clock()
    h = await start_harness(sandbox, db_url, clock=clock)
    # The test jumps the bot's clock five minutes at a time; a claim's lease (10 s) is about real
    # time, so a send still in flight at a jump would see its claim lapse and start over: that
    # is not the outage under test. One instance, a lease longer than the jumps.
    h.bot.delivery.claim_seconds = 600
    try:
        api, worker = h.api, h.staff(WORKER_NHJ1_01, "张丽")
        a, b = h.resident(5550001, "王秀兰"), h.resident(5550002, "李建国")
        number_a = await submit_report(h, a, "南海街1号院楼下早餐店油烟太大，天天熏到家里")
        card_a = await api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number_a in (m.get("text") or ""))
        summary_b = await h.reply_to(b, "南海街1号院楼道里有人养鸽子，到处是鸽子粪")
        if texts.BTN_SKIP in _buttons(summary_b):
            await api.press(b, summary_b, texts.BTN_SKIP)
            summary_b = await api.wait_for_bot_message(b.id, has_button(texts.BTN_CONFIRM))
        await h.drain()
        last_before = (await Outbox.all().order_by("-id").first()).id

        api.outage(*SENDS)  # 502 Bad Gateway for every send and edit, performed never
        outage_began = len(api.calls)
        await api.wait_for_callback_answer(await api.press(worker, card_a, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT))
        await api.wait_for_callback_answer(await api.press(b, summary_b, texts.BTN_CONFIRM))
        await api.send_text(a, "/my")
        await api.send_text(b, "南海街1号院门口的路灯坏了好几天了")
        queued = Outbox.filter(id__gt=last_before)

        async def all_queued() -> bool:  # A's card edited and told, B's receipt and card, /my, B's new report
            texts_ = [r.text or "" for r in await queued]
            return len(texts_) >= 6 and any("工单号" in t for t in texts_) and any("已有网格员接单" in t for t in texts_)

        await until(all_queued, timeout=20)
        for _ in range(12):  # an hour, five minutes at a time; the bot keeps trying all along
            clock.advance(dt.timedelta(minutes=5))
            await h.drain()
        # Late in the outage A asks again: this message's first retry comes long before the
        # retry of A's older messages (their backoff is at its cap by now), yet it must follow them.
        late = await queued.count()
        await api.send_text(a, "/my")
        await until(lambda: _more_than(queued, late), timeout=10)
        await h.drain()
        failed = Counter(str(c.params["chat_id"]) for c in api.calls[outage_began:] if c.method in SENDS)
        assert failed[str(GRID_NHJ1_01_CHAT)] >= 12 and failed[str(a.id)] >= 12 and failed[str(b.id)] >= 12
        assert not await Outbox.filter(status=OutboxStatus.DEAD).exists()  # nothing given up

        api.end_outage()
        back = len(api.calls)
        for _ in range(31):  # each row goes when its backoff ends: at most five minutes later
            clock.advance(dt.timedelta(seconds=10))
            await h.drain()

        rows = await queued.order_by("id")
        assert rows and all(r.status == OutboxStatus.SENT for r in rows)
        expected: dict[str, list[str]] = {}
        for row in rows:
            if row.error != "superseded by a later edit":
                expected.setdefault(str(row.chat_id), []).append(row.text)
        assert _ok_sends_since(api, back) == expected  # each once, in each chat's order
        assert set(expected) >= {str(GRID_NHJ1_01_CHAT), str(a.id), str(b.id)}

        number_b = NUMBER.search(next(m["text"] for m in api.bot_messages(b.id) if "工单号" in m["text"]))[0]
        cards = Counter(NUMBER.search(m["text"])[0] for m in api.bot_messages(GRID_NHJ1_01_CHAT)
                        if "类别" in (m.get("text") or ""))
        assert cards == {number_a: 1, number_b: 1}  # A's card edited in place, B's posted once
        card_a = next(m for m in api.bot_messages(GRID_NHJ1_01_CHAT) if number_a in (m.get("text") or ""))
        assert "处理中" in card_a["text"]
        assert any("已有网格员接单" in m["text"] for m in api.bot_messages(a.id))
    finally:
        await h.bot.stop()
