"""The staff dashboard: open tickets with filters, one ticket with its history and photos, and
figures per unit. Read-only: every change of a ticket still happens in the chats.

What a person sees is their unit and the units under it (the command centre sees everything):
a ticket shows when the unit holding it, or its grid, is in that part of the tree. A single
ticket also opens when it once passed through their unit, as with /history in the chats.
"""

from __future__ import annotations

import importlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web
from bot.channels.port import DeliveryError, TooLarge

from bot import texts
from bot.models import Attachment, Light, Role, Staff, Status, Ticket, Unit
from bot.nlp import pii
from bot.nlp.classify import categories, label_of
from bot.workflow import cards
from bot.workflow import views
from bot.web import listing
from bot.web import logins
from bot.web import sessions
from bot import timetext
from bot.web.auth import from_own_pages

log = logging.getLogger("gridbot.web")

LIST_LIMIT = 200
STATUS_CHOICES = ("open", "closed", "all", *(str(s) for s in Status))
PERIODS = (("today", "今天"), ("week", "本周"), ("month", "本月"), ("lastmonth", "上月"))
CHILD_COLUMNS = ("受理", "办结", "办结率", "按期办结率", "满意率", "黄灯/红灯", "超期", "在办")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/login/{token}", login_page)
    app.router.add_post("/login", login_post)
    app.router.add_post("/logout", logout)
    app.router.add_get("/tickets", _staff_only(ticket_list))
    app.router.add_get("/tickets/{number}", _staff_only(ticket_page))
    app.router.add_get("/photos/{id:\\d+}", _staff_only(photo))
    app.router.add_get("/figures", _staff_only(figures_page))
    app.router.add_get("/figures/chart.png", _staff_only(chart))


def _server(request: web.Request):
    from bot.web.server import server_of

    return server_of(request)


def _staff_key():
    from bot.web.server import STAFF

    return STAFF


# --- who is asking ---------------------------------------------------------------------------

async def current_staff(request: web.Request) -> Staff | None:
    """The person of this request's session, looked up in the database on every request."""
    server = _server(request)
    return await sessions.staff_for(server.sessions.token(request), now=server.rt.clock.now())


def _staff_only(handler):
    async def guarded(request: web.Request) -> web.StreamResponse:
        staff = await current_staff(request)
        if staff is None:
            return _server(request).render(request, "login_needed.html", status=401, logged_out=False)
        request[_staff_key()] = staff
        return await handler(request, staff)

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


@dataclass
class Scope:
    """The part of the tree a staff member sees: units in tree order with their depth."""

    everything: bool
    units: list[tuple[Unit, int]]
    ids: set[int]
    children: dict[int | None, list[Unit]]

    def subtree(self, unit_id: int) -> set[int]:
        ids, todo = set(), [unit_id]
        while todo:
            current = todo.pop()
            if current in ids:
                continue
            ids.add(current)
            todo.extend(u.id for u in self.children.get(current, []))
        return ids

    def sees(self, ticket: Ticket) -> bool:
        return self.everything or ticket.unit_id in self.ids or ticket.grid_id in self.ids


