"""The sweep: lights and deadlines at work, told once to whoever must hear (书面说明 are in
bot/sla/explanations.py, the daily report in bot/sla/daily.py).

The rules are written for people at the top of `bot/policy/sla.yaml` (REMINDERS); in short:

* **yellow** (status triage/assigned, `yellow_at` passed) → the holding unit's chat;
* **red** (status triage/assigned, `red_at` passed) → the holding unit's chat with a 书面说明
  button per ticket, its superior unit's chat and the command centre's chat; the ticket's card
  is edited to show 🔴 (and a yellow one to show 🟡: a reminder must not arrive under a card that
  still shows 🟢); a 书面说明 is owed (`Explanation`, due `explanation_deadline_hours` later);
* **overdue** (status triage/assigned/accepted, `due_at` passed) → the command centre's chat and,
  in private, each leader of the holding unit;
* **explanation overdue** (a red ticket's unit wrote none in time) → listed once to the command
  centre's chat.

Exactly once, whatever the restarts and the number of instances: every (ticket, level) is
claimed in the database before anything is said about it, and the claim, the light, the event
rows and the outbox rows commit together. The claim is one statement per level and status,
`UPDATE ticket SET <level>_notified_at = now … WHERE id IN (the due, untold rows) RETURNING …`:
on PostgreSQL the inner SELECT takes its rows `FOR NO KEY UPDATE SKIP LOCKED` (rows another
sweep holds are left to it; one it claimed meanwhile is re-checked and dropped), on SQLite the
UPDATE holds the only write lock while it reads. What comes back is ours. Each inner SELECT is
one range of an index — (status, yellow_at, id) of the open tickets not told yellow (migration
0014), the same for red and due, and (pending, due_at) for explanations — so a sweep costs
what is due, not the size of the table (bench/sweep.py: 100,000 vs 1,000,000 tickets). The
event and explanation rows are inserted set-wise too, so 10,000 claims are a few statements.

No storms: one sweep sends each chat at most three messages (bot/sla/digests.py: red,
overdue, missing explanations, yellow, every ticket named once; a list longer than three
messages becomes a short summary and a CSV file); cards are edited to show their new light, red
ones first, at most `CARD_EDITS_PER_CHAT` per chat and `CARD_EDITS_PER_SWEEP` per sweep — past
that budget a card shows its light at its next change, and the digest names every ticket with
its light meanwhile. So the everyday reminder (a few tickets) arrives under cards that show it,
and 10,000 tickets turning yellow at once mean two digest messages and ten edits per grid chat,
not 10,000 edits: a group never gets more than Telegram's 20 a minute from one sweep.

Quiet hours (sla.yaml `quiet_hours`): while a unit's window is on, its yellow and overdue levels
(and, for the district, the missing-explanation list) are simply not claimed; the first sweep
after the window claims them all, so the unit gets one digest at the end of the night. Red is
never held back.

Everything asks `rt.clock`, so tests move time instead of sleeping and the demo can run fast.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, replace

from tortoise.transactions import in_transaction

from bot import channels
from bot import texts
from bot.jurisdiction.tree import UnitTree, current as tree_of_units
from bot.sla.sql import Sql, chunks
from bot.models import (
    Attachment, Consultation, Explanation, Light, MessageRef, Outbox,
    Resident, Staff, Status, Ticket, Unit,
)
from bot.nlp import pii
from bot.runtime import Runtime
from bot.messaging import outbox
from bot.sla.digests import Digest, Item, render_digest
from bot.messaging.outbox import Outgoing
from bot.sla.clocks import entries_of, worst_step
from bot.sla.policy import DUE_RUNS_IN, LIGHTS_RUN_IN

log = logging.getLogger("gridbot.sla")

CHANNEL = channels.DEFAULT

MAX_CLAIMS_PER_LEVEL = 20_000  # per sweep; more waits for the next sweep (a minute later)
CARD_EDITS_PER_CHAT = 10  # cards edited per holder chat per sweep (red first); with MAX_PARTS digests, under 20/min per group
CARD_EDITS_PER_SWEEP = 200  # and in all: a card edit costs ~10 queries, the sweep holds its locks
PLACE_CHARS = 24
UTC = dt.timezone.utc


@dataclass(frozen=True)
class _LevelSpec:
    name: str
    at: str  # the column holding the moment
    notified: str  # the column claimed once
    runs_in: tuple[str, ...]  # statuses in which the clock runs
    event: str  # TicketEvent.action written when it is claimed
    also: str = ""  # more of the claiming UPDATE's SET (`{now}`: the claim's moment)

    indexed: tuple[str, ...] = ()  # the statuses its partial index holds (migration 0014)

    @property
    def open_index_set(self) -> str:
        """`status IN (…)` in the words of the level's partial index."""
        return "status IN (" + ", ".join(f"'{s}'" for s in self.indexed) + ")"


