"""The sweep's reminders as messages: every ticket due for a chat named once, and no flood.

What one sweep has for one chat (red, overdue, missing 书面说明, yellow; most severe first) goes as

* at most `MAX_PARTS` text messages, each within Telegram's 4096 UTF-16 units, cut between
  lines; a section that runs on into the next part repeats its short name with （续）, and the
  parts are marked （1/3）; or, when even that is too short,
* one summary — how many per section, per unit and per category, and no ticket number — and
  the complete list as a CSV file (UTF-8 with BOM: Excel and WPS open it as it is; every cell
  through bot/figures/cells.py, so a place typed as a formula stays text).

Either way each ticket is named once per section in the chat (the file, not the summary, names
them), and a sweep sends a chat at most `MAX_PARTS` messages besides the red cards it edits
(`sla_sweep.CARD_EDITS_PER_CHAT`): with the sweep running once a minute that stays under
Telegram's 20 messages a minute per group, and a worker on foot reads three messages at most.
The 书面说明 buttons (labels, not text) go on the first message.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bot import texts, timetext
from bot.handlers.actions import ID, Action
from bot.nlp.classify import label_of
from bot.figures import cells
from bot.messaging.outbox import Outgoing, upload

MESSAGE_LIMIT = 4096  # Telegram's limit, in UTF-16 code units
BUDGET = MESSAGE_LIMIT - 96  # head-room for the channel's own formatting
MAX_PARTS = 3  # text messages per chat per sweep before the list goes into a file
MAX_EXPLAIN_BUTTONS = 10  # 书面说明 buttons on one digest; the rest can use /explain 工单号
SUMMARY_TOP = 8  # units and categories named in a summary; the rest are counted
EXPLAIN_BUTTON = Action("sla:exp", ID)  # 书面说明 for a ticket, on a red digest


@dataclass(slots=True)
class Item:
    ticket_id: int
    number: str
    category: str
    place: str
    unit_name: str
    due_at: dt.datetime | None
    red_since: dt.datetime | None = None
    step: str = ""  # the steps model: the step whose light it is (dispatch, accept, handle, callback)


@dataclass
class Digest:
    own_red: list[Item] = field(default_factory=list)
    other_red: list[Item] = field(default_factory=list)
    overdue: list[Item] = field(default_factory=list)
    missing: list[Item] = field(default_factory=list)
    yellow: list[Item] = field(default_factory=list)


@dataclass
class _Section:
    key: str  # a key of texts.SLA_SECTION_NAMES
    title: str
    items: list[Item]
    row: Callable[[Item], str]
    note: str | None = None  # a line after the rows


def u16len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: 🟡 is two)."""
    return len(text.encode("utf-16-le")) // 2


class _Labels(dict):
    def __missing__(self, code: str) -> str:
        self[code] = label = label_of(code) if code else ""
        return label


