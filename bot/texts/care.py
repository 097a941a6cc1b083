"""Care work: 微心愿, 一键求助, visits, the workers' assessment; who may register and claim."""

from bot.texts.residents import EVENT_WORDS
from bot.texts.staff import EVENT_STAFF_WORDS

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
