"""A resident's report, from the first message to the filed ticket.

The draft lives in the database (Pending, kind "report"): text, photos and a location may come
in any order over several messages, and a restart in the middle loses nothing. Each reply to
the resident is queued in the outbox in the same transaction as the draft change.

Buttons carry the draft's id and version; a press on an older message (the draft has moved
on, or was submitted) is refused as stale instead of acting on what the resident no longer sees.
And the resident should not see them: the question last asked with buttons is remembered
(data["prompt"]), and when the draft moves past it, or ends, its buttons are taken away.

What each message is to the report (the problem, the follow-up's answer, the place, small talk)
is bot/intake/reading.py; the place questions bot/intake/place.py; the summary to confirm
bot/intake/summary.py; the buttons bot/intake/buttons.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot import channels
from bot import texts
from bot.channels.port import Inbound
from bot.handlers import pending, which
from bot.handlers.pending import PendingKind
from bot.intake import after_fix as after_fix_words
from bot.intake import buttons, duplicates, emergency, place, reading, summary
from bot.jurisdiction import routing
from bot.jurisdiction.people import Actor, resident_for
from bot.messaging import outbox
from bot.messaging.outbox import Outgoing
from bot.models import Level, MessageRef, Pending, Resident, Unit
from bot.nlp import followups, smalltalk
from bot.nlp.classify import categories, classify
from bot.runtime import Runtime
from bot.workflow import filing, tickets

DRAFT_ACTIONS = buttons.DRAFT_ACTIONS

# A report waits three days for its next words; then the resident is told it was not filed.
REPORT = PendingKind("report", dt.timedelta(days=3))
# Where a draft's questions with buttons are remembered (MessageRef.ref "draft:<id>:<version>").
PROMPT_PREFIX = "draft:"


@dataclass(frozen=True)
class Who:
    """The person writing, as the channel tells us."""

    user_id: int
    chat_id: int
    display_name: str
    username: str | None = None
    channel: str = channels.DEFAULT
    in_group: bool = False

    @classmethod
    def of(cls, inbound) -> Who:
        return cls(inbound.user_id, inbound.chat_id, inbound.display_name, inbound.username,
                   inbound.channel, not inbound.private)


def _fresh(**extra) -> dict:
    return {"v": 1, "texts": [], "photos": [], "location": None, "followup": None, **extra}


# --- incoming content ----------------------------------------------------------------------

async def new_report(rt: Runtime, inbound: Inbound, *, after_fix: bool = True) -> None:
    """A private message no question waits for: the first words (or photo, or place) of a
    report — or a greeting, a thank-you, "我要投诉": answered, and nothing kept to glue the
    real complaint to — or words about a ticket just fixed (bot/intake/after_fix.py), asked
    about first unless `after_fix` is off (the resident said it is another matter)."""
    if not inbound.content:
        await _say_plain(rt, inbound.chat_id, texts.EMPTY_TEXT)
        return
    talk = smalltalk.read(inbound.text) if inbound.content == {"text"} else None
    if talk is not None and talk != smalltalk.INTENT:
        if not inbound.quiet:
            await _say_plain(rt, inbound.chat_id, texts.SMALLTALK_REPLY[talk])
        return
    if after_fix and await after_fix_words.offer(rt, inbound):
        return
    who = Who.of(inbound)
    draft = await pending.create_once(REPORT, channel=who.channel, chat_id=who.chat_id, user_id=who.user_id,
                                      now=rt.clock.now(), step="new", data=_fresh())
    await take(rt, draft, inbound)


async def take(rt: Runtime, draft: Pending, inbound: Inbound) -> None:
    """The next message of a report in progress (the router found the draft and locked it)."""
    who = Who.of(inbound)
    await routing.place_names_ready()  # the district's place names, for reading the words below
    if inbound.photo is not None:
        await _photo(rt, who, draft, inbound.photo.file_id, inbound.photo.file_unique_id, inbound.text)
    elif inbound.location is not None:
        await _location(rt, who, draft, *inbound.location)
    else:
        await _text(rt, who, draft, inbound.text or "", quiet=inbound.quiet)


async def _text(rt: Runtime, who: Who, draft: Pending, text: str, *, quiet: bool) -> None:
    text = text.strip()
    if not text:
        await _say(rt, who, texts.EMPTY_TEXT, draft=draft)
        return
    data = draft.data
    if not _fits(rt, data, text):
        await _full(rt, who, draft, quiet=quiet)
        return
    what = reading.read(data, text)
    if what == reading.SMALLTALK:
        await _small_talk(rt, who, draft, text, quiet=quiet)
        return
    if what == reading.FOLLOWUP:
        data["followup"]["a"] = text
    elif what == reading.SKIP:
        data["followup"]["a"] = None
    elif what == reading.DONT_KNOW:
        place.cannot_say(data)
    elif what == reading.PLACE:
        await place.take_place(data, text)
        if data.get("awaiting") == "what":
            data["place_noted"] = True
    else:
        data["texts"].append(text)
        _classify(data)
        if data.get("awaiting") in reading.PLACE_STEPS and not data.get("urgent"):
            # More about the problem while "where?" waits: kept, and the place still asked
            # by the menu above (its buttons stay good), not by a second menu.
            await _save(rt, draft)
            if not quiet:
                await _say(rt, who, texts.NOTED + texts.STEP_NUDGE[data["awaiting"]], draft=draft)
            return
    if quiet:
        await _save(rt, draft)
        return
    await _advance(rt, who, draft)


async def _small_talk(rt: Runtime, who: Who, draft: Pending, text: str, *, quiet: bool) -> None:
    """你好 or 谢谢 while a report waits: a word back and a pointer to what is asked, nothing
    kept, no menu sent again (the one above still works)."""
    await _save(rt, draft)
    if quiet:
        return
    kind, step = smalltalk.read(text), draft.data.get("awaiting")
    if step == "what" or (kind == smalltalk.INTENT and not _problem_named(draft.data)):
        await _ask_what(rt, who, draft)  # "我要投诉": then what is it?
        return
    nudge = texts.STEP_NUDGE.get(step or "collecting", texts.NEED_TEXT)
    await _say(rt, who, texts.SMALLTALK_PREFIX.get(kind, "") + nudge, draft=draft)


async def _photo(rt: Runtime, who: Who, draft: Pending, file_id: str, file_unique_id: str | None,
                 caption: str | None) -> None:
    data = draft.data
    if len(data["photos"]) >= rt.limits.max_photos:
        await _say(rt, who, texts.TOO_MANY_PHOTOS.format(max=rt.limits.max_photos))
        return
    data["photos"].append({"file_id": file_id, "file_unique_id": file_unique_id})
    caption = (caption or "").strip()
    if caption and smalltalk.read(caption) is not None:
        caption = ""  # "你看", "谢谢" under a photo say nothing about the problem
    if caption and not _fits(rt, data, caption):
        await _full(rt, who, draft)  # the photo is kept, its caption refused
        return
    if caption:
        data["texts"].append(caption)
        _classify(data)
        await _advance(rt, who, draft)
        return
    await _save(rt, draft)
    if not data["texts"]:
        await _say(rt, who, texts.GOT_PHOTO_NEED_TEXT, draft=draft)
    else:
        await _say(rt, who, texts.GOT_PHOTO.format(count=len(data["photos"])), draft=draft)


async def _location(rt: Runtime, who: Who, draft: Pending, lat: float, lon: float) -> None:
    data = draft.data
    data["location"] = {"lat": lat, "lon": lon}
    grid = await routing.grid_for_location(lat, lon)
    if grid is not None:
        data["grid_id"], data["grid_source"] = grid.id, place.LOCATION
        data["community_id"] = grid.parent_id
    if not data["texts"]:
        await _save(rt, draft)
        await _say(rt, who, texts.GOT_LOCATION_NEED_TEXT, draft=draft)
        return
    await _advance(rt, who, draft)


async def expired(rt: Runtime, draft: Pending) -> list[Outgoing]:
    """Three days without the next word: the report is not filed, and the resident is told."""
    if not draft.data.get("texts") and not draft.data.get("photos"):
        return _retired(draft)
    return [*_retired(draft), Outgoing(draft.chat_id, texts.REPORT_EXPIRED)]


async def start_patrol(rt: Runtime, who: Who, staff) -> None:
    """巡查上报: a worker files what they found on patrol; it enters the same flow, marked as
    found by patrol, in their own grid unless they say otherwise."""
    now = rt.clock.now()
    unit = await Unit.get(id=staff.unit_id)
    data = {**_fresh(source="patrol", staff_id=staff.id, name=staff.name), "followup": {}}  # no follow-up question
    if unit.level == Level.GRID:
        data.update(grid_id=unit.id, grid_source=place.PATROL)
    draft = await pending.open_pending(REPORT, channel=who.channel, chat_id=who.chat_id, user_id=who.user_id,
                                       now=now, step="new", data=data)
    await _say(rt, who, texts.PATROL_START, draft=draft)


# --- buttons -------------------------------------------------------------------------------

async def on_button(rt: Runtime, who: Who, action: str, draft_id: int, version: int, arg: str | None) -> str | None:
    """Handle a press on a draft's button; returns a short toast for the resident, if any."""
    async with in_transaction():
        draft = await pending.held(draft_id, chat_id=who.chat_id, user_id=who.user_id, kind=REPORT)
        if draft is None:
            return texts.ALREADY_SUBMITTED if action == "ok" else texts.STALE_BUTTON
        if draft.data.get("v") != version:
            return texts.STALE_BUTTON
        data = draft.data
        if action == "ok":
            if not _problem_named(data):  # never filed without a problem, whatever was pressed
                await _advance(rt, who, draft)
                return None
            await _submit(rt, who, draft)
            return None
        if action == "no":
            await pending.close(draft)
            await _send(rt, [*_retired(draft), Outgoing(who.chat_id, texts.CANCELLED)])
            return None
        if action == "skip":
            data["followup"]["a"] = None
            data["awaiting"] = None
        elif action == "more":
            data["awaiting"] = "more"
            await _save(rt, draft, bump=True)
            await _say(rt, who, texts.ASK_MORE, draft=draft)
            return None
        elif action == "anon":
            data["anonymous"] = not data.get("anonymous", False)
        elif action == "cat":
            await _ask(rt, who, draft, texts.PICK_CATEGORY, buttons.category_buttons)
            return None
        elif action == "setcat" and str(arg) in dict(categories()):
            data.update(category=arg, category_manual=True, confidence=1.0, low_confidence=False)
        elif action == "comm" and arg is not None:
            community = await Unit.get_or_none(id=int(arg), level=Level.COMMUNITY, active=True)
            if community is None:
                return texts.STALE_BUTTON
            await place.pick_community(data, community)
        elif action == "grid" and arg is not None:
            grid = await Unit.get_or_none(id=int(arg), level=Level.GRID, active=True)
            if grid is None:
                return texts.STALE_BUTTON
            data["grid_id"], data["grid_source"] = grid.id, place.PICKED
        elif action == "tocomm" and data.get("community_id"):
            place.cannot_say(data)
        elif action == "dupyes" and data.get("duplicate_of"):
            await pending.close(draft)
            await _send(rt, _retired(draft))
            await duplicates.join(rt, data["duplicate_of"], await _resident(rt, who), data)
            return None
        elif action == "dupno":
            data["awaiting"] = None
        elif action == "noplace":
            data["community_id"] = None
            place.cannot_say(data)
        else:
            return texts.STALE_BUTTON
        await _advance(rt, who, draft)
        return None


