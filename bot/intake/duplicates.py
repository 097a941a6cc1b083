"""The same problem reported twice: offer the open ticket instead of filing a second one.

An open ticket of the same category in the same grid, filed within a week, and the most alike
by place and problem words is offered; on yes the resident joins it (as a merged report, so
the audit trail and the figures see one case with several reporters).
"""

from __future__ import annotations

import datetime as dt

from bot import texts
from bot.models import OPEN_STATUSES, Attachment, Resident, Status, Ticket
from bot.intake import sql
from bot.nlp import pii
from bot.nlp.classify import label_of
from bot.nlp.similarity import similar
from bot.runtime import Runtime
from bot.workflow import cards
from bot.messaging import outbox
from bot.workflow import tickets
from bot.workflow import filing
from bot.messaging.outbox import Outgoing
from bot.jurisdiction.people import Actor
from bot.jurisdiction.tree import current as tree_of_units

WINDOW = dt.timedelta(days=7)
# Same grid and category already narrow it down; the words only need to overlap a little.
MIN_SIMILARITY = 0.2
CANDIDATES = 20


async def find_open_duplicate(rt: Runtime, data: dict) -> Ticket | None:
    if not data.get("grid_id") or data.get("category") in (None, "other"):
        return None
    since = rt.clock.now() - WINDOW
    candidates = await sql.open_alike(data["grid_id"], data["category"], since=since, limit=CANDIDATES)
    text = "\n".join(data["texts"])
    scored = sorted(((similar(text, row["text"]), row) for row in candidates), key=lambda pair: -pair[0])
    if scored and scored[0][0] >= MIN_SIMILARITY:
        return sql.as_ticket(scored[0][1])
    return None


async def offer_text(rt: Runtime, ticket: Ticket) -> str:
    grid = (await tree_of_units()).units.get(ticket.grid_id) if ticket.grid_id else None
    return texts.DUP_OFFER.format(
        number=ticket.number, category=label_of(ticket.category),
        place=cards.place_of(ticket, grid.name if grid else None),
        # Another resident's words: masked entirely (phones too) before this resident reads them.
        status=texts.STATUS_WORDS[str(ticket.status)], text=cards.shorten(pii.mask(ticket.text), 60),
    )


async def reporters(ticket: Ticket) -> int:
    return 1 + await Ticket.filter(merged_into_id=ticket.id, resident_id__not_isnull=True).count()


async def join(rt: Runtime, main_id: int, resident: Resident, data: dict) -> None:
    """The resident's report becomes a merged report of the open ticket. Call in a transaction."""
    main = await Ticket.get(id=main_id)
    now = rt.clock.now()
    if main.status not in OPEN_STATUSES:  # resolved a moment ago: ask them to send it anew
        await outbox.enqueue([Outgoing(resident.user_id, texts.DUP_GONE.format(number=main.number))], now=now)
        return
    number = await filing.next_number(rt, now)
    joined = await Ticket.create(
        number=number, source="resident", resident=resident, anonymous=bool(data.get("anonymous")),
        text="\n".join(data["texts"])[: rt.limits.max_text_chars], category=main.category,
        confidence=data.get("confidence", 0.0), reasons=data.get("reasons", []), urgent=main.urgent,
        location_text=data.get("location_text"), grid_id=main.grid_id, unit_id=main.unit_id, level=main.level,
        status=Status.MERGED, merged_into_id=main.id, created_at=now, updated_at=now, closed_at=now,
        due_at=main.due_at, yellow_at=main.yellow_at, red_at=main.red_at, subcategory=main.subcategory,
    )
    actor = Actor.of_resident(resident)
    await tickets.event(joined, actor, "merged", None, Status.MERGED, now, note=main.number, data={"into": main.id})
    await tickets.event(main, actor, "merged", main.status, main.status, now, note=number, data={"from": joined.id})
    holder_chat = await cards.holder_chat(main)
    messages = await cards.refresh_card(rt, main)
    for photo in data.get("photos", []):
        await Attachment.create(ticket=joined, kind="report", file_id=photo["file_id"],
                                file_unique_id=photo.get("file_unique_id"), created_at=now)
        if holder_chat is not None:
            messages.append(Outgoing(holder_chat, photo=photo["file_id"], text=main.number,
                                     reply_to_ref=outbox.card_ref(main.id)))
    messages.append(Outgoing(resident.user_id, texts.DUP_JOINED.format(number=main.number,
                                                                       count=await reporters(main))))
    await outbox.enqueue(messages, now=now, ticket=main)
