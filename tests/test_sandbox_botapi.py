"""The loopback Bot API, driven by the real python-telegram-bot.

Each test exercises one promise of the sandbox through PTB's own client, so a missing or
un-Telegram-like behaviour shows up as the exception (or silence) a real bot would see.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler

from bot.sandbox import SAMPLE_PNG, LoopbackBotAPI, button_texts, find_button, image_size, make_png


@pytest.fixture
async def api():
    async with LoopbackBotAPI() as server:
        yield server


@pytest.fixture
async def bot(api):
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)] for text, data in pairs])


async def raw_call(api: LoopbackBotAPI, method: str, token: str | None = None, **data) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        url = f"{api.base_url}{token or api.token}/{method}"
        async with session.post(url, data={k: str(v) for k, v in data.items()}) as response:
            return response.status, await response.json()


# -- (1) a plain Bot: objects, edits, files, unknown methods ------------------------------


async def test_bot_methods_round_trip(api, bot):
    me = await bot.get_me()
    assert me.username == "gridbot_sandbox_bot" and me.is_bot and me.can_join_groups

    user = api.user(1001, "张三", username="zhangsan")
    sent = await bot.send_message(user.id, "请选择", reply_markup=keyboard(("确认", "ok:1"), ("取消", "no")))
    assert sent.message_id == 1 and sent.chat.type == "private" and sent.from_user.id == me.id
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "ok:1"
    shown = api.last_bot_message(user.id)
    assert shown["text"] == "请选择" and button_texts(shown) == ["确认", "取消"]
    assert find_button(shown, "取消")["callback_data"] == "no"

    edited = await bot.edit_message_text("已确认", chat_id=user.id, message_id=sent.message_id)
    assert edited.text == "已确认" and edited.edit_date is not None
    # Like Telegram: editing the text without reply_markup drops the keyboard.
    assert edited.reply_markup is None and button_texts(api.last_bot_message(user.id)) == []
    transcript = api.transcript(user.id)
    assert transcript[-1]["edits"] == 1 and transcript[-1]["edit_history"][0]["text"] == "请选择"

    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("已确认", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=999)

    picture = make_png(1000, 500)
    photo_message = await bot.send_photo(user.id, picture, caption="现场照片")
    assert photo_message.message_id == 2 and photo_message.caption == "现场照片"
    sizes = photo_message.photo
    assert [(p.width, p.height) for p in sizes] == [(90, 45), (320, 160), (800, 400), (1000, 500)]
    assert all(p.file_id and p.file_unique_id and p.file_size for p in sizes)
    telegram_file = await bot.get_file(sizes[-1].file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == picture
    thumb = await (await bot.get_file(sizes[0].file_id)).download_as_bytearray()
    assert image_size(bytes(thumb)) == (90, 45)
    resent = await bot.send_photo(user.id, sizes[-1].file_id)
    assert resent.photo[-1].file_id == sizes[-1].file_id

    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    assert await raw_call(api, "fooBar") == (
        404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    )
    async with aiohttp.ClientSession() as session:  # JSON bodies carry native values
        markup = {"inline_keyboard": [[{"text": "好", "callback_data": "y"}]]}
        payload = {"chat_id": user.id, "text": "json 正文", "reply_markup": markup}
        async with session.post(f"{api.base_url}{api.token}/sendMessage", json=payload) as response:
            assert (await response.json())["result"]["reply_markup"] == markup
    status, body = await raw_call(api, "GETME")
    assert status == 200 and body["result"]["username"] == "gridbot_sandbox_bot"
    status, body = await raw_call(api, "getMe", token="1:WRONG")
    assert status == 401 and body["error_code"] == 401


async def test_wrong_token_is_invalid_token(api):
    with pytest.raises(InvalidToken, match="rejected"):
        async with Bot("1:WRONG", base_url=api.base_url, base_file_url=api.base_file_url):
            pass


async def test_validation_like_telegram(api, bot):
    user = api.user(1002, "李四")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(user.id, "网" * 4097)
    await bot.send_message(user.id, "网" * 4096)
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "x", reply_markup=keyboard(("太长", "d" * 65)))
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(user.id, "<div>派单</div>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)reserved"):
        await bot.send_message(user.id, "期限 1.5 天", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(424242, "hello")
    status, body = await raw_call(api, "sendMessage", chat_id=user.id, text="x", reply_markup="{oops")
    assert status == 400 and "reply keyboard markup" in body["description"]

    bold = await bot.send_message(user.id, "<b>工单</b> &lt;1&gt;", parse_mode="HTML")
    assert bold.text == "工单 <1>" and bold.entities[0].type == "bold" and bold.entities[0].length == 2

    api.add_chat(-100200, "supergroup", "幸福社区网格群")
    first = await bot.send_message(-100200, "第一条")
    second = await bot.send_message(-100200, "回复", reply_to_message_id=first.message_id)
    assert (first.message_id, second.message_id) == (1, 2)
    assert second.reply_to_message.message_id == first.message_id
    with pytest.raises(BadRequest, match="(?i)replied not found"):
        await bot.send_message(-100200, "x", reply_to_message_id=77)

    with pytest.raises(BadRequest, match="(?i)message can't be edited"):
        user_message = await api.send_text(user, "我的消息")
        await bot.edit_message_text("改", chat_id=user.id, message_id=user_message["message_id"])

    await bot.set_my_commands([("start", "开始"), ("report", "上报问题")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "report"]
    chat = await bot.get_chat(-100200)
    assert chat.title == "幸福社区网格群" and chat.type == "supergroup"


# -- (2) a real Application, long polling -------------------------------------------------


async def test_application_polls_commands_and_buttons(api):
    user = api.user(2001, "王五")
    api.add_chat(-300, "group", "网格员群")

    async def start(update: Update, context) -> None:
        await update.message.reply_text("欢迎使用网格通", reply_markup=keyboard(("上报问题", "report"), ("查询", "query")))

    async def on_button(update: Update, context) -> None:
        query = update.callback_query
        await query.answer(f"收到 {query.data}")
        await query.edit_message_text(f"已选择 {query.data}")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            sent = await api.send_text(user, "/start")
            assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
            reply = await api.wait_for_bot_message(user.id)
            assert reply["text"] == "欢迎使用网格通" and button_texts(reply) == ["上报问题", "查询"]

            query_id = await api.press(user, reply, "上报问题")
            answer = await api.wait_for_callback_answer(query_id)
            assert answer["text"] == "收到 report" and answer["show_alert"] is False
            edited = await api.wait_for_bot_message(user.id, lambda m: m["edits"] == 1)
            assert edited["text"] == "已选择 report" and "reply_markup" not in edited

            await api.send_text(user, "/start@gridbot_sandbox_bot", chat_id=-300)
            in_group = await api.wait_for_bot_message(-300)
            assert in_group["chat"]["type"] == "group" and in_group["text"] == "欢迎使用网格通"
        finally:
            await app.updater.stop()
            await app.stop()
    methods = [call.method for call in api.calls]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert api.pending_updates == []  # the final getUpdates confirmed everything


# -- (3) fault injection -------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter.retry_after
async def test_fault_injection_maps_to_ptb_errors(api, bot):
    user = api.user(3001, "赵六")

    api.fail("sendMessage", status=429, retry_after=1)
    with pytest.raises(RetryAfter):
        await bot.send_message(user.id, "限流")
    api.fail("sendMessage", status=500)
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "服务器错误")
    assert api.bot_messages(user.id) == []  # failed calls had no effect

    api.block(user.id)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(user.id, "被拉黑")
    api.unblock(user.id)
    assert (await bot.send_message(user.id, "恢复")).text == "恢复"

    calls = api.calls_to("sendMessage")
    assert [call.status for call in calls] == [429, 500, 403, 200]
    assert calls[0].response["parameters"] == {"retry_after": 1}
    assert calls[0].params["text"] == "限流" and calls[0].time <= calls[-1].time

    # The at-least-once window: Telegram sent it, the bot was told it failed.
    api.fail("sendMessage", status=502, applied=True)
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "发出但报错")
    assert api.last_bot_message(user.id)["text"] == "发出但报错"

    api.delay("sendMessage", 0.3)
    with pytest.raises(TimedOut):
        await bot.send_message(user.id, "超时", read_timeout=0.05)
    late = await api.wait_for_bot_message(user.id, lambda m: m["text"] == "超时", after=0)
    assert late["from_bot"]


# -- (4) webhook mode ----------------------------------------------------------------------


async def test_webhook_delivery_with_secret_and_retry():
    received: asyncio.Queue = asyncio.Queue()
    failures_left = [1]

    async def receive(request: web.Request) -> web.Response:
        if failures_left[0]:
            failures_left[0] -= 1
            return web.Response(status=500)
        await received.put((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(text="ok")

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    hook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        async with (
            LoopbackBotAPI(webhook_retry_delays=(0.01, 0.01)) as api,
            Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as hooked,
        ):
            user = api.user(4001, "孙七")
            assert await hooked.set_webhook(hook_url, secret_token="s3cret-Token_1")
            info = await hooked.get_webhook_info()
            assert info.url == hook_url and info.pending_update_count == 0
            with pytest.raises(Conflict, match="(?i)webhook is active"):
                await hooked.get_updates()

            sent = await api.send_text(user, "小区路灯坏了")
            secret, update = await asyncio.wait_for(received.get(), 5)
            assert secret == "s3cret-Token_1"
            assert update["message"]["text"] == "小区路灯坏了" == sent["text"]
            assert Update.de_json(update, hooked).message.from_user.first_name == "孙七"
            assert [d["status"] for d in api.webhook_deliveries] == [500, 200]
            assert "500" in (await hooked.get_webhook_info()).last_error_message

            assert await hooked.delete_webhook()
            await api.send_text(user, "再来一条")
            updates = await hooked.get_updates(timeout=0)
            assert [u.message.text for u in updates] == ["再来一条"]
    finally:
        await runner.cleanup()


# -- long polling semantics ----------------------------------------------------------------


async def test_long_poll_returns_when_an_update_arrives(api):
    user = api.user(5001, "周八")
    async with aiohttp.ClientSession() as session:
        url = f"{api.base_url}{api.token}/getUpdates"
        poll = asyncio.create_task(session.post(url, data={"timeout": "5"}))
        await api.wait_for(lambda: api.polling, timeout=5)
        injected_at = time.monotonic()
        await api.send_text(user, "你好")
        response = await asyncio.wait_for(poll, 5)
        body = await response.json()
        assert time.monotonic() - injected_at < 1.0
        assert [u["message"]["text"] for u in body["result"]] == ["你好"]

        # Offsets confirm; the next call sees nothing new.
        last = body["result"][-1]["update_id"]
        async with session.post(url, data={"offset": str(last + 1), "timeout": "0"}) as response:
            assert (await response.json())["result"] == []

        # A second poller ends the first one with 409, as Telegram does.
        older = asyncio.create_task(session.post(url, data={"timeout": "5"}))
        await api.wait_for(lambda: api.polling, timeout=5)
        async with session.post(url, data={"timeout": "0"}) as response:
            assert response.status == 200
        superseded = await asyncio.wait_for(older, 5)
        assert superseded.status == 409 and "terminated by other getUpdates" in (await superseded.json())["description"]


async def test_empty_long_poll_waits_for_its_timeout(api):
    started = time.monotonic()
    status, body = await raw_call(api, "getUpdates", timeout=1)
    assert status == 200 and body["result"] == []
    assert 0.9 <= time.monotonic() - started < 3


# -- driver API ------------------------------------------------------------------------------


async def test_driver_updates_parse_in_ptb_and_events_stream(api, bot):
    user = api.user(6001, "吴九", last_name="吴", username="wujiu")
    api.add_chat(-600, "supergroup", "物业群")
    events = api.subscribe()

    injected = [
        await api.send_text(user, "/report@gridbot_sandbox_bot 垃圾", chat_id=-600),
        await api.send_photo(user, caption="垃圾堆"),
        await api.send_location(user, 31.2304, 121.4737),
        await api.send_sticker(user),
        await api.send_voice(user),
        await api.send_contact(user, "+8613800000000"),
    ]
    assert injected[0]["entities"][0]["length"] == len("/report@gridbot_sandbox_bot")
    updates = await bot.get_updates()  # PTB parses every injected update
    assert [u.update_id for u in updates] == list(range(1, 7))
    group_message, photo, location, sticker, voice, contact = (u.message for u in updates)
    assert group_message.chat.title == "物业群" and group_message.text.startswith("/report")
    assert len(photo.photo) == 2 and photo.photo[-1].width == 320 and photo.caption == "垃圾堆"
    photo_bytes = await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()
    assert bytes(photo_bytes) == SAMPLE_PNG
    assert location.location.latitude == pytest.approx(31.2304)
    assert sticker.sticker.emoji and voice.voice.mime_type == "audio/ogg"
    assert contact.contact.phone_number == "+8613800000000"
    assert [m["message_id"] for m in api.transcript(user.id)] == [1, 2, 3, 4, 5]

    menu = await bot.send_message(user.id, "菜单", reply_markup=keyboard(("确认", "ok")))
    forged = await api.press(user, menu.to_dict(), data="admin:delete-all")
    pressed = await api.press(user, menu.message_id, "ok", chat_id=user.id)
    with pytest.raises(LookupError):
        await api.press(user, menu.to_dict(), "不存在")
    queries = [u.callback_query for u in await bot.get_updates(offset=7)]
    assert [(q.id, q.data) for q in queries] == [(forged, "admin:delete-all"), (pressed, "ok")]
    assert queries[1].message.message_id == menu.message_id
    assert await queries[1].answer("好的")
    assert (await api.wait_for_callback_answer(pressed))["text"] == "好的"
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await queries[1].answer("again")

    kinds = []
    while not events.empty():
        kinds.append(events.get_nowait()["type"])
    assert kinds.count("message") == 7 and kinds.count("callback_query") == 2
    assert kinds[-1] == "callback_answer"

    with pytest.raises(TimeoutError):
        await api.wait_for_bot_message(user.id, lambda m: m["text"] == "永远不会", timeout=0.05)


async def test_group_privacy_mode_and_force_reply(api, bot):
    """In a group the bot sees commands, replies to its own messages and @mentions, nothing else,
    unless it is an admin there (Telegram's default privacy mode); a ForceReply is kept as the
    message's reply box, not as buttons."""
    assert (await bot.get_me()).can_read_all_group_messages is False
    worker = api.user(7001, "郑十")
    api.add_chat(-700, "supergroup", "网格群")
    prompt = await bot.send_message(-700, "请回复本消息：处理结果",
                                    reply_markup=ForceReply(selective=True, input_field_placeholder="处理结果"))
    shown = api.last_bot_message(-700)
    assert shown["reply_keyboard"] == {"force_reply": True, "selective": True, "input_field_placeholder": "处理结果"}
    assert "reply_markup" not in shown and button_texts(shown) == []

    chatter = await api.send_text(worker, "大家好，明天上午九点开例会", chat_id=-700)
    await api.send_text(worker, "同意", chat_id=-700, reply_to=chatter)  # a reply, but not to the bot
    await api.send_text(worker, "已上门处理", chat_id=-700, reply_to=prompt.to_dict())
    await api.send_text(worker, "/help", chat_id=-700)
    await api.send_text(worker, "@GridBot_Sandbox_Bot 在吗", chat_id=-700)
    await api.send_text(worker, "私聊里说什么都看得见")
    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == ["已上门处理", "/help", "@GridBot_Sandbox_Bot 在吗", "私聊里说什么都看得见"]
    assert updates[0].message.reply_to_message.message_id == prompt.message_id
    assert len(api.transcript(-700)) == 6  # the chatter is in the group all the same

    api.add_chat(-701, "group", "街道群", bot_admin=True)
    await api.send_text(worker, "闲聊一句", chat_id=-701)
    later = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [u.message.text for u in later] == ["闲聊一句"]


async def test_extra_routes_share_the_server():
    """The web chat page will mount its own routes on api.app before start()."""
    server = LoopbackBotAPI()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="网格通 chat")

    server.app.router.add_get("/chat", page)
    async with server, aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/chat") as response:
            assert await response.text() == "网格通 chat"
        status, body = await raw_call(server, "getMe")
        assert status == 200 and body["ok"] is True