def render_digest(chat_id: int, digest: Digest, *, now: dt.datetime, tz, deadline: dt.datetime,
                  max_parts: int = MAX_PARTS, steps: bool = False) -> list[Outgoing]:
    """The messages for one chat, in the order they are to be sent (none if nothing is due).
    `steps`: the steps model's words (a step past its limit, not "not accepted"), each row
    naming the step whose light it is."""
    local = lambda at: timetext.moment(at, tz)  # noqa: E731  (when a thing happened)
    due = lambda at: timetext.deadline(at, tz)  # noqa: E731  (a deadline: midnight is 24:00 of the day before)
    label = _Labels()
    red, yellow = texts.LIGHTS["red"], texts.LIGHTS["yellow"]
    own_red_title, other_red_title, yellow_title = (
        (texts.SLA_SECTION_STEP_RED, texts.SLA_SECTION_STEP_OTHER_RED, texts.SLA_SECTION_STEP_YELLOW) if steps
        else (texts.SLA_SECTION_OWN_RED, texts.SLA_SECTION_OTHER_RED, texts.SLA_SECTION_YELLOW))

    def step(i: Item) -> str:
        return texts.SLA_ROW_STEP.format(step=texts.STEP_NAMES[i.step]) if i.step else ""

    sections: list[_Section] = []
    if digest.own_red:
        more = texts.SLA_MORE_BUTTONS if len(digest.own_red) > MAX_EXPLAIN_BUTTONS else None
        sections.append(_Section(
            "own_red", own_red_title.format(count=len(digest.own_red), deadline=due(deadline)),
            digest.own_red, lambda i: texts.SLA_ROW.format(
                light=red, number=i.number, category=label[i.category], place=i.place) + step(i), more))
    if digest.other_red:
        sections.append(_Section(
            "other_red", other_red_title.format(count=len(digest.other_red)),
            digest.other_red, lambda i: texts.SLA_ROW_UNIT.format(
                light=red, number=i.number, category=label[i.category], place=i.place, unit=i.unit_name) + step(i)))
    if digest.overdue:
        sections.append(_Section(
            "overdue", texts.SLA_SECTION_OVERDUE.format(count=len(digest.overdue)),
            digest.overdue, lambda i: texts.SLA_ROW_OVERDUE.format(
                light=texts.SLA_OVERDUE_MARK, number=i.number, category=label[i.category], place=i.place,
                unit=i.unit_name, due=due(i.due_at))))
    if digest.missing:
        sections.append(_Section(
            "missing", texts.SLA_SECTION_MISSING.format(count=len(digest.missing)),
            digest.missing, lambda i: texts.SLA_ROW_MISSING.format(
                light=red, number=i.number, unit=i.unit_name, since=local(i.red_since))))
    if digest.yellow:
        sections.append(_Section(
            "yellow", yellow_title.format(count=len(digest.yellow)),
            digest.yellow, lambda i: texts.SLA_ROW.format(
                light=yellow, number=i.number, category=label[i.category], place=i.place) + step(i)))
    if not sections:
        return []
    head = texts.SLA_DIGEST_HEAD.format(time=local(now))
    buttons = [[(texts.BTN_EXPLAIN_ROW.format(number=i.number), EXPLAIN_BUTTON.data(i.ticket_id))]
               for i in digest.own_red[:MAX_EXPLAIN_BUTTONS]] or None
    parts = paginate(head, sections, max_parts)
    if parts is not None:
        return [Outgoing(chat_id, text=text, buttons=buttons if n == 0 else None) for n, text in enumerate(parts)]
    total = sum(len(s.items) for s in sections)
    summary = _summary(head, sections, total, label, due(deadline))
    data = _csv(sections, label, local, due)
    name = texts.SLA_FILE_NAME.format(stamp=now.astimezone(tz).strftime("%m%d-%H%M"))
    caption = texts.SLA_FILE_CAPTION.format(time=local(now), count=total)
    return [Outgoing(chat_id, text=summary, buttons=buttons), upload(chat_id, data, name, caption=caption)]


def paginate(head: str, sections: list[_Section], max_parts: int = MAX_PARTS) -> list[str] | None:
    """The sections as at most `max_parts` texts within BUDGET, or None if they need more.

    Rows are formatted as they are placed, so a storm formats the few hundred that fill
    `max_parts` messages before it gives up, not all of its rows."""
    room = BUDGET - u16len(texts.SLA_PART.format(part=max_parts, parts=max_parts))
    head_cost = u16len(head)
    parts: list[list[str]] = []
    lines, used = [head], head_cost
    for section in sections:
        title: str | None = section.title
        for line in _lines(section):
            cost = u16len(line) + 1
            title_cost = u16len(title) + 1 if title else 0
            if used + title_cost + cost > room and len(lines) > 1:
                parts.append(lines)
                if len(parts) >= max_parts:
                    return None
                lines, used = [head], head_cost
                if title is None:
                    title = texts.SLA_CONTINUED.format(section=texts.SLA_SECTION_NAMES[section.key])
                title_cost = u16len(title) + 1
            if title:
                lines.append(title)
                used += title_cost
                title = None
            lines.append(line)
            used += cost
    parts.append(lines)
    if len(parts) > 1:
        for number, part in enumerate(parts, 1):
            part[0] = head + texts.SLA_PART.format(part=number, parts=len(parts))
    return ["\n".join(part) for part in parts]


