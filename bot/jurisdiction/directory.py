"""The jurisdiction file: the district's tree of units, its people and its group chats.

A district admin keeps one YAML file (see `examples/yingze.yaml` and `docs/jurisdiction.md`):
district (指挥中心) → streets (街道) → communities (社区) → grids (网格), plus the departments
(城管, 市政 …) under the district. This module

* reads and checks that file (`parse_jurisdiction`), reporting every mistake with its line
  number, because the person fixing it is an admin with a text editor, not a programmer;
* writes it into the database in one transaction (`apply_jurisdiction`), matching rows by their
  natural keys (unit code, Telegram user id, chat id) so reloading is idempotent and an edited
  file updates rows in place — tickets keep pointing at the same unit ids;
* answers the questions the bot asks about the tree at run time (which unit speaks in this chat,
  who is this user, which grid holds this spot …).

The file is the whole truth for units, Telegram staff and Telegram chat bindings: what it no
longer lists is deactivated (units, staff) or unbound (chats). Units are never deleted, since
tickets and their history point at them.

The district's ticket prefix (YZ in YZ-20261123-0007) has no column of its own yet: it is kept
in the district unit's `area` JSON as ``{"ticket_prefix": "YZ"}`` (only grids, streets and
communities use `area` for a polygon). Read it with `ticket_prefix()`. The district's Open311
settings (`open311:` — a public feed, the posts a key may make a minute) are kept there too,
under ``"open311"``: read them with `open311_settings()`.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tortoise.transactions import in_transaction

from bot.models import ChatBinding, Level, Role, Staff, Unit

CHANNEL = "telegram"
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
                                  "open311"},
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


# ─── YAML with line numbers ──────────────────────────────────────────────────────────────────


class _Map(dict):
    """A YAML mapping that remembers the line it starts on and the line of each key."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Seq(list):
    """A YAML list that remembers the line it starts on and the line of each item."""

    line: int
    item_lines: list[int]


