"""Households on a visit plan: 重点户 weekly, 一般户 monthly, 放心户 quarterly (care.yaml).

Everything about a household stays in the worker's private chat; a group only ever sees counts.
"""

from __future__ import annotations

import datetime as dt

from tortoise.transactions import in_transaction

from bot import texts
from bot.models import Pending, Level, Staff, Unit
from bot.models_care import CareLevel, Household, Visit
from bot.runtime import Runtime
from bot.nlp.textin import clean
from bot.handlers import pending
from bot.handlers.actions import ID, Action
from bot.handlers.pending import PendingKind
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.timetext import deadline
from bot.messaging.outbox import Outgoing
from bot.care.wishes import policy

# The note of a visit waits a day after the worker picked the household.
VISIT_NOTE = PendingKind("visit", dt.timedelta(days=1))
PICK = Action("visit", ID)  # a household in /visit's list
LEVEL_WORDS = {"重点": CareLevel.KEY, "一般": CareLevel.ORDINARY, "放心": CareLevel.SAFE}


async def add_household(rt: Runtime, staff: Staff, label: str, level_word: str, note: str | None) -> str:
    level = LEVEL_WORDS.get(level_word.removesuffix("户"))
    grid = await Unit.get(id=staff.unit_id)
    if level is None:
        return texts.HOUSEHOLD_USAGE
    if grid.level != Level.GRID:
        return texts.CARE_NEED_GRID
    now = rt.clock.now()
    await Household.create(grid=grid, label=label[:100], care_level=level, note=note, created_at=now,
                           next_due_at=now + policy().visit_interval[str(level)])
    return texts.HOUSEHOLD_ADDED.format(label=label, level=level_word.removesuffix("户"),
                                        days=policy().visit_interval[str(level)].days)


async def visit_menu(rt: Runtime, staff: Staff) -> tuple[str, list]:
    households = await Household.filter(grid_id=staff.unit_id, active=True).order_by("next_due_at").limit(30)
    if not households:
        return texts.HOUSEHOLDS_EMPTY, []
    buttons = [[(f"{h.label}（{deadline(h.next_due_at, rt.tz)}）", PICK.data(h.id))] for h in households]
    return texts.VISIT_PICK, buttons


async def start_visit(rt: Runtime, staff: Staff, press, household_id: int) -> str | None:
    household = await Household.get_or_none(id=household_id, grid_id=staff.unit_id, active=True)
    if household is None:
        return texts.NOT_ALLOWED
    async with in_transaction():
        await pending.open_pending(VISIT_NOTE, channel=press.channel, chat_id=press.chat_id, user_id=staff.user_id,
                                   now=rt.clock.now(), subject=household.id, step="note",
                                   data={"household_id": household.id},
                                   prompt=Outgoing(press.chat_id, texts.VISIT_ASK_NOTE.format(label=household.label)))
    return None


async def take_visit(rt: Runtime, draft: Pending, inbound) -> None:
    """The visit's note closes it; a photo or the place may come first (a captioned photo does both)."""
    staff = await directory.staff_for_user(inbound.user_id, inbound.channel)
    if staff is None:
        return
    if inbound.photo is not None or inbound.location is not None:
        await add_to_visit(rt, draft, photo=inbound.photo.file_id if inbound.photo else None,
                           lat=inbound.location[0] if inbound.location else None,
                           lon=inbound.location[1] if inbound.location else None, quiet=bool(inbound.text))
    if inbound.text:
        await finish_visit(rt, draft, staff, inbound.text)


async def visit_expired(rt: Runtime, draft: Pending) -> list[Outgoing]:
    household = await Household.get_or_none(id=draft.data.get("household_id", 0))
    return [Outgoing(draft.chat_id, texts.VISIT_EXPIRED.format(label=household.label))] if household else []