async def scope_of(staff: Staff) -> Scope:
    units = await Unit.all().order_by("id")
    children: dict[int | None, list[Unit]] = defaultdict(list)
    for unit in units:
        children[unit.parent_id].append(unit)
    everything = staff.role == Role.COMMAND
    roots = children[None] if everything else [u for u in units if u.id == staff.unit_id]
    ordered: list[tuple[Unit, int]] = []
    seen: set[int] = set()

    def walk(unit: Unit, depth: int) -> None:
        if unit.id in seen:  # never loop on bad data
            return
        seen.add(unit.id)
        ordered.append((unit, depth))
        for child in children.get(unit.id, []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return Scope(everything, ordered, seen, children)


async def _visible_ticket(number: str, staff: Staff, scope: Scope) -> Ticket | None:
    ticket = await Ticket.get_or_none(number=number.strip().upper()[:32])
    if ticket is None:
        return None
    if scope.sees(ticket):
        return ticket
    return await views.visible_ticket(ticket.number, staff)


# --- login -----------------------------------------------------------------------------------

async def index(request: web.Request) -> web.StreamResponse:
    if await current_staff(request) is not None:
        raise web.HTTPSeeOther("/tickets")
    return _server(request).render(request, "login_needed.html", logged_out="out" in request.query)


async def login_page(request: web.Request) -> web.StreamResponse:
    """The link from the bot. Opening it uses nothing up (Telegram fetches links to draw
    previews): the page posts the token back at once, and that post logs in."""
    server = _server(request)
    token = request.match_info["token"]
    if not await logins.peek(token, now=server.rt.clock.now()):
        return server.render(request, "login_invalid.html", status=410)
    response = server.render(request, "login.html", token=token)
    response.headers["Cache-Control"] = "no-store"
    return response


async def login_post(request: web.Request) -> web.StreamResponse:
    """The login page posts the token back; only that post (from our own page) logs in."""
    server = _server(request)
    if not from_own_pages(request, server.base_url):
        log.warning("web login refused: a cross-site post")
        return server.render(request, "cross_site.html", status=403)
    form = await request.post()
    token = form.get("token")
    now = server.rt.clock.now()
    staff = await logins.consume(token if isinstance(token, str) else "", now=now)
    if staff is None:
        return server.render(request, "login_invalid.html", status=410)
    response = web.HTTPSeeOther("/tickets")
    server.sessions.set_cookie(response, await sessions.open_session(staff, now=now))
    log.info("web login: staff %s", staff.id)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """退出: the session ends in the database, so a copy of the cookie is worthless too."""
    server = _server(request)
    if not from_own_pages(request, server.base_url):
        return server.render(request, "cross_site.html", status=403)
    await sessions.end(server.sessions.token(request), now=server.rt.clock.now())
    response = web.HTTPSeeOther("/?out=1")
    server.sessions.clear_cookie(response)
    raise response


# --- pages -----------------------------------------------------------------------------------

def _choice(value: str | None, allowed) -> str:
    return value if value in allowed else ""


async def ticket_list(request: web.Request, staff: Staff) -> web.Response:
    """Tickets with filters: unit (and the units under it), category, light and status; a page
    at a time by keyset (bot/web/listing.py: `after` is where the page starts)."""
    server = _server(request)
    scope = await scope_of(staff)
    codes = [code for code, _ in categories()]
    query = request.query
    chosen = {
        "unit": query.get("unit", "") if query.get("unit", "").isdigit() and int(query["unit"]) in scope.ids else "",
        "category": _choice(query.get("category"), codes),
        "light": _choice(query.get("light"), [str(x) for x in Light]),
        "status": _choice(query.get("status"), STATUS_CHOICES) or "open",
    }
    units = None if scope.everything else scope.ids
    if chosen["unit"]:
        under = scope.subtree(int(chosen["unit"]))
        units = under if units is None else under & units
    after = query.get("after", "")[:64]
    found, next_after = await listing.page(units=units, status=chosen["status"], category=chosen["category"],
                                           light=chosen["light"], after=after, limit=LIST_LIMIT)
    tz = server.rt.tz
    items = [{
        "number": t.number,
        "light": str(t.light),
        "urgent": t.urgent,
        "category": label_of(t.category),
        "status": str(t.status),
        "holder": t.unit.name if t.unit else None,
        "place": cards.place_of(t, t.grid.name if t.grid else None),
        "created": timetext.moment(t.created_at, tz),
        "due": timetext.deadline(t.due_at, tz),
        "excerpt": cards.shorten(pii.mask(t.text).replace("\n", " "), 60),
    } for t in found]
    filters = {k: v for k, v in chosen.items() if v}
    following = urlencode({**filters, "after": next_after}) if next_after else None
    return server.render(
        request, "tickets.html", nav="tickets", tickets=items, more=next_after is not None, limit=LIST_LIMIT,
        following=following, first_page=urlencode(filters) if after else None, chosen=chosen, units=scope.units, categories=categories(),
        statuses=[("open", "未办结"), ("closed", "已办结/已关闭"), ("all", "全部")]
                 + [(str(s), texts.STATUS_WORDS.get(str(s), str(s))) for s in Status],
    )


async def ticket_page(request: web.Request, staff: Staff) -> web.Response:
    """One ticket as staff see it: the whole text, the place, the photos and every change."""
    server = _server(request)
    scope = await scope_of(staff)
    ticket = await _visible_ticket(request.match_info["number"], staff, scope)
    if ticket is None:
        return server.render(request, "not_found.html", status=404, number=request.match_info["number"][:32])
    tz = server.rt.tz
    history = (await views.history(ticket, tz)).split("\n")[1:]  # the staff view, less its title
    holder, grid, accepted_by = await ticket.unit, await ticket.grid, await ticket.accepted_by
    photos = await Attachment.filter(ticket_id=ticket.id).order_by("id")
    # Free text as on the cards: the phone only for the unit handling it, no names or ID numbers.
    keep = cards.phones_shown(ticket) and await cards.handles(ticket, staff.unit_id)
    return server.render(
        request, "ticket.html", nav="tickets",
        t=ticket, category=label_of(ticket.category), light=str(ticket.light), state=str(ticket.status),
        holder=holder.name if holder else None, grid=grid.name if grid else None,
        place=cards.place_of(ticket, grid.name if grid else None, keep_phones=keep), who=await cards.reporter_of(ticket),
        text=pii.mask(ticket.text, keep_phones=keep),
        resolution_note=pii.mask(ticket.resolution_note, keep_phones=keep),
        accepted_by=accepted_by.name if accepted_by else None,
        created=timetext.moment(ticket.created_at, tz), due=timetext.deadline(ticket.due_at, tz),
        resolved=timetext.moment(ticket.resolved_at, tz) if ticket.resolved_at else None,
        photos=[{"id": p.id, "kind": p.kind} for p in photos], history=history,
        followups=[{"q": f["q"], "a": pii.mask(f.get("a"), keep_phones=keep)} for f in ticket.followups if f.get("q")],
    )


async def photo(request: web.Request, staff: Staff) -> web.StreamResponse:
    """A ticket's photo, fetched from the channel by the bot: the page never sees a file URL
    (Telegram's carries the bot's token), only /photos/<id>."""
    server = _server(request)
    wanted = int(request.match_info["id"])
    attachment = await Attachment.get_or_none(id=wanted) if wanted < 2**31 else None
    ticket = await Ticket.get_or_none(id=attachment.ticket_id) if attachment else None
    if ticket is None or await _visible_ticket(ticket.number, staff, await scope_of(staff)) is None:
        return web.Response(status=404, text="not found")
    try:
        fetched = await server.sender.fetch_file(attachment.file_id, limit=server.rt.limits.max_photo_bytes)
    except TooLarge:  # never held in memory for a page
        return web.Response(status=413, text="photo too large")
    except DeliveryError as exc:  # the message may quote a URL with the token: log the type only
        log.warning("photo %s could not be fetched: %s", attachment.id, type(exc).__name__)
        return web.Response(status=502, text="photo unavailable")
    content_type = fetched.content_type
    if not content_type.startswith("image/"):
        content_type = "application/octet-stream"
    return web.Response(body=fetched.data, content_type=content_type,
                        headers={"Cache-Control": "private, max-age=3600"})


# --- figures ---------------------------------------------------------------------------------

async def figures_page(request: web.Request, staff: Staff) -> web.Response:
    """受理量, 办结率, 按期办结率, 满意率 … for a unit and each unit under it, read from
    bot/figures/stats.py (the one place the figures are defined), with the 30-day chart of
    bot/figures/charts.py. Both are imported when the page is asked for; without them the
    page says the figures are not available instead of failing."""
    server = _server(request)
    scope = await scope_of(staff)
    unit = _unit_in_scope(request, scope) or staff.unit
    spec = request.query.get("period", "month")[:32] or "month"
    context = {"unit": unit, "units": scope.units, "periods": PERIODS, "spec": spec, "available": False,
               "error": None, "rows": [], "children": [], "columns": CHILD_COLUMNS, "categories": [],
               "period_label": None,
               "chart": _module("bot.figures.charts", "chart_png") is not None}
    stats = _module("bot.figures.stats", "period", "figures_with_children")
    if stats is not None:
        try:
            period = stats.period(spec, server.rt.clock.now(), server.rt.tz)
            own, children = await stats.figures_with_children(unit, period)
            context.update(
                available=True, period_label=period.label, rows=_figure_rows(own),
                children=[(child.name, _child_row(f)) for child, f in children],
                categories=[(label_of(code), n) for code, n in own.top_categories()],
            )
        except ValueError as exc:  # stats.PeriodError: a period it does not understand
            context["error"] = str(exc)[:200]
    return server.render(request, "figures.html", nav="figures", **context)


async def chart(request: web.Request, staff: Staff) -> web.StreamResponse:
    """The unit's last 30 days as a PNG (/chart in the chats draws the same)."""
    server = _server(request)
    charts = _module("bot.figures.charts", "chart_png")
    if charts is None:
        return web.Response(status=404, text="no charts")
    unit = _unit_in_scope(request, await scope_of(staff)) or staff.unit
    png = await charts.chart_png(unit, server.rt.clock.now(), server.rt.tz)
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "private, max-age=300"})