# --- the steps -----------------------------------------------------------------------------

async def _advance(rt: Runtime, who: Who, draft: Pending) -> None:
    """Ask the next thing the report still needs — what is wrong, the follow-up question, the
    place, "is it the same as this one?" — or show the summary to confirm."""
    data = draft.data
    data["awaiting"] = None if data.get("awaiting") in ("followup", "more", "what") else data.get("awaiting")
    if not data["texts"] and not data.get("asked_what"):
        await _save(rt, draft)
        await _say(rt, who, texts.NEED_TEXT, draft=draft)
        return
    if not _problem_named(data):
        await _ask_what(rt, who, draft)
        return
    if not place.settled(data):
        await place.find_in_words(data)
    if data.get("urgent"):
        # Danger first: file at once, no questions, and tell them whom to call.
        await _say(rt, who, await emergency.advice("\n".join(data["texts"])))
        await _submit(rt, who, draft)
        return
    if data.get("followup") is None:
        left = followups.parts_left(data["category"], _said(data))
        if left:
            data["followup"] = {"q": "".join(p.ask for p in left), "a": None,
                                "slots": sorted({s for p in left for s in p.slots}),
                                "about_place": any(p.about_place for p in left)}
            data["awaiting"] = "followup"
            await _ask(rt, who, draft, texts.FOLLOWUP_PROMPT.format(question=data["followup"]["q"]),
                       buttons.skip_button)
            return
        data["followup"] = {}
    if not place.settled(data):
        _bump(draft)  # the place menu's buttons carry the new version
        question = await place.ask(draft)
        if question is not None:
            await _ask(rt, who, draft, question[0], lambda _: question[1], bump=False)
            return
    if "duplicate_of" not in data and data.get("source") != "patrol":
        same = await duplicates.find_open_duplicate(rt, data)
        data["duplicate_of"] = same.id if same else None
        if same is not None:
            data["awaiting"] = "duplicate"
            await _ask(rt, who, draft, await duplicates.offer_text(rt, same), buttons.duplicate_buttons)
            return
    data["awaiting"] = "confirm"
    await _ask(rt, who, draft, await summary.text(rt, draft), buttons.summary_buttons)


