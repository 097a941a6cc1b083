"""Staff at work: the card, the moves and their reasons, questions to residents, pending questions."""

from bot.texts.residents import STICKER_NOT_SUPPORTED, UNSUPPORTED, VOICE_NOT_SUPPORTED

# --- the card in the group chat ---------------------------------------------------------------
CARD = (
    "{light} 工单 {number}{urgent}\n"
    "类别：{category}（依据：{reasons}）\n"
    "地点：{place}\n"
    "反映人：{who}\n"
    "内容：{text}\n"
    "{extras}"
    "期限：{due}\n"
    "状态：{status}"
)
CARD_URGENT = " 【紧急】"
CARD_PATROL = "网格员巡查发现"
CARD_ANONYMOUS = "匿名居民"
CARD_RESIDENT = "居民 {masked}"
CARD_FOLLOWUP = "补充：{q} {a}\n"
CARD_PHOTOS = "照片：{count} 张（见下方）\n"
CARD_ACCEPTED_BY = "处理中（{name} 已接单）"
CARD_RESOLVED = "已办结，待居民评价{result}"
CARD_RESULT = "（处理结果：{note}）"
CARD_CLOSED = "已关闭"
CARD_CLOSED_RATED = "已关闭，居民评价：{rating}"
CARD_RESIDENT_COMMENT = "，居民意见：{comment}"
CARD_RETIRED = "⤵️ 这件工单又交回本单位办理，最新卡片在下方，请在新卡片上操作。"
# Why the ticket is with this unit now, on top of its card (bot/workflow/arrivals.py).
ARRIVED_ESCALATED = "⬆️ 【{unit}】{name}上报：{reason}"
ARRIVED_TRANSFERRED = "➡️ 【{unit}】{name}转派：{reason}"
ARRIVED_RETURNED = "↩️ 【{unit}】{name}退回：{reason}"
ARRIVED_REJECTED = "↩️ 【{unit}】{name}驳回办结：{reason}"
ARRIVED_UNSATISFIED = "↩️ 居民对处理结果不满意，重新交办{resolution}"
ARRIVED_NOT_FIXED = "↩️ 居民反映问题还没解决，重新交办{resolution}"
ARRIVED_LAST_RESULT = "（上次处理：{note}）"
ARRIVED_REOPENED_UP = "；【{unit}】多次办理仍未解决，由本级办理"
ARRIVED_RESIDENT_SAID = "\n居民说：“{words}”"
ARRIVED_RESIDENT_WORDS_LATER = ""
ARRIVED_SOMEONE = "上级单位"
ARRIVED_NO_REASON = "未写理由"
CARD_TRIAGE = "⚠️ 待分派：{why}"
TRIAGE_LOW_CONFIDENCE = "类别不确定"
TRIAGE_NO_GRID = "未找到所属网格"
LIGHTS = {"green": "🟢", "yellow": "🟡", "red": "🔴"}
TEXT_SHORTENED = "…（全文共 {count} 字）"

BTN_ACCEPT = "接单"
BTN_RESOLVE = "办结"
BTN_ESCALATE = "上报"
BTN_TRANSFER = "转派"
BTN_RETURN = "退回"
BTN_ASK = "追问"
BTN_REJECT = "驳回"
BTN_CONSULT = "会商"
BTN_CONSULT_GO = "发起会商"
BTN_TRIAGE_CATEGORY = "改类别"
BTN_TRIAGE_GRID = "派网格"