# What the partial indexes of migration 0014 hold: every status a light runs in under either
# model (the steps model lights accepted and resolved tickets too), every status a deadline runs in.
INDEXED_LIGHTS = ("accepted", "assigned", "resolved", "triage")
INDEXED_DUE = ("accepted", "assigned", "triage")
YELLOW = _LevelSpec("yellow", "yellow_at", "yellow_notified_at", tuple(sorted(LIGHTS_RUN_IN)), "lit_yellow",
                    f", light = CASE WHEN light = '{Light.GREEN.value}' THEN '{Light.YELLOW.value}' ELSE light END",
                    INDEXED_LIGHTS)
# A ticket first seen red is told red only: its yellow is claimed with it.
RED = _LevelSpec("red", "red_at", "red_notified_at", tuple(sorted(LIGHTS_RUN_IN)), "lit_red",
                 f", light = '{Light.RED.value}', yellow_notified_at = COALESCE(yellow_notified_at, {{now}})",
                 INDEXED_LIGHTS)
DUE = _LevelSpec("overdue", "due_at", "due_notified_at", tuple(sorted(DUE_RUNS_IN)), "overdue", "", INDEXED_DUE)

_RETURNING = ("id", "number", "category", "location_text", "unit_id", "grid_id", "status", "due_at",
              "reopen_count", "steps")
# In the steps model a ticket in these statuses is lit only by the steps' clocks (`steps` set):
# one filed under the filing model keeps its old moments there, which are not lights.
_STEPS_ONLY = frozenset({Status.ACCEPTED.value, Status.RESOLVED.value})
_DUE_AT = Ticket._meta.fields_map["due_at"]
_RED_AT = Explanation._meta.fields_map["red_at"]


@dataclass
class SweepResult:
    """What one sweep claimed and queued."""

    yellow: int = 0
    red: int = 0
    overdue: int = 0
    missing_explanations: int = 0
    digests: int = 0  # messages queued (text parts, summaries and files), card edits aside
    card_edits: int = 0

    @property
    def claimed(self) -> int:
        return self.yellow + self.red + self.overdue + self.missing_explanations


@dataclass(slots=True)
class _Claimed:
    """A ticket as the claiming UPDATE returned it (no model instance: a storm has 10,000)."""

    id: int
    number: str
    category: str
    location_text: str | None
    unit_id: int | None
    grid_id: int | None
    status: str
    due_at: dt.datetime | None
    reopen_count: int
    step: str = ""  # the steps model: the step whose light this is


# ─── the sweep ───────────────────────────────────────────────────────────────────────────────


async def sweep(rt: Runtime, *, limit: int = MAX_CLAIMS_PER_LEVEL) -> SweepResult:
    """Claim every (ticket, level) that fell due and queue what it means, in one transaction.

    Safe to run any number of times, in any number of instances at once: nothing is told twice
    and, once committed, nothing is lost (the outbox sends it after a crash).
    """
    now = rt.clock.now().astimezone(UTC)  # the database keeps UTC; raw statements get it as is
    result = await _sweep(rt, now, limit)
    if result.digests or result.card_edits:
        outbox.wake_delivery()
    return result