async def add_to_visit(rt: Runtime, draft: Pending, *, photo: str | None = None, lat=None, lon=None,
                       quiet: bool = False) -> None:
    if photo:
        draft.data["photo"] = photo
    if lat is not None:
        draft.data["lat"], draft.data["lon"] = lat, lon
    await pending.touch(draft, rt.clock.now(), VISIT_NOTE)
    if not quiet:
        await outbox.enqueue([Outgoing(draft.chat_id, texts.VISIT_GOT_ATTACHMENT)], now=rt.clock.now())


async def finish_visit(rt: Runtime, draft: Pending, staff: Staff, note: str) -> None:
    """The note closes the visit: recorded, the next one scheduled, the reminder cleared."""
    now = rt.clock.now()
    async with in_transaction():
        household = await Household.get(id=draft.data["household_id"])
        await Visit.create(household=household, staff_user_id=staff.user_id, staff_name=staff.name,
                           note=clean(note)[:2000], photo=draft.data.get("photo"), lat=draft.data.get("lat"),
                           lon=draft.data.get("lon"), created_at=now)
        next_due = now + policy().visit_interval[str(household.care_level)]
        await Household.filter(id=household.id).update(last_visit_at=now, next_due_at=next_due, reminded_due_at=None)
        await pending.close(draft)
        await outbox.enqueue([Outgoing(draft.chat_id, texts.VISIT_RECORDED.format(
            label=household.label, next=deadline(next_due, rt.tz)))], now=now)


async def remind_due(rt: Runtime) -> int:
    """One digest per worker of the visits falling due within the reminder window, once per
    due date; and for each community, the count of overdue visits per grid (no names)."""
    now = rt.clock.now()
    horizon = now + policy().visit_reminder
    # reminded_due_at is cleared whenever a visit moves next_due_at, so NULL means "not yet told"
    due = await Household.filter(active=True, next_due_at__lte=horizon, reminded_due_at=None).order_by("next_due_at")
    by_grid: dict[int, list[Household]] = {}
    for h in due:
        by_grid.setdefault(h.grid_id, []).append(h)
    sent = 0
    for grid_id, households in by_grid.items():
        async with in_transaction():
            claimed = [h for h in households
                       if await Household.filter(id=h.id, reminded_due_at=None).update(reminded_due_at=h.next_due_at)]
            if not claimed:
                continue
            lines = [texts.VISIT_DIGEST_HEADER.format(count=len(claimed))]
            lines += [texts.VISIT_DIGEST_ROW.format(label=h.label, due=deadline(h.next_due_at, rt.tz),
                                                    overdue=texts.VISIT_OVERDUE if h.next_due_at < now else "")
                      for h in claimed]
            workers = await Staff.filter(unit_id=grid_id, active=True)
            await outbox.enqueue([Outgoing(w.user_id, "\n".join(lines)) for w in workers], now=now)
            sent += len(workers)
    sent += await _tell_communities_of_overdue(rt, now)
    if sent:
        outbox.wake_delivery()
    return sent


async def _tell_communities_of_overdue(rt: Runtime, now) -> int:
    overdue = await Household.filter(active=True, next_due_at__lt=now).values_list("grid_id", flat=True)
    if not overdue:
        return 0
    counts: dict[int, int] = {}
    for grid_id in overdue:
        counts[grid_id] = counts.get(grid_id, 0) + 1
    grids = {g.id: g for g in await Unit.filter(id__in=list(counts))}
    by_community: dict[int, list[str]] = {}
    for grid_id, count in counts.items():
        grid = grids[grid_id]
        by_community.setdefault(grid.parent_id, []).append(texts.VISIT_OVERDUE_ROW.format(grid=grid.name, count=count))
    messages = []
    for community_id, rows in by_community.items():
        chat = await directory.chat_for_unit(await Unit.get(id=community_id))
        if chat is not None:
            messages.append(Outgoing(chat, texts.VISIT_OVERDUE_HEADER + "\n" + "\n".join(rows)))
    await outbox.enqueue(messages, now=now)
    return len(messages)
