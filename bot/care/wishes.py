"""微心愿: small wishes of residents in need, posted by the community, claimed by volunteers.

The wish is published to the volunteers' chat without the beneficiary: who it is for stays
with the community, which puts the volunteer in touch. The first press of 认领 wins (a
conditional update); a second is told it is taken.

Who may press what is decided here, whatever chat the press came from (a button's data can be
forged anywhere): 认领 by the people the district file allows (`wishes.claim_by`: volunteers,
and staff if it says so), 已送达 by the one who claimed it, 致谢 by staff of the wish's
community, a unit above it, or the command centre.
"""

from __future__ import annotations

import datetime as dt

from tortoise.transactions import in_transaction

from bot.refusals import Refused
from bot import texts
from bot.models import Pending, Level, Role, Staff, Unit
from bot.models_care import Wish, WishStatus
from bot.runtime import Runtime
from bot.nlp.textin import clean
from bot.handlers import pending
from bot.handlers.actions import ID, Action
from bot.handlers.pending import PendingKind
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.jurisdiction import scope
from bot.care.policy import CarePolicy
from bot.messaging.outbox import Outgoing

# The delivery photo a volunteer is asked for waits a day.
DELIVERY_PHOTO = PendingKind("wish", dt.timedelta(days=1))
CLAIM = Action("wish:claim", ID)
DELIVERED = Action("wish:done", ID)
THANK = Action("wish:thank", ID)
_policy: CarePolicy | None = None


def policy() -> CarePolicy:
    global _policy
    if _policy is None:
        _policy = CarePolicy.load()
    return _policy


def _ref(wish: Wish) -> str:
    return f"wish:{wish.id}"


async def post(rt: Runtime, staff: Staff, chat_id: int, text: str) -> Wish:
    """`/wish 描述 | 受益人备注`: the part after | stays private with the community."""
    if staff.role not in (Role.COMMUNITY, Role.COMMAND, Role.STREET):
        raise Refused(texts.WISH_ONLY_COMMUNITY)
    description, _, private = clean(text).partition("|")
    description = description.strip()
    if not description:
        raise Refused(texts.WISH_USAGE)
    community = await Unit.get(id=staff.unit_id)
    if community.level != Level.COMMUNITY:
        raise Refused(texts.WISH_ONLY_COMMUNITY)
    volunteers = await directory.volunteers_chat()
    if volunteers is None:
        raise Refused(texts.WISH_NO_VOLUNTEERS)
    now = rt.clock.now()
    async with in_transaction():
        wish = await Wish.create(community=community, description=description[:500],
                                 beneficiary_note=private.strip() or None, posted_by=staff.user_id,
                                 posted_by_name=staff.name, created_at=now)
        await outbox.enqueue([_volunteer_card(wish, volunteers, community),
                              Outgoing(chat_id, texts.WISH_POSTED.format(id=wish.id))], now=now)
    outbox.wake_delivery()
    return wish


async def _community_chat(community: Unit) -> int | None:
    return await directory.chat_for_unit(community)


def _volunteer_card(wish: Wish, chat_id: int, community: Unit) -> Outgoing:
    status = texts.WISH_STATUS[str(wish.status)]
    who_line = texts.WISH_CLAIMED_BY.format(name=wish.claimed_by_name) if wish.claimed_by_name else ""
    text = texts.WISH_CARD.format(id=wish.id, community=community.name, description=wish.description,
                                  status=status, who_line=who_line)
    buttons = None
    if wish.status == WishStatus.OPEN:
        buttons = [[(texts.BTN_WISH_CLAIM, CLAIM.data(wish.id))]]
    elif wish.status == WishStatus.CLAIMED:
        buttons = [[(texts.BTN_WISH_DELIVERED, DELIVERED.data(wish.id))]]
    return Outgoing(chat_id, text, buttons=buttons, ref=_ref(wish))


async def may_claim(person: Staff | None) -> bool:
    """A volunteer, or staff when the district file lets staff claim too."""
    if person is None:
        return False
    allowed = await directory.wish_claim_by()
    return ("volunteer" if person.role == Role.VOLUNTEER else "staff") in allowed


async def claim(rt: Runtime, wish_id: int, user_id: int) -> str:
    """The first allowed person to press wins; the claim is one conditional update."""
    person = await directory.staff_for_user(user_id, volunteers=True)
    if not await may_claim(person):
        return texts.WISH_CLAIM_NOT_ALLOWED
    now = rt.clock.now()
    async with in_transaction():
        won = await Wish.filter(id=wish_id, status=WishStatus.OPEN).update(
            status=WishStatus.CLAIMED, claimed_by=user_id, claimed_by_name=person.name[:64], claimed_at=now)
        wish = await Wish.get_or_none(id=wish_id)
        if wish is None:
            return texts.STALE_BUTTON
        if not won:
            return texts.WISH_TAKEN if wish.claimed_by != user_id else texts.WISH_YOURS
        community = await Unit.get(id=wish.community_id)
        messages = [_volunteer_card(wish, await directory.volunteers_chat(), community)]
        chat = await _community_chat(community)
        if chat is not None:
            messages.append(Outgoing(chat, texts.WISH_CLAIMED_NOTE.format(id=wish.id, name=wish.claimed_by_name)))
        messages.append(Outgoing(user_id, texts.WISH_CLAIMED_PRIVATE.format(
            id=wish.id, description=wish.description, community=community.name)))
        await outbox.enqueue(messages, now=now)
    return texts.WISH_CLAIMED_TOAST