ACCEPTED_TOAST = "已接单"
ASK_REASON = {
    "resolve": "{name}，请回复本消息，简要写明工单 {number} 的处理结果（可附照片）。",
    "escalate": "{name}，请回复本消息，简要说明工单 {number} 为什么需要上报。",
    "return": "{name}，请回复本消息，简要说明退回工单 {number} 的原因。",
    "transfer": "{name}，请回复本消息，简要说明工单 {number} 转派给【{unit}】的原因。",
    "reject": "{name}，请回复本消息，说明驳回工单 {number} 办结的理由。",
    "ask": "{name}，请回复本消息，写下想问居民的问题（工单 {number}），我会转给居民。",
}
REASON_TOAST = "请在群里回复说明"
TRANSFER_REASON_TOAST = "请在群里回复转派给【{unit}】的原因"
ESCALATED_TOAST = "已上报至【{unit}】"
TRANSFERRED_TOAST = "已转派至【{unit}】"
RETURNED_TOAST = "已退回至【{unit}】"
REJECTED_TOAST = "已驳回，工单回到【{unit}】继续处理"
ASKED_TOAST = "问题已转给居民"
CARD_MOVED = "➡️ 已{action}至【{unit}】"
CARD_MERGED = "已合并至工单 {number}"
CARD_REOPENED_ELSEWHERE = "➡️ 居民仍不满意，已交【{unit}】办理"
SITE_PHOTO_KEPT = "📷 {name}发的照片已记入工单 {number}（现场照片共 {count} 张）。"
SITE_PHOTO_WHICH = "{name}，这张照片是哪件工单的？"
SITE_PHOTO_CHOICE = "{number}（{status}）"
BTN_SITE_PHOTO_NONE = "不是工单照片"
SITE_PHOTO_TOAST = "已记入工单 {number}"
SITE_PHOTO_DROPPED = "好的，这张照片不记入工单。"
SITE_PHOTO_NO_TICKET = "{name}，本单位现在没有在办的工单，照片没有记入。"
SITE_PHOTO_EXPIRED = "{name}，刚才那张照片没有选是哪件工单的，没有记入。需要时请回复工单卡片重新发送。"
RELAY_PLACE = "📍 居民补充地点（工单 {number}）：{place}"
PLACE_AS_LOCATION = "位置 {lat:.5f}, {lon:.5f}"
RELAY_AFTER_FIX = "💬 居民在办结后留言（工单 {number}）：{words}"
RELAY_AFTER_FIX_PHOTO = "居民在办结后发来的照片（工单 {number}）"
RELAY_RESIDENT_SAYS = "💬 居民补充（工单 {number}）：{words}"
CARD_CONSULT_LEAD = "部门会商：牵头【{lead}】，配合【{others}】"
CARD_CONSULT_PARTNER = "【会商】本部门配合办理，牵头单位【{lead}】。有意见请回复本卡片。"
ALREADY_TOP = "工单 {number} 已在区指挥中心，无法再上报，可发起部门会商。"
NO_RETURN_TARGET = "工单 {number} 没有可以退回的上级。"
NOT_A_DEPARTMENT = "只能转派给职能部门。"
PICK_DEPARTMENT = "工单 {number}：请选择转派的职能部门"
PICK_CONSULT = "工单 {number}：请选择参加会商的部门（第一个选中的牵头），选好后点“发起会商”。\n已选：{chosen}"
CONSULT_NEED_TWO = "会商至少要选两个部门。"
CONSULT_ONLY_COMMAND = "部门会商由区指挥中心发起。"
CONSULTED_TOAST = "会商已发起"
NO_RESIDENT_TO_ASK = "这件工单没有可以追问的居民（巡查上报）。"
REJECT_ONLY_MANAGERS = "驳回需要上级单位或指挥中心的工作人员。"
NOTIFY_ESCALATED = "您的工单 {number} 已交由【{unit}】协调处理。"
NOTIFY_TRANSFERRED = "您的工单 {number} 已转交【{unit}】处理。"
NOTIFY_RETURNED = "您的工单 {number} 正在重新分派，请耐心等待。"
NOTIFY_REJECTED = "您的工单 {number} 经复核还需继续处理，已退回【{unit}】。"
NOTIFY_CONSULT = "您的工单 {number} 涉及多个部门，已由区指挥中心组织会商，{due}。"
NOTIFY_MERGED = "您反映的问题与工单 {number} 是同一件事，已合并处理，进展会继续告诉您。"
RELAY_QUESTION = "关于您的工单 {number}，工作人员想了解：\n{question}\n请直接回复这条消息，或点下面的“回复”。"
RELAY_QUESTION_OVER = "关于您的工单 {number}，工作人员问过：\n{question}\n（工单已办结，不用再回复了）"
QUESTION_OVER = "这件工单已经办结，不用再回复了。如果问题还没解决，直接告诉我就行。"
RELAY_ANSWER = "居民回复（工单 {number}）：{answer}"
RELAY_ANSWER_PHOTO = "居民补充照片（工单 {number}）"
BTN_ANSWER = "回复"
BTN_NOT_FIXED = "还没解决"
NOT_FIXED_REASON = "居民反映问题仍未解决"
REOPEN_TOO_LATE = "这件工单已关闭超过7天，请直接重新反映，我们会登记新工单。"
REOPENED_TOAST = "已重新交办，我们会继续跟进。"
ANSWER_PROMPT = "请直接输入您的回复（工单 {number}），可以发文字或照片。"
ANSWER_SENT = "已转给工作人员，谢谢。"
ANSWER_FINISH_DRAFT_FIRST = "您正在填写一件新问题，请先提交或发送 /cancel，再回复；也可以长按那条消息选择“回复”。"
TODO_EMPTY = "【{unit}】目前没有待办工单。"
TODO_HEADER = "【{unit}】待办工单 {count} 件（按期限排序）："
TODO_ROW = "{light} {number}｜{category}｜{status}｜期限 {due}"
HISTORY_HEADER = "工单 {number} 的处理记录："
HISTORY_STAFF_ROW = "{time} {who} {what}{move}{unit}{note}"
TICKET_NOT_FOUND = "没有找到工单 {number}。"
USAGE_HISTORY = "用法：/history 工单号"
USAGE_TICKET = "用法：/ticket 工单号"
USAGE_MERGE = "用法：/merge 重复的工单号 保留的工单号"
MERGED_TOAST = "工单 {dup} 已合并到 {main}。"
CANNOT_MERGE_SELF = "不能把工单合并到它自己。"
PATROL_START = "请发送巡查发现的问题：文字、照片、位置都可以，发完按提示确认。"
EVENT_STAFF_WORDS = {
    "submitted": "登记", "assigned": "派单", "triaged": "分派", "accepted": "接单", "resolved": "办结",
    "rated": "评价", "reopened": "重新处理", "closed": "关闭", "auto_closed": "默认满意关闭",
    "escalated": "上报", "transferred": "转派", "returned": "退回", "rejected": "驳回",
    "consulted": "发起会商", "merged": "合并", "asked": "追问", "answered": "居民回复",
    "commented": "居民意见", "recategorised": "改类别", "explained": "书面说明", "located": "居民补充地点",
    "photo_added": "现场照片", "marked_urgent": "标为紧急", "unmarked_urgent": "取消紧急",
}
ASK_RESOLUTION = "{name}，请回复本消息，简要写明工单 {number} 的处理结果（可附照片）。"
RESOLVED_TOAST = "已办结，已通知居民评价。"
RESOLVED_NOTE = "工单 {number} 已办结，已请居民评价。"
ASK_RESOLUTION_TOAST = "请回复处理结果"
NOT_YET_AVAILABLE = "“{action}”将在下一版开放，请先在群里说明情况。"
ILLEGAL_MOVE = "工单 {number} 当前{status}，不能{action}。"
TRIAGE_PICK_COMMUNITY = "工单 {number}：请选择社区"
TRIAGE_PICK_GRID = "工单 {number}：请选择网格"
TRIAGE_PICK_CATEGORY = "工单 {number}：请选择类别"
TRIAGE_DONE = "已派给【{unit}】。"
CATEGORY_CHANGED = "类别已改为“{category}”。"
# Under the 改类别 pickers: staff say whether it is urgent; the danger model learns from it.
BTN_MARK_URGENT = "⚠️ 标为紧急"
BTN_UNMARK_URGENT = "不算紧急"
URGENCY_MARKED = "已标为紧急，按紧急时限办理，指挥中心已知悉。"
URGENCY_UNMARKED = "已取消紧急，按一般时限办理。"
URGENCY_ACTION = "改紧急程度"
# In the holder's chat, replying to the card, when someone of another unit marked it urgent, or not.
MARKED_URGENT_NOTE = "⚠️ 工单 {number} 已由【{unit}】{name}标为紧急，请尽快到场处置，期限 {due}。"
UNMARKED_URGENT_NOTE = "工单 {number} 已由【{unit}】{name}取消紧急，按一般时限办理，期限 {due}。"

