"""The report's buttons. Each carries the draft's id and version: a press on an older message
(the draft has moved on, or was submitted) is refused as stale instead of acting on what the
resident no longer sees."""

from __future__ import annotations

from bot import texts
from bot.handlers.actions import CODE, ID, VERSION, Action
from bot.models import Pending
from bot.nlp.classify import categories

# "tocomm": 说不清 under a community's grids, the report goes on to the community.
_PLAIN = ("ok", "no", "skip", "more", "anon", "cat", "noplace", "dupyes", "dupno", "tocomm")
DRAFT_ACTIONS: dict[str, Action] = {code: Action(f"r:{code}", ID, VERSION) for code in _PLAIN}
DRAFT_ACTIONS["setcat"] = Action("r:setcat", ID, VERSION, CODE)
DRAFT_ACTIONS["comm"] = Action("r:comm", ID, VERSION, ID)
DRAFT_ACTIONS["grid"] = Action("r:grid", ID, VERSION, ID)


def data(draft: Pending, action: str, arg: object | None = None) -> str:
    extra = () if arg is None else (arg,)
    return DRAFT_ACTIONS[action].data(draft.id, draft.data["v"], *extra)


def summary_buttons(draft: Pending):
    anon = texts.BTN_ANON_OFF if draft.data.get("anonymous") else texts.BTN_ANON_ON
    return [
        [(texts.BTN_CONFIRM, data(draft, "ok"))],
        [(texts.BTN_CHANGE_CATEGORY, data(draft, "cat")), (texts.BTN_MORE, data(draft, "more"))],
        [(anon, data(draft, "anon")), (texts.BTN_CANCEL, data(draft, "no"))],
    ]


def category_buttons(draft: Pending):
    codes = [(code, label) for code, label in categories()]
    rows = [codes[i:i + 2] for i in range(0, len(codes), 2)]
    return [[(label, data(draft, "setcat", code)) for code, label in row] for row in rows]


def skip_button(draft: Pending):
    return [[(texts.BTN_SKIP, data(draft, "skip"))]]


def duplicate_buttons(draft: Pending):
    return [[(texts.BTN_DUP_YES, data(draft, "dupyes"))], [(texts.BTN_DUP_NO, data(draft, "dupno"))]]