async def _sweep(rt: Runtime, now: dt.datetime, limit: int) -> SweepResult:
    policy = rt.sla
    # Without quiet hours the units are needed only once something is claimed: an idle sweep
    # (nearly every minute) is then just the claiming statements.
    tree = await tree_of_units() if policy.quiet_hours is not None else None
    quiet_units, triage_quiet = _quiet_units(rt, tree, now) if tree else (set(), False)
    command_quiet = tree is not None and tree.district is not None and tree.district.id in quiet_units
    result = SweepResult()
    runs_in = tuple(sorted(policy.lights_run_in))
    steps = policy.steps_model
    async with in_transaction() as conn:
        db = Sql(conn)
        red = await _claim(db, replace(RED, runs_in=runs_in), now, limit, steps=steps)
        yellow = await _claim(db, replace(YELLOW, runs_in=runs_in), now, limit, skip_units=quiet_units,
                              skip_triage=triage_quiet, steps=steps)
        due = await _claim(db, DUE, now, limit, skip_units=quiet_units, skip_triage=triage_quiet)
        missing = [] if command_quiet else await _claim_missing_explanations(db, now, limit)
        result.red, result.yellow, result.overdue = len(red), len(yellow), len(due)
        result.missing_explanations = len(missing)
        if not result.claimed:
            return result
        tree = tree or await tree_of_units()
        missing_items = [Item(ticket_id, number, "", "", tree.name(unit_id), None, red_since=red_at)
                         for ticket_id, number, unit_id, red_at in missing]

        digests: dict[int, Digest] = defaultdict(Digest)
        deadline = now + policy.explanation_deadline
        lit_cards: dict[int, list[int]] = defaultdict(list)  # holder chat -> ticket ids, red before yellow
        owed: list[tuple] = []
        items = _Items(tree)
        for ticket in red:
            holder = tree.holder(ticket.unit_id)
            item = items(ticket, holder)
            own = tree.chat(holder)
            if own is not None:
                digests[own].own_red.append(item)
                lit_cards[own].append(ticket.id)
            for chat_id in dict.fromkeys((tree.chat(tree.superior(holder)), tree.command_chat)):
                if chat_id is not None and chat_id != own:
                    digests[chat_id].other_red.append(item)
            if holder is not None:
                owed.append((ticket.id, ticket.reopen_count, holder.id))
        for ticket in yellow:
            own = tree.chat(tree.holder(ticket.unit_id))
            if own is not None:
                digests[own].yellow.append(items(ticket))
                lit_cards[own].append(ticket.id)
        leaders = await _leaders({h.id for t in due if (h := tree.holder(t.unit_id))})
        # In the steps model the 办结 step's red is its deadline passing: a ticket red for that
        # step is named once in a chat, as red (迎泽's red, "not accepted in time", is another
        # fact than overdue, and both are said).
        told_red = {(chat_id, i.ticket_id) for chat_id, d in digests.items() for i in d.other_red + d.own_red
                    if i.step == "handle"}
        for ticket in due:
            holder = tree.holder(ticket.unit_id)
            item = items(ticket, holder)
            targets = [tree.command_chat] + leaders.get(holder.id if holder else None, [])
            for chat_id in dict.fromkeys(targets):
                if chat_id is not None and (chat_id, ticket.id) not in told_red:
                    digests[chat_id].overdue.append(item)
        if missing_items and tree.command_chat is not None:
            digests[tree.command_chat].missing.extend(missing_items)

        await db.insert("explanation", [("ticket_id", "int"), ("round", "int"), ("unit_id", "int")], owed,
                        [("red_at", now, "timestamptz"), ("due_at", deadline, "timestamptz"),
                         ("pending", True, "boolean")], ignore_conflicts=True)
        await _log(db, now, RED.event, red, tree, {"explain_by": deadline.isoformat()})
        await _log(db, now, YELLOW.event, yellow, tree)
        await _log(db, now, DUE.event, due, tree)
        await _log_missing(db, now, missing_items)
        messages: list[Outgoing] = []
        for chat_id, digest in sorted(digests.items()):
            messages += render_digest(chat_id, digest, now=now, tz=rt.tz, deadline=deadline, steps=steps)
        await _queue(messages, now)
        result.digests = len(messages)
        result.card_edits = await _refresh_lit_cards(rt, lit_cards, now, tree)
    return result


def _quiet_units(rt: Runtime, tree: UnitTree, now: dt.datetime) -> tuple[set[int], bool]:
    """Units whose non-red reminders wait now, and whether triage (the district's) waits too."""
    if rt.sla.quiet_hours is None:
        return set(), False
    quiet = {u.id for u in tree.units.values() if rt.sla.quiet_until(u.code, now, rt.tz)}
    triage = tree.district is not None and tree.district.id in quiet
    return quiet, triage


