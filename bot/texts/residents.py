"""A resident's words: the welcome, bad input, the report in progress, and news of their tickets."""

# --- start and help -------------------------------------------------------------------------
WELCOME = (
    "您好，这里是网格通。\n"
    "身边有什么问题，直接用文字告诉我就行，比如“楼下饭店油烟太大”。"
    "可以再发照片和位置。\n"
    "我会登记成工单，交给您所在网格的网格员处理，每一步都会告诉您。\n"
    "发送 /my 查看我反映的问题。"
)
GROUP_WELCOME = "本群是【{unit}】的工作群。新的工单会以卡片形式发到这里，请及时接单处理。"
# /help in a unit's chat: what staff can do there, for someone on foot who forgot a command
GROUP_HELP = (
    "\n常用命令：\n"
    "/todo 本单位待办工单\n"
    "/ticket 工单号　查看工单\n"
    "/history 工单号　办理经过\n"
    "/explain 工单号　红灯工单书面说明\n"
    "/pause 工单号　暂停计时（/resume 恢复）\n"
    "/merge 重复的工单号 保留的工单号　合并重复工单\n"
    "/stats 本单位统计（/chart 图表，/export 导出）\n"
    "卡片上的按钮：接单、办结、上报、转派、退回、追问；回复卡片可以补充照片或追问居民。\n"
    "在与网格通的私聊里：/report 巡查上报，/web 网页工作台。"
)
GROUP_UNBOUND = "本群还没有绑定到任何单位，请联系管理员在辖区配置文件中添加本群（群号 {chat_id}）。"
STAFF_PRIVATE_HINT = "您是【{unit}】的{role}。工单卡片会发到本单位的工作群。"
COMMANDS = {
    "start": "开始",
    "help": "帮助",
    "my": "我反映的问题",
    "cancel": "取消正在填写的内容",
}

