"""Every word a person reads, in one place: short, plain Chinese.

Handlers and services never write Chinese sentences of their own; they pick one of these.
Templates use str.format with named fields.
"""

# --- start and help -------------------------------------------------------------------------
WELCOME = (
    "您好，这里是网格通。\n"
    "身边有什么问题，直接用文字告诉我就行，比如“楼下饭店油烟太大”。"
    "可以再发照片和位置。\n"
    "我会登记成工单，交给您所在网格的网格员处理，每一步都会告诉您。\n"
    "发送 /my 查看我反映的问题。"
)
GROUP_WELCOME = "本群是【{unit}】的工作群。新的工单会以卡片形式发到这里，请及时接单处理。"
GROUP_UNBOUND = "本群还没有绑定到任何单位，请联系管理员在辖区配置文件中添加本群（群号 {chat_id}）。"
STAFF_PRIVATE_HINT = "您是【{unit}】的{role}。工单卡片会发到本单位的工作群。"
COMMANDS = {
    "start": "开始",
    "help": "帮助",
    "my": "我反映的问题",
    "cancel": "取消正在填写的内容",
}

# --- bad input --------------------------------------------------------------------------------
NEED_TEXT = "请用文字描述您遇到的问题，也可以再发照片或位置。"
EMPTY_TEXT = "没有收到文字内容，请简单说说遇到了什么问题。"
VOICE_NOT_SUPPORTED = "暂时听不了语音，请改用文字描述，谢谢。"
STICKER_NOT_SUPPORTED = "收到表情啦。请用文字说说遇到了什么问题。"
UNSUPPORTED = "暂时只能处理文字、照片和位置，请用文字描述问题。"
TOO_FAST = "您发得有点快，请稍等片刻再发。已收到的内容都保留着。"
BUSY = "系统有点忙，请稍后再试。您填写的内容已保存，不会丢失。"
STALE_BUTTON = "这个按钮已失效，请按最新的消息操作。"
NOT_ALLOWED = "您没有权限处理这件工单。"
NOT_STAFF = "这个操作只有工作人员可以使用。"
UNKNOWN_COMMAND = "没有这个指令。发送 /help 查看可用的功能。"
TOO_MANY_PHOTOS = "照片最多 {max} 张，已收到的照片都保留着。"

# --- resident's draft -------------------------------------------------------------------------
GOT_PHOTO_NEED_TEXT = "照片已收到。请再用文字说说是什么问题。"
GOT_LOCATION_NEED_TEXT = "位置已收到。请再用文字说说是什么问题。"
GOT_PHOTO = "照片已收到（共 {count} 张）。"
EMERGENCY_FIRST = (
    "⚠️ 如有危险，请先打电话：火警 119，报警 110，急救 120，燃气抢修请拨燃气公司热线。\n"
    "网格通不是急救电话，但已按紧急情况登记，马上通知网格员和指挥中心。"
)
FOLLOWUP_PROMPT = "{question}（可以直接点“跳过”）"
ASK_PLACE = "这件事发生在哪里？可以点左下角📎发送位置，或者在下面选择您所在的社区。"
ASK_GRID = "请选择【{community}】下的网格："
SUMMARY = (
    "请确认您反映的问题：\n"
    "类别：{category}\n"
    "地点：{place}\n"
    "内容：{text}\n"
    "{extras}"
    "提交后将交给【{unit}】处理，预计{due}。"
)
SUMMARY_TRIAGE_UNIT = "区指挥中心"
SUMMARY_PHOTOS = "照片：{count} 张\n"
SUMMARY_ANON_ON = "匿名：是（工作人员看不到您的姓名）\n"
PLACE_UNKNOWN = "未能确定"
ASK_MORE = "请补充说明，直接发文字即可。"
PICK_CATEGORY = "请选择最接近的类别："
CANCELLED = "已取消，没有提交。有问题随时再告诉我。"
NOTHING_TO_CANCEL = "当前没有正在填写的内容。"
ALREADY_SUBMITTED = "这件事已经提交过了，不会重复登记。"

