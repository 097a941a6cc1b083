"""Open311 GeoReport v2 under /open311/v2/ (JSON; XML is not offered).

  GET  services.json            our categories as services (open to all: it names no one)
  GET  requests.json            tickets: service_request_id, service_code, status (open/closed),
                                start_date/end_date (requested_datetime, at most 90 days, the
                                last 90 days by default), newest first, at most 1000
  GET  requests/{id}.json       one ticket by its number
  POST requests.json            file a request (api_key required): service_code, description,
                                lat/long or address_string, optional media_url

Reading needs an API key (`api_key` in the query, or the header X-Api-Key), unless the
district's file switches on the public feed; what a key reads in full, and what the public feed
shows, is decided in bot/intake/open311.py (`read_scope`). service_request_id is our ticket
number. What leaves is the problem, never the person: no names, no Telegram ids, and the free
text masked by bot/nlp/pii.py (phones, ID numbers, names people give for themselves). Personal
fields a client posts (first_name, last_name, phone, email, device_id, account_id) are ignored
and stored nowhere. Errors follow the spec: a list of {"code", "description"}; a key over its
rate limit gets 429 with Retry-After.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json

from aiohttp import web

from bot import texts
from bot.models import OPEN_STATUSES, Status, Ticket
from bot.nlp import pii
from bot.nlp.classify import categories, label_of
from bot.jurisdiction import directory
from bot.intake import open311 as service
from bot.nlp.textin import clean

PREFIX = "/open311/v2"
MAX_RESULTS = 1000
MAX_SPAN = dt.timedelta(days=90)
CLOSED = [s for s in Status if s not in OPEN_STATUSES]
KEY_HEADER = "X-Api-Key"
YEARS = range(1970, 10_000 - 1)  # dates outside are no date a ticket has, and overflow arithmetic


def add_routes(app: web.Application) -> None:
    app.router.add_get(PREFIX + "/services.{fmt}", services)
    app.router.add_get(PREFIX + "/requests.{fmt}", list_requests)
    app.router.add_post(PREFIX + "/requests.{fmt}", post_request)
    app.router.add_get(PREFIX + "/requests/{id}.{fmt}", one_request)


def _json(data, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(text=json.dumps(data, ensure_ascii=False), status=status, headers=headers,
                        content_type="application/json", charset="utf-8")


def _error(status: int, description: str, headers: dict | None = None) -> web.Response:
    return _json([{"code": status, "description": description}], status, headers)


def _rt(request: web.Request):
    from bot.web.server import server_of

    return server_of(request).rt


def _only_json(request: web.Request) -> web.Response | None:
    if request.match_info["fmt"] != "json":
        return _error(400, "only the json format is offered")
    return None


def _bad_characters(request: web.Request) -> web.Response | None:
    """NUL and other control characters, or lone surrogates, in the path or the query: 400
    (PostgreSQL refuses NUL in a query; nothing honest sends them)."""
    values = [*request.query.keys(), *request.query.values(), *request.match_info.values()]
    if any(clean(v) != v or "\t" in v for v in values):
        return _error(400, "the request holds characters that are not allowed")
    return None


# --- services ---------------------------------------------------------------------------------

async def services(request: web.Request) -> web.Response:
    if (refused := _only_json(request)) is not None:
        return refused
    return _json([{
        "service_code": code, "service_name": label, "description": label, "metadata": False,
        "type": "realtime", "keywords": "", "group": texts.OPEN311_GROUP,
    } for code, label in categories()])


# --- reading requests -------------------------------------------------------------------------

def _when(moment: dt.datetime | None, tz) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


async def as_request(ticket: Ticket, tz, command: str, *, full: bool = True) -> dict:
    """A ticket in GeoReport v2's words, with nothing about the person who reported it.
    `command`: the command centre's name, the agency of what waits in triage. Not `full` (the
    public feed): no description, typed address or resolution words; the location to ~100 m."""
    holder = await _related(ticket.unit)
    grid = await _related(ticket.grid)
    status = "open" if ticket.status in OPEN_STATUSES else "closed"
    if ticket.status == Status.MERGED and ticket.merged_into_id:
        main = await Ticket.get_or_none(id=ticket.merged_into_id)
        notes = texts.OPEN311_MERGED.format(number=main.number if main else "")
    elif full and ticket.status in (Status.RESOLVED, Status.CLOSED) and ticket.resolution_note:
        notes = pii.mask(ticket.resolution_note)
    else:
        notes = texts.STATUS_WORDS.get(str(ticket.status), str(ticket.status))
    agency = holder.name if holder else (command if ticket.status == Status.TRIAGE else "")
    grid_name = grid.name if grid else ""
    return {
        "service_request_id": ticket.number,
        "status": status,
        "status_notes": notes,
        "service_name": label_of(ticket.category),
        "service_code": ticket.category,
        "description": pii.mask(ticket.text) if full else None,
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": _when(ticket.created_at, tz),
        "updated_datetime": _when(ticket.updated_at, tz),
        "expected_datetime": _when(ticket.due_at, tz),
        "address": (pii.mask(ticket.location_text) or grid_name) if full else grid_name,
        "address_id": None,
        "zipcode": None,
        "lat": ticket.lat if full else service.rounded(ticket.lat),
        "long": ticket.lon if full else service.rounded(ticket.lon),
        "media_url": None,
    }


async def _related(value):
    """A relation prefetched (the object, or None) or not (an awaitable query)."""
    return await value if inspect.isawaitable(value) else value


async def _reader(request: web.Request) -> tuple[service.ReadScope, bool] | web.Response:
    """Who reads: the key's scope, and whether the public feed shows the rest (or a refusal)."""
    key = request.headers.get(KEY_HEADER) or request.query.get("api_key")
    scope = service.NOBODY
    if key:
        client = await service.client_for_key(key)
        if client is None:
            return _error(403, "invalid api_key")
        scope = await service.read_scope(client)
    public = await service.public_feed()
    if scope is service.NOBODY and not public:
        return _error(403, "api_key required: reading requests needs a key (gridbot open311-key NAME --unit CODE)")
    return scope, public