async def _claim(db: Sql, level: _LevelSpec, now: dt.datetime, limit: int, *,
                 skip_units: set[int] | None = None, skip_triage: bool = False,
                 steps: bool = False) -> list[_Claimed]:
    """Mark the due, untold rows of one level told (and lit); returns the tickets now ours."""
    claimed: list[_Claimed] = []
    for status in level.runs_in:
        if len(claimed) >= limit:
            break
        p = db.params()
        sets = f"{level.notified} = {p(now)}" + (level.also.format(now=p(now)) if "{now}" in level.also
                                                 else level.also)
        ids = due_ids(db, p, level, status, now, limit - len(claimed), skip_units=skip_units,
                      skip_triage=skip_triage, steps=steps)
        rows = await db.fetch(
            f"UPDATE ticket SET {sets} WHERE {db.picked(ids)} "
            f"RETURNING {', '.join(_RETURNING)}, {level.at} AS moment", p)
        rows = sorted(rows, key=lambda r: (r["moment"], r["id"]))  # oldest first, as people read them
        for r in rows:
            due_at = r["due_at"]
            step = (worst_step(entries_of(r["steps"]), r["status"], level.name) or "") if steps else ""
            claimed.append(_Claimed(r["id"], r["number"], r["category"], r["location_text"], r["unit_id"],
                                    r["grid_id"], r["status"],
                                    _DUE_AT.to_python_value(due_at) if isinstance(due_at, str) else due_at,
                                    r["reopen_count"], step))
    return claimed


def due_ids(db: Sql, p, level: _LevelSpec, status: str, now: dt.datetime, limit: int, *,
            skip_units: set[int] | None = None, skip_triage: bool = False, steps: bool = False) -> str:
    """The sub-select of one level's due, untold tickets in one status, oldest first.

    One status at a time, and the first two terms the predicate of the level's partial index in
    its own words (migration 0014: SQLite takes a partial index only when the WHERE says so), so
    the rows are one range of an index holding only open, untold tickets, whatever the history."""
    where = [f"{level.notified} IS NULL", level.open_index_set, f"status = {p(status)}",
             f"{level.at} <= {p(now)}", "paused_at IS NULL"]  # a paused clock is not looked at (pauses.py)
    if steps and status in _STEPS_ONLY and level.name != DUE.name:
        where.append("steps IS NOT NULL")
    if skip_units:  # triage rows (no unit) are kept or skipped by `skip_triage` alone
        where.append(f"(unit_id IS NULL OR {db.not_in('unit_id', sorted(skip_units), p)})")
    if skip_triage:
        where.append("unit_id IS NOT NULL")
    # Ordered by the partial index's own columns: `ORDER BY <moment>, id` alone matches the
    # dashboard's (due_at, id) index, and PostgreSQL walked years of closed tickets in it to fill
    # the LIMIT (an idle sweep at 1M tickets took 9 s).
    return (f"SELECT id FROM ticket WHERE {' AND '.join(where)} "
            f"ORDER BY status, {level.at}, id LIMIT {p(limit)}")


async def _claim_missing_explanations(db: Sql, now: dt.datetime, limit: int) -> list[tuple]:
    """(ticket id, number, unit id, red at) of each overdue 书面说明 now ours to list."""
    p = db.params()  # SQLite's placeholders are positional: values are added in the order of the text
    sets = f"pending = FALSE, listed_at = {p(now)}"
    ids = f"SELECT id FROM explanation WHERE pending = TRUE AND due_at <= {p(now)} ORDER BY due_at, id LIMIT {p(limit)}"
    rows = await db.fetch(f"UPDATE explanation SET {sets} WHERE {db.picked(ids)} RETURNING ticket_id, unit_id, red_at", p)
    if not rows:
        return []
    numbers: dict[int, str] = {}
    for chunk in chunks(sorted({r["ticket_id"] for r in rows})):
        numbers.update(await Ticket.filter(id__in=chunk).values_list("id", "number"))
    found = [(r["ticket_id"], numbers.get(r["ticket_id"], ""), r["unit_id"], _RED_AT.to_python_value(r["red_at"]))
             for r in rows]
    return sorted(found, key=lambda row: (row[3], row[0]))


async def _log(db: Sql, now: dt.datetime, action: str, claimed: list[_Claimed], tree: UnitTree,
               data: dict | None = None) -> None:
    """The audit rows of one level's claims (the holder is the unit the ticket had then)."""
    rows = []
    for t in claimed:
        holder = tree.holder(t.unit_id)
        rows.append((t.id, t.status, t.status, holder.id if holder else None))
    await db.insert("ticket_event", [("ticket_id", "int"), ("from_status", "text"), ("to_status", "text"),
                                     ("unit_id", "int")], rows, _event_constants(now, action, data))