BTN_CONFIRM = "确认提交"
BTN_CHANGE_CATEGORY = "修改类别"
BTN_MORE = "补充说明"
BTN_CANCEL = "取消"
BTN_SKIP = "跳过"
BTN_ANON_ON = "匿名提交"
BTN_ANON_OFF = "取消匿名"
BTN_BACK = "返回"
BTN_PLACE_UNKNOWN = "说不清，请工作人员判断"
DUP_OFFER = (
    "这个问题附近已经有居民反映过：\n工单 {number}｜{category}｜{place}｜{status}\n"
    "“{text}”\n是同一件事吗？是的话，您会一起收到它的进展。"
)
BTN_DUP_YES = "是同一件事，关注进展"
DUP_GONE = "工单 {number} 刚刚已办结。如果问题还在，请再发一次，我们会登记新工单。"
BTN_DUP_NO = "不是，继续提交"
DUP_JOINED = "已为您关注工单 {number}，进展会第一时间告诉您。目前共有 {count} 位居民反映。"
CARD_REPORTERS = "反映人数：{count}位居民反映\n"

# --- after submission (to the resident) -------------------------------------------------------
SUBMITTED = (
    "已受理，工单号 {number}。\n"
    "已交给【{unit}】处理，{due}。\n"
    "有进展会第一时间告诉您，发送 /my 可随时查看。"
)
SUBMITTED_TRIAGE = (
    "已受理，工单号 {number}。\n"
    "区指挥中心正在为您分派具体网格，{due}。\n"
    "有进展会第一时间告诉您，发送 /my 可随时查看。"
)
NOTIFY_ASSIGNED = "您的工单 {number} 已派给【{unit}】。"
NOTIFY_ACCEPTED = "您的工单 {number} 已有网格员接单，正在处理。"
NOTIFY_RESOLVED = (
    "您的工单 {number} 已办结。\n处理结果：{note}\n"
    "问题解决了吗？请评价一下（{days}天内未评价视为满意）："
)
NOTIFY_REOPENED_BY_YOU = "收到，工单 {number} 已重新交给【{unit}】处理，我们会继续跟进。"
RATE_THANKS = "谢谢您的评价！如果愿意，可以再写一句意见；不写也可以点“跳过”。"
COMMENT_THANKS = "意见已记录，谢谢。"
RATED_ALREADY = "这件工单已经评价过了，谢谢。"
AUTO_CLOSED = "工单 {number} 已超过{days}天未评价，按“满意”办结。如问题仍在，可以重新反映。"
RATINGS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意", "default": "默认满意"}

MY_EMPTY = "您还没有反映过问题。直接发文字告诉我就可以。"
MY_HEADER = "您反映的问题（最近 {count} 件）："
MY_ROW = "{number}｜{category}｜{status}"
TICKET_FOR_RESIDENT = "工单 {number}\n类别：{category}\n地点：{place}\n状态：{status}\n内容：{text}\n\n进展：\n{history}"
HISTORY_ROW = "{time} {what}"

STATUS_WORDS = {
    "triage": "已受理，待分派",
    "assigned": "已派单",
    "accepted": "处理中",
    "resolved": "已办结，待评价",
    "closed": "已关闭",
    "merged": "已合并",
    "cancelled": "已撤销",
}
# What the resident reads for each event: plain words, no staff names.
EVENT_WORDS = {
    "submitted": "已受理",
    "assigned": "已派单",
    "triaged": "已分派",
    "accepted": "网格员已接单，处理中",
    "resolved": "已办结",
    "rated": "您已评价",
    "reopened": "重新处理",
    "closed": "已关闭",
    "auto_closed": "超时未评价，默认满意",
    "escalated": "已上报上级",
    "transferred": "已转交职能部门",
    "returned": "已退回重新分派",
    "rejected": "经复核继续处理",
    "consulted": "多部门会商处理",
    "merged": "已与同一问题合并处理",
    "asked": "工作人员向您了解情况",
    "answered": "您已回复",
}