# Greetings and chit-chat with no report in progress (bot/nlp/smalltalk.py): a word back, no draft.
SMALLTALK_REPLY = {
    "greeting": "您好！有什么问题，直接用一句话告诉我就行，比如“3号楼门口路灯不亮”。也可以发照片和位置。",
    "thanks": "不客气！以后有问题随时告诉我。",
    "ack": "好的。有问题随时告诉我。",
    "blank": "有什么需要帮忙的吗？直接用文字说说遇到的问题就行。发送 /my 可以查看您反映过的问题。",
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
# An urgent report, the moment it is filed (bot/intake/emergency.py): whom to call for the
# danger described (bot/nlp/rules/urgency.yaml `call:`), with the district's own numbers.
EMERGENCY_HEAD = "⚠️ 有危险请先打电话："
EMERGENCY_LINE = "· {danger}：{calls}。{tip}"
EMERGENCY_GENERAL = "· 火警 119，报警 110，急救 120。"
EMERGENCY_TAIL = "网格通不是急救电话，但已按紧急情况登记，马上通知网格员和指挥中心。"
EMERGENCY_CALLS = {"fire": "火警 {number}", "police": "报警 {number}", "ambulance": "急救 {number}",
                   "gas": "燃气抢修 {number}", "power": "供电抢修 {number}", "water": "供水抢修 {number}",
                   "elevator": "电梯救援 {number}"}
EMERGENCY_NUMBERS = {"fire": "119", "police": "110", "ambulance": "120", "power": "95598", "elevator": "96333"}
EMERGENCY_NO_NUMBER = {"gas": "燃气公司抢修热线", "water": "供水公司抢修热线"}
EMERGENCY_TIPS = {"gas": "别开关电器、别点火，开窗后到室外再打。", "elevator": "被困时按警铃等待救援，别扒门。"}
FOLLOWUP_PROMPT = "{question}（可以直接点“跳过”）"
ASK_PLACE = "这件事发生在哪里？可以点左下角📎发送位置，或者在下面选择您所在的社区。"
# the resident already said where, in words the gazetteer does not know: ask which community, not where again
ASK_PLACE_NAMED = "“{place}”是哪个社区的？请在下面选一下，也可以点左下角📎发送位置。"
ASK_GRID = "您在【{community}】的哪个网格？不清楚就点“说不清”，由社区安排。"
BTN_GRID_UNKNOWN = "说不清，交给社区安排"
# A report that does not say what is wrong yet ("有问题", "我要投诉", "楼下那家店").
ASK_WHAT = "好的，请说说是什么问题？比如“3号楼门口路灯不亮”“楼上半夜很吵”。"
ASK_WHAT_AGAIN = ("还不清楚是什么问题，暂时没法登记。请说说是什么东西、出了什么情况，"
                  "比如“垃圾桶三天没人收”。不想反映了可以发送 /cancel。")
ASK_WHAT_PLACE_NOTED = "地点记下了：{place}。请再说说是什么问题，比如“路灯不亮”“楼道堆满杂物”。"
# Small talk while a report waits: a word back, and what it still waits for (the buttons above still work).
NOTED = "记下了。"
SMALLTALK_PREFIX = {"greeting": "您好，我在。", "thanks": "不客气。"}
STEP_NUDGE = {
    "followup": "请回答上面的问题，不清楚可以点“跳过”。",
    "place": "请在上面选择社区，或者直接写小区和楼号。",
    "grid": "请在上面选择网格，不清楚可以点“说不清”。",
    "duplicate": "请看上面：是同一件事吗？",
    "confirm": "请核对上面的内容，没问题就点“确认提交”。",
    "more": "请接着补充说明，直接发文字即可。",
    "collecting": "请用文字说说遇到了什么问题。",
}
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
SUMMARY_ANON_ON = "匿名：是（工作人员看不到您的姓名和电话，需要时会通过网格通问您）\n"
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
# The promise changed with the kind of case (改类别 / 改细类): the new limit and the moment.
NOTIFY_DUE_CHANGED = "您的工单 {number} 经核实类别有调整，办结时限改为{limit}，期限 {due}。"
# Staff said it is urgent after all, or that it is not (标为紧急 / 不算紧急).
NOTIFY_NOW_URGENT = "您的工单 {number} 经核实按紧急情况办理：{limit}，期限 {due}。"
NOTIFY_NOT_URGENT = "您的工单 {number} 经核实不属于紧急情况，按一般程序办理：{limit}，期限 {due}。"
NOTIFY_ACCEPTED = "您的工单 {number} 已有网格员接单，正在处理。"
NOTIFY_RESOLVED = (
    "您的工单 {number} 已办结。\n处理结果：{note}\n"
    "问题解决了吗？请评价一下（{days}天内未评价视为满意）："
)
NOTIFY_RESOLVED_DONE = "您的工单 {number} 已办结。\n处理结果：{note}\n{outcome}"
RATED_OUTCOME = "您的评价：{rating}，谢谢。"
REOPENED_OUTCOME = "您反映还没解决，已重新交办。"
REJECTED_OUTCOME = "经复核还需继续处理，已重新交办。"
AUTO_CLOSED_OUTCOME = "{days}天内未评价，已按“满意”办结。"
NOTIFY_REOPENED_BY_YOU = "收到，工单 {number} 已重新交给【{unit}】处理，我们会继续跟进。"
ASK_URGENT_PLACE = "为了让工作人员尽快赶到，请告诉我具体在哪里：小区、楼号、单元，或点左下角📎发送位置（工单 {number}）。"
PLACE_THANKS_ASSIGNED = "收到，工单 {number} 已按这个地点派给【{unit}】，马上处理。"
PLACE_THANKS = "收到，地点已转给工作人员（工单 {number}）。"
AFTER_FIX_ASK = "您的工单 {number}（{category}）已办结，处理结果：{note}\n您说的是这件事还没解决吗？"
BTN_AFTER_FIX_NOT_FIXED = "是，还没解决"
BTN_AFTER_FIX_ELSE = "不是，是另一件事"
AFTER_FIX_CHOSE_NOT_FIXED = "（您选了：还没解决）"
AFTER_FIX_CHOSE_ELSE = "（您选了：另一件事）"
AFTER_FIX_NUDGE = "收到，已记下。请点上面的按钮告诉我：是原来那件事还没解决，还是另一件事？"
ASK_WHAT_IS_WRONG = "哪里还没解决好？说一句就行，我会原话转给处理的工作人员。"
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
    "located": "您补充了地点",
}
