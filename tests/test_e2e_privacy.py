"""What other people see of a resident's words, end to end: the card in the chat of the unit
handling the ticket keeps the phone number (its worker calls back), and nothing else personal;
every other copy — a card left behind after escalation, another resident's "already reported?",
the dashboard of a unit above — masks the phone too."""

from __future__ import annotations

from bot import texts
from bot.models import Ticket
from tests.e2e import COMMUNITY_NHJ1_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.test_e2e_intake import _buttons, answer_followup_and_place, submit_report
from tests.test_e2e_workflow import COMMUNITY_STAFF, card_in, press_and_reason
from tests.webtools import login, page, browser, web_harness  # noqa: F401

COMPLAINT = "南海街1号院楼下早餐店油烟太大，我叫王秀兰，电话138 0013 8000，身份证140105199001011234"
PHONE, MASKED_PHONE = "138 0013 8000", "138****8000"
ID_CARD, NAME = "140105199001011234", "王秀兰"


def personal(text: str) -> list[str]:
    return [p for p in (NAME, ID_CARD, PHONE, "13800138000") if p in text]


async def test_the_handling_units_card_keeps_the_phone_and_every_other_copy_masks_it(harness):
    h = harness
    number = await submit_report(h, h.resident(5550001, "王秀兰"), COMPLAINT)
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ACCEPT))
    assert personal(card["text"]) == [PHONE] and "我叫王**" in card["text"]  # the phone to call, as typed

    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await press_and_reason(h, worker, GRID_NHJ1_01_CHAT, card, texts.BTN_ESCALATE, "需要社区协调")
    above = await h.api.wait_for(card_in(h, COMMUNITY_NHJ1_CHAT, number, with_button=texts.BTN_ACCEPT))
    assert personal(above["text"]) == [PHONE]  # the community handles it now: its card has the phone
    await h.api.wait_for(lambda: "已上报至" in card_in(h, GRID_NHJ1_01_CHAT, number)()["text"] or None)
    left = card_in(h, GRID_NHJ1_01_CHAT, number)()
    assert personal(left["text"]) == [] and MASKED_PHONE in left["text"]  # the card left behind

    # Another resident reporting the same problem is offered the ticket: with nothing of hers.
    second = h.resident(5550002, "陈美玲")
    reply = await h.reply_to(second, "南海街1号院楼下早餐店油烟太大了，我叫陈美玲")
    reply = await answer_followup_and_place(h, second, reply)
    assert texts.BTN_DUP_YES in _buttons(reply) and number in reply["text"]
    assert personal(reply["text"]) == [] and "王**" in reply["text"]


async def test_an_anonymous_report_shows_no_phone_even_to_the_unit_handling_it(harness):
    """Anonymous means nobody on the staff side can tell who it was, and a number identifies: the
    card, and the resident's answers relayed to it, mask it; the worker asks through the bot."""
    from tests.test_e2e_conversations import text_of

    h = harness
    resident = h.resident(5550001, "王秀兰")
    number = await submit_report(h, resident, COMPLAINT, anonymous=True)
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ACCEPT))
    assert personal(card["text"]) == [] and MASKED_PHONE in card["text"] and texts.CARD_ANONYMOUS in card["text"]

    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await press_and_reason(h, worker, GRID_NHJ1_01_CHAT, card, texts.BTN_ASK, "请问具体几号楼？")
    await h.api.wait_for_bot_message(resident.id, lambda m: "请问具体几号楼？" in m["text"])
    await h.api.send_text(resident, "3号楼，有事打我电话13800138000")
    relayed = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "3号楼" in text_of(m))
    assert personal(relayed["text"]) == [] and MASKED_PHONE in relayed["text"]


async def test_the_dashboard_shows_the_phone_only_to_the_unit_handling_the_ticket(web_harness):
    h = web_harness
    number = await submit_report(h, h.resident(5550001, "王秀兰"), COMPLAINT)
    await Ticket.get(number=number)
    url = f"{h.bot.web.base_url}/tickets/{number}"
    async with browser() as grid_worker:
        await login(h, grid_worker, WORKER_NHJ1_01, "张丽")
        status, html = await page(grid_worker, url)
        assert status == 200 and personal(html) == [PHONE] and ID_CARD[:6] not in html
    async with browser() as community:
        await login(h, community, COMMUNITY_STAFF, "梁淑芬")
        status, html = await page(community, url)
        assert status == 200 and personal(html) == [] and MASKED_PHONE in html
        status, listing = await page(community, f"{h.bot.web.base_url}/tickets")
        assert number in listing and personal(listing) == []