# --- care work: 微心愿, 一键求助, visits, the workers' assessment ---------------------------------
WISH_USAGE = "用法：/wish 心愿内容 | 受益人情况（竖线后的内容只留在社区，不会公开）"
WISH_ONLY_COMMUNITY = "微心愿由社区工作人员发布。"
WISH_NO_VOLUNTEERS = "还没有绑定志愿者群，请在辖区文件中配置 volunteers_chat。"
WISH_POSTED = "微心愿 #{id} 已发布到志愿者群。"
WISH_CARD = "🎁 微心愿 #{id}（{community}）\n{description}\n状态：{status}{who_line}"
WISH_CLAIMED_BY = "（志愿者：{name}）"
WISH_STATUS = {"open": "待认领", "claimed": "已认领", "delivered": "已送达", "thanked": "已致谢"}
BTN_WISH_CLAIM = "认领"
BTN_WISH_DELIVERED = "已送达"
BTN_WISH_THANK = "致谢"
WISH_TAKEN = "这个心愿已经被其他志愿者认领了，谢谢您！"
WISH_YOURS = "您已经认领了这个心愿。"
WISH_NOT_YOURS = "只有认领的志愿者可以确认送达。"
WISH_CLAIMED_TOAST = "认领成功，社区会和您联系。"
WISH_CLAIMED_NOTE = "微心愿 #{id} 已由志愿者 {name} 认领，请与其对接。"
WISH_CLAIMED_PRIVATE = "您认领了微心愿 #{id}：{description}\n【{community}】会联系您安排送达。送达后请在志愿者群点“已送达”并发一张照片。"
WISH_ASK_PHOTO = "{name}，请在本群发一张微心愿 #{id} 的送达照片。"
WISH_ASK_PHOTO_TOAST = "请发送送达照片"
WISH_DELIVERED_NOTE = "微心愿 #{id} 已送达，谢谢！"
WISH_DELIVERED_COMMUNITY = "微心愿 #{id} 已由 {name} 送达：{description}"
WISH_THANKS_TEXT = "感谢您的爱心"
WISH_THANKS_PRIVATE = "【{community}】感谢您帮助实现微心愿：{description}"
WISH_THANKED_TOAST = "已致谢"
WISH_ALREADY_THANKED = "已经致谢过了。"
WISH_UNCLAIMED = "微心愿 #{id} 发布{days}天还没有人认领：{description}。可以再在志愿者群里说一说。"
WISHES_EMPTY = "还没有微心愿。"
WISHES_HEADER = "微心愿："
WISHES_ROW = "#{id}｜{community}｜{description}｜{status} {who}"
BTN_NEED_HELP = "需要帮助"
CARE_USAGE = "用法：/care 居民的用户ID 类别（如 独居老人） [网格编号]"
CARE_NEED_GRID = "请写明网格编号，或由网格员本人登记。"
CARE_MARKED = "已登记为关爱对象，归【{grid}】。对方会看到“需要帮助”按钮。"
CARE_ENROLLED = "您已登记为【{grid}】的关爱对象。遇到困难，点下面的“需要帮助”，网格员会马上联系您。"
HELP_TICKET_TEXT = "关爱对象（{kind}）一键求助"
HELP_PRIVATE_ALERT = "🆘 一键求助：{name}（{kind}）需要帮助，工单 {number}。请立即联系并尽快到场。"
HELP_ON_THE_WAY = "已通知【{grid}】的网格员，马上联系您。如需补充情况，可以直接发文字。如有危险请先打 110 / 120。"
HOUSEHOLD_USAGE = "用法：/household 户的称呼 重点|一般|放心 [备注]"
HOUSEHOLD_ADDED = "已登记：{label}（{level}户），每 {days} 天走访一次。"
HOUSEHOLDS_EMPTY = "本网格还没有登记走访户。发送 /household 登记。"
VISIT_PICK = "走访哪一户？（括号里是应访日期）"
VISIT_ASK_NOTE = "请写下对 {label} 的走访情况（可以先发照片、位置）。"
VISIT_GOT_ATTACHMENT = "已收到，写下走访情况即可完成记录。"
VISIT_RECORDED = "已记录对 {label} 的走访，下次应访：{next}。"
VISIT_DIGEST_HEADER = "本周待走访 {count} 户："
VISIT_DIGEST_ROW = "· {label}（{due}）{overdue}"
VISIT_OVERDUE = "【已逾期】"
VISIT_OVERDUE_HEADER = "走访逾期情况："
VISIT_OVERDUE_ROW = "【{grid}】逾期 {count} 户"
SCORE_USAGE = "用法：/score [YYYY-MM]"
SCORE_HEADER = "{month} 网格员考核得分："
SCORE_GRID_ROW = "【{grid}】{total} 分"
SCORE_WORKER_ROW = "  {name}：{total} 分（{detail}）"
SCORE_WORDS = {
    "patrol_found": "巡查发现", "accepted_on_time": "按时接单", "resolved_on_time": "按期办结",
    "resolved_late": "超期办结", "reopened": "被退回", "red_lights": "红灯", "visits_done": "走访",
    "visits_missed": "漏访", "satisfied": "满意", "unsatisfied": "不满意",
}
SCORE_NONE = "没有可以统计的网格。"
EXPORT_SHEET_SCORES = "网格员考核"
EXPORT_SCORE_GRID = "网格"
EXPORT_SCORE_WORKER = "网格员"
EXPORT_SCORE_TOTAL = "得分"


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
CARD_RESOLVED = "已办结（{note}）"
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
    "reject": "{name}，请回复本消息，说明驳回工单 {number} 办结的理由。",
    "ask": "{name}，请回复本消息，写下想问居民的问题（工单 {number}），我会转给居民。",
}
REASON_TOAST = "请在群里回复说明"
ESCALATED_TOAST = "已上报至【{unit}】"
TRANSFERRED_TOAST = "已转派至【{unit}】"
RETURNED_TOAST = "已退回至【{unit}】"
REJECTED_TOAST = "已驳回，工单回到【{unit}】继续处理"
ASKED_TOAST = "问题已转给居民"
CARD_MOVED = "➡️ 已{action}至【{unit}】"
CARD_MERGED = "已合并至工单 {number}"
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
    "commented": "居民意见", "recategorised": "改类别", "explained": "书面说明",
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

