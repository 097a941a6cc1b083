"""The demo's people and chats: who is in the district, which group chats they write in, and
the places the page offers, read from the jurisdiction in the database (the sample district's,
or the file `gridbot demo --jurisdiction` loaded); only the residents are invented here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Invented residents of the sample district (their private chats are with the bot).
DEMO_RESIDENTS: tuple[tuple[int, str], ...] = ((5550001, "王秀兰"), (5550002, "李建华"), (5550003, "陈美玲"))

# The place the 井盖 example names in the sample district: the guide sends the visitor to that
# grid's worker. Another district's file: its first staffed grid (_guide_grid).
GUIDE_PLACE = "南海街1号院"

ROLE_LABELS = {
    "resident": "居民",
    "worker": "网格员",
    "community": "社区工作人员",
    "street": "街道工作人员",
    "command": "区指挥中心",
    "department": "职能部门",
    "volunteer": "志愿者",
}


@dataclass
class Person:
    id: int
    name: str
    kind: str  # resident | staff
    role: str
    role_label: str
    unit: str | None = None
    unit_id: int | None = None
    unit_level: str | None = None
    chat_id: int | None = None  # the unit's group chat
    leader: bool = False


@dataclass
class ChatInfo:
    id: int
    title: str
    kind: str  # district | street | community | grid | department | volunteers
    unit: str
    unit_id: int
    parent: str | None = None
    members: list[int] = field(default_factory=list)
    order: int = 0


@dataclass
class Place:
    name: str
    lat: float
    lon: float
    note: str = ""


@dataclass
class Directory:
    """The jurisdiction as the page needs it: who, which chats, which places."""

    district: str = ""
    people: list[Person] = field(default_factory=list)
    chats: list[ChatInfo] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    guide_worker: int | None = None
    guide_resident: int | None = None
    guide_staff: int | None = None  # community staff above the guide's grid: /stats, /export, /web
    guide_place: str | None = None  # a place residents name, in the guide worker's grid

    def person(self, user_id: int) -> Person | None:
        return next((p for p in self.people if p.id == user_id), None)

    def chat(self, chat_id: int) -> ChatInfo | None:
        return next((c for c in self.chats if c.id == chat_id), None)


async def load_directory(residents: tuple[tuple[int, str], ...] = DEMO_RESIDENTS) -> Directory:
    """Read units, staff and chat bindings (the database must be open in this context)."""
    from bot.models import ChatBinding, Level, Staff, Unit

    units = {unit.id: unit for unit in await Unit.filter(active=True).order_by("id")}
    children: dict[int | None, list[Any]] = {}
    for unit in units.values():
        children.setdefault(unit.parent_id if unit.parent_id in units else None, []).append(unit)

    # Tree order: district, then each street with its communities and their grids; then departments.
    ordered: list[Any] = []

    def walk(unit: Any) -> None:
        ordered.append(unit)
        kids = children.get(unit.id, [])
        for kid in sorted((k for k in kids if k.level != Level.DEPARTMENT), key=lambda u: u.id):
            walk(kid)

    roots = sorted(children.get(None, []), key=lambda u: u.id)
    for root in roots:
        walk(root)
    ordered += sorted((u for u in units.values() if u.level == Level.DEPARTMENT), key=lambda u: u.id)
    rank = {unit.id: i for i, unit in enumerate(ordered)}

    district = next((u for u in ordered if u.level == Level.DISTRICT), None)
    directory = Directory(district=district.name if district else "")
    staff = await Staff.filter(active=True, unit_id__in=list(units)).order_by("id")
    bindings = await ChatBinding.filter(unit_id__in=list(units)).order_by("id")
    unit_chat = {b.unit_id: b.chat_id for b in bindings if b.purpose == "unit"}

    taken = {s.user_id for s in staff}  # a district's own file may use any ids
    for user_id, name in residents:
        if user_id in taken:
            continue
        directory.people.append(Person(user_id, name, "resident", "resident", ROLE_LABELS["resident"]))
    for person in sorted(staff, key=lambda s: (_role_rank(str(s.role)), rank.get(s.unit_id, 0), s.id)):
        unit = units[person.unit_id]
        directory.people.append(Person(
            person.user_id, person.name, "staff", str(person.role), ROLE_LABELS.get(str(person.role), ""),
            unit.name, unit.id, str(unit.level), unit_chat.get(unit.id), bool(person.is_leader),
        ))

    for binding in bindings:
        unit = units[binding.unit_id]
        volunteers = binding.purpose == "volunteers"
        kind = "volunteers" if volunteers else str(unit.level)
        parent = units.get(unit.parent_id) if unit.parent_id else None
        if volunteers:  # the volunteers' chat is theirs; a unit's chat is its staff's
            members = [s.user_id for s in staff if str(s.role) == "volunteer"]
        else:
            members = [s.user_id for s in staff if s.unit_id == unit.id and str(s.role) != "volunteer"]
        title = binding.title or unit.name
        directory.chats.append(ChatInfo(
            binding.chat_id, title, kind, unit.name, unit.id, parent.name if parent else None, members,
            10_000 if volunteers else rank.get(unit.id, 0),
        ))
    directory.chats.sort(key=lambda c: c.order)

    grids = [u for u in ordered if u.level == Level.GRID and u.lat is not None and u.lon is not None]
    for unit in grids:
        directory.places.append(Place(unit.name, unit.lat, unit.lon, "、".join((unit.aliases or [])[:3])))
    directory.guide_place, directory.guide_worker = _guide_grid(grids, staff)
    if directory.guide_worker is None:
        directory.guide_worker = next((p.id for p in directory.people if p.role == "worker"), None)
    directory.guide_staff = _guide_staff(directory, units)
    directory.guide_resident = next((p.id for p in directory.people if p.kind == "resident"), None)
    return directory


def _guide_grid(grids: list[Any], staff: list[Any]) -> tuple[str | None, int | None]:
    """The place the 井盖 example names and the worker whose grid it is: the sample's 南海街1号院
    and 张丽, or in a district's own file the first grid with a worker, by the name residents
    use for it (its first alias; the gazetteer knows both)."""
    def worker_of(unit: Any) -> int | None:
        return next((s.user_id for s in staff if s.unit_id == unit.id and str(s.role) == "worker"), None)

    staffed = [u for u in grids if worker_of(u) is not None]
    sample = next((u for u in staffed if GUIDE_PLACE in (u.aliases or [])), None)
    if sample is not None:
        return GUIDE_PLACE, worker_of(sample)
    grid = (staffed or grids or [None])[0]
    if grid is None:
        return None, None
    return ((grid.aliases or [grid.name])[0]), worker_of(grid)


def _role_rank(role: str) -> int:
    order = ["worker", "community", "street", "command", "department", "volunteer"]
    return order.index(role) if role in order else len(order)


def _guide_staff(directory: Directory, units: dict[int, Any]) -> int | None:
    """Who shows the figures: staff of the guide worker's community (they may /export), else
    the first community, street or command-centre member."""
    worker = directory.person(directory.guide_worker) if directory.guide_worker else None
    grid = units.get(worker.unit_id) if worker and worker.unit_id else None
    above = grid.parent_id if grid is not None else None
    own = next((p.id for p in directory.people if p.role == "community" and p.unit_id == above), None)
    return own or next((p.id for p in directory.people if p.role in ("community", "street", "command")), None)