def _lines(section: _Section) -> Iterator[str]:
    for item in section.items:
        yield section.row(item)
    if section.note:
        yield section.note


def _summary(head: str, sections: list[_Section], total: int, label: _Labels, deadline: str) -> str:
    """No ticket number here: the file names every one, so none is named twice."""
    lines = [head, texts.SLA_SUMMARY_INTRO.format(count=total)]
    units: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for section in sections:
        if section.key == "own_red":
            lines.append(texts.SLA_SUMMARY_OWN_RED.format(count=len(section.items), deadline=deadline))
        else:
            lines.append(texts.SLA_SUMMARY_SECTION.format(
                section=texts.SLA_SECTION_NAMES[section.key], count=len(section.items)))
        for item in section.items:
            units[item.unit_name] += 1
            if item.category:
                categories[item.category] += 1
    units.pop("", None)
    if len(units) > 1:
        lines.append(texts.SLA_SUMMARY_UNITS.format(rows=_top(units.most_common(), str)))
    if categories:
        lines.append(texts.SLA_SUMMARY_CATEGORIES.format(rows=_top(categories.most_common(), label.__getitem__)))
    return "\n".join(lines)


def _top(counted: list[tuple[str, int]], name: Callable[[str], str]) -> str:
    shown = texts.SLA_SUMMARY_JOIN.join(texts.SLA_SUMMARY_COUNT.format(name=name(key), count=n)
                                        for key, n in counted[:SUMMARY_TOP])
    if len(counted) > SUMMARY_TOP:
        shown += texts.SLA_SUMMARY_MORE.format(count=len(counted))
    return shown


def _csv(sections: list[_Section], label: _Labels, local: Callable[[dt.datetime], str],
         due: Callable[[dt.datetime], str]) -> bytes:
    times: dict[tuple[dt.datetime, bool], str] = {}  # a storm's 10,000 rows share a few moments

    def when(moment: dt.datetime | None, *, deadline: bool = False) -> str:
        if moment is None:
            return ""
        key = (moment, deadline)
        if key not in times:
            times[key] = due(moment) if deadline else local(moment)
        return times[key]

    rows = ((texts.SLA_FILE_KINDS[section.key], i.number, label[i.category], i.place, i.unit_name,
             when(i.due_at, deadline=True), when(i.red_since)) for section in sections for i in section.items)
    return cells.csv_bytes(texts.SLA_FILE_COLUMNS, rows)


def fit_sections(head: str, sections: list[tuple[str, list[str], int]], budget: int = BUDGET) -> str:
    """Head, then each section's title and rows, as many rows as fit; each cut section ends with
    "另有 N 件" (N counted against the section's `total`, which may exceed the rows given). Later
    sections keep room for their title and that line. (The daily report's figures, not tickets.)"""
    def more_cost(total: int) -> int:
        return u16len(texts.SLA_MORE.format(count=total)) + 1

    def tail_cost(index: int) -> int:
        return sum(u16len(title) + 1 + more_cost(total) for title, _, total in sections[index:])

    lines = [head]
    used = u16len(head)
    for index, (title, rows, total) in enumerate(sections):
        if title:
            lines.append(title)
            used += u16len(title) + 1
        reserve = tail_cost(index + 1) + more_cost(total)
        shown = 0
        for row in rows:
            cost = u16len(row) + 1
            if used + cost + reserve > budget:
                break
            lines.append(row)
            used += cost
            shown += 1
        if shown < total:
            more = texts.SLA_MORE.format(count=total - shown)
            lines.append(more)
            used += u16len(more) + 1
    return "\n".join(lines)