ROLE_WORDS = {
    "worker": "网格员",
    "community": "社区工作人员",
    "street": "街道工作人员",
    "command": "指挥中心工作人员",
    "department": "部门工作人员",
    "volunteer": "志愿者",
}

DUE_WORKDAYS = "{days}个工作日内办结"
DUE_HOURS = "{hours}小时内处置"
TIME_FORMAT = "%m-%d %H:%M"


# --- lights and deadlines (SLA) ---
# Used by bot/sla/lights.py and bot/handlers/sla.py. One sweep sends one digest per chat.
SLA_DIGEST_HEAD = "⏰ 时限提醒（{time}）"
SLA_SECTION_OWN_RED = (
    "🔴 红灯：以下 {count} 件工单超过时限仍未接单。请立即处理，"
    "并在 {deadline} 前提交书面说明（点下方按钮，或发送 /explain 工单号）："
)
SLA_SECTION_OTHER_RED = "🔴 红灯：以下 {count} 件工单超过时限仍未接单（括号内为责任单位）："
SLA_SECTION_OVERDUE = "⌛ 超期：以下 {count} 件工单已超过办结时限仍未办结："
SLA_SECTION_MISSING = "📋 书面说明逾期：以下 {count} 件红灯工单的责任单位未按时提交书面说明："
SLA_SECTION_YELLOW = "🟡 黄灯：以下 {count} 件工单派单后仍未接单，请尽快接单处理："
SLA_ROW = "{light} {number}｜{category}｜{place}"
SLA_ROW_UNIT = "{light} {number}｜{category}｜{place}｜【{unit}】"
SLA_ROW_OVERDUE = "{light} {number}｜{category}｜{place}｜【{unit}】｜期限 {due}"
SLA_ROW_MISSING = "{light} {number}｜【{unit}】｜{since} 亮红灯"
SLA_OVERDUE_MARK = "⌛"
SLA_MORE = "……另有 {count} 件未列出"
SLA_MORE_BUTTONS = "其余红灯工单请发送 /explain 工单号 提交书面说明。"
BTN_EXPLAIN_ROW = "书面说明 {number}"
SLA_ASK_EXPLANATION = (
    "{name}，请回复本消息，写明工单 {number} 超过时限未接单的原因（书面说明）。"
    "说明将记入工单处理记录，并抄送区指挥中心。"
)
SLA_ASK_EXPLANATION_TOAST = "请在群里回复书面说明"
SLA_EXPLAINED = "工单 {number} 的书面说明已记录。"
SLA_EXPLAINED_COPY = "📝 书面说明｜工单 {number}｜【{unit}】{name}：{text}"
SLA_ALREADY_EXPLAINED = "工单 {number} 的书面说明已经提交过了。"
SLA_NOTHING_TO_EXPLAIN = "工单 {number} 没有亮红灯，不需要书面说明。"
SLA_EXPLAIN_NOT_YOURS = "这件工单的书面说明由【{unit}】提交。"
SLA_TICKET_NOT_FOUND = "没有找到工单 {number}。"
SLA_USAGE_EXPLAIN = "用法：/explain 工单号"
DAILY_DATE = "{month}月{day}日"
DAILY_UNIT = (
    "📊 【{unit}】{date}工单日报\n"
    "受理 {received} 件，办结 {resolved} 件\n"
    "目前未办结 {open} 件：黄灯 {yellow}，红灯 {red}，超期 {overdue}"
)
DAILY_COMMAND_HEAD = "📊 {district}{date}工单日报\n单位：受理｜办结｜未办结｜黄灯｜红灯｜超期"
DAILY_ROW = "{unit}：{received}｜{resolved}｜{open}｜{yellow}｜{red}｜{overdue}"
DAILY_COMMAND_OWN = "区指挥中心（含待分派）"
DAILY_TOTAL = "合计"
EVENT_STAFF_WORDS.update({
    "lit_yellow": "亮黄灯", "lit_red": "亮红灯", "overdue": "超期未办结",
    "explained": "书面说明", "explanation_overdue": "书面说明逾期",
})