def _parse_time(value: str, name: str, tz) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{name} must be a W3C datetime, e.g. 2026-11-23T08:00:00+08:00") from None
    if moment.year not in YEARS:
        raise ValueError(f"{name} is out of range")
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


async def list_requests(request: web.Request) -> web.Response:
    if (refused := _only_json(request) or _bad_characters(request)) is not None:
        return refused
    reader = await _reader(request)
    if isinstance(reader, web.Response):
        return reader
    scope, public = reader
    rt = _rt(request)
    q = request.query
    rows = Ticket.all() if public else Ticket.filter(scope.query())
    if q.get("service_request_id"):  # the spec: other filters are then ignored
        numbers = [n.strip().upper() for n in q["service_request_id"].split(",") if n.strip()][:MAX_RESULTS]
        rows = rows.filter(number__in=numbers)
    else:
        try:
            end = _parse_time(q["end_date"], "end_date", rt.tz) if q.get("end_date") else rt.clock.now()
            start = _parse_time(q["start_date"], "start_date", rt.tz) if q.get("start_date") else end - MAX_SPAN
        except (ValueError, OverflowError) as exc:
            return _error(400, str(exc) if isinstance(exc, ValueError) else "a date is out of range")
        if start > end or end - start > MAX_SPAN:
            return _error(400, "start_date must come before end_date, at most 90 days apart")
        rows = rows.filter(created_at__gte=start, created_at__lte=end)
        if q.get("service_code"):
            rows = rows.filter(category__in=[c.strip() for c in q["service_code"].split(",") if c.strip()])
        if q.get("status"):
            wanted = {s.strip().lower() for s in q["status"].split(",")}
            if not wanted <= {"open", "closed"}:
                return _error(400, "status is open, closed or both")
            statuses = ([*OPEN_STATUSES] if "open" in wanted else []) + (CLOSED if "closed" in wanted else [])
            rows = rows.filter(status__in=statuses)
    found = await rows.order_by("-created_at", "-id").limit(MAX_RESULTS).prefetch_related("unit", "grid")
    command = await _command_name()
    return _json([await as_request(t, rt.tz, command, full=scope.full(t)) for t in found])


async def one_request(request: web.Request) -> web.Response:
    if (refused := _only_json(request) or _bad_characters(request)) is not None:
        return refused
    reader = await _reader(request)
    if isinstance(reader, web.Response):
        return reader
    scope, public = reader
    rt = _rt(request)
    ticket = await Ticket.get_or_none(number=request.match_info["id"].strip().upper()[:32])
    if ticket is None or not (public or scope.full(ticket)):
        return _error(404, "no such service_request_id")
    return _json([await as_request(ticket, rt.tz, await _command_name(), full=scope.full(ticket))])


async def _command_name() -> str:
    unit = await directory.command_unit()
    return unit.name if unit else ""


# --- filing a request -------------------------------------------------------------------------

async def _form(request: web.Request) -> dict:
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise service.BadRequest("the body is not JSON") from None
        if not isinstance(body, dict):
            raise service.BadRequest("the body must be a JSON object")
        # Scalars as sent (a JSON true stays a bool, and is refused where a number is wanted);
        # an object or a list is no value of any field.
        return {k: v if isinstance(v, (str, int, float, bool)) or v is None else [] for k, v in body.items()}
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def post_request(request: web.Request) -> web.Response:
    if (refused := _only_json(request) or _bad_characters(request)) is not None:
        return refused
    rt = _rt(request)
    try:
        form = await _form(request)
        key = service.field_of(form.get("api_key") or request.headers.get(KEY_HEADER) or request.query.get("api_key"),
                               "api_key")
    except service.BadRequest as exc:
        return _error(400, str(exc))
    client = await service.client_for_key(key)
    if client is None:
        return _error(403, "invalid api_key")
    try:
        description = form.get("description")
        if description is not None and not isinstance(description, str):
            raise service.BadRequest("description must be text")
        media = service.field_of(form.get("media_url"), "media_url")
        ticket = await service.file_request(rt, client, service.Request(
            description=description or "",
            service_code=service.field_of(form.get("service_code"), "service_code"),
            lat=service.number_of(form.get("lat"), "lat"), lon=service.number_of(form.get("long"), "long"),
            address=service.field_of(form.get("address_string"), "address_string"),
            media_url=media if media and media.startswith(("http://", "https://")) else None,
        ))
    except service.BadRequest as exc:
        return _error(400, str(exc))
    except service.RateLimited as exc:
        return _error(429, str(exc), {"Retry-After": str(exc.retry_after)})
    return _json([{"service_request_id": ticket.number,
                   "service_notice": texts.OPEN311_SERVICE_NOTICE.format(number=ticket.number),
                   "account_id": None}], 201)
