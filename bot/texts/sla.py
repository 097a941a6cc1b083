"""Lights and deadlines: reminders, digests, 书面说明, the daily report."""

from bot.texts.staff import EVENT_STAFF_WORDS

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
DAILY_LATE = "\n（补发：原定{due}发送）"
EVENT_STAFF_WORDS.update({
    "lit_yellow": "亮黄灯", "lit_red": "亮红灯", "overdue": "超期未办结",
    "explained": "书面说明", "explanation_overdue": "书面说明逾期",
})

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
# /stats reads at a phone's width: a line listing figures side by side (｜) stays within about
# 18 Chinese characters (bot/figures/words.py).
STATS_UNIT = (
    "📊【{unit}】{period} 工作统计\n"
    "受理 {received} 件｜办结 {resolved} 件\n"
    "办结率 {closure}（其中已办结 {done} 件）\n"
    "按期办结率 {on_time}（超期办结 {late} 件）\n"
    "满意率 {satisfaction}（评价 {rated} 次）\n"
    "关闭 {closed} 件｜重新处理 {reopened} 件\n"
    "平均接单 {accept}｜办结 {resolve}\n"
    "黄灯 {yellow}｜红灯 {red}｜超期 {overdue}\n"
    "{paused}"
    "当前在办 {open} 件（🟡{yellow_now} 🔴{red_now}）\n"
    "类别前三：{categories}"
)
STATS_PAUSED = "暂停计时 {count} 件（期限顺延）\n"  # only when some were: most districts allow none
STATS_MINUTES = "{minutes} 分钟"
STATS_HOURS = "{hours} 小时"
STATS_CHILDREN_HEADER = "\n—— 下级单位 ——"
STATS_CHILD = (
    "【{unit}】\n"
    "受理 {received}｜办结 {resolved}｜办结率 {closure}\n"
    "按期办结率 {on_time}｜满意率 {satisfaction}\n"
    "黄灯 {yellow}｜红灯 {red}｜超期 {overdue}"
)
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
    "黄灯", "红灯", "超期", "重新处理", "暂停计时", "当前在办", "类别前三",
)
EXPORT_RED_COLUMNS = ("工单号", "类别", "亮红灯时间", "责任单位", "说明期限", "说明情况", "书面说明", "说明人",
                      "说明时间", "工单状态")
EXPORT_EXPLAINED = "已说明"
EXPORT_EXPLAIN_PENDING = "待说明"
EXPORT_EXPLAIN_MISSING = "逾期未说明"
EXPORT_EXPLAIN_NONE_OWED = "无责任单位"

# --- what a deadline promises (bot/sla/policy.py) ---------------------------------------------
SPAN_MINUTES = "{n}分钟"
SPAN_HOURS = "{n}小时"

# --- the steps model, working hours, sub-categories and pauses (bot/sla/clocks.py, pauses.py) ---
STEP_NAMES = {"dispatch": "派单", "accept": "接单", "handle": "办结", "callback": "回访"}
CARD_STEPS = "环节时限：{steps}\n"
CARD_STEP = "{light}{step} {due}"
CARD_STEP_SEP = "；"
CARD_SUBCATEGORY = "{category}·{sub}"
PICK_SUBCATEGORY = "工单 {number}：{category}分细类，办结时限各不相同，请选择："
PICK_SUBCATEGORY_TOAST = "请选择细类"
SUBCATEGORY_OPTION = "{tick}{label}（{promise}）"
SUBCATEGORY_NONE = "不分细类"
SUBCATEGORY_ACTION = "改细类"
SUBCATEGORY_CHANGED = "已改为“{sub}”，办结期限 {due}。"
PICKED = "✅ "
RECLOCKED_NOTE = "办结期限 {before} 改为 {after}（{limit}）"
CARD_PAUSED = "⏸ 暂停计时：{reason}（{since} 起，恢复后期限顺延）\n"
CARD_PAUSES = "已暂停计时 {count} 次，共 {span}\n"
BTN_RESUME = "恢复计时"
SLA_SECTION_STEP_RED = (
    "🔴 红灯：以下 {count} 件工单的当前环节已超过时限。请立即处理，"
    "并在 {deadline} 前提交书面说明（点下方按钮，或发送 /explain 工单号）："
)
SLA_SECTION_STEP_OTHER_RED = "🔴 红灯：以下 {count} 件工单的当前环节已超过时限（括号内为责任单位）："
SLA_SECTION_STEP_YELLOW = "🟡 黄灯：以下 {count} 件工单的当前环节已用去时限的大部分，请抓紧办理："
SLA_ROW_STEP = "｜{step}"
SLA_ASK_EXPLANATION_STEP = (
    "{name}，请回复本消息，写明工单 {number} 当前环节超过时限的原因（书面说明）。"
    "说明将记入工单处理记录，并抄送区指挥中心。"
)
PAUSE_USAGE = "用法：/pause 工单号（暂停计时，选规定的理由）；/resume 工单号（恢复计时）"
PAUSE_PICK = "工单 {number} 暂停计时的理由："
PAUSE_NONE_ALLOWED = "本区时限规则（sla.yaml pauses）没有规定可以暂停计时的理由。"
PAUSE_NOT_NOW = "工单 {number} 当前{status}，不能暂停计时。"
PAUSE_ALREADY = "工单 {number} 已经暂停计时了。"
PAUSE_NOT_PAUSED = "工单 {number} 没有暂停计时。"
PAUSED_TOAST = "已暂停计时"
RESUMED_TOAST = "已恢复计时"
PAUSED_SAY = "⏸ 工单 {number} 暂停计时：{reason}。恢复计时后期限顺延。"
RESUMED_SAY = "▶️ 工单 {number} 恢复计时，办结期限顺延至 {due}。"
EVENT_STAFF_WORDS.update({"paused": "暂停计时", "resumed": "恢复计时", "subcategorised": "改细类",
                          "reclocked": "按新类别重算时限"})