ROLE_WORDS = {
    "worker": "网格员",
    "community": "社区工作人员",
    "street": "街道工作人员",
    "command": "指挥中心工作人员",
    "department": "部门工作人员",
    "volunteer": "志愿者",
}

# A ticket's promise, the same on the card and to the resident (bot/sla/policy.py describe).
DUE_WORKDAYS = "{n}个工作日内办结"
DUE_HOURS = "{span}内到场处置"
DUE_WORK_HOURS = "{n}个工作小时内办结"

# --- reminders too many for one message (bot/sla/digests.py) ---
# Up to three messages, marked （1/3）; beyond that a summary without ticket numbers and the full list as a file.
SLA_PART = "（{part}/{parts}）"
SLA_SECTION_NAMES = {
    "own_red": "🔴 红灯",
    "other_red": "🔴 红灯",
    "overdue": "⌛ 超期",
    "missing": "📋 书面说明逾期",
    "yellow": "🟡 黄灯",
}
SLA_CONTINUED = "{section}（续）："
SLA_SUMMARY_INTRO = "本次提醒共 {count} 件，一条消息列不下，完整清单见下一条消息的附件（CSV 表格，可用 Excel 或 WPS 打开）。"
SLA_SUMMARY_OWN_RED = ("🔴 红灯 {count} 件：超过时限仍未接单。请立即处理，"
                       "并在 {deadline} 前逐件提交书面说明（点下方按钮，或发送 /explain 工单号）。")
