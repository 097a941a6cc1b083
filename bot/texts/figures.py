"""Figures and the web: /stats, /chart, /export, the dashboard and Open311."""

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