async def _log_missing(db: Sql, now: dt.datetime, missing: list[Item]) -> None:
    await db.insert("ticket_event", [("ticket_id", "int"), ("note", "text")],
                    [(i.ticket_id, i.unit_name) for i in missing],
                    _event_constants(now, "explanation_overdue", None))


def _event_constants(now: dt.datetime, action: str, data: dict | None) -> list[tuple[str, object, str]]:
    return [("created_at", now, "timestamptz"), ("actor_kind", "system", "text"), ("action", action, "text"),
            ("data", json.dumps(data or {}, ensure_ascii=False), "jsonb")]


async def _queue(messages: list[Outgoing], now: dt.datetime) -> None:
    """outbox.enqueue, in one statement: rows keep the order given, which is the order each chat
    receives them in (a summary before its file, part 1 before part 2)."""
    rows = [Outbox(chat_id=m.chat_id, text=m.text, buttons=outbox.encode_buttons(m.buttons), photo=m.photo,
                   ref=m.ref, reply_to_ref=m.reply_to_ref, file_data=m.file_data, file_name=m.file_name,
                   file_kind=m.file_kind, available_at=now, created_at=now) for m in messages]
    if rows:
        await Outbox.bulk_create(rows, batch_size=1000)


async def _leaders(unit_ids: set[int]) -> dict[int, list[int]]:
    """Private chats (user ids) of the active leaders of these units."""
    found: dict[int, list[int]] = defaultdict(list)
    if unit_ids:
        rows = await (Staff.filter(channel=CHANNEL, unit_id__in=sorted(unit_ids), is_leader=True, active=True)
                      .order_by("id").values_list("unit_id", "user_id"))
        for unit_id, user_id in rows:
            found[unit_id].append(user_id)
    return found


async def _refresh_lit_cards(rt: Runtime, lit_cards: dict[int, list[int]], now: dt.datetime,
                             tree: UnitTree | None = None) -> int:
    """Edit the cards of tickets that changed light (each chat's red ones first): at most
    CARD_EDITS_PER_CHAT per holder chat and CARD_EDITS_PER_SWEEP in all, taken round-robin over
    the chats (the rest show their light in the digest, and on the card at its next change)."""
    chosen: list[int] = []
    for rank in range(CARD_EDITS_PER_CHAT):
        for _chat_id, ids in sorted(lit_cards.items()):
            if rank < len(ids) and len(chosen) < CARD_EDITS_PER_SWEEP:
                chosen.append(ids[rank])
    if not chosen:
        return 0
    # (not prefetch_related: cards `await ticket.grid`, which a prefetched None cannot be)
    found = {t.id: t for chunk in chunks(chosen) for t in await Ticket.filter(id__in=chunk)}
    cards = await card_messages(rt, [found[i] for i in chosen], tree or await tree_of_units())
    rows = [Outbox(chat_id=m.chat_id, text=m.text, buttons=outbox.encode_buttons(m.buttons), photo=m.photo,
                   ref=m.ref, reply_to_ref=m.reply_to_ref, ticket_id=ticket.id, available_at=now, created_at=now)
            for ticket, messages in cards for m in messages]
    if rows:
        await Outbox.bulk_create(rows, batch_size=1000)
    return len(rows)