# --- web dashboard and Open311 ---------------------------------------------------------------
WEB_LOGIN_LINK = (
    "网页工作台登录链接（{minutes} 分钟内有效，只能使用一次，请勿转发）：\n{url}\n\n"
    "在手机或电脑浏览器中打开即可查看本单位及下级单位的工单、处理记录和统计。"
)
WEB_PRIVATE_ONLY = "为了安全，登录链接只在私聊中发送：请在与我的私聊中发送 /web。"
OPEN311_GROUP = "网格事项"
OPEN311_SERVICE_NOTICE = "已受理，工单号 {number}，将按期办理。"
OPEN311_MEDIA_LINE = "图片链接：{url}"
OPEN311_MERGED = "与同一问题合并处理，见工单 {number}。"

# --- figures (stats, chart, export) ---
STATS_PERIOD_TODAY = "今日（{month}月{day}日）"
STATS_PERIOD_WEEK = "本周（{start}至{end}）"
STATS_PERIOD_MONTH = "{year}年{month}月"
STATS_PERIOD_DAYS = "近{days}天（{start}至{end}）"
STATS_MONTH_DAY = "{month}月{day}日"
STATS_BAD_PERIOD = "看不懂“{spec}”：统计期间请写 today（今日）、week（本周）、month（本月）或年月如 2026-11，不写即本月。"
STATS_NONE = "—"
STATS_LIST_SEP = "、"
STATS_CATEGORY = "{category} {count}"
STATS_UNIT = (
    "📊【{unit}】{period} 工作统计\n"
    "受理 {received} 件｜办结 {resolved} 件｜关闭 {closed} 件\n"
    "办结率 {closure}（本期受理已办结 {done} 件）\n"
    "按期办结率 {on_time}（超期办结 {late} 件）\n"
    "满意率 {satisfaction}（评价 {rated} 次）\n"
    "平均接单 {accept} 小时｜平均办结 {resolve} 小时\n"
    "黄灯 {yellow}｜红灯 {red}｜超期 {overdue}｜重新处理 {reopened}\n"
    "当前在办 {open} 件（🟡{yellow_now} 🔴{red_now}）\n"
    "类别前三：{categories}"
)
STATS_CHILDREN_HEADER = "—— 下级单位：受理｜办结｜办结率｜按期办结率｜满意率｜黄灯/红灯｜超期 ——"
STATS_CHILD_ROW = "{unit}：{received}｜{resolved}｜{closure}｜{on_time}｜{satisfaction}｜{yellow}/{red}｜{overdue}"
STATS_MORE = "……另有 {count} 个单位未列出，完整数据请用 /export 导出。"
STATS_FOOTNOTE = "注：满意率＝（满意＋基本满意＋默认满意）÷全部评价，默认满意（逾期未评价）按满意计。"
CHART_TITLE = "【{unit}】{period}"
CHART_DAILY_TITLE = "每日受理与办结"
CHART_RECEIVED = "受理（共 {total} 件）"
CHART_RESOLVED = "办结（共 {total} 件）"
CHART_Y_TICKETS = "件数"
CHART_LIGHTS_TITLE = "当前在办工单灯色"
CHART_X_OPEN = "在办工单（件）"
CHART_LIGHTS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
CHART_CAPTION = "📈【{unit}】{period}：受理 {received} 件，办结 {resolved} 件"
EXPORT_ONLY_MANAGERS = "考核表只有社区、街道和区指挥中心的工作人员可以导出。"
EXPORT_NOT_YOUR_UNIT = "只能导出本单位及下级单位的考核表。"
EXPORT_CAPTION = "📑【{unit}】{period} 考核表（排名：按期办结率→满意率→办结率）"
EXPORT_SHEET_NOTES = "说明"
EXPORT_SHEET_RED = "红灯工单"
EXPORT_LEVEL_SHEETS = {"street": "街道", "community": "社区", "grid": "网格", "department": "部门"}
EXPORT_TITLE = "{unit} {period} 考核表"
EXPORT_SCOPE = "统计范围"
EXPORT_PERIOD = "统计期间"
EXPORT_PERIOD_RANGE = "{label}：{start} 至 {end}（不含）"
EXPORT_GENERATED = "导出时间"
EXPORT_RANKING = "排名依据"
EXPORT_RANKING_RULE = ("各层级分别排名：按期办结率高者在前，相同再比满意率，再比办结率；并列同名次；"
                       "本期无受理、无办结、无评价的单位列在最后，不排名。")
