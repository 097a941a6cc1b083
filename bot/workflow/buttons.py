"""The workflow's buttons, each one typed (bot/handlers/actions.py): the card's, triage's and
the resident's rating. Declared here, low in the house, because the card and the moves build
them; the workflow's feature binds each to what a press does."""

import re

from bot.handlers.actions import CODE, ID, Action, Field

# A sub-category's code as sla.yaml allows it (bot/sla/steps.py): up to 32 characters.
SUB = Field("sub", re.compile(r"[a-z][a-z0-9_]{0,31}"), str)

# A ticket's card in its unit's chat.
ACCEPT = Action("w:acc", ID)  # 接单
RESOLVE = Action("w:res", ID)  # 办结 (asks for the result)
ESCALATE = Action("w:esc", ID)  # 上报 (asks why)
TRANSFER = Action("w:tra", ID)  # 转派: shows the departments
TRANSFER_TO = Action("w:tto", ID, ID)  # … to this department
RETURN = Action("w:ret", ID)  # 退回 (asks why)
ASK = Action("w:ask", ID)  # 追问 the resident (asks what)
REJECT = Action("w:rej", ID)  # 驳回 a resolution (managers; asks why)
CONSULT = Action("w:con", ID)  # 部门会商: shows the departments to pick
CONSULT_PICK = Action("w:csel", ID, ID)  # … picks (or unpicks) one
CONSULT_GO = Action("w:cgo", ID)  # … and starts it
RECATEGORISE = Action("w:cat", ID)  # 改类别: shows the categories
SET_CATEGORY = Action("w:setc", ID, CODE)  # … to this one (then its sub-categories, if any)
SET_SUBCATEGORY = Action("w:sub", ID, SUB)  # 改细类: this sub-category of the category
CLEAR_SUBCATEGORY = Action("w:nosub", ID)  # … or none: the category's own limits
SET_URGENCY = Action("w:urg", ID, CODE)  # 标为紧急 ("yes") / 不算紧急 ("no"), under the 改类别 pickers

# Pauses of a ticket's clocks (bot/sla/pauses.py; bound by the sla feature).
PAUSE = Action("sla:pau", ID, CODE)  # /pause's reason buttons: pause for this reason
RESUME = Action("sla:res", ID)  # 恢复计时, on the card of a paused ticket

# The command centre's triage card.
TRIAGE_CATEGORY = Action("tr:cat", ID)
TRIAGE_SET_CATEGORY = Action("tr:setcat", ID, CODE)
TRIAGE_GRID = Action("tr:grid", ID)
TRIAGE_COMMUNITY = Action("tr:comm", ID, ID)
TRIAGE_SET_GRID = Action("tr:setgrid", ID, ID)

# The resident's word on a fix.
RATE = Action("rate", ID, CODE)  # 满意 / 基本满意 / 不满意
SKIP_COMMENT = Action("c:skip", ID)
NOT_FIXED = Action("nf", ID)  # 还没解决, under a closed ticket in /my
MY_TICKET = Action("my", ID)  # one of /my's tickets