async def _ask_what(rt: Runtime, who: Who, draft: Pending) -> None:
    """The report does not say what is wrong yet ("有问题", "楼下那家店"): ask that first, in
    other words the second time, and say where it is noted if a place was given."""
    data = draft.data
    asked = int(data.get("asked_what", 0))
    if data.pop("place_noted", False):
        question = texts.ASK_WHAT_PLACE_NOTED.format(place=data.get("location_text") or "")
    else:
        question = texts.ASK_WHAT if asked == 0 else texts.ASK_WHAT_AGAIN
    data["asked_what"] = asked + 1
    data["awaiting"] = "what"
    await _save(rt, draft, bump=True)
    await _say(rt, who, question, draft=draft)


def _problem_named(data: dict) -> bool:
    return bool(data["texts"]) and smalltalk.names_a_problem("\n".join(data["texts"]))


def _said(data: dict) -> str:
    """Everything the resident wrote about the problem and where: what a follow-up question
    may already be answered by."""
    return "\n".join([*data["texts"], *data.get("places", [])])


async def _submit(rt: Runtime, who: Who, draft: Pending) -> None:
    # Deleting the draft is the claim: a second press (or a second instance) finds nothing.
    if not await pending.close(draft):
        await _say(rt, who, texts.ALREADY_SUBMITTED)
        return
    data = draft.data
    patrol = data.get("source") == "patrol"
    resident = None if patrol else await _resident(rt, who)
    grid, community = await place.holders(data)
    triage_reason = None
    if summary.goes_to_triage(data, grid, community):
        no_place = grid is None and community is None
        low = data["category"] == "other" or data.get("low_confidence")
        triage_reason = texts.TRIAGE_NO_GRID if no_place and not low else texts.TRIAGE_LOW_CONFIDENCE
    await filing.file_ticket(
        rt,
        filing.NewTicket(
            text="\n".join(data["texts"]),
            category=data["category"],
            confidence=data.get("confidence", 0.0),
            reasons=data.get("reasons", []),
            urgent=bool(data.get("urgent")),
            resident=resident,
            anonymous=bool(data.get("anonymous")) or patrol,
            grid=grid,
            unit=community,
            location_text=data.get("location_text"),
            lat=(data.get("location") or {}).get("lat"),
            lon=(data.get("location") or {}).get("lon"),
            followups=summary.followups_filed(data),
            photos=data["photos"],
            triage_reason=triage_reason,
            source="patrol" if patrol else "resident",
        ),
        actor=await _patrol_actor(data) if patrol else Actor.of_resident(resident),
        resident_chat=who.chat_id,
        before=_retired(draft),
    )