EXPORT_FORMULAS = (
    ("受理量", "本期登记的工单；合并到其他工单的重复件不计。"),
    ("办结率", "本期受理的工单中已办结（含待评价）或已关闭的件数 ÷ 受理量；被“不满意”退回重办的，重新办结前不算办结。"),
    ("按期办结率", "本期办结的工单中办结时间不晚于办结期限的件数 ÷ 办结量。"),
    ("满意率", "（满意＋基本满意＋默认满意）÷ 本期全部评价次数；默认满意（逾期未评价）按满意计。"),
    ("超期", "办结期限落在本期且已过、到期时仍未办结的工单。"),
)
EXPORT_OWN_TOTALS = "【{unit}】合计"
EXPORT_COLUMNS = (
    "排名", "单位", "上级单位", "受理量", "本期受理已办结", "办结率", "办结量", "按期办结", "按期办结率", "关闭",
    "满意", "基本满意", "默认满意", "不满意", "满意率", "平均接单时长（小时）", "平均办结时长（小时）",
    "黄灯", "红灯", "超期", "重新处理", "当前在办", "类别前三",
)
EXPORT_RED_COLUMNS = ("工单号", "类别", "亮红灯时间", "责任单位", "说明期限", "说明情况", "书面说明", "说明人",
                      "说明时间", "工单状态")
EXPORT_EXPLAINED = "已说明"
EXPORT_EXPLAIN_PENDING = "待说明"
EXPORT_EXPLAIN_MISSING = "逾期未说明"
EXPORT_EXPLAIN_NONE_OWED = "无责任单位"


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
BTN_WHICH_ANSWER = "是，回答问题"
BTN_WHICH_NEW = "不是，这是另一件事"
REPORT_EXPIRED = "您之前填写的反映三天没有提交，已作废。如果问题还在，请重新告诉我。"
ANSWER_EXPIRED = "工作人员关于工单 {number} 的问题已过了回复时间。如还想补充，请长按那条问题选“回复”。"
REASON_GOT_PHOTO = "{name}，照片已收到（共 {count} 张），请再回复几句文字说明。"
REASON_WORDS = {"resolve": "办结情况", "escalate": "上报理由", "return": "退回理由", "reject": "驳回理由",
                "ask": "追问内容"}
