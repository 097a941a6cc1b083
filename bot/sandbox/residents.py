"""Residents played through the loopback Bot API: one complaint from first words to receipt.
Shared by the multi-instance test and bench/intake.py, which file many at once."""

from __future__ import annotations

import re
import time

from bot import texts
from bot.sandbox.botapi import LoopbackBotAPI
from bot.sandbox.keyboards import button_texts
from bot.sandbox.state import SandboxUser

TICKET_NUMBER = re.compile(r"YZ-\d{8}-\d{4,}")  # the day's counter passes 9999 in a city
SAMPLE_COMPLAINTS = [
    "楼下早餐店油烟太大，天天熏到家里",
    "门口路灯坏了好几天，晚上很黑",
    "垃圾堆了好几天没人清运，味道很大",
    "有人占道经营，摆摊卖水果堵路",
    "工地晚上十一点还在施工，噪音很大",
]


async def file_complaint(api: LoopbackBotAPI, resident: SandboxUser, text: str,
                         timeout: float = 60) -> tuple[str, float]:
    """Write, skip the follow-up, say it is not the same problem, confirm. Returns the ticket
    number and the moment (perf_counter) 确认提交 was pressed."""
    await api.send_text(resident, text)
    reply = await api.wait_for_bot_message(resident.id, timeout=timeout)
    while texts.BTN_CONFIRM not in button_texts(reply):
        if texts.BTN_SKIP in button_texts(reply):
            await api.press(resident, reply, texts.BTN_SKIP)
        elif texts.BTN_DUP_NO in button_texts(reply):
            await api.press(resident, reply, texts.BTN_DUP_NO)
        else:
            raise AssertionError(f"unexpected answer to {text!r}: {reply.get('text')!r}")
        before = reply["message_id"]
        reply = await api.wait_for_bot_message(resident.id, lambda m: m["message_id"] > before, timeout=timeout)
    pressed = time.perf_counter()
    await api.press(resident, reply, texts.BTN_CONFIRM)
    receipt = await api.wait_for_bot_message(resident.id, lambda m: "工单号" in (m.get("text") or ""),
                                             timeout=timeout)
    return TICKET_NUMBER.search(receipt["text"])[0], pressed
