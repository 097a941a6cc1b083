"""What a jurisdiction file says, as plain data: the district's units, its people, its chats
and its settings, and the vocabulary the file is written in (levels, roles, keys, limits).
Read by bot/jurisdiction/reader.py, written into the database by bot/jurisdiction/load.py."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


from bot import channels
from bot.models import Level, Role


CHANNEL = channels.DEFAULT  # the channel of the ids a jurisdiction file lists
PURPOSE_UNIT = "unit"
PURPOSE_VOLUNTEERS = "volunteers"

LEVEL_NAMES = {
    Level.DISTRICT: "区",
    Level.STREET: "街道",
    Level.COMMUNITY: "社区",
    Level.GRID: "网格",
    Level.DEPARTMENT: "部门",
}
DEFAULT_ROLES = {
    Level.DISTRICT: Role.COMMAND,
    Level.STREET: Role.STREET,
    Level.COMMUNITY: Role.COMMUNITY,
    Level.GRID: Role.WORKER,
    Level.DEPARTMENT: Role.DEPARTMENT,
}
# The key under which each level lists the level below it.
CHILD_KEYS = {Level.DISTRICT: "streets", Level.STREET: "communities", Level.COMMUNITY: "grids"}
CHILD_LEVELS = {Level.DISTRICT: Level.STREET, Level.STREET: Level.COMMUNITY,
                Level.COMMUNITY: Level.GRID}

_UNIT_KEYS = frozenset({"code", "name", "aliases", "chat", "staff"})
_PLACE_KEYS = frozenset({"center", "area"})
ALLOWED_KEYS = {
    Level.DISTRICT: _UNIT_KEYS | {"ticket_prefix", "departments", "volunteers_chat", "streets", "wishes",
                                  "open311", "hotlines"},
    Level.DEPARTMENT: _UNIT_KEYS | {"categories"},
    Level.STREET: _UNIT_KEYS | _PLACE_KEYS | {"communities"},
    Level.COMMUNITY: _UNIT_KEYS | _PLACE_KEYS | {"grids"},
    Level.GRID: _UNIT_KEYS | _PLACE_KEYS,
}
STAFF_KEYS = frozenset({"id", "name", "role", "leader", "phone"})
WISH_KEYS = frozenset({"claim_by"})
# Who may claim a 微心愿 (`wishes: {claim_by: [...]}`): people declared with role volunteer,
# and/or every other staff member. Without the key only volunteers may.
WISH_CLAIMERS = ("volunteer", "staff")
DEFAULT_WISH_CLAIM_BY = ("volunteer",)

CODE_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
PREFIX_RE = re.compile(r"[A-Z][A-Z0-9]{0,9}")
# Field sizes of bot/models.py, checked here so a long name fails with a line number, not in SQL.
MAX_UNIT_NAME = 100
MAX_STAFF_NAME = 64
MAX_PHONE = 32
MAX_ALIAS = 100
EARTH_RADIUS_M = 6_371_008.8


# ─── what the file says ──────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class UnitSpec:
    """One unit as the file describes it; `parent` is the parent's code (None for the district)."""

    code: str
    name: str
    level: Level
    parent: str | None
    aliases: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    area: tuple[tuple[float, float], ...] | None = None
    line: int = 0
    categories: tuple[str, ...] = ()  # a department's categories (one: a transfer implies it)


@dataclass(frozen=True)
class StaffSpec:
    """One person; `unit` is the code of the unit they belong to."""

    user_id: int
    name: str
    role: Role
    unit: str
    leader: bool = False
    phone: str | None = None
    line: int = 0


@dataclass(frozen=True)
class ChatSpec:
    """One group chat bound to a unit, for `purpose` "unit" (its own chat) or "volunteers"."""

    chat_id: int
    unit: str
    purpose: str = PURPOSE_UNIT
    title: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Open311Settings:
    """The district's `open311:` section. `public_feed`: GET without a key answers, with only
    category, status, dates and a location rounded to about 100 m; `posts_per_minute`: the
    requests one key may file in any 60 seconds."""

    public_feed: bool = False
    posts_per_minute: int = 30


OPEN311_KEYS = frozenset({"public_feed", "posts_per_minute"})

# `hotlines:` the district's own emergency numbers, told to a resident whose report is urgent
# (a gas leak: the gas company's repair line). Each optional; without one the resident hears the
# national number where there is one (供电 95598, 电梯 96333) or "the gas company's hotline".
HOTLINE_KEYS = ("gas", "water", "power", "elevator")
MAX_HOTLINE = 40


@dataclass(frozen=True)
class Jurisdiction:
    """A checked jurisdiction file. Units are in tree order: every parent before its children."""

    source: str
    ticket_prefix: str
    units: tuple[UnitSpec, ...]
    staff: tuple[StaffSpec, ...]
    chats: tuple[ChatSpec, ...]
    wish_claim_by: tuple[str, ...] = DEFAULT_WISH_CLAIM_BY
    open311: Open311Settings = Open311Settings()
    hotlines: tuple[tuple[str, str], ...] = ()  # (HOTLINE_KEYS code, number as written)

    @property
    def district(self) -> UnitSpec:
        return self.units[0]

    def unit(self, code: str) -> UnitSpec:
        """The unit with this code (KeyError if the file has none)."""
        for spec in self.units:
            if spec.code == code:
                return spec
        raise KeyError(code)

    def count(self, level: Level) -> int:
        return sum(1 for spec in self.units if spec.level == level)


@dataclass(frozen=True)
class Problem:
    """One mistake in the file; `line` is 1-based, None when no line applies (unreadable file)."""

    line: int | None
    reason: str


class JurisdictionError(ValueError):
    """The file is unusable. The message names the file and, per mistake, its line and reason:
    ``yingze.yaml 第42行: 网格 nanhaijie1-01 缺少 chat``. Every mistake found is listed, so the
    admin can fix them all in one go; `problems` has them for programs."""

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.source = source
        self.problems = sorted(problems, key=lambda p: (p.line or 0))
        super().__init__("\n".join(self._format(p) for p in self.problems))

    def _format(self, problem: Problem) -> str:
        if problem.line is None:
            return f"{self.source}: {problem.reason}"
        return f"{self.source} 第{problem.line}行: {problem.reason}"
