"""The jurisdiction as one tree, loaded once and kept for a minute: every unit, who is above
whom, and each unit's own chat.

The district is small (tens to hundreds of units), so the whole tree is read in two queries
and shared by everything that walks it: the figures (which units a ticket counts for), the
sweep (who holds a ticket, whose chat hears, who is above), the ladder (who may reject, who
is above a holder). It is forgotten with the rest of the jurisdiction's answers when a file is
loaded (`cache.forget_cached`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.jurisdiction import cache, spec
from bot.models import ChatBinding, Level, Unit


class UnitTree:
    def __init__(self, units: Sequence[Unit], chats: dict[int, int] | None = None) -> None:
        self.units = {u.id: u for u in units}
        self.by_code = {u.code: u for u in units}
        self.chats = chats or {}  # unit id -> its own group chat
        self._up: dict[int | None, frozenset[int]] = {None: frozenset()}
        self.roots = frozenset(u.id for u in units if u.level == Level.DISTRICT)
        district = sorted((u for u in units if u.level == Level.DISTRICT and u.active), key=lambda u: u.id)
        self.district = district[0] if district else None

    @classmethod
    async def load(cls) -> UnitTree:
        units = await Unit.all().order_by("id")
        chats: dict[int, int] = {}
        for unit_id, chat_id in await (ChatBinding.filter(channel=spec.CHANNEL, purpose=spec.PURPOSE_UNIT)
                                       .order_by("id").values_list("unit_id", "chat_id")):
            chats.setdefault(unit_id, chat_id)
        return cls(units, chats)

    # --- walking ---------------------------------------------------------------------------

    def children(self, unit_id: int, *, active: bool = True) -> list[Unit]:
        """Direct children, streets (and communities, grids) before departments, by id."""
        found = [u for u in self.units.values() if u.parent_id == unit_id and (u.active or not active)]
        return sorted(found, key=lambda u: (u.level == Level.DEPARTMENT, u.id))

    def descendants(self, unit_id: int, *, active: bool = True) -> list[Unit]:
        """Every unit under this one (not itself), parents before children."""
        out: list[Unit] = []
        queue = self.children(unit_id, active=active)
        while queue:
            unit = queue.pop(0)
            out.append(unit)
            queue.extend(self.children(unit.id, active=active))
        return out

    def up(self, unit_id: int | None) -> frozenset[int]:
        """The unit and every unit above it."""
        if unit_id not in self._up:
            self._up[unit_id] = frozenset([unit_id, *(u.id for u in self.ancestors(unit_id))]
                                          if unit_id in self.units else ())
        return self._up[unit_id]

    def ancestors(self, unit_id: int | None) -> list[Unit]:
        """The units above this one, nearest first: grid → community, street, district."""
        chain: list[Unit] = []
        seen = {unit_id}
        current = self.units.get(unit_id) if unit_id is not None else None
        while current is not None and current.parent_id is not None and current.parent_id not in seen:
            current = self.units.get(current.parent_id)  # `seen`: never loop on bad data
            if current is None:
                break
            chain.append(current)
            seen.add(current.id)
        return chain

    def counts_for(self, unit_id: int | None, grid_id: int | None, held_departments: Iterable[int]) -> set[int]:
        """Every unit a ticket counts for: the district always; the holder, the grid and
        everything above them; the departments that held it."""
        return set(self.roots) | self.up(unit_id) | self.up(grid_id) | set(held_departments)

    # --- who answers, and where they read ---------------------------------------------------

    def holder(self, unit_id: int | None) -> Unit | None:
        """Who answers for a ticket held by `unit_id`: that unit, or the command centre while it
        waits in triage."""
        if unit_id is not None and unit_id in self.units:
            return self.units[unit_id]
        return self.district

    def superior(self, unit: Unit | None) -> Unit | None:
        """grid → community → street → district; a department → the district."""
        if unit is None or unit.parent_id is None:
            return None
        return self.units.get(unit.parent_id)

    def chat(self, unit: Unit | None) -> int | None:
        return self.chats.get(unit.id) if unit else None

    @property
    def command_chat(self) -> int | None:
        return self.chat(self.district)

    def active(self, unit_id: int | None = None, *, code: str | None = None, level: str | None = None) -> Unit | None:
        """The active unit with this id (or code), of this level if one is given, or None:
        what `Unit.get_or_none(id=…, active=True)` answers, without a query."""
        unit = self.units.get(unit_id) if code is None else self.by_code.get(code)
        if unit is None or not unit.active or (level is not None and unit.level != level):
            return None
        return unit

    def name(self, unit_id: int | None) -> str:
        unit = self.units.get(unit_id) if unit_id is not None else None
        return unit.name if unit else ""


async def current() -> UnitTree:
    """The tree as the database has it (read at most once a minute)."""
    return await cache.remembered(("unit_tree",), UnitTree.load)