def _unit_in_scope(request: web.Request, scope: Scope) -> Unit | None:
    wanted = request.query.get("unit", "")
    return next((u for u, _ in scope.units if str(u.id) == wanted), None)


def _module(name: str, *needs: str):
    """The module if it is there with what the page needs, else None."""
    try:
        module = importlib.import_module(name)
    except ImportError:
        return None
    return module if all(hasattr(module, n) for n in needs) else None


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _hours(value: float | None) -> str:
    from bot.figures.words import duration  # the same words as /stats: minutes under an hour

    return duration(value)


def _figure_rows(f) -> list[tuple[str, str]]:
    return [
        ("受理量", str(f.received)),
        ("办结（本期受理中）", f"{f.done}（办结率 {_rate(f.closure_rate)}）"),
        ("办结量", str(f.resolved)),
        ("按期办结", f"{f.on_time}（按期办结率 {_rate(f.on_time_rate)}）"),
        ("满意率", f"{_rate(f.satisfaction_rate)}（评价 {f.rated} 件）"),
        ("黄灯 / 红灯", f"{f.yellow} / {f.red}"),
        ("超期", str(f.overdue)),
        ("重新处理", str(f.reopened)),
        ("在办（其中黄灯 / 红灯）", f"{f.open_now}（{f.yellow_now} / {f.red_now}）"),
        ("平均接单用时", _hours(f.avg_accept_hours)),
        ("平均办结用时", _hours(f.avg_resolve_hours)),
    ]


def _child_row(f) -> list[str]:
    return [str(f.received), str(f.resolved), _rate(f.closure_rate), _rate(f.on_time_rate),
            _rate(f.satisfaction_rate), f"{f.yellow}/{f.red}", str(f.overdue), str(f.open_now)]
