"""What the demo's page draws, as JSON: a message (sender, text, photo, buttons, the reply box a
ForceReply opens), a change on the live feeds, the clock, and the whole first view."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.sandbox.botapi import LoopbackBotAPI
from bot.sandbox.directory import Directory

JSONDict = dict[str, Any]

EXAMPLES: tuple[JSONDict, ...] = (
    {"label": "油烟", "text": "楼下早餐店油烟太大，天天熏到家里"},
    {"label": "噪音", "text": "楼上邻居每天半夜跺脚，吵得睡不着"},
    {"label": "井盖", "text": "{place}门口井盖松了，踩上去晃"},  # a place of the district: filed at once
)


def examples(directory: Directory) -> list[JSONDict]:
    """The one-click complaints, the 井盖 one at a place of this district (南海街1号院 in the
    sample) so it reaches the guide's worker without a question where."""
    place = directory.guide_place or "小区"
    return [{**e, "text": e["text"].format(place=place)} for e in EXAMPLES]

KIND_LABELS = {
    "private": "与网格通的私聊",
    "district": "区指挥中心",
    "street": "街道工作群",
    "community": "社区工作群",
    "grid": "网格工作群",
    "department": "职能部门工作群",
    "volunteers": "志愿者群",
}


def clock_view(clock: Clock, tz: ZoneInfo) -> JSONDict:
    """The clock as the page shows it: the bot's time, its speed, the local date and time."""
    now = clock.now()
    local = now.astimezone(tz)
    weekday = "一二三四五六日"[local.weekday()]
    return {
        "now": now.isoformat(),
        "ts": now.timestamp(),
        "scale": clock.scale,
        "tz": str(tz),
        "local": f"{local.month}月{local.day}日 周{weekday} {local:%H:%M}",
    }


def message_view(message: JSONDict) -> JSONDict:
    """A message as the page draws it: sender, text, photo URL, buttons, edits."""
    sender = message.get("from") or {}
    from_bot = bool(message.get("from_bot", sender.get("is_bot")))
    name = "网格通" if from_bot else " ".join(
        part for part in (sender.get("first_name"), sender.get("last_name")) if part)
    view: JSONDict = {
        "id": message["message_id"],
        "chat_id": message["chat"]["id"],
        "from_bot": from_bot,
        "sender": {"id": sender.get("id"), "name": name},
        "date": message.get("date"),
        "text": message.get("text") or message.get("caption") or "",
        "entities": message.get("entities") or message.get("caption_entities") or [],
        "edits": message.get("edits", 0),
        "buttons": [
            [{"text": b.get("text", ""), **({"data": b["callback_data"]} if "callback_data" in b else {}),
              **({"url": b["url"]} if "url" in b else {})} for b in row]
            for row in ((message.get("reply_markup") or {}).get("inline_keyboard") or [])
        ],
    }
    if message.get("photo"):
        largest = message["photo"][-1]
        view["photo"] = {"url": f"/sandbox/files/{largest['file_id']}",
                         "width": largest.get("width"), "height": largest.get("height")}
    document = message.get("document")
    if document:  # a workbook, a CSV list: a file to download, under its own name
        view["document"] = {"url": f"/sandbox/files/{document['file_id']}", "name": document.get("file_name") or "file",
                            "size": document.get("file_size"), "mime": document.get("mime_type") or ""}
    if message.get("location"):
        view["location"] = {"lat": message["location"]["latitude"], "lon": message["location"]["longitude"]}
    for kind, label in (("sticker", "[表情]"), ("voice", "[语音]"), ("contact", "[名片]")):
        if message.get(kind) and not view["text"]:
            view["text"] = label
    markup = message.get("reply_keyboard") or {}
    if markup.get("force_reply"):  # a question put to the people it mentions: their reply box opens
        view["prompt"] = {
            "for": [e["user"]["id"] for e in view["entities"] if e.get("type") == "text_mention" and e.get("user")],
            "placeholder": markup.get("input_field_placeholder") or "",
        }
    keyboard = markup.get("keyboard")
    if keyboard:
        view["keyboard"] = [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in keyboard]
    replied = message.get("reply_to_message")
    if replied:
        replied_from = replied.get("from") or {}
        view["reply_to"] = {
            "id": replied.get("message_id"),
            "name": "网格通" if replied_from.get("is_bot") else replied_from.get("first_name", ""),
            "text": (replied.get("text") or replied.get("caption") or ("[照片]" if replied.get("photo") else "")
                     or ("[文件]" if replied.get("document") else ""))[:80],
        }
    if message.get("deleted"):
        view["deleted"] = True
    return view