class _YamlProblem(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


class _MarkedLoader(yaml.SafeLoader):
    """A safe loader whose mappings and lists carry line numbers, and which refuses a key given
    twice (plain YAML silently keeps the last one, hiding the admin's mistake)."""


def _construct_map(loader: _MarkedLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise _YamlProblem(line, f"键 {key!r} 应为英文单词（如 code、name）")
        if key in result:
            raise _YamlProblem(line, f"键 {key} 重复（第{result.key_lines[key]}行已有）")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_seq(loader: _MarkedLoader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(item, deep=True) for item in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [item.start_mark.line + 1 for item in node.value]
    return result


_MarkedLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_MarkedLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _load_yaml(text: str) -> Any:
    """The document, or `_YamlProblem` with the line where YAML itself gave up."""
    try:
        return yaml.load(text, Loader=_MarkedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        detail = getattr(exc, "problem", None) or str(exc)
        raise _YamlProblem(line, f"不是合法的 YAML（{detail}）") from exc


# ─── checking the file ───────────────────────────────────────────────────────────────────────


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class _Reader:
    """Walks the loaded document, collecting every problem instead of stopping at the first."""

    problems: list[Problem] = field(default_factory=list)
    units: list[UnitSpec] = field(default_factory=list)
    staff: list[StaffSpec] = field(default_factory=list)
    chats: list[ChatSpec] = field(default_factory=list)
    code_lines: dict[str, int] = field(default_factory=dict)
    staff_seen: dict[int, tuple[int, str]] = field(default_factory=dict)
    chat_seen: dict[int, tuple[int, str]] = field(default_factory=dict)
    ticket_prefix: str = ""
    wish_claim_by: tuple[str, ...] = DEFAULT_WISH_CLAIM_BY
    open311: Open311Settings = Open311Settings()

    def problem(self, line: int | None, reason: str) -> None:
        self.problems.append(Problem(line, reason))

    # ── small field readers: each returns the value, or None after recording a problem ──

    def mapping(self, value: Any, line: int, what: str) -> _Map | None:
        if isinstance(value, _Map):
            return value
        self.problem(line, f"{what} 应为一组 键: 值（映射）")
        return None

    def items(self, m: _Map, key: str, what: str) -> list[tuple[Any, int]]:
        """The entries of an optional list, each with its line."""
        value = m.get(key)
        if value is None:
            return []
        if not isinstance(value, _Seq):
            self.problem(m.line_of(key), f"{what} 的 {key} 应为列表（每项以 - 开头）")
            return []
        return list(zip(value, value.item_lines, strict=True))

    def unknown_keys(self, m: _Map, allowed: frozenset[str], what: str) -> None:
        for key in m:
            if key not in allowed:
                known = "、".join(sorted(allowed))
                self.problem(m.line_of(key), f"{what} 有未知的键 {key}（可用：{known}）")

    def text(self, m: _Map, key: str, what: str, max_len: int) -> str | None:
        if key not in m or m[key] is None:
            self.problem(m.line, f"{what} 缺少 {key}")
            return None
        value = m[key]
        if not isinstance(value, str) or not value.strip():
            self.problem(m.line_of(key), f"{what} 的 {key} 应为非空文字")
            return None
        if len(value) > max_len:
            self.problem(m.line_of(key), f"{what} 的 {key} 太长（最多 {max_len} 个字）")
            return None
        return value.strip()

    def code(self, m: _Map, what: str) -> str | None:
        if "code" not in m or m["code"] is None:
            self.problem(m.line, f"{what} 缺少 code")
            return None
        value, line = m["code"], m.line_of("code")
        if not isinstance(value, str) or not CODE_RE.fullmatch(value):
            self.problem(line, f"{what} code {value!r} 不合规：只能用小写字母、数字和 -，"
                               "以字母或数字开头，最长 64 个字符")
            return None
        if value in self.code_lines:
            self.problem(line, f"code {value} 重复（第{self.code_lines[value]}行已用）")
            return None
        self.code_lines[value] = line
        return value

    def chat(self, m: _Map, key: str, what: str, unit: str | None, purpose: str,
             title: str | None, required: bool = True) -> None:
        """Record a chat binding, refusing a chat id bound twice (a chat speaks for one unit)."""
        if key not in m or m[key] is None:
            if required:
                self.problem(m.line, f"{what} 缺少 {key}")
            return
        value, line = m[key], m.line_of(key)
        if not _is_int(value) or value >= 0:
            self.problem(line, f"{what} 的 {key} 应为群的 id（负整数，如 -1001000000001）")
            return
        if value in self.chat_seen:
            first_line, first_what = self.chat_seen[value]
            self.problem(line, f"群 {value} 重复（第{first_line}行已绑定给 {first_what}）")
            return
        self.chat_seen[value] = (line, what)
        if unit is not None:
            self.chats.append(ChatSpec(value, unit, purpose, title, line))

    def aliases(self, m: _Map, what: str) -> tuple[str, ...]:
        names: list[str] = []
        for value, line in self.items(m, "aliases", what):
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_ALIAS:
                self.problem(line, f"{what} 的别名 {value!r} 应为非空文字")
            elif value.strip() not in names:
                names.append(value.strip())
        return tuple(names)

    def categories(self, m: _Map, what: str) -> tuple[str, ...]:
        """A department's categories: codes of rules/categories.yaml (noise, sanitation …)."""
        from bot.nlp.classify import categories

        known = [code for code, _ in categories()]
        codes: list[str] = []
        for value, line in self.items(m, "categories", what):
            if value not in known:
                self.problem(line, f"{what} 的 categories 里 {value!r} 不是类别（可用：{'、'.join(known)}）")
            elif value not in codes:
                codes.append(value)
        return tuple(codes)

    def point(self, value: Any, line: int, what: str) -> tuple[float, float] | None:
        """A [lat, lon] pair; a swapped pair fails the latitude range, which is the usual slip."""
        if (not isinstance(value, list) or len(value) != 2
                or not all(_is_number(v) for v in value)):
            self.problem(line, f"{what} 应为两个数 [纬度, 经度]，如 [37.8556, 112.5636]")
            return None
        lat, lon = float(value[0]), float(value[1])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.problem(line, f"{what} [{lat}, {lon}] 超出范围：应为 [纬度, 经度]，纬度在 ±90 内")
            return None
        return lat, lon

    def area(self, m: _Map, what: str) -> tuple[tuple[float, float], ...] | None:
        if m.get("area") is None:
            return None
        entries = self.items(m, "area", what)
        if len(entries) < 3:
            self.problem(m.line_of("area"), f"{what} 的 area 至少要三个点 [纬度, 经度]")
            return None
        points = [self.point(v, line, f"{what} 的 area 顶点") for v, line in entries]
        if any(p is None for p in points):
            return None
        return tuple(points)  # type: ignore[arg-type]

    # ── units and people ──

    def read_unit(self, m: _Map, level: Level, parent: str | None) -> None:
        """Read one unit, its chat and staff, then its children (tree order)."""
        code = self.code(m, LEVEL_NAMES[level])
        what = f"{LEVEL_NAMES[level]} {code or '(无 code)'}"
        self.unknown_keys(m, ALLOWED_KEYS[level], what)
        name = self.text(m, "name", what, MAX_UNIT_NAME)
        aliases = self.aliases(m, what)
        center = None
        if level in (Level.STREET, Level.COMMUNITY, Level.GRID):
            if "center" in m:
                center = self.point(m["center"], m.line_of("center"), f"{what} 的 center")
            elif level == Level.GRID:
                self.problem(m.line, f"{what} 缺少 center（网格中心 [纬度, 经度]）")
        area = self.area(m, what)
        if level == Level.DISTRICT:
            self.read_prefix(m, what)
            self.read_wishes(m, what)
            self.read_open311(m, what)
        categories = self.categories(m, what) if level == Level.DEPARTMENT else ()
        if code is not None and name is not None:
            lat, lon = center if center else (None, None)
            self.units.append(UnitSpec(code, name, level, parent, aliases, lat, lon, area, m.line, categories))
        self.chat(m, "chat", what, code, PURPOSE_UNIT, name)
        self.read_staff(m, level, code, what)
        if level == Level.DISTRICT:
            self.read_children(m, "departments", Level.DEPARTMENT, code, what)
            self.chat(m, "volunteers_chat", what, code, PURPOSE_VOLUNTEERS,
                      f"{name or ''}志愿者群", required=False)
        if level in CHILD_KEYS:
            self.read_children(m, CHILD_KEYS[level], CHILD_LEVELS[level], code, what)

    def read_children(self, m: _Map, key: str, level: Level, parent: str | None,
                      what: str) -> None:
        if level == Level.STREET and not m.get(key):
            self.problem(m.line, f"{what} 缺少 {key}（至少一个街道）")
        for value, line in self.items(m, key, what):
            child = self.mapping(value, line, f"{what} 下的{LEVEL_NAMES[level]}")
            if child is not None:
                self.read_unit(child, level, parent)

    def read_prefix(self, m: _Map, what: str) -> None:
        if "ticket_prefix" not in m:
            self.problem(m.line, f"{what} 缺少 ticket_prefix（工单号前缀，如 YZ）")
            return
        value = m["ticket_prefix"]
        if not isinstance(value, str) or not PREFIX_RE.fullmatch(value):
            self.problem(m.line_of("ticket_prefix"),
                         f"ticket_prefix {value!r} 应为大写字母开头的 1–10 位大写字母或数字，如 YZ")
            return
        self.ticket_prefix = value

    def read_wishes(self, m: _Map, what: str) -> None:
        """`wishes: {claim_by: [volunteer, staff]}`: who may claim a 微心愿."""
        if m.get("wishes") is None:
            return
        block = self.mapping(m["wishes"], m.line_of("wishes"), f"{what} 的 wishes")
        if block is None:
            return
        self.unknown_keys(block, WISH_KEYS, f"{what} 的 wishes")
        known = "、".join(WISH_CLAIMERS)
        entries = self.items(block, "claim_by", f"{what} 的 wishes")
        if isinstance(block.get("claim_by"), _Seq) and not entries:
            self.problem(block.line_of("claim_by"), f"wishes 的 claim_by 应列出 {known} 中的至少一项")
            return
        chosen: list[str] = []
        for value, line in entries:
            if value not in WISH_CLAIMERS:
                self.problem(line, f"wishes 的 claim_by {value!r} 未知（可用：{known}）")
            elif value not in chosen:
                chosen.append(value)
        if chosen:
            self.wish_claim_by = tuple(chosen)

    def read_open311(self, m: _Map, what: str) -> None:
        if m.get("open311") is None:
            return
        section = self.mapping(m["open311"], m.line_of("open311"), f"{what} 的 open311")
        if section is None:
            return
        self.unknown_keys(section, OPEN311_KEYS, f"{what} 的 open311")
        public = section.get("public_feed", False)
        if not isinstance(public, bool):
            self.problem(section.line_of("public_feed"), f"open311 的 public_feed 应为 true 或 false，不是 {public!r}")
            public = False
        per_minute = section.get("posts_per_minute", Open311Settings.posts_per_minute)
        if not _is_int(per_minute) or not 1 <= per_minute <= 10_000:
            self.problem(section.line_of("posts_per_minute"),
                         f"open311 的 posts_per_minute 应为 1–10000 的整数，不是 {per_minute!r}")
            per_minute = Open311Settings.posts_per_minute
        self.open311 = Open311Settings(public_feed=public, posts_per_minute=per_minute)

    def read_staff(self, m: _Map, level: Level, unit: str | None, what: str) -> None:
        for value, line in self.items(m, "staff", what):
            entry = self.mapping(value, line, f"{what} 的人员")
            if entry is not None:
                self.read_person(entry, level, unit, what)

    def read_person(self, m: _Map, level: Level, unit: str | None, what: str) -> None:
        who = f"{what} 的人员"
        self.unknown_keys(m, STAFF_KEYS, who)
        user_id = self.user_id(m, who, what)
        if user_id is not None:
            who = f"{who} {user_id}"
        name = self.text(m, "name", who, MAX_STAFF_NAME)
        role = self.role(m, level, who)
        leader = m.get("leader", False)
        if not isinstance(leader, bool):
            self.problem(m.line_of("leader"), f"{who} 的 leader 应为 true 或 false")
            leader = False
        phone = self.phone(m, who)
        if None not in (user_id, name, role, unit):
            self.staff.append(StaffSpec(user_id, name, role, unit, leader, phone, m.line))

    def user_id(self, m: _Map, who: str, what: str) -> int | None:
        if "id" not in m:
            self.problem(m.line, f"{who} 缺少 id（Telegram 用户 id）")
            return None
        value, line = m["id"], m.line_of("id")
        if not _is_int(value) or value <= 0:
            self.problem(line, f"{who} 的 id 应为 Telegram 用户 id（正整数）")
            return None
        if value in self.staff_seen:
            first_line, first_what = self.staff_seen[value]
            self.problem(line, f"人员 id {value} 重复（第{first_line}行已在 {first_what}）："
                               "一个人只能属于一个单位")
            return None
        self.staff_seen[value] = (line, what)
        return value

    def role(self, m: _Map, level: Level, who: str) -> Role | None:
        value = m.get("role")
        if value is None:
            return DEFAULT_ROLES[level]
        try:
            return Role(value)
        except ValueError:
            known = "、".join(r.value for r in Role)
            self.problem(m.line_of("role"), f"{who} 的 role {value!r} 未知（可用：{known}）")
            return None

    def phone(self, m: _Map, who: str) -> str | None:
        value = m.get("phone")
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > MAX_PHONE:
            # An unquoted 0351… would be read as a number and lose its leading zero.
            self.problem(m.line_of("phone"), f'{who} 的 phone 应加引号，如 phone: "13900000001"')
            return None
        return value.strip() or None


def parse_jurisdiction(text: str, source: str = "<file>") -> Jurisdiction:
    """Read and check a jurisdiction file; `source` names it in error messages.

    Raises `JurisdictionError` listing every problem with its line; nothing half-checked ever
    reaches the database.
    """
    try:
        document = _load_yaml(text)
    except _YamlProblem as exc:
        raise JurisdictionError(source, [Problem(exc.line, exc.reason)]) from None
    if document is None:
        raise JurisdictionError(source, [Problem(1, "文件是空的，应以 district: 开头")])
    if not isinstance(document, _Map) or "district" not in document:
        raise JurisdictionError(source, [Problem(1, "文件应以 district: 开头（区的设置）")])
    reader = _Reader()
    reader.unknown_keys(document, frozenset({"district"}), "文件顶层")
    district = reader.mapping(document["district"], document.line_of("district"), "district")
    if district is not None:
        reader.read_unit(district, Level.DISTRICT, None)
    if reader.problems:
        raise JurisdictionError(source, reader.problems)
    return Jurisdiction(source, reader.ticket_prefix, tuple(reader.units), tuple(reader.staff),
                        tuple(reader.chats), reader.wish_claim_by, reader.open311)


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
            "public_feed": j.open311.public_feed, "posts_per_minute": j.open311.posts_per_minute}}
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


# ─── questions the bot asks ──────────────────────────────────────────────────────────────────


async def unit_for_chat(chat_id: int, channel: str = CHANNEL) -> Unit | None:
    """The active unit this group chat speaks for (not the volunteers' chat), or None."""
    binding = await (ChatBinding
                     .filter(channel=channel, chat_id=chat_id, purpose=PURPOSE_UNIT,
                             unit__active=True)
                     .select_related("unit").first())
    return binding.unit if binding else None


async def chat_for_unit(unit: Unit, channel: str = CHANNEL) -> int | None:
    """The unit's own group chat, where its tickets are posted."""
    async def load() -> int | None:
        binding = await (ChatBinding.filter(channel=channel, unit_id=unit.id, purpose=PURPOSE_UNIT)
                         .order_by("id").first())
        return binding.chat_id if binding else None

    return await remembered(("chat", channel, unit.id), load)


async def command_unit() -> Unit | None:
    """The district unit (区指挥中心); None before a jurisdiction file is loaded."""
    return await Unit.filter(level=Level.DISTRICT, active=True).order_by("id").first()


async def command_chat() -> int | None:
    """The command centre's chat, which is also the triage queue."""
    unit = await command_unit()
    return await chat_for_unit(unit) if unit else None


async def volunteers_chat(channel: str = CHANNEL) -> int | None:
    """The district's volunteers' chat, if the file names one."""
    unit = await command_unit()
    if unit is None:
        return None
    binding = await (ChatBinding
                     .filter(channel=channel, unit_id=unit.id, purpose=PURPOSE_VOLUNTEERS)
                     .order_by("id").first())
    return binding.chat_id if binding else None


async def staff_for_user(user_id: int, channel: str = CHANNEL, *, volunteers: bool = False) -> Staff | None:
    """The active staff member with this user id, with `unit` loaded; None for residents.

    Volunteers are listed in the file as people (role volunteer) but are not staff: they claim
    微心愿 and nothing else, so they are found only when `volunteers` is asked for."""
    query = Staff.filter(channel=channel, user_id=user_id, active=True)
    if not volunteers:
        query = query.exclude(role=Role.VOLUNTEER)
    return await query.select_related("unit").first()


async def ancestors(unit: Unit) -> list[Unit]:
    """The units above this one, nearest first: grid → community, street, district."""
    from bot.jurisdiction.tree import current  # the tree is kept in this module's cache

    return (await current()).ancestors(unit.id)


async def wish_claim_by() -> tuple[str, ...]:
    """Who may claim a 微心愿 (`wishes.claim_by`), kept beside the ticket prefix."""
    async def load() -> tuple[str, ...]:
        unit = await command_unit()
        chosen = unit.area.get("wish_claim_by") if unit is not None and isinstance(unit.area, dict) else None
        return tuple(chosen) if chosen else DEFAULT_WISH_CLAIM_BY

    return await remembered(("wish_claim_by",), load)


async def ticket_prefix() -> str | None:
    """The ticket number prefix (YZ), kept in the district unit's `area` JSON; see module doc."""
    async def load() -> str | None:
        unit = await command_unit()
        if unit is None or not isinstance(unit.area, dict):
            return None
        return unit.area.get("ticket_prefix")

    return await remembered(("prefix",), load)


async def open311_settings() -> Open311Settings:
    """The district's Open311 settings (defaults when no file, or an older one, set them)."""
    async def load() -> Open311Settings:
        unit = await command_unit()
        stored = unit.area.get("open311") if unit is not None and isinstance(unit.area, dict) else None
        if not isinstance(stored, dict):
            return Open311Settings()
        return Open311Settings(public_feed=stored.get("public_feed") is True,
                               posts_per_minute=int(stored.get("posts_per_minute") or Open311Settings.posts_per_minute))

    return await remembered(("open311",), load)


# Answers asked for every ticket filed (its number's prefix, its grid's chat, the place names
# of routing's gazetteer) change only when a jurisdiction file is loaded: kept for a minute.
# Loading in this process forgets them at once; `gridbot load-jurisdiction` run beside a
# running bot takes effect within the minute.
_CACHE_TTL_S = 60.0
_cache: dict[tuple, tuple[float, object]] = {}


async def remembered(key: tuple, load):
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < _CACHE_TTL_S:
        return hit[1]
    value = await load()
    _cache[key] = (time.monotonic(), value)
    return value


def forget_cached() -> None:
    """After a jurisdiction file is loaded, or another database is opened."""
    _cache.clear()


async def gazetteer_entries() -> list[tuple[str, str]]:
    """(place name, unit code) for every active street, community and grid: its name and each
    alias. The location matcher uses these to turn "南海街1号院" into a grid."""
    units = await (Unit.filter(active=True, level__in=[Level.STREET, Level.COMMUNITY, Level.GRID])
                   .order_by("id"))
    entries: list[tuple[str, str]] = []
    for unit in units:
        names = dict.fromkeys([unit.name, *(unit.aliases or [])])
        entries.extend((name, unit.code) for name in names)
    return entries


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def point_in_polygon(lat: float, lon: float, polygon: list[list[float]]) -> bool:
    """Ray casting on [lat, lon] vertices; flat-earth is fine at the size of a grid."""
    inside = False
    j = len(polygon) - 1
    for i in range(len(polygon)):
        (lat_i, lon_i), (lat_j, lon_j) = polygon[i], polygon[j]
        if (lat_i > lat) != (lat_j > lat):
            crossing = lon_i + (lat - lat_i) * (lon_j - lon_i) / (lat_j - lat_i)
            if lon < crossing:
                inside = not inside
        j = i
    return inside


async def grids_near(lat: float, lon: float, limit: int = 5) -> list[tuple[Unit, float]]:
    """Active grids for a spot, best first, with the distance to each grid's centre in metres.

    Grids whose polygon contains the spot come first (a polygon is the admin's own word on the
    boundary); the rest follow by distance to their centre.
    """
    grids = await Unit.filter(level=Level.GRID, active=True, lat__isnull=False, lon__isnull=False)
    ranked = []
    for grid in grids:
        inside = isinstance(grid.area, list) and point_in_polygon(lat, lon, grid.area)
        ranked.append((not inside, distance_m(lat, lon, grid.lat, grid.lon), grid.id, grid))
    ranked.sort(key=lambda r: r[:3])
    return [(grid, dist) for _, dist, _, grid in ranked[:limit]]