SLA_SUMMARY_SECTION = "{section} {count} 件"
SLA_SUMMARY_UNITS = "按责任单位：{rows}"
SLA_SUMMARY_CATEGORIES = "按类别：{rows}"
SLA_SUMMARY_COUNT = "{name} {count} 件"
SLA_SUMMARY_JOIN = "，"
SLA_SUMMARY_MORE = " 等 {count} 个"
SLA_FILE_NAME = "时限提醒清单-{stamp}.csv"
SLA_FILE_CAPTION = "📎 时限提醒完整清单（{time}），共 {count} 件"
SLA_FILE_COLUMNS = ("提醒", "工单号", "类别", "地点", "责任单位", "办结期限", "亮红灯时间")
SLA_FILE_KINDS = {"own_red": "红灯", "other_red": "红灯", "overdue": "超期", "missing": "书面说明逾期", "yellow": "黄灯"}

# --- pending questions (bot/handlers/router.py, pending.py) ------------------------------------
OTHER_CONTENT = {
    "sticker": STICKER_NOT_SUPPORTED,
    "voice": VOICE_NOT_SUPPORTED,
    "unsupported": UNSUPPORTED,
}
PROMPT_NOT_YOURS = "这个问题是请{name}回答的，谢谢您。"
ASKED_BY_NAME = "{name}，{question}"
WHICH_QUESTION = "这是回答工作人员的问题吗？"
WHICH_CHOSE_ANSWER = "（您选了：回答问题）"
WHICH_CHOSE_NEW = "（您选了：另一件事）"
BTN_WHICH_ANSWER = "是，回答问题"
BTN_WHICH_NEW = "不是，这是另一件事"
REPORT_EXPIRED = "您之前填写的反映三天没有提交，已作废。如果问题还在，请重新告诉我。"
ANSWER_EXPIRED = "工作人员关于工单 {number} 的问题已过了回复时间。如还想补充，请长按那条问题选“回复”。"
REASON_GOT_PHOTO = "{name}，照片已收到（共 {count} 张），请再回复几句文字说明。"
REASON_WORDS = {"resolve": "办结情况", "escalate": "上报理由", "return": "退回理由", "reject": "驳回理由",
                "transfer": "转派理由",
                "ask": "追问内容"}
REASON_EXPIRED = "{name}，工单 {number} 的{what}没有等到，已取消。需要时请再按一次按钮。"
CONSULT_EXPIRED = "工单 {number} 的会商部门还没选完，已取消。需要时请再点“发起会商”。"
SLA_GOT_PHOTO = "{name}，照片已收到（共 {count} 张），请再回复书面说明的文字。"
SLA_EXPLAIN_EXPIRED = "{name}，工单 {number} 的书面说明还没有收到。请尽快按“书面说明”填写，或发送 /explain {number}。"
WISH_SEND_PHOTO = "请发一张送达的照片。"
WISH_PHOTO_EXPIRED = "微心愿 #{id} 的送达照片还没有收到，送达后请再按一次“已送达”。"
VISIT_EXPIRED = "对 {label} 的走访记录还没有写完，已取消。需要时请重新发送 /visit。"