async def _patrol_actor(data: dict) -> Actor:
    from bot.models import Staff

    staff = await Staff.get_or_none(id=data.get("staff_id"))
    return Actor.of_staff(staff) if staff else Actor("staff")


def _fits(rt: Runtime, data: dict, text: str) -> bool:
    """Whether the report, with this text added, stays within `Limits.max_text_chars` (what a
    ticket keeps whole). Past it the text is refused, never cut short silently."""
    followup = (data.get("followup") or {}).get("a") or ""
    return len("\n".join([*data["texts"], text])) + len(followup) <= rt.limits.max_text_chars


async def _full(rt: Runtime, who: Who, draft: Pending, *, quiet: bool = False) -> None:
    """The report is long enough: say so, keeping everything taken so far. In a flood, once."""
    if quiet and draft.data.get("full_told"):
        return
    draft.data["full_told"] = True
    await _save(rt, draft)
    await _say(rt, who, texts.DRAFT_FULL.format(limit=rt.limits.max_text_chars), draft=draft)


def _classify(data: dict) -> None:
    """Classify everything the resident has written so far; a category they chose stays."""
    result = classify("\n".join(data["texts"]))
    data["urgent"] = data.get("urgent", False) or result.urgent
    if data.get("category_manual"):
        return
    data.update(
        category=result.category,
        confidence=round(result.confidence, 3),
        reasons=list(result.shown)[:6],
        low_confidence=result.low_confidence,
    )