def page_state(directory: Directory, api: LoopbackBotAPI, clock: Clock, tz: ZoneInfo,
               dashboard: str | None = None) -> JSONDict:
    """Everything the page loads first: people, chats with their last message, places, the guide."""
    d = directory
    chats = []
    for info in d.chats:
        messages = api.transcript(info.id)
        chats.append({
            **asdict(info),
            "type": "supergroup",
            "kind_label": KIND_LABELS.get(info.kind, ""),
            "count": len(messages),
            "last": message_view(messages[-1]) if messages else None,
        })
    privates = {}
    for person in d.people:
        messages = api.transcript(person.id)
        if messages:
            privates[str(person.id)] = {"count": len(messages), "last": message_view(messages[-1])}
    return {
        "title": "网格通 · 沙箱演示",
        "district": d.district,
        "bot": {"id": api.bot_user["id"], "name": "网格通"},
        "people": [asdict(p) for p in d.people],
        "chats": chats,
        "privates": privates,
        "places": [asdict(p) for p in d.places],
        "examples": examples(d),
        "guide": guide(d),
        "clock": clock_view(clock, tz),
        "default_person": d.guide_resident,
        # The dashboard's address as the bot writes it in /web's links; the page puts its own
        # host in them, so a phone that opened the demo opens the dashboard on the same machine.
        "dashboard": dashboard,
    }


def guide(directory: Directory) -> list[JSONDict]:
    """What to try, step by step; `as` and `chat` let the page switch with one click."""
    d = directory
    steps: list[JSONDict] = [{"text": "以居民身份点一条示例投诉发出，按提示补充或点“确认提交”。",
                              "as": d.guide_resident}]
    worker = d.person(d.guide_worker) if d.guide_worker else None
    if worker:
        steps.append({
            "text": f"切换为负责的网格员（“井盖”那条归{worker.unit}的 {worker.name}），"
                    "在工作群里按“接单”，再按“办结”。",
            "as": worker.id, "chat": worker.chat_id,
            "action": f"切换为{worker.name}",
        })
    steps.append({"text": "回到居民的私聊，给处理结果评价；不满意会重新派单。", "as": d.guide_resident,
                  "action": "回到居民"})
    steps.append({"text": "点上方“+24 小时”或“1 小时/秒”让时间快进：超时的工单亮黄灯、红灯，"
                          "各工作群收到提醒，每天 08:30 各工作群和指挥中心群收到日报。"})
    staff = d.person(d.guide_staff) if d.guide_staff else None
    if staff:
        steps.append({
            "text": f"切换为{staff.unit}的 {staff.name}：在工作群里发 /stats 看统计，/chart 看近30天的图，"
                    "/export 下载考核表（Excel）；在与网格通的私聊里发 /web，点回复里的链接打开网页工作台。",
            "as": staff.id, "chat": staff.chat_id, "action": f"切换为{staff.name}",
        })
    return steps


def event_view(event: JSONDict) -> JSONDict | None:
    """A sandbox change as the live feeds send it; None for what the page does not draw."""
    kind = event.get("type")
    if kind in ("message", "edit"):
        return {"type": kind, "chat_id": event["chat_id"], "message": message_view(event["message"])}
    if kind == "delete":
        return {"type": kind, "chat_id": event["chat_id"], "message_id": event["message_id"]}
    if kind == "callback_answer":
        return {"type": kind, "chat_id": event["chat_id"], "answer": event["answer"]}
    if kind == "chat_action":
        return {"type": kind, "chat_id": event["chat_id"], "action": event["action"]}
    if kind == "clock":
        return event
    return None  # raw updates and the queries themselves: nothing to draw
