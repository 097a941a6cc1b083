"""Reading a jurisdiction file: YAML that keeps its line numbers, checked key by key, so
every mistake is reported with its line (the person fixing it is an admin with a text editor,
not a programmer). `parse_jurisdiction` returns a `Jurisdiction` or raises JurisdictionError
with every problem found."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot import yamlfile
from bot.models import Level, Role
from bot.jurisdiction.spec import (
    ALLOWED_KEYS, CHILD_KEYS, CHILD_LEVELS, CODE_RE, DEFAULT_ROLES, DEFAULT_WISH_CLAIM_BY, HOTLINE_KEYS, LEVEL_NAMES,
    MAX_ALIAS, MAX_HOTLINE, MAX_PHONE, MAX_STAFF_NAME, MAX_UNIT_NAME, OPEN311_KEYS, PREFIX_RE, PURPOSE_UNIT,
    PURPOSE_VOLUNTEERS, STAFF_KEYS, WISH_CLAIMERS, WISH_KEYS, ChatSpec, Jurisdiction, JurisdictionError,
    Open311Settings, Problem, StaffSpec, UnitSpec,
)


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


class _MarkedLoader(yamlfile.SafeLoader):
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
    hotlines: tuple[tuple[str, str], ...] = ()

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
            self.read_hotlines(m, what)
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

    def read_hotlines(self, m: _Map, what: str) -> None:
        """`hotlines: {gas: "0351-…"}`: the district's own emergency numbers (spec.HOTLINE_KEYS)."""
        if m.get("hotlines") is None:
            return
        section = self.mapping(m["hotlines"], m.line_of("hotlines"), f"{what} 的 hotlines")
        if section is None:
            return
        self.unknown_keys(section, frozenset(HOTLINE_KEYS), f"{what} 的 hotlines")
        found = []
        for key in HOTLINE_KEYS:
            if key not in section or section[key] is None:
                continue
            value = section[key]
            text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
            if not text or len(text) > MAX_HOTLINE or sum(ch.isdigit() for ch in text) < 3:
                self.problem(section.line_of(key), f"hotlines 的 {key} 应为电话号码（要加引号，如 \"0351-5557777\"），"
                                                   f"最长 {MAX_HOTLINE} 个字，不是 {value!r}")
                continue
            found.append((key, text))
        self.hotlines = tuple(found)

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
                        tuple(reader.chats), reader.wish_claim_by, reader.open311, reader.hotlines)
