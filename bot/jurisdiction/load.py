"""Writing a jurisdiction into the database, in one transaction.

Rows are matched by their natural keys (unit code, user id, chat id), so reloading is
idempotent and an edited file updates rows in place — tickets keep pointing at the same unit
ids. The file is the whole truth for units, staff and chat bindings: what it no longer lists is
deactivated (units, staff) or unbound (chats). Units are never deleted, since tickets and their
history point at them.

The district's ticket prefix (YZ in YZ-20261123-0007), who may claim a 微心愿 and its Open311
settings have no columns of their own: they are kept in the district unit's `area` JSON (only
grids, streets and communities use `area` for a polygon), and read through bot/jurisdiction/directory.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from bot.models import ChatBinding, Level, Staff, Unit
from bot.jurisdiction.cache import forget_cached
from bot.jurisdiction.reader import parse_jurisdiction
from bot.jurisdiction.spec import CHANNEL, Jurisdiction, JurisdictionError, Problem, UnitSpec


# ─── writing it into the database ────────────────────────────────────────────────────────────


@dataclass
class Counts:
    """What happened to one kind of row. `total` is how many the file lists."""

    total: int = 0
    created: int = 0
    updated: int = 0
    deactivated: int = 0  # units and staff: set inactive; chat bindings: removed

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deactivated


@dataclass(frozen=True)
class ApplyReport:
    units: Counts
    staff: Counts
    chats: Counts

    @property
    def changed(self) -> bool:
        return bool(self.units.changed or self.staff.changed or self.chats.changed)

    def summary(self) -> str:
        """One line for the admin who just loaded the file."""
        u, s, c = self.units, self.staff, self.chats
        return (f"单位 {u.total} 个（新增 {u.created}，更新 {u.updated}，停用 {u.deactivated}）；"
                f"人员 {s.total} 人（新增 {s.created}，更新 {s.updated}，停用 {s.deactivated}）；"
                f"群 {c.total} 个（新增 {c.created}，更新 {c.updated}，解绑 {c.deactivated}）")


def _changed_fields(row: Any, wanted: dict[str, Any]) -> list[str]:
    """Set the wanted values on the row; return the names of those that differed."""
    changed = [name for name, value in wanted.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, wanted[name])
    return changed


async def _upsert(model: type, existing: dict, key: Any, lookup: dict[str, Any],
                  wanted: dict[str, Any], counts: Counts, conn: Any) -> Any:
    """Create the row or update only what differs, so an unchanged file writes nothing."""
    row = existing.get(key)
    if row is None:
        counts.created += 1
        return await model.create(**lookup, **wanted, using_db=conn)
    changed = _changed_fields(row, wanted)
    if changed:
        counts.updated += 1
        await row.save(update_fields=changed, using_db=conn)
    return row


def _unit_fields(spec: UnitSpec, j: Jurisdiction, ids: dict[str, int]) -> dict[str, Any]:
    if spec.level == Level.DISTRICT:
        area: Any = {"ticket_prefix": j.ticket_prefix, "wish_claim_by": list(j.wish_claim_by), "open311": {
            "public_feed": j.open311.public_feed, "posts_per_minute": j.open311.posts_per_minute},
            "hotlines": dict(j.hotlines)}
    else:
        area = [list(p) for p in spec.area] if spec.area else None
    return {
        "name": spec.name,
        "level": spec.level,
        "parent_id": ids[spec.parent] if spec.parent else None,
        "aliases": list(spec.aliases),
        "lat": spec.lat,
        "lon": spec.lon,
        "area": area,
        "categories": list(spec.categories),
        "active": True,
    }


async def _apply_units(j: Jurisdiction, conn: Any) -> tuple[Counts, dict[str, int]]:
    counts = Counts(total=len(j.units))
    existing = {u.code: u for u in await Unit.all().using_db(conn)}
    ids: dict[str, int] = {}
    for spec in j.units:  # tree order: a parent's id is known before its children need it
        wanted = _unit_fields(spec, j, ids)
        row = await _upsert(Unit, existing, spec.code, {"code": spec.code}, wanted, counts, conn)
        ids[spec.code] = row.id
    for code, row in existing.items():
        if code not in ids and row.active:
            row.active = False
            await row.save(update_fields=["active"], using_db=conn)
            counts.deactivated += 1
    return counts, ids


async def _apply_staff(j: Jurisdiction, ids: dict[str, int], conn: Any) -> Counts:
    counts = Counts(total=len(j.staff))
    existing = {s.user_id: s for s in await Staff.filter(channel=CHANNEL).using_db(conn)}
    for spec in j.staff:
        wanted = {"name": spec.name, "role": spec.role, "unit_id": ids[spec.unit],
                  "is_leader": spec.leader, "phone": spec.phone, "active": True}
        lookup = {"channel": CHANNEL, "user_id": spec.user_id}
        await _upsert(Staff, existing, spec.user_id, lookup, wanted, counts, conn)
    listed = {spec.user_id for spec in j.staff}
    for user_id, row in existing.items():
        if user_id not in listed and row.active:
            row.active = False
            await row.save(update_fields=["active"], using_db=conn)
            counts.deactivated += 1
    return counts


async def _apply_chats(j: Jurisdiction, ids: dict[str, int], conn: Any) -> Counts:
    counts = Counts(total=len(j.chats))
    existing = {c.chat_id: c for c in await ChatBinding.filter(channel=CHANNEL).using_db(conn)}
    for spec in j.chats:
        wanted = {"purpose": spec.purpose, "title": spec.title, "unit_id": ids[spec.unit]}
        lookup = {"channel": CHANNEL, "chat_id": spec.chat_id}
        await _upsert(ChatBinding, existing, spec.chat_id, lookup, wanted, counts, conn)
    listed = {spec.chat_id for spec in j.chats}
    for chat_id, row in existing.items():
        if chat_id not in listed:
            await row.delete(using_db=conn)
            counts.deactivated += 1
    return counts


async def apply_jurisdiction(j: Jurisdiction) -> ApplyReport:
    """Make the database say what the file says, in one transaction: all of it or none of it.

    Rows are matched by unit code, (channel, user id) and (channel, chat id), so loading the
    same file again changes nothing and an edited file updates rows in place (same ids).
    Units and staff the file no longer lists are deactivated; their chat bindings removed.
    """
    async with in_transaction() as conn:
        units, ids = await _apply_units(j, conn)
        staff = await _apply_staff(j, ids, conn)
        chats = await _apply_chats(j, ids, conn)
    forget_cached()
    return ApplyReport(units, staff, chats)


def read_jurisdiction_file(path: str | Path) -> Jurisdiction:
    """Parse a file from disk; an unreadable file is a `JurisdictionError` like any other."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise JurisdictionError(source, [Problem(None, "文件不是 UTF-8 编码，请另存为 UTF-8")]) \
            from None
    except OSError as exc:
        raise JurisdictionError(source, [Problem(None, f"无法读取文件（{exc.strerror}）")]) \
            from None
    return parse_jurisdiction(text, source)


async def load_jurisdiction_file(path: str | Path) -> ApplyReport:
    """Parse, check and apply a file. A bad file raises `JurisdictionError` and changes nothing."""
    return await apply_jurisdiction(read_jurisdiction_file(path))