async def start_delivery(rt: Runtime, press, wish_id: int) -> str:
    """已送达: the claimer is asked for a photo of the delivery, in the chat they pressed in
    (by name, as a reply they can answer, in a group)."""
    async with in_transaction():
        wish = await Wish.get_or_none(id=wish_id)
        if wish is None or wish.status != WishStatus.CLAIMED:
            return texts.STALE_BUTTON
        if wish.claimed_by != press.user_id:
            return texts.WISH_NOT_YOURS
        in_group = not press.private
        name = wish.claimed_by_name or ""
        prompt = Outgoing(press.chat_id, texts.WISH_ASK_PHOTO.format(name=name, id=wish.id),
                          buttons=outbox.ask_one(press.user_id, name) if in_group and name else None)
        await pending.open_pending(DELIVERY_PHOTO, channel=press.channel, chat_id=press.chat_id,
                                   user_id=press.user_id, now=rt.clock.now(), subject=wish.id,
                                   data={"wish_id": wish.id}, prompt=prompt, remember_prompt=in_group)
    return texts.WISH_ASK_PHOTO_TOAST


async def take_delivery_photo(rt: Runtime, draft: Pending, inbound) -> None:
    await delivered(rt, draft, inbound.photo.file_id)


async def delivery_expired(rt: Runtime, draft: Pending) -> list[Outgoing]:
    return [Outgoing(draft.chat_id, texts.WISH_PHOTO_EXPIRED.format(id=draft.data.get("wish_id", "")))]


async def delivered(rt: Runtime, draft: Pending, photo: str) -> None:
    now = rt.clock.now()
    async with in_transaction():
        await pending.close(draft)
        updated = await Wish.filter(id=draft.data["wish_id"], status=WishStatus.CLAIMED).update(
            status=WishStatus.DELIVERED, delivery_photo=photo, delivered_at=now)
        if not updated:
            return
        wish = await Wish.get(id=draft.data["wish_id"])
        community = await Unit.get(id=wish.community_id)
        messages = [_volunteer_card(wish, await directory.volunteers_chat(), community),
                    Outgoing(draft.chat_id, texts.WISH_DELIVERED_NOTE.format(id=wish.id))]
        chat = await _community_chat(community)
        if chat is not None:
            messages.append(Outgoing(chat, photo=photo, text=texts.WISH_DELIVERED_COMMUNITY.format(
                id=wish.id, name=wish.claimed_by_name, description=wish.description),
                buttons=[[(texts.BTN_WISH_THANK, THANK.data(wish.id))]]))
        await outbox.enqueue(messages, now=now)


async def thank(rt: Runtime, wish_id: int, staff: Staff | None) -> str:
    """致谢: staff of the wish's community, of a unit above it, or the command centre."""
    if staff is None or staff.role == Role.VOLUNTEER:
        return texts.WISH_THANK_NOT_ALLOWED
    now = rt.clock.now()
    async with in_transaction():
        wish = await Wish.get_or_none(id=wish_id)
        if wish is None:
            return texts.STALE_BUTTON
        if not await scope.covers(staff, wish.community_id):
            return texts.WISH_THANK_NOT_ALLOWED
        if not await Wish.filter(id=wish_id, status=WishStatus.DELIVERED).update(
                status=WishStatus.THANKED, thanks=texts.WISH_THANKS_TEXT, thanked_at=now):
            return texts.WISH_ALREADY_THANKED
        community = await Unit.get(id=wish.community_id)
        await outbox.enqueue([Outgoing(wish.claimed_by, texts.WISH_THANKS_PRIVATE.format(
            community=community.name, description=wish.description))], now=now)
    return texts.WISH_THANKED_TOAST


async def remind_unclaimed(rt: Runtime) -> int:
    """Wishes nobody claimed for a week are brought back to their community, once each."""
    now = rt.clock.now()
    cutoff = now - policy().wish_reminder
    reminded = 0
    for wish in await Wish.filter(status=WishStatus.OPEN, created_at__lte=cutoff, reminded_at=None):
        async with in_transaction():
            if not await Wish.filter(id=wish.id, reminded_at=None).update(reminded_at=now):
                continue
            chat = await _community_chat(await Unit.get(id=wish.community_id))
            if chat is not None:
                days = (now - wish.created_at) // dt.timedelta(days=1)
                await outbox.enqueue([Outgoing(chat, texts.WISH_UNCLAIMED.format(
                    id=wish.id, description=wish.description, days=days))], now=now)
            reminded += 1
    if reminded:
        outbox.wake_delivery()
    return reminded


async def listing(staff: Staff, chat_unit: Unit | None) -> str:
    """/wishes: open and fulfilled wishes, per community (no beneficiaries), of the units the
    staff member answers for (the command centre: all); asked in a unit's group chat, only
    that unit's part of them, since the whole chat reads the answer."""
    query = Wish.all().order_by("community_id", "-created_at")
    units = await scope.staff_units(staff)
    if chat_unit is not None:
        under = await scope.units_under(chat_unit.id)
        units = under if units is None else units & under
    if units is not None:
        query = query.filter(community_id__in=sorted(units))
    wishes = await query.limit(50) if units is None or units else []
    if not wishes:
        return texts.WISHES_EMPTY
    names = {u.id: u.name for u in await Unit.filter(id__in={w.community_id for w in wishes})}
    lines = [texts.WISHES_HEADER]
    for w in wishes:
        lines.append(texts.WISHES_ROW.format(id=w.id, community=names[w.community_id], description=w.description,
                                             status=texts.WISH_STATUS[str(w.status)],
                                             who=w.claimed_by_name or ""))
    return "\n".join(lines)
