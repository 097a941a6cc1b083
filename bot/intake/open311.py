"""Requests filed by other systems through Open311 (GeoReport v2), e.g. the 12345 hotline.

A request becomes a ticket through the same path as a resident's report: the description is
classified (or the client names the category as its service_code), the grid is found from
lat/long or from the address (bot/jurisdiction/routing.py), what has no grid or no clear category
waits in triage at the command centre, and `filing.file_ticket` files it with its card and
events in one transaction. Such a ticket has no resident: nobody is told in a private chat,
and the client reads its progress through GET requests.

Clients are rows of `open311_client`: a name, the SHA-256 of its API key and the units it may
read. The key itself is printed once by `gridbot open311-key NAME [--unit CODE …]` and kept
nowhere.

Reading (GET) needs a key too, unless the district's file switches on the public feed:

* a key reads, in full (the description masked by bot/nlp/pii.py), the requests it filed
  itself — what a 12345 hotline needs to follow up its callers — and every ticket of the units
  it was given, and of the units under them: a street's key reads the street's tickets and its
  communities' and grids'; the district's reads everything. A key given no unit reads only what
  it filed;
* with `open311: {public_feed: true}` anyone (and a key, outside its units) reads every ticket
  in the public form: category, status, dates, the responsible unit, the grid's name and a
  location rounded to 0.001° (about 100 m) — never the description, the typed address or the
  resolution's words.

Filing (POST) is limited per key: `posts_per_minute` (default 30) in any 60 seconds, counted on
the client's own tickets in the database inside the transaction that files the next one, with
the client's row locked (FOR UPDATE on PostgreSQL), so several instances share one limit and
two posts racing at the limit cannot both pass. Refused requests (400) file nothing and count
nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import unicodedata
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot import texts
from bot.models import Level, Ticket, Unit
from bot.models_web import Open311Client
from bot.nlp.classify import categories, classify
from bot.runtime import Runtime
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.jurisdiction import routing
from bot.workflow import filing
from bot.jurisdiction.people import Actor
from bot.nlp.textin import clean

SOURCE = "open311"
KEY_PREFIX = "o311_"
# GeoReport v2: "free form text limited to 4,000 characters". Longer is refused before any
# work is done on it, so a megabyte never reaches the classifier.
MAX_DESCRIPTION = 4000
MAX_FIELD = 1000  # address_string, media_url, service_code: longer is no honest value
WINDOW = dt.timedelta(seconds=60)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def new_key(name: str, *, now: dt.datetime, units: list[str] | tuple[str, ...] = ()) -> str:
    """A new API key for the client `name` (created, or its old key and units replaced).
    `units`: codes of the units whose tickets it may read (with those under them)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("a client's name is 1 to 64 characters")
    codes = sorted({c.strip() for c in units if c.strip()})
    known = set(await Unit.filter(code__in=codes, active=True).values_list("code", flat=True)) if codes else set()
    if unknown := [c for c in codes if c not in known]:
        raise ValueError(f"no such unit: {', '.join(unknown)} (codes are those of the jurisdiction file)")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    updated = await Open311Client.filter(name=name).update(key_hash=key_hash(key), active=True, units=codes)
    if not updated:
        await Open311Client.create(name=name, key_hash=key_hash(key), created_at=now, units=codes)
    return key


async def client_for_key(key: str | None) -> Open311Client | None:
    if not key or len(key) > 200:
        return None
    return await Open311Client.get_or_none(key_hash=key_hash(key), active=True)


class BadRequest(ValueError):
    """What the client sent cannot become a ticket; the message says why (in English, for programs)."""


class RateLimited(Exception):
    """The key filed its `posts_per_minute` in the last 60 s; `retry_after`: seconds to wait."""

    def __init__(self, retry_after: int, limit: int) -> None:
        super().__init__(f"at most {limit} requests a minute per api_key: retry after {retry_after} s")
        self.retry_after = retry_after


# --- who reads what ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReadScope:
    """What one reader may read in full: the tickets a client filed, and those of its units
    (and the units under them). `everything`: a key of the district."""

    client_id: int | None
    unit_ids: frozenset[int] = frozenset()
    everything: bool = False

    def query(self) -> Q:
        """The tickets in full view, as a filter (nothing at all for a reader without a key)."""
        if self.everything:
            return Q(id__gte=0)
        q = Q(open311_client_id=self.client_id) if self.client_id is not None else Q(id__lt=0)
        if self.unit_ids:
            q |= Q(unit_id__in=sorted(self.unit_ids)) | Q(grid_id__in=sorted(self.unit_ids))
        return q

    def full(self, ticket: Ticket) -> bool:
        return (self.everything or (self.client_id is not None and ticket.open311_client_id == self.client_id)
                or ticket.unit_id in self.unit_ids or ticket.grid_id in self.unit_ids)


