"""Requests filed by other systems through Open311 (GeoReport v2), e.g. the 12345 hotline.

A request becomes a ticket through the same path as a resident's report: the description is
classified (or the client names the category as its service_code), the grid is found from
lat/long or from the address (bot/services/routing.py), what has no grid or no clear category
waits in triage at the command centre, and `tickets.file_ticket` files it with its card and
events in one transaction. Such a ticket has no resident: nobody is told in a private chat,
and the client reads its progress through GET requests.

Clients are rows of `open311_client`: a name and the SHA-256 of its API key. The key itself is
printed once by `gridbot open311-key NAME` and kept nowhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from bot import texts
from bot.models import Level, Open311Client, Ticket
from bot.nlp.classify import categories, classify
from bot.runtime import Runtime
from bot.services import outbox, routing, tickets
from bot.services.people import Actor

SOURCE = "open311"
KEY_PREFIX = "o311_"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def new_key(name: str, *, now: dt.datetime) -> str:
    """A new API key for the client `name` (created, or its old key replaced)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("a client's name is 1 to 64 characters")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    updated = await Open311Client.filter(name=name).update(key_hash=key_hash(key), active=True)
    if not updated:
        await Open311Client.create(name=name, key_hash=key_hash(key), created_at=now)
    return key


async def client_for_key(key: str | None) -> Open311Client | None:
    if not key or len(key) > 200:
        return None
    return await Open311Client.get_or_none(key_hash=key_hash(key), active=True)


class BadRequest(ValueError):
    """What the client sent cannot become a ticket; the message says why (in English, for programs)."""


@dataclass(frozen=True)
class Request:
    description: str
    service_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    media_url: str | None = None


async def file_request(rt: Runtime, client: Open311Client, req: Request) -> Ticket:
    """File the request as a ticket (its card goes to the grid's chat, or to triage)."""
    description = (req.description or "").strip()
    if not description:
        raise BadRequest("description is required")
    known = dict(categories())
    if req.service_code is not None and req.service_code not in known:
        raise BadRequest(f"unknown service_code {req.service_code!r}: see services.json")
    if (req.lat is None) != (req.lon is None):
        raise BadRequest("lat and long go together")
    if req.lat is not None and not (-90 <= req.lat <= 90 and -180 <= req.lon <= 180):
        raise BadRequest("lat/long out of range")
    if req.lat is None and not (req.address or "").strip():
        raise BadRequest("a location is required: lat and long, or address_string")

    result = classify(description)
    if req.service_code is not None:  # the client chose the category, as a resident may
        category, confidence, low = req.service_code, 1.0, False
        reasons = list(result.matched)[:6] if result.category == category else []
    else:
        category, confidence, low = result.category, result.confidence, result.low_confidence
        reasons = list(result.matched)[:6]

    grid, place = None, (req.address or "").strip()[:255] or None
    if req.lat is not None:
        grid = await routing.grid_for_location(req.lat, req.lon)
    for text in (req.address, description):
        if grid is not None or not text:
            continue
        match = await routing.grid_for_text(text)
        if match is not None:
            unit, name = match
            place = place or name
            if unit.level == Level.GRID:
                grid = unit

    triage_reason = None
    if category == "other" or low:
        triage_reason = texts.TRIAGE_LOW_CONFIDENCE
    elif grid is None:
        triage_reason = texts.TRIAGE_NO_GRID
    if result.urgent and grid is not None:
        triage_reason = None  # danger goes straight to the grid, as with a resident's report

    text = description
    if req.media_url:
        text += "\n" + texts.OPEN311_MEDIA_LINE.format(url=req.media_url[:500])
    async with in_transaction():
        ticket = await tickets.file_ticket(
            rt,
            tickets.NewTicket(
                text=text, category=category, confidence=confidence, reasons=reasons,
                urgent=result.urgent, resident=None, anonymous=True, grid=grid,
                location_text=place, lat=req.lat, lon=req.lon, followups=[], photos=[],
                triage_reason=triage_reason, source=SOURCE,
            ),
            actor=Actor(SOURCE, None, client.name[:64], None),
            resident_chat=None,
        )
    outbox.wake_delivery()
    return ticket