REASON_EXPIRED = "{name}，工单 {number} 的{what}没有等到，已取消。需要时请再按一次按钮。"
CONSULT_EXPIRED = "工单 {number} 的会商部门还没选完，已取消。需要时请再点“发起会商”。"
SLA_GOT_PHOTO = "{name}，照片已收到（共 {count} 张），请再回复书面说明的文字。"
SLA_EXPLAIN_EXPIRED = "{name}，工单 {number} 的书面说明还没有收到。请尽快按“书面说明”填写，或发送 /explain {number}。"
WISH_SEND_PHOTO = "请发一张送达的照片。"
WISH_PHOTO_EXPIRED = "微心愿 #{id} 的送达照片还没有收到，送达后请再按一次“已送达”。"
VISIT_EXPIRED = "对 {label} 的走访记录还没有写完，已取消。需要时请重新发送 /visit。"


# --- care and input (issue 14) ---
# /care: who may register a resident for care, and where
CARE_NOT_ALLOWED = "关爱对象由网格员、社区、街道或指挥中心的工作人员登记。"
CARE_NO_SUCH_GRID = "没有编号为 {code} 的网格，请核对网格编号。"
CARE_GRID_NOT_YOURS = "【{grid}】不在您负责的范围内：只能登记、调整本单位及下级网格的关爱对象。"
CARE_UNKNOWN_RESIDENT = "还没有这位居民的记录：请对方先在私聊中给我发一条消息（比如 /start），再登记。"
CARE_HELD_ELSEWHERE = "这位居民已是【{grid}】的关爱对象。转到其他网格，请由【{unit}】的工作人员办理。"
CARE_MOVED_OUT = "关爱对象 {name}（{kind}）已由{who}转到【{grid}】，不再归本网格。"
CARE_ASSIGNED = "{who}登记了关爱对象 {name}（{kind}），归本网格【{grid}】。"
# 一键求助 pressed again while the first request is still open
HELP_AGAIN_RESIDENT = "已经通知网格员了（工单 {number}），请稍候，马上联系您。如有危险请先打 110 / 120。"
HELP_AGAIN_NOTE = "🆘 居民又按了一次求助（工单 {number}，共 {count} 次），请尽快联系。"
# 微心愿: who may press what
WISH_CLAIM_NOT_ALLOWED = "微心愿由登记的志愿者认领。想当志愿者，请联系社区。"
WISH_THANK_NOT_ALLOWED = "只有发布这个心愿的社区（或上级）的工作人员可以致谢。"
# the relay: a burst of answers, and answers longer than one message
RELAY_PART = "（{part}/{parts}）"
RELAY_ANSWER_PART = "居民回复（工单 {number}）{part}：{answer}"
RELAY_HELD = "居民还在连续回复（工单 {number}），之后的内容不再逐条转发，已记入工单记录：发送 /history {number} 查看。"
RELAY_HELD_RESIDENT = "您的回复都已记录，工作人员会一并查看，不用重复发送。"
# a report that is long enough
DRAFT_FULL = ("您的描述已经很详细了（最多 {limit} 字），这一段没有收下，前面的内容都保留着。"
              "请点“确认提交”提交这件问题，或提交后再另起一件。")
EVENT_WORDS["help_again"] = "您又按了一次求助"
EVENT_STAFF_WORDS["help_again"] = "又按了一次求助"


# --- delivery (issue 14) ---
# A ticket's card that Telegram refused for good (bot/messaging/undelivered.py), told to the command centre.
CARD_UNDELIVERED = ("⚠️ 工单 {number} 的卡片没能发到{chat}：{reason}。"
                    "该单位可能看不到这件工单，请联系他们，或核对辖区文件里的群号后把机器人重新拉进群。")
UNDELIVERED_CHAT_OF_UNIT = "【{unit}】的群"
UNDELIVERED_CHAT_GROUP = "一个未绑定单位的群"
UNDELIVERED_CHAT_PRIVATE = "一位工作人员的私聊"
UNDELIVERED_REASONS = {
    "forbidden": "机器人已被移出该群或被屏蔽",
    "chat_not_found": "找不到这个群（可能已解散，或群号有误）",
    "chat_migrated": "该群已升级为超级群，群号变了",
    "bad_request": "Telegram 拒收了这条消息",
}

# --- classifier (issue 17) ---
BTN_RECATEGORISE = "改类别"
PICK_CATEGORY = "工单 {number}：请选择正确的类别"
REASONS_BY_STAFF = "{name}改定"
