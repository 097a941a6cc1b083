"""What the system tells people of itself: undeliverable messages, the classifier's words."""

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
CARD_PICK_CATEGORY = "工单 {number}：请选择正确的类别"  # residents' own is PICK_CATEGORY
REASONS_BY_STAFF = "{name}改定"