# --- storage -------------------------------------------------------------------------------

async def _save(rt: Runtime, draft: Pending, *, bump: bool = False) -> None:
    """A step taken: the buttons of older messages go stale (`bump`) and are taken away, and
    the report waits afresh for the resident's next word."""
    if bump:
        _bump(draft)
    shown = draft.data.get("prompt")
    stale = _retired(draft) if shown and shown.get("v") != draft.data.get("v") else []
    draft.step = draft.data.get("awaiting") or "collecting"
    await pending.touch(draft, rt.clock.now(), REPORT)
    await _send(rt, stale)


async def _ask(rt: Runtime, who: Who, draft: Pending, text: str, buttons_for, *, bump: bool = True) -> None:
    """A question with buttons (made by `buttons_for(draft)`, after the bump, so they carry the
    new version). It replaces the one asked before, whose buttons are taken away; its own go
    when the draft moves on or ends."""
    if bump:
        _bump(draft)
    stale = _retired(draft)
    ref = f"{PROMPT_PREFIX}{draft.id}:{draft.data['v']}"
    draft.data["prompt"] = {"ref": ref, "text": text, "v": draft.data["v"]}
    await _save(rt, draft)
    await _send(rt, [*stale, Outgoing(who.chat_id, text, buttons=buttons_for(draft), ref=ref)])


def _retired(draft: Pending) -> list[Outgoing]:
    """The last question asked with buttons, edited to the same words without them (forgotten
    by the draft; nothing is sent if it never reached the chat)."""
    shown = draft.data.pop("prompt", None)
    return [outbox.edit_only(draft.chat_id, shown["ref"], shown["text"])] if shown else []


async def forget_old_prompts(rt: Runtime) -> int:
    """Where a resident's short-lived questions landed (a draft's, the after-fix and "is this the
    answer?" questions, the rating asked at 办结), once nothing can still be waiting on them (a
    draft lives three days, a rating three; a week leaves room for an edit held up by an outage)."""
    before = rt.clock.now() - 7 * REPORT.wait / 3
    prefixes = (PROMPT_PREFIX, after_fix_words.PROMPT_PREFIX, which.PROMPT_PREFIX, tickets.RATING_PREFIX)
    short_lived = Q(*[Q(ref__startswith=prefix) for prefix in prefixes], join_type="OR")
    return await MessageRef.filter(short_lived, updated_at__lt=before).delete()


async def _send(rt: Runtime, messages: list[Outgoing]) -> None:
    if messages:
        await outbox.enqueue(messages, now=rt.clock.now())


def _bump(draft: Pending) -> None:
    draft.data["v"] = draft.data.get("v", 0) + 1


async def _resident(rt: Runtime, who: Who) -> Resident:
    return await resident_for(who.user_id, display_name=who.display_name, username=who.username,
                              now=rt.clock.now(), channel=who.channel)


async def _say(rt: Runtime, who: Who, text: str, buttons=None, *, draft: Pending | None = None) -> None:
    """A reply in the report's chat. In a group (a worker's patrol report) a question without
    buttons is put to the worker by name, as a reply they can answer under privacy mode."""
    if who.in_group and draft is not None and buttons is None:
        name = draft.data.get("name") or who.display_name
        prompt = Outgoing(who.chat_id, texts.ASKED_BY_NAME.format(name=name, question=text),
                          buttons=outbox.ask_one(who.user_id, name))
        await pending.ask_again(draft, prompt, now=rt.clock.now(), remember=True)
        return
    await outbox.enqueue([Outgoing(who.chat_id, text, buttons=buttons)], now=rt.clock.now())


async def _say_plain(rt: Runtime, chat_id: int, text: str) -> None:
    await outbox.enqueue([Outgoing(chat_id, text)], now=rt.clock.now())


async def cancel(rt: Runtime, inbound: Inbound) -> None:
    """/cancel: whatever the bot was waiting for from this person in this chat."""
    rows = await pending.of_person(inbound.channel, inbound.chat_id, inbound.user_id)
    retired = []
    for row in rows:
        await pending.close(row)
        if row.kind == REPORT.name and isinstance(row.data, dict):
            retired += _retired(row)
    await _send(rt, [*retired, Outgoing(inbound.chat_id, texts.CANCELLED if rows else texts.NOTHING_TO_CANCEL)])
