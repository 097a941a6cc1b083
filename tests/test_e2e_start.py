"""/start through the loopback Bot API: the real PTB application, polling over HTTP."""

from tests.e2e import COMMAND_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01

from bot import texts


async def test_start_in_private_chat_welcomes_the_resident(harness):
    resident = harness.resident()
    reply = await harness.reply_to(resident, "/start")
    assert reply["text"] == texts.WELCOME
    commands = harness.api.calls_to("setMyCommands")
    assert commands and commands[0].status == 200


async def test_start_in_a_grid_group_names_the_unit(harness):
    worker = harness.staff(WORKER_NHJ1_01, "张丽")
    reply = await harness.reply_to(worker, "/start", chat_id=GRID_NHJ1_01_CHAT)
    assert "南海街一社区第一网格" in reply["text"]
    help_reply = await harness.reply_to(worker, "/help@gridbot_sandbox_bot", chat_id=COMMAND_CHAT)
    assert "迎泽区" in help_reply["text"]


async def test_start_in_an_unbound_group_says_so(harness):
    harness.api.add_chat(-100999, "group", "别的群")
    reply = await harness.reply_to(harness.resident(), "/start", chat_id=-100999)
    assert "-100999" in reply["text"] and "没有绑定" in reply["text"]


async def test_staff_are_told_their_unit_in_private(harness):
    reply = await harness.reply_to(harness.staff(WORKER_NHJ1_01, "张丽"), "/start")
    assert "南海街一社区第一网格" in reply["text"] and "网格员" in reply["text"]


async def test_help_in_a_unit_chat_lists_the_commands_staff_use_there(harness):
    import re

    h = harness
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    reply = await h.reply_to(worker, "/help", chat_id=GRID_NHJ1_01_CHAT)
    assert "南海街一社区第一网格" in reply["text"] and "/todo" in reply["text"] and "/explain" in reply["text"]
    listed = set(re.findall(r"/([a-z]+)", reply["text"]))
    assert listed and listed <= set(h.rt.router.registry.commands)  # every command named is one the bot knows
    start = await h.reply_to(worker, "/start", chat_id=GRID_NHJ1_01_CHAT)
    assert "/todo" not in start["text"]  # /start stays the one-line welcome
