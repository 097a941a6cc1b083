"""Log lines carry no token, no webhook secret, no resident's phone number and no Telegram id
in clear (a keyed hash stands for it)."""

import json
import logging

from bot import logids, texts
from bot.cli import JsonFormatter, RedactingFormatter
from tests.e2e import GRID_NHJ1_01_CHAT, WORKER_NHJ1_01, WORKER_NHJ1_02
from tests.test_e2e_intake import submit_report


def record(msg, *args):
    return logging.LogRecord("gridbot.test", logging.INFO, __file__, 1, msg, args, None)


def test_phone_numbers_and_secrets_are_masked():
    fmt = RedactingFormatter("%(message)s", secrets=("123:SECRET",))
    line = fmt.format(record("resident 13812345678 wrote; token 123:SECRET; ticket YZ-20261123-0001"))
    assert "13812345678" not in line and "138****5678" in line
    assert "SECRET" not in line and "YZ-20261123-0001" in line  # ticket numbers are not phones


def test_json_lines_are_json_and_redacted():
    fmt = JsonFormatter(secrets=("tok",))
    entry = json.loads(fmt.format(record("call %s from %s", "tok", "15900001111")))
    assert entry["level"] == "INFO" and entry["logger"] == "gridbot.test"
    assert "tok" not in entry["message"] and "159****1111" in entry["message"]


def test_a_user_id_inside_an_error_text_is_hashed_by_the_formatter():
    logids.configure("test-key")
    fmt = RedactingFormatter("%(message)s")
    line = fmt.format(record("update failed: duplicate key: Key (channel, user_id)=(telegram, 5550001) exists"))
    assert "5550001" not in line and logids.person(5550001) in line
    group = fmt.format(record("refused in chat_id=-1001000000401"))
    assert "-1001000000401" in group  # a group is a unit, not a person


def test_the_hash_is_keyed_and_stable():
    logids.configure("key-a")
    first = logids.person(5550001)
    assert first == logids.person("5550001") and first.startswith("u:") and "5550001" not in first
    assert logids.chat(5550001) == first and logids.chat(-1001000000401) == "-1001000000401"
    logids.configure("key-b")
    assert logids.person(5550001) != first  # without the key, ids cannot be tried against hashes


async def test_log_lines_of_a_flow_name_people_only_by_their_hash(harness, caplog):
    """A resident reports, another grid's worker presses 接单 (refused, logged), the resident
    blocks the bot and the next message to them fails (logged): neither Telegram id appears in
    the log, each one's hash does, in the records and in the formatted lines."""
    h = harness
    caplog.set_level(logging.INFO)
    resident = h.resident(5550001, "王秀兰")
    number = await submit_report(h, resident, "南海街1号院楼下早餐店油烟太大")
    card = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or ""))
    outsider = h.staff(WORKER_NHJ1_02, "刘红霞")
    cb = await h.api.press(outsider, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.NOT_ALLOWED
    h.api.block(resident.id)
    await h.api.press(h.staff(WORKER_NHJ1_01, "张丽"), card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "张丽" in (m.get("text") or ""))
    await h.drain()  # the message telling the resident went out, and failed

    fmt, as_json = RedactingFormatter("%(name)s %(message)s"), JsonFormatter()
    lines = [r.getMessage() for r in caplog.records]
    lines += [fmt.format(r) for r in caplog.records] + [as_json.format(r) for r in caplog.records]
    text = "\n".join(lines)
    for user_id in (resident.id, WORKER_NHJ1_02):
        assert str(user_id) not in text
    assert logids.person(WORKER_NHJ1_02) in text  # "refused button … from user u:…"
    assert logids.person(resident.id) in text  # "undeliverable to chat u:…"