async def card_messages(rt: Runtime, batch: list[Ticket], tree: UnitTree) -> list[tuple[Ticket, list[Outgoing]]]:
    """What `cards.refresh_card` gives for each ticket, with a few queries for the whole batch
    instead of ten per ticket (a red storm edits up to CARD_EDITS_PER_SWEEP cards inside the
    sweep's transaction, its locks held meanwhile).

    Done here only for the plain case — the card shown in the holder's chat or nowhere yet, no
    consultation; anything else (a card left in a chat that held the ticket before, departments
    consulted) goes through `cards.refresh_card` itself. tests/test_sla_sweep.py checks that
    both give the same messages."""
    from bot.workflow import arrivals, cards

    ids = [t.id for t in batch]
    came = await arrivals.lines_for(batch)
    refs = {outbox.card_ref(i): i for i in ids}
    shown: dict[int, set[int]] = defaultdict(set)
    consulted: set[int] = set()
    photos: dict[int, list[str]] = defaultdict(list)
    merged: dict[int, int] = defaultdict(int)
    for chunk in chunks(ids):
        chunk_refs = [outbox.card_ref(i) for i in chunk]
        for ref, chat_id in await MessageRef.filter(ref__in=chunk_refs).values_list("ref", "chat_id"):
            shown[refs[ref]].add(chat_id)
        for ticket_id, ref, chat_id in await (Outbox.filter(ticket_id__in=chunk, ref__in=chunk_refs)
                                              .values_list("ticket_id", "ref", "chat_id")):
            if refs[ref] == ticket_id:
                shown[ticket_id].add(chat_id)
        consulted.update(await Consultation.filter(ticket_id__in=chunk).values_list("ticket_id", flat=True))
        for ticket_id, file_id in await (Attachment.filter(ticket_id__in=chunk, kind="report").order_by("id")
                                         .values_list("ticket_id", "file_id")):
            photos[ticket_id].append(file_id)
        for merged_into in await Ticket.filter(merged_into_id__in=chunk, resident_id__not_isnull=True).values_list(
                "merged_into_id", flat=True):
            merged[merged_into] += 1
    names = await _names_on_cards(batch, tree)
    out: list[tuple[Ticket, list[Outgoing]]] = []
    for ticket in batch:
        holder = tree.command_chat if ticket.status == Status.TRIAGE else (
            tree.chats.get(ticket.unit_id) if ticket.unit_id is not None else None)
        if ticket.id in consulted or not shown[ticket.id] <= {holder}:
            out.append((ticket, await cards.refresh_card(rt, ticket)))
            continue
        messages: list[Outgoing] = []
        if holder is not None:
            body = await cards.card_text(ticket, tz=rt.tz, text_limit=rt.limits.card_text_chars,
                                         photo_count=len(photos[ticket.id]), due_words=cards.due_words(rt, ticket),
                                         reporters=1 + merged[ticket.id], arrival=came.get(ticket.id),
                                         sla=rt.sla, now=rt.clock.now(), known=names[ticket.id])
            note = texts.TRIAGE_LOW_CONFIDENCE if ticket.status == Status.TRIAGE else None
            messages.append(cards.card_message(holder, ticket, body, triage_note=note))
            if holder not in shown[ticket.id]:
                messages += cards.photo_messages(holder, ticket, photos[ticket.id])
        out.append((ticket, messages))
    return out


async def _names_on_cards(batch: list[Ticket], tree: UnitTree):
    """The grid, the resident's masked name and who accepted, for every card of the batch in
    two queries (cards.card_text would read them one card at a time)."""
    from bot.workflow import cards

    resident_ids = sorted({t.resident_id for t in batch if t.resident_id is not None})
    staff_ids = sorted({t.accepted_by_id for t in batch if t.accepted_by_id is not None and t.status == Status.ACCEPTED})
    residents: dict[int, str] = {}
    staff: dict[int, str] = {}
    for chunk in chunks(resident_ids):
        residents.update(await Resident.filter(id__in=chunk).values_list("id", "display_name"))
    for chunk in chunks(staff_ids):
        staff.update(await Staff.filter(id__in=chunk).values_list("id", "name"))
    grids = {t.grid_id: tree.name(t.grid_id) for t in batch if t.grid_id is not None}
    gone = sorted(g for g, name in grids.items() if not name)  # a grid no longer in the tree
    if gone:
        grids.update(await Unit.filter(id__in=gone).values_list("id", "name"))
    return {t.id: cards.Known(grids.get(t.grid_id) or None,
                              cards.reporter_words(t, residents.get(t.resident_id, "")),
                              staff.get(t.accepted_by_id, "") if t.status == Status.ACCEPTED else "")
            for t in batch}


class _Items:
    """Digest rows for claimed tickets; one per ticket, shared by every chat that lists it."""

    def __init__(self, tree: UnitTree) -> None:
        self.tree = tree
        self.places: dict[tuple[str | None, int | None], str] = {}

    def __call__(self, ticket: _Claimed, holder: Unit | None = None) -> Item:
        key = (ticket.location_text, ticket.grid_id)
        place = self.places.get(key)
        if place is None:
            # Masked before it is cut: a phone cut in half would no longer be found.
            place = pii.mask(ticket.location_text) or self.tree.name(ticket.grid_id) or texts.PLACE_UNKNOWN
            if len(place) > PLACE_CHARS:
                place = place[:PLACE_CHARS] + "…"
            self.places[key] = place
        holder = holder or self.tree.holder(ticket.unit_id)
        return Item(ticket.id, ticket.number, ticket.category, place, holder.name if holder else "", ticket.due_at,
                    step=ticket.step)