NOBODY = ReadScope(None)


async def read_scope(client: Open311Client) -> ReadScope:
    codes = [c for c in (client.units or []) if isinstance(c, str)]
    if not codes:
        return ReadScope(client.id)
    units = await Unit.all().values_list("id", "parent_id", "code", "level")
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id, _, _ in units:
        children.setdefault(parent_id, []).append(unit_id)
    roots = [(unit_id, level) for unit_id, _, code, level in units if code in codes]
    if any(level == Level.DISTRICT for _, level in roots):
        return ReadScope(client.id, everything=True)
    ids: set[int] = set()
    todo = [unit_id for unit_id, _ in roots]
    while todo:
        unit_id = todo.pop()
        if unit_id not in ids:
            ids.add(unit_id)
            todo += children.get(unit_id, [])
    return ReadScope(client.id, frozenset(ids))


async def public_feed() -> bool:
    return (await directory.open311_settings()).public_feed


def rounded(coordinate: float | None) -> float | None:
    """A coordinate for the public feed: 0.001° is about 111 m north-south, 90 m east-west here."""
    return None if coordinate is None else round(coordinate, 3)


# --- what a client sends ----------------------------------------------------------------------

# Blank-looking letters and symbols (Hangul fillers, the braille blank) besides spaces and Cf.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible(ch: str) -> bool:
    return not ch.isspace() and ch not in _BLANK and unicodedata.category(ch) not in ("Cf", "Mn", "Cc")


def description_of(raw: str) -> str:
    """The description as it is filed: cleaned like chat text (NUL and other control
    characters, lone surrogates dropped). Refused when too long or when nothing visible is left."""
    if len(raw) > MAX_DESCRIPTION * 2:  # before any work on it: a megabyte is refused at once
        raise BadRequest(f"description is limited to {MAX_DESCRIPTION} characters")
    text = clean(raw).strip()
    if len(text) > MAX_DESCRIPTION:
        raise BadRequest(f"description is limited to {MAX_DESCRIPTION} characters")
    if not any(map(_visible, text)):
        raise BadRequest("description is required")
    return text


def field_of(value, name: str) -> str | None:
    """A short text field (service_code, address_string, media_url, api_key): NUL, other
    control characters and lone surrogates are refused, not stored (PostgreSQL refuses NUL)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    if clean(value) != value or "\t" in value or len(value) > MAX_FIELD:
        raise BadRequest(f"{name} holds characters that are not allowed, or is too long")
    return value


def number_of(value, name: str) -> float | None:
    """lat / long: a number (or a string of one); JSON true/false, NaN and infinities are refused."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRequest(f"{name} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a number") from None
    if not math.isfinite(number):
        raise BadRequest(f"{name} must be a number")
    return number


async def _within_limit(rt: Runtime, client: Open311Client) -> None:
    """Raise RateLimited if the key filed its quota in the last minute. Call in the filing
    transaction: the client's row is locked, so concurrent posts of one key count in turn."""
    limit = (await directory.open311_settings()).posts_per_minute
    await Open311Client.filter(id=client.id).select_for_update().first()
    now = rt.clock.now()
    recent = await (Ticket.filter(open311_client_id=client.id, created_at__gt=now - WINDOW)
                    .order_by("created_at").limit(limit).values_list("created_at", flat=True))
    if len(recent) >= limit:
        wait = (recent[0] + WINDOW - now).total_seconds()
        raise RateLimited(max(1, math.ceil(wait)), limit)


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
    description = description_of(req.description or "")
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
        reasons = list(result.shown if result.category == category else result.danger_words)[:6]
    else:
        category, confidence, low = result.category, result.confidence, result.low_confidence
        reasons = list(result.shown)[:6]

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
        await _within_limit(rt, client)
        ticket = await filing.file_ticket(
            rt,
            filing.NewTicket(
                text=text, category=category, confidence=confidence, reasons=reasons,
                urgent=result.urgent, resident=None, anonymous=True, grid=grid,
                location_text=place, lat=req.lat, lon=req.lon, followups=[], photos=[],
                triage_reason=triage_reason, source=SOURCE, open311_client_id=client.id,
            ),
            actor=Actor(SOURCE, None, client.name[:64], None),
            resident_chat=None,
        )
    outbox.wake_delivery()
    return ticket
