"""Lights and deadlines at work: the sweep, its digests, the written explanations, the daily report.

The rules are written for people at the top of `bot/policy/sla.yaml` (REMINDERS); in short:

* **yellow** (status triage/assigned, `yellow_at` passed) → the holding unit's chat;
* **red** (status triage/assigned, `red_at` passed) → the holding unit's chat with a 书面说明
  button per ticket, its superior unit's chat and the command centre's chat; the ticket's card
  is edited to show 🔴; a 书面说明 is owed (`Explanation`, due `explanation_deadline_hours` later);
* **overdue** (status triage/assigned/accepted, `due_at` passed) → the command centre's chat and,
  in private, each leader of the holding unit;
* **explanation overdue** (a red ticket's unit wrote none in time) → listed once to the command
  centre's chat.

Exactly once, whatever the restarts and the number of instances: every (ticket, level) is
claimed in the database before anything is said about it, and the claim, the light, the event
rows and the outbox rows commit together. The claim is `SELECT … FOR NO KEY UPDATE SKIP LOCKED`
of the due rows (PostgreSQL: rows another sweep holds are left to it) followed by a conditional
UPDATE (`… AND yellow_notified_at IS NULL AND status IN …`) whose row count must equal the rows
locked; if it ever does not (SQLite shared by two processes), the sweep rolls back and claims
row by row, where an update of 1 row means "mine". Each query is one range of an index —
(status, yellow_notified_at, yellow_at), the same for red and due, and (pending, due_at) for
explanations — that holds only what is due and untold, so a sweep costs what is due, not the
size of the table (bench/bench_sweep.py: 100,000 vs 1,000,000 tickets).

No storms: one sweep sends each chat ONE digest (red, overdue, missing explanations, yellow),
cut to Telegram's 4096 characters with "另有 N 件"; cards are edited for red tickets only, at
most `CARD_EDITS_PER_CHAT` per chat and `CARD_EDITS_PER_SWEEP` per sweep (yellow shows in the
digest and on the card at its next change) — 10,000 tickets turning yellow at once mean 50
digests, not 10,000 edits.

Quiet hours (sla.yaml `quiet_hours`): while a unit's window is on, its yellow and overdue levels
(and, for the district, the missing-explanation list) are simply not claimed; the first sweep
after the window claims them all, so the unit gets one digest at the end of the night. Red is
never held back. The daily report (`daily_report`) is claimed once per local date
(`ScheduledRun`).

Everything asks `rt.clock`, so tests move time instead of sleeping and the demo can run fast.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from bot import texts
from bot.models import (
    OPEN_STATUSES, ChatBinding, Draft, Explanation, Level, Light, ScheduledRun, Staff, Ticket, TicketEvent,
    Unit,
)
from bot.nlp.classify import label_of
from bot.runtime import Runtime
from bot.services.textin import clean
from bot.services import outbox
from bot.services.outbox import Outgoing
from bot.services.sla import DUE_RUNS_IN, LIGHTS_RUN_IN

log = logging.getLogger("gridbot.sla")

CHANNEL = "telegram"
REASON = "reason"  # the Draft kind staffwork uses for what staff are asked to write
EXPLAIN_STEP = "explain"
EXPLAIN_PREFIX = "sla:exp:"

MAX_CLAIMS_PER_LEVEL = 20_000  # per sweep; more waits for the next sweep (a minute later)
CARD_EDITS_PER_CHAT = 10  # red cards edited per holder chat per sweep; Telegram allows 20/min per group
CARD_EDITS_PER_SWEEP = 200  # and in all: a card edit costs ~20 queries, the sweep holds its locks
MAX_EXPLAIN_BUTTONS = 10  # 书面说明 buttons on one digest; the rest can use /explain 工单号
MESSAGE_LIMIT = 4096  # Telegram's limit, in UTF-16 code units
_BUDGET = MESSAGE_LIMIT - 96  # head-room for the channel's own formatting
_CHUNK = 500  # ids per `IN (...)`: well under SQLite's and asyncpg's parameter limits
PLACE_CHARS = 24
MAX_ROWS_RENDERED = 300  # rows formatted per digest section; 4096 characters never hold more


class Refused(Exception):
    """Shown to the person who pressed or typed, as a short toast or reply; nothing changed."""


class _Contended(Exception):
    """A bulk claim updated fewer rows than it locked: roll back and claim row by row."""


@dataclass(frozen=True)
class _LevelSpec:
    name: str
    at: str  # the column holding the moment
    notified: str  # the column claimed once
    runs_in: tuple[str, ...]  # statuses in which the clock runs
    event: str  # TicketEvent.action written when it is claimed


YELLOW = _LevelSpec("yellow", "yellow_at", "yellow_notified_at", tuple(sorted(LIGHTS_RUN_IN)), "lit_yellow")
RED = _LevelSpec("red", "red_at", "red_notified_at", tuple(sorted(LIGHTS_RUN_IN)), "lit_red")
DUE = _LevelSpec("overdue", "due_at", "due_notified_at", tuple(sorted(DUE_RUNS_IN)), "overdue")

_FIELDS = ("id", "number", "category", "location_text", "unit_id", "grid_id", "status", "due_at",
           "reopen_count", "light")


@dataclass
class SweepResult:
    """What one sweep claimed and queued."""

    yellow: int = 0
    red: int = 0
    overdue: int = 0
    missing_explanations: int = 0
    digests: int = 0
    card_edits: int = 0

    @property
    def claimed(self) -> int:
        return self.yellow + self.red + self.overdue + self.missing_explanations


@dataclass
class _Item:
    ticket_id: int
    number: str
    category: str
    place: str
    unit_name: str
    due_at: dt.datetime | None
    red_since: dt.datetime | None = None


@dataclass
class _Digest:
    own_red: list[_Item] = field(default_factory=list)
    other_red: list[_Item] = field(default_factory=list)
    overdue: list[_Item] = field(default_factory=list)
    missing: list[_Item] = field(default_factory=list)
    yellow: list[_Item] = field(default_factory=list)


class _Tree:
    """The units, their chats and the command centre, loaded once per sweep (hundreds of rows)."""

    def __init__(self, units: list[Unit], chats: dict[int, int]) -> None:
        self.units = {u.id: u for u in units}
        self.chats = chats  # unit id -> its own chat
        district = sorted((u for u in units if u.level == Level.DISTRICT and u.active), key=lambda u: u.id)
        self.district = district[0] if district else None

    @classmethod
    async def load(cls) -> _Tree:
        units = await Unit.all()
        chats: dict[int, int] = {}
        for unit_id, chat_id in await (ChatBinding.filter(channel=CHANNEL, purpose="unit")
                                       .order_by("id").values_list("unit_id", "chat_id")):
            chats.setdefault(unit_id, chat_id)
        return cls(units, chats)

    def holder(self, ticket: Ticket) -> Unit | None:
        """Who answers for the ticket: its unit, or the command centre while it waits in triage."""
        if ticket.unit_id is not None and ticket.unit_id in self.units:
            return self.units[ticket.unit_id]
        return self.district

    def chat(self, unit: Unit | None) -> int | None:
        return self.chats.get(unit.id) if unit else None

    def superior(self, unit: Unit | None) -> Unit | None:
        """grid → community → street → district; a department → the district."""
        if unit is None or unit.parent_id is None:
            return None
        return self.units.get(unit.parent_id)

    @property
    def command_chat(self) -> int | None:
        return self.chat(self.district)

    def name(self, unit_id: int | None) -> str:
        unit = self.units.get(unit_id) if unit_id is not None else None
        return unit.name if unit else ""


# ─── the sweep ───────────────────────────────────────────────────────────────────────────────


async def sweep(rt: Runtime, *, limit: int = MAX_CLAIMS_PER_LEVEL) -> SweepResult:
    """Claim every (ticket, level) that fell due and queue what it means, in one transaction.

    Safe to run any number of times, in any number of instances at once: nothing is told twice
    and, once committed, nothing is lost (the outbox sends it after a crash).
    """
    now = rt.clock.now()
    try:
        result = await _sweep(rt, now, limit, exact=False)
    except _Contended:
        log.info("sla sweep: bulk claim contended, claiming row by row")
        result = await _sweep(rt, now, limit, exact=True)
    if result.digests or result.card_edits:
        outbox.wake_delivery()
    return result


async def _sweep(rt: Runtime, now: dt.datetime, limit: int, *, exact: bool) -> SweepResult:
    policy = rt.sla
    tree = await _Tree.load()
    quiet_units, triage_quiet = _quiet_units(rt, tree, now)
    command_quiet = tree.district is not None and tree.district.id in quiet_units
    result = SweepResult()
    async with in_transaction():
        red = await _claim(RED, now, limit, exact=exact)
        if red:
            ids = [t.id for t in red]
            for chunk in _chunks(ids):
                # A ticket first seen red is told red only: its yellow is claimed with it.
                await Ticket.filter(id__in=chunk).update(light=Light.RED)
                await Ticket.filter(id__in=chunk, yellow_notified_at__isnull=True).update(yellow_notified_at=now)
        yellow = await _claim(YELLOW, now, limit, exact=exact, skip_units=quiet_units, skip_triage=triage_quiet)
        for chunk in _chunks([t.id for t in yellow]):
            await Ticket.filter(id__in=chunk, light=Light.GREEN).update(light=Light.YELLOW)
        due = await _claim(DUE, now, limit, exact=exact, skip_units=quiet_units, skip_triage=triage_quiet)
        missing = [] if command_quiet else await _claim_missing_explanations(now, limit, exact=exact)
        result.red, result.yellow, result.overdue = len(red), len(yellow), len(due)
        result.missing_explanations = len(missing)
        if not result.claimed:
            return result

        digests: dict[int, _Digest] = defaultdict(_Digest)
        events: list[TicketEvent] = []
        owed: list[Explanation] = []
        deadline = now + policy.explanation_deadline
        red_cards: dict[int, list[int]] = defaultdict(list)  # holder chat -> ticket ids
        for ticket in red:
            holder = tree.holder(ticket)
            item = _item(ticket, tree)
            own = tree.chat(holder)
            if own is not None:
                digests[own].own_red.append(item)
                red_cards[own].append(ticket.id)
            for chat_id in dict.fromkeys((tree.chat(tree.superior(holder)), tree.command_chat)):
                if chat_id is not None and chat_id != own:
                    digests[chat_id].other_red.append(item)
            if holder is not None:
                owed.append(Explanation(ticket_id=ticket.id, round=ticket.reopen_count, unit_id=holder.id,
                                        red_at=now, due_at=deadline))
            events.append(_event(ticket, RED.event, now, holder, {"explain_by": deadline.isoformat()}))
        for ticket in yellow:
            holder = tree.holder(ticket)
            own = tree.chat(holder)
            if own is not None:
                digests[own].yellow.append(_item(ticket, tree))
            events.append(_event(ticket, YELLOW.event, now, holder))
        leaders = await _leaders({tree.holder(t).id for t in due if tree.holder(t)})
        for ticket in due:
            holder = tree.holder(ticket)
            item = _item(ticket, tree)
            targets = [tree.command_chat] + leaders.get(holder.id if holder else None, [])
            for chat_id in dict.fromkeys(targets):
                if chat_id is not None:
                    digests[chat_id].overdue.append(item)
            events.append(_event(ticket, DUE.event, now, holder))
        if missing and tree.command_chat is not None:
            digests[tree.command_chat].missing.extend(missing)
        for item in missing:
            events.append(TicketEvent(ticket_id=item.ticket_id, created_at=now, actor_kind="system",
                                      action="explanation_overdue", note=item.unit_name, data={}))

        if owed:
            await Explanation.bulk_create(owed, batch_size=1000, ignore_conflicts=True)
        if events:
            await TicketEvent.bulk_create(events, batch_size=1000)
        messages = [m for chat_id, d in sorted(digests.items())
                    for m in [render_digest(chat_id, d, now=now, tz=rt.tz, deadline=deadline)] if m]
        await outbox.enqueue(messages, now=now)
        result.digests = len(messages)
        result.card_edits = await _refresh_red_cards(rt, red_cards, now)
    return result


def _quiet_units(rt: Runtime, tree: _Tree, now: dt.datetime) -> tuple[set[int], bool]:
    """Units whose non-red reminders wait now, and whether triage (the district's) waits too."""
    if rt.sla.quiet_hours is None:
        return set(), False
    quiet = {u.id for u in tree.units.values() if rt.sla.quiet_until(u.code, now, rt.tz)}
    triage = tree.district is not None and tree.district.id in quiet
    return quiet, triage


async def _claim(level: _LevelSpec, now: dt.datetime, limit: int, *, exact: bool,
                 skip_units: set[int] | None = None, skip_triage: bool = False) -> list[Ticket]:
    """Lock the due, untold rows of one level and mark them told; returns the tickets now ours."""
    cond = {f"{level.at}__lte": now, f"{level.notified}__isnull": True, "status__in": list(level.runs_in)}
    rows: list[Ticket] = []
    for status in level.runs_in:
        # One status at a time: `status = ? AND <level>_notified_at IS NULL AND <moment> <= now` is a
        # single range of the (status, <level>_notified_at, <moment>) index, holding only the due
        # and untold rows, whatever the planner thinks of the rest of the table.
        query = Ticket.filter(**{**cond, "status": status})
        if skip_units:
            query = query.filter(unit_id__not_in=sorted(skip_units))  # NOT IN keeps NULL (triage) rows
        if skip_triage:
            query = query.filter(unit_id__isnull=False)
        rows += await (query.order_by(level.at, "id").limit(limit - len(rows))
                       .select_for_update(skip_locked=True, no_key=True).only(*_FIELDS))
        if len(rows) >= limit:
            break
    mine: list[Ticket] = []
    for chunk in _chunks(rows):
        ids = [t.id for t in chunk]
        if exact:
            for ticket in chunk:
                if await Ticket.filter(id=ticket.id, **cond).update(**{level.notified: now}):
                    mine.append(ticket)
            continue
        updated = await Ticket.filter(id__in=ids, **cond).update(**{level.notified: now})
        if updated != len(ids):
            raise _Contended(level.name)
        mine.extend(chunk)
    return mine


async def _claim_missing_explanations(now: dt.datetime, limit: int, *, exact: bool) -> list[_Item]:
    rows = await (Explanation.filter(pending=True, due_at__lte=now).order_by("due_at", "id").limit(limit)
                  .select_for_update(skip_locked=True, no_key=True))
    mine: list[Explanation] = []
    for chunk in _chunks(rows):
        ids = [e.id for e in chunk]
        if exact:
            for row in chunk:
                if await Explanation.filter(id=row.id, pending=True).update(pending=False, listed_at=now):
                    mine.append(row)
            continue
        if await Explanation.filter(id__in=ids, pending=True).update(pending=False, listed_at=now) != len(ids):
            raise _Contended("explanation")
        mine.extend(chunk)
    if not mine:
        return []
    numbers: dict[int, str] = {}
    for chunk in _chunks(sorted({e.ticket_id for e in mine})):
        numbers.update(await Ticket.filter(id__in=chunk).values_list("id", "number"))
    names = dict(await Unit.filter(id__in={e.unit_id for e in mine}).values_list("id", "name"))
    return [_Item(e.ticket_id, numbers.get(e.ticket_id, ""), "", "", names.get(e.unit_id, ""), None,
                  red_since=e.red_at) for e in mine]


async def _leaders(unit_ids: set[int]) -> dict[int, list[int]]:
    """Private chats (user ids) of the active leaders of these units."""
    found: dict[int, list[int]] = defaultdict(list)
    if unit_ids:
        rows = await (Staff.filter(channel=CHANNEL, unit_id__in=sorted(unit_ids), is_leader=True, active=True)
                      .order_by("id").values_list("unit_id", "user_id"))
        for unit_id, user_id in rows:
            found[unit_id].append(user_id)
    return found


async def _refresh_red_cards(rt: Runtime, red_cards: dict[int, list[int]], now: dt.datetime) -> int:
    """Edit the cards of red tickets: at most CARD_EDITS_PER_CHAT per holder chat and
    CARD_EDITS_PER_SWEEP in all, taken round-robin over the chats (the rest show red in the
    digest, and on the card at its next change)."""
    from bot.services import tickets  # the workflow module renders cards; imported late (cycles)

    chosen: list[int] = []
    for rank in range(CARD_EDITS_PER_CHAT):
        for _chat_id, ids in sorted(red_cards.items()):
            if rank < len(ids) and len(chosen) < CARD_EDITS_PER_SWEEP:
                chosen.append(ids[rank])
    edits = 0
    for ticket_id in chosen:
        ticket = await Ticket.get(id=ticket_id)
        messages = await tickets.refresh_card(rt, ticket)
        await outbox.enqueue(messages, now=now, ticket=ticket)
        edits += len(messages)
    return edits


def _event(ticket: Ticket, action: str, now: dt.datetime, holder: Unit | None, data: dict | None = None) -> TicketEvent:
    return TicketEvent(ticket_id=ticket.id, created_at=now, actor_kind="system", action=action,
                       from_status=str(ticket.status), to_status=str(ticket.status),
                       unit_id=holder.id if holder else None, data=data or {})


def _item(ticket: Ticket, tree: _Tree) -> _Item:
    grid = tree.name(ticket.grid_id)
    place = ticket.location_text or grid or texts.PLACE_UNKNOWN
    if len(place) > PLACE_CHARS:
        place = place[:PLACE_CHARS] + "…"
    holder = tree.holder(ticket)
    return _Item(ticket.id, ticket.number, ticket.category, place, holder.name if holder else "", ticket.due_at)


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# ─── digests ─────────────────────────────────────────────────────────────────────────────────


def u16len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: 🟡 is two)."""
    return len(text.encode("utf-16-le")) // 2


def render_digest(chat_id: int, digest: _Digest, *, now: dt.datetime, tz, deadline: dt.datetime) -> Outgoing | None:
    """One message for one chat: every section, most severe first, within Telegram's limit.

    Rows that do not fit are counted ("另有 N 件"), never sent as extra messages: one sweep is at
    most one message per chat. Red tickets the chat holds get a 书面说明 button each (up to
    MAX_EXPLAIN_BUTTONS; the text names /explain for the rest)."""
    local = lambda moment: moment.astimezone(tz).strftime(texts.TIME_FORMAT)  # noqa: E731
    labels: dict[str, str] = {}

    def label(code: str) -> str:
        if code not in labels:
            labels[code] = label_of(code)
        return labels[code]

    def rows(items: list[_Item], render) -> list[str]:
        # No more rows than could ever fit: a storm of 10,000 formats a few hundred.
        return [render(i) for i in items[:MAX_ROWS_RENDERED]]

    red, yellow = texts.LIGHTS["red"], texts.LIGHTS["yellow"]
    sections: list[tuple[str, list[str], int]] = []
    if digest.own_red:
        sections.append((
            texts.SLA_SECTION_OWN_RED.format(count=len(digest.own_red), deadline=local(deadline)),
            rows(digest.own_red, lambda i: texts.SLA_ROW.format(
                light=red, number=i.number, category=label(i.category), place=i.place)),
            len(digest.own_red)))
    if digest.other_red:
        sections.append((
            texts.SLA_SECTION_OTHER_RED.format(count=len(digest.other_red)),
            rows(digest.other_red, lambda i: texts.SLA_ROW_UNIT.format(
                light=red, number=i.number, category=label(i.category), place=i.place, unit=i.unit_name)),
            len(digest.other_red)))
    if digest.overdue:
        sections.append((
            texts.SLA_SECTION_OVERDUE.format(count=len(digest.overdue)),
            rows(digest.overdue, lambda i: texts.SLA_ROW_OVERDUE.format(
                light=texts.SLA_OVERDUE_MARK, number=i.number, category=label(i.category), place=i.place,
                unit=i.unit_name, due=local(i.due_at) if i.due_at else "—")),
            len(digest.overdue)))
    if digest.missing:
        sections.append((
            texts.SLA_SECTION_MISSING.format(count=len(digest.missing)),
            rows(digest.missing, lambda i: texts.SLA_ROW_MISSING.format(
                light=red, number=i.number, unit=i.unit_name, since=local(i.red_since))),
            len(digest.missing)))
    if digest.yellow:
        sections.append((
            texts.SLA_SECTION_YELLOW.format(count=len(digest.yellow)),
            rows(digest.yellow, lambda i: texts.SLA_ROW.format(
                light=yellow, number=i.number, category=label(i.category), place=i.place)),
            len(digest.yellow)))
    if not sections:
        return None
    text = fit_sections(texts.SLA_DIGEST_HEAD.format(time=local(now)), sections)
    buttons = [[(texts.BTN_EXPLAIN_ROW.format(number=i.number), f"{EXPLAIN_PREFIX}{i.ticket_id}")]
               for i in digest.own_red[:MAX_EXPLAIN_BUTTONS]]
    if len(digest.own_red) > MAX_EXPLAIN_BUTTONS:
        text = _append_within(text, texts.SLA_MORE_BUTTONS)
    return Outgoing(chat_id, text=text, buttons=buttons or None)


def fit_sections(head: str, sections: list[tuple[str, list[str], int]], budget: int = _BUDGET) -> str:
    """Head, then each section's title and rows, as many rows as fit; each cut section ends with
    "另有 N 件" (N counted against the section's `total`, which may exceed the rows given). Later
    sections keep room for their title and that line."""
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


def _append_within(text: str, line: str) -> str:
    if u16len(text) + u16len(line) + 1 <= MESSAGE_LIMIT:
        return text + "\n" + line
    return text


# ─── 书面说明 ────────────────────────────────────────────────────────────────────────────────


async def ask_explanation(rt: Runtime, user_id: int, chat_id: int, *, ticket_id: int | None = None,
                          number: str | None = None) -> str:
    """The 书面说明 button (or /explain 工单号): ask this staff member for the text, in this chat.
    Only the unit that held the ticket when it turned red may write it. Returns the toast."""
    async with in_transaction():
        staff = await Staff.filter(channel=CHANNEL, user_id=user_id, active=True).first()
        if staff is None:
            raise Refused(texts.NOT_STAFF)
        if ticket_id is not None:
            ticket = await Ticket.get_or_none(id=ticket_id)
        else:
            ticket = await Ticket.get_or_none(number=(number or "").strip().upper()[:32])
        if ticket is None:
            raise Refused(texts.STALE_BUTTON if ticket_id is not None
                          else texts.SLA_TICKET_NOT_FOUND.format(number=(number or "")[:32]))
        owed = await Explanation.filter(ticket_id=ticket.id).order_by("-round", "-id").first()
        if owed is None:
            raise Refused(texts.SLA_NOTHING_TO_EXPLAIN.format(number=ticket.number))
        if owed.explained_at is not None:
            raise Refused(texts.SLA_ALREADY_EXPLAINED.format(number=ticket.number))
        if staff.unit_id != owed.unit_id:
            unit = await Unit.get_or_none(id=owed.unit_id)
            raise Refused(texts.SLA_EXPLAIN_NOT_YOURS.format(unit=unit.name if unit else ""))
        now = rt.clock.now()
        await Draft.filter(channel=CHANNEL, chat_id=chat_id, user_id=user_id).delete()
        await Draft.create(channel=CHANNEL, chat_id=chat_id, user_id=user_id, kind=REASON, step=EXPLAIN_STEP,
                           data={"ticket_id": ticket.id, "explanation_id": owed.id},
                           created_at=now, updated_at=now)
        await outbox.enqueue([Outgoing(chat_id, texts.SLA_ASK_EXPLANATION.format(
            name=staff.name, number=ticket.number))], now=now, ticket=ticket)
    return texts.SLA_ASK_EXPLANATION_TOAST


async def take_explanation(rt: Runtime, user_id: int, chat_id: int, text: str) -> bool:
    """A staff member's words in a chat, if they were asked for a 书面说明 there: kept on the
    ticket (an "explained" event, shown by /history) and copied to the command centre.
    Returns False when no 书面说明 was asked of them (the words are someone else's business)."""
    text = clean(text).strip()
    asked = dict(channel=CHANNEL, chat_id=chat_id, user_id=user_id, kind=REASON, step=EXPLAIN_STEP)
    if not text or not await Draft.exists(**asked):  # most group talk: one indexed look, no transaction
        return False
    async with in_transaction():
        draft = await Draft.filter(**asked).select_for_update().first()
        if draft is None:  # taken a moment ago (the same text delivered twice)
            return False
        await draft.delete()
        now = rt.clock.now()
        owed = await Explanation.get_or_none(id=draft.data.get("explanation_id"))
        ticket = await Ticket.get_or_none(id=draft.data.get("ticket_id"))
        staff = await Staff.filter(channel=CHANNEL, user_id=user_id, active=True).first()
        if owed is None or ticket is None or staff is None:
            await outbox.enqueue([Outgoing(chat_id, texts.STALE_BUTTON)], now=now)
            return True
        text = text[:2000]
        done = await Explanation.filter(id=owed.id, explained_at__isnull=True).update(
            text=text, explained_at=now, explained_by=staff.user_id, explained_by_name=staff.name, pending=False)
        if not done:
            await outbox.enqueue([Outgoing(chat_id, texts.SLA_ALREADY_EXPLAINED.format(number=ticket.number))], now=now)
            return True
        await TicketEvent.create(
            ticket_id=ticket.id, created_at=now, actor_kind="staff", actor_id=staff.user_id,
            actor_name=staff.name, actor_role=str(staff.role), action="explained",
            from_status=str(ticket.status), to_status=str(ticket.status), unit_id=owed.unit_id, note=text,
            data={"round": owed.round, "late": now > owed.due_at},
        )
        unit = await Unit.get_or_none(id=owed.unit_id)
        messages = [Outgoing(chat_id, texts.SLA_EXPLAINED.format(number=ticket.number))]
        tree_command = await _command_chat()
        if tree_command is not None and tree_command != chat_id:
            messages.append(Outgoing(tree_command, texts.SLA_EXPLAINED_COPY.format(
                number=ticket.number, unit=unit.name if unit else "", name=staff.name, text=text[:500])))
        await outbox.enqueue(messages, now=now, ticket=ticket)
    return True


async def _command_chat() -> int | None:
    district = await Unit.filter(level=Level.DISTRICT, active=True).order_by("id").first()
    if district is None:
        return None
    binding = await (ChatBinding.filter(channel=CHANNEL, unit_id=district.id, purpose="unit")
                     .order_by("id").first())
    return binding.chat_id if binding else None


# ─── the daily report ────────────────────────────────────────────────────────────────────────

_FIGURES = ("received", "resolved", "open", "yellow", "red", "overdue")


async def daily_report(rt: Runtime) -> int:
    """Yesterday's figures, once a day at `daily_report_at` (local) or the first tick after it.

    Each unit's chat: its own tickets and those of the units under it (units with nothing at
    all are skipped); the command centre's chat: one message, a line per street (and per
    department with any). 受理/办结 count yesterday's; 未办结/黄灯/红灯/超期 are the state at
    report time. Claimed once per date across instances (ScheduledRun). Returns messages queued.
    """
    at = rt.sla.daily_report_at
    if at is None:
        return 0
    now = rt.clock.now()
    local = now.astimezone(rt.tz)
    if local.time().replace(tzinfo=None) < at:
        return 0
    today = local.date()
    key = f"daily_report:{today.isoformat()}"
    if await ScheduledRun.exists(key=key):
        return 0
    async with in_transaction():
        try:
            async with in_transaction():  # a savepoint: losing the race must not spoil the caller
                await ScheduledRun.create(key=key, created_at=now)
        except IntegrityError:
            return 0
        messages = await _report_messages(rt, today - dt.timedelta(days=1), now)
        await outbox.enqueue(messages, now=now)
    if messages:
        outbox.wake_delivery()
    return len(messages)


async def unit_figures(rt: Runtime, day: dt.date, now: dt.datetime) -> dict[int | None, dict[str, int]]:
    """Per holding unit id (None: triage): the six figures, not yet summed up the tree."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=rt.tz).astimezone(dt.timezone.utc)
    end = start + dt.timedelta(days=1)
    figures: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_FIGURES, 0))

    async def add(name: str, query, by_light: bool = False) -> None:
        columns = ("unit_id", "light", "n") if by_light else ("unit_id", "n")
        grouped = query.annotate(n=Count("id")).group_by(*columns[:-1]).values(*columns)
        for row in await grouped:
            if by_light:
                figures[row["unit_id"]]["open"] += row["n"]
                if row["light"] in ("yellow", "red"):
                    figures[row["unit_id"]][str(row["light"])] += row["n"]
            else:
                figures[row["unit_id"]][name] += row["n"]

    await add("received", Ticket.filter(created_at__gte=start, created_at__lt=end))
    await add("resolved", Ticket.filter(resolved_at__gte=start, resolved_at__lt=end))
    await add("open", Ticket.filter(status__in=list(OPEN_STATUSES)), by_light=True)
    await add("overdue", Ticket.filter(status__in=sorted(DUE_RUNS_IN), due_at__lt=now))
    return figures


async def _report_messages(rt: Runtime, day: dt.date, now: dt.datetime) -> list[Outgoing]:
    tree = await _Tree.load()
    if tree.district is None:
        return []
    direct = await unit_figures(rt, day, now)
    totals: dict[int, dict[str, int]] = {uid: dict.fromkeys(_FIGURES, 0) for uid in tree.units}
    for unit_id, values in direct.items():
        owner = unit_id if unit_id in tree.units else tree.district.id  # triage: the command centre
        for key in _FIGURES:
            totals[owner][key] += values[key]
    own = {uid: dict(v) for uid, v in totals.items()}  # before rolling up
    for unit in sorted(tree.units.values(), key=lambda u: -_depth(u, tree)):
        parent = tree.superior(unit)
        if parent is not None:
            for key in _FIGURES:
                totals[parent.id][key] += totals[unit.id][key]
    date_words = texts.DAILY_DATE.format(month=day.month, day=day.day)
    messages: list[Outgoing] = []
    for unit in sorted(tree.units.values(), key=lambda u: u.id):
        chat_id = tree.chat(unit)
        if chat_id is None or not unit.active or unit.id == tree.district.id or not any(totals[unit.id].values()):
            continue
        messages.append(Outgoing(chat_id, texts.DAILY_UNIT.format(unit=unit.name, date=date_words, **totals[unit.id])))
    command = tree.chat(tree.district)
    if command is not None and any(totals[tree.district.id].values()):
        rows = []
        children = sorted((u for u in tree.units.values() if u.parent_id == tree.district.id and u.active),
                          key=lambda u: (u.level != Level.STREET, u.id))
        for unit in children:
            if unit.level == Level.STREET or any(totals[unit.id].values()):
                rows.append(texts.DAILY_ROW.format(unit=unit.name, **totals[unit.id]))
        if any(own[tree.district.id].values()):
            rows.append(texts.DAILY_ROW.format(unit=texts.DAILY_COMMAND_OWN, **own[tree.district.id]))
        rows.append(texts.DAILY_ROW.format(unit=texts.DAILY_TOTAL, **totals[tree.district.id]))
        head = texts.DAILY_COMMAND_HEAD.format(district=tree.district.name, date=date_words)
        messages.append(Outgoing(command, fit_sections(head, [("", rows, len(rows))])))
    return messages


def _depth(unit: Unit, tree: _Tree) -> int:
    depth, seen = 0, {unit.id}
    while (unit := tree.superior(unit)) is not None and unit.id not in seen:
        seen.add(unit.id)
        depth += 1
    return depth
