"""The jurisdiction file: checked with line numbers, applied idempotently, asked at run time."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.models import ChatBinding, Level, Role, Staff, Unit
from bot.jurisdiction.directory import ancestors, chat_for_unit, command_chat, command_unit, gazetteer_entries, hotlines, staff_for_user, ticket_prefix, wish_claim_by, unit_for_chat, volunteers_chat
from bot.jurisdiction.geo import distance_m, grids_near
from bot.jurisdiction.load import apply_jurisdiction, load_jurisdiction_file
from bot.jurisdiction.reader import parse_jurisdiction
from bot.jurisdiction.spec import JurisdictionError, StaffSpec

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "yingze.yaml"
TEXT = EXAMPLE.read_text(encoding="utf-8")
EXPECTED_LEVELS = {Level.DISTRICT: 1, Level.DEPARTMENT: 6, Level.STREET: 4,
                   Level.COMMUNITY: 9, Level.GRID: 20}


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of `needle`."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once in the example"
    return text.replace(old, new)


async def snapshot() -> tuple:
    """Every row the loader may touch, with ids, to prove what did or did not change."""
    units = await Unit.all().order_by("id").values_list(
        "id", "code", "name", "level", "parent_id", "aliases", "lat", "lon", "area", "active")
    staff = await Staff.all().order_by("id").values_list(
        "id", "channel", "user_id", "name", "role", "unit_id", "is_leader", "phone", "active")
    chats = await ChatBinding.all().order_by("id").values_list(
        "id", "channel", "chat_id", "purpose", "title", "unit_id")
    return units, staff, chats


async def load(text: str):
    return await apply_jurisdiction(parse_jurisdiction(text, "yingze.yaml"))


def find(data: dict, code: str) -> tuple[dict, list]:
    """The unit mapping with this code in a plain-loaded file, and the list that holds it."""
    district = data["district"]
    lists = [district["departments"], district["streets"]]
    while lists:
        units = lists.pop()
        for unit in units:
            if unit["code"] == code:
                return unit, units
            for key in ("communities", "grids"):
                if key in unit:
                    lists.append(unit[key])
    raise KeyError(code)


# ─── parsing ────────────────────────────────────────────────────────────────────────────────


def test_example_parses_into_a_tree():
    j = parse_jurisdiction(TEXT, "yingze.yaml")
    assert Counter(u.level for u in j.units) == EXPECTED_LEVELS
    assert j.ticket_prefix == "YZ"
    assert j.district.code == "yingze" and j.district.parent is None
    seen: set[str] = set()
    for unit in j.units:  # tree order: every parent comes before its children
        assert unit.parent is None or unit.parent in seen, unit.code
        seen.add(unit.code)
    assert j.unit("nanhaijie1-01").parent == "nanhaijie1"
    assert j.unit("nanhaijie1").parent == "miaoqian"
    assert j.unit("chengguan").parent == "yingze"
    unit_chats = Counter(c.unit for c in j.chats if c.purpose == "unit")
    assert unit_chats == Counter({u.code: 1 for u in j.units}), "every unit has exactly one chat"
    assert [c.chat_id for c in j.chats if c.purpose == "volunteers"] == [-1001000000009]


def test_roles_default_from_the_level_and_leaders_are_marked():
    j = parse_jurisdiction(TEXT)
    by_id = {s.user_id: s for s in j.staff}
    assert by_id[100101].role == Role.WORKER and by_id[100101].unit == "nanhaijie1-01"
    assert by_id[600101].role == Role.COMMUNITY
    assert by_id[700101].role == Role.STREET
    assert by_id[800101].role == Role.DEPARTMENT
    assert by_id[900001].role == Role.COMMAND and by_id[900001].leader
    assert not by_id[900002].leader
    assert by_id[100101].phone == "13900002101"
    grid = j.unit("nanhaijie1-01")
    assert grid.aliases[0] == "南海街1号院"
    assert (grid.lat, grid.lon) == (37.8605, 112.5640)
    assert grid.area is not None and len(grid.area) == 4


def test_an_explicit_role_wins_over_the_default():
    text = edited(TEXT, "{id: 900002, name: 冯晓燕,", "{id: 900002, name: 冯晓燕, role: volunteer,")
    staff = {s.user_id: s for s in parse_jurisdiction(text).staff}
    assert staff[900002].role == Role.VOLUNTEER


def _replace(old: str, new: str, line_needle: str | None = None):
    """A bad-file case: edit the example; the error must point at the line of `line_needle`
    (default: the edited line) in the edited text."""

    def make(text: str) -> tuple[str, int]:
        bad = edited(text, old, new)
        return bad, line_of(bad, line_needle if line_needle is not None else new)

    return make


def _duplicate_of(first: str, second: str, replacement: str):
    """Replace the *second* thing with a copy of the first; the error points at the second."""

    def make(text: str) -> tuple[str, int]:
        line = line_of(text, second)
        assert line > line_of(text, first)
        return edited(text, second, replacement), line

    return make


def _whole(bad: str, line: int):
    return lambda text: (bad, line)


BAD_FILES = {
    "duplicate code": (
        _duplicate_of("code: nanhaijie1-01", "code: nanhaijie1-02", "code: nanhaijie1-01"),
        "code nanhaijie1-01 重复"),
    "missing chat": (
        _replace("              chat: -1001000000402\n", "", "- code: nanhaijie1-02"),
        "网格 nanhaijie1-02 缺少 chat"),
    "missing name": (
        _replace("              name: 文庙社区第二网格\n", "", "- code: wenmiao-02"),
        "网格 wenmiao-02 缺少 name"),
    "center not two numbers": (
        _replace("center: [37.8605, 112.5640]", "center: [37.8605]"),
        "网格 nanhaijie1-01 的 center 应为两个数"),
    "center as text": (
        _replace("center: [37.8660, 112.5725]", "center: 文庙东"),
        "网格 wenmiao-02 的 center 应为两个数"),
    "center swapped": (
        _replace("center: [37.8660, 112.5725]", "center: [112.5725, 37.8660]"),
        "超出范围"),
    "grid without center": (
        _replace("              center: [37.8660, 112.5725]\n", "", "- code: wenmiao-02"),
        "网格 wenmiao-02 缺少 center"),
    "duplicate staff id": (
        _duplicate_of("{id: 100101,", "{id: 100201,", "{id: 100101,"),
        "人员 id 100101 重复"),
    "staff id in a department and a grid": (
        _duplicate_of("{id: 800102,", "{id: 101901,", "{id: 800102,"),
        "人员 id 800102 重复"),
    "duplicate chat id": (
        _duplicate_of("chat: -1001000000401", "chat: -1001000000402", "chat: -1001000000401"),
        "群 -1001000000401 重复"),
    "positive chat id": (
        _replace("chat: -1001000000402", "chat: 1001000000402"),
        "chat 应为群的 id"),
    "unknown role": (
        _replace("{id: 100101, name: 张丽,", "{id: 100101, name: 张丽, role: boss,"),
        "role 'boss' 未知"),
    "bad code syntax": (
        _replace("code: wenmiao-02", "code: Wenmiao_02"),
        "code 'Wenmiao_02' 不合规"),
    "misspelt key": (
        _replace("aliases: [文庙小区", "alias: [文庙小区"),
        "未知的键 alias"),
    "key given twice": (
        _replace("chat: -1001000000402", "chat: -1001000000402\n              chat: -1001000000499",
                 "chat: -1001000000499"),
        "键 chat 重复"),
    "unquoted phone": (
        _replace('phone: "13900002101"', "phone: 13900002101"),
        "phone 应加引号"),
    "leader not a boolean": (
        _replace("{id: 100201, name: 刘红霞, leader: true", "{id: 100201, name: 刘红霞, leader: 是"),
        "leader 应为 true 或 false"),
    "unknown wish claimer": (
        _replace("claim_by: [volunteer]", "claim_by: [volunteer, everyone]"),
        "claim_by 'everyone' 未知"),
    "empty wish claimers": (
        _replace("claim_by: [volunteer]", "claim_by: []"),
        "claim_by 应列出"),
    "bad ticket prefix": (
        _replace("ticket_prefix: YZ", "ticket_prefix: yz-1"),
        "ticket_prefix"),
    "public feed not a boolean": (
        _replace("public_feed: false", "public_feed: 是"),
        "public_feed 应为 true 或 false"),
    "posts per minute not a count": (
        _replace("posts_per_minute: 30", "posts_per_minute: 0"),
        "posts_per_minute 应为 1–10000 的整数"),
    "misspelt open311 key": (
        _replace("public_feed: false", "public: false"),
        "未知的键 public"),
    "a hotline that is no number": (
        _replace('gas: "0351-5557777"', "gas: 燃气公司"),
        "hotlines 的 gas 应为电话号码"),
    "misspelt hotline key": (
        _replace('gas: "0351-5557777"', 'gass: "0351-5557777"'),
        "未知的键 gass"),
    "missing streets": (
        _whole("district:\n  code: yingze\n  name: 迎泽区\n  ticket_prefix: YZ\n"
               "  chat: -1001000000001\n", 2),
        "缺少 streets"),
    "not YAML at all": (
        _whole("district:\n  code: yingze\n\tname: 迎泽区\n", 3),
        "不是合法的 YAML"),
    "unclosed bracket": (
        _whole("district:\n  code: yingze\n  aliases: [迎泽\n  name: 迎泽区\n", 4),
        "不是合法的 YAML"),
    "plain words": (
        _whole("这不是辖区文件\n", 1),
        "district"),
    "empty file": (
        _whole("", 1),
        "文件是空的"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
async def test_a_bad_file_is_refused_with_its_line_and_changes_nothing(db, tmp_path, case):
    make, reason = BAD_FILES[case]
    await load(TEXT)
    before = await snapshot()
    # A bad file that would also rename a unit: if anything were written, the rename would show.
    renamed = edited(TEXT, "name: 南海街一社区第二网格", "name: 改过名的网格")
    bad_text, line = make(renamed)
    path = tmp_path / "yingze.yaml"
    path.write_text(bad_text, encoding="utf-8")

    with pytest.raises(JurisdictionError) as caught:
        await load_jurisdiction_file(path)

    message = str(caught.value)
    assert f"yingze.yaml 第{line}行: " in message, message
    assert reason in message, message
    assert await snapshot() == before


def test_every_mistake_is_reported_not_just_the_first():
    text = edited(TEXT, "center: [37.8605, 112.5640]", "center: [37.8605]")
    text = edited(text, "code: wenmiao-02", "code: Wenmiao_02")
    with pytest.raises(JurisdictionError) as caught:
        parse_jurisdiction(text, "yingze.yaml")
    lines = [p.line for p in caught.value.problems]
    assert lines == [line_of(text, "center: [37.8605]"), line_of(text, "code: Wenmiao_02")]
    assert str(caught.value).count("yingze.yaml 第") == 2


async def test_an_unreadable_file_is_a_jurisdiction_error(tmp_path):
    with pytest.raises(JurisdictionError, match="无法读取"):
        await load_jurisdiction_file(tmp_path / "missing.yaml")
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes(TEXT.encode("gbk", errors="replace"))
    with pytest.raises(JurisdictionError, match="UTF-8"):
        await load_jurisdiction_file(gbk)


# ─── applying ───────────────────────────────────────────────────────────────────────────────


async def test_applying_the_example_creates_the_tree(db):
    report = await load_jurisdiction_file(EXAMPLE)

    assert (report.units.total, report.units.created, report.units.updated) == (40, 40, 0)
    assert (report.staff.total, report.staff.created) == (46, 46)
    assert (report.chats.total, report.chats.created) == (41, 41)
    assert report.summary().startswith("单位 40 个（新增 40，更新 0，停用 0）；人员 46 人（新增 46")
    for level, count in EXPECTED_LEVELS.items():
        assert await Unit.filter(level=level, active=True).count() == count, level
    grid = await Unit.get(code="nanhaijie1-01").prefetch_related("parent")
    assert grid.parent.code == "nanhaijie1"
    assert grid.aliases == ["南海街1号院", "南海街东段", "庙前小学家属院"]
    assert (grid.lat, grid.lon) == (37.8605, 112.5640)
    assert grid.area[0] == [37.8590, 112.5625]
    department = await Unit.get(code="chengguan").prefetch_related("parent")
    assert department.level == Level.DEPARTMENT and department.parent.code == "yingze"
    worker = await Staff.get(user_id=100101).prefetch_related("unit")
    assert (worker.role, worker.unit.code, worker.is_leader) == (Role.WORKER, "nanhaijie1-01", True)
    assert await ChatBinding.filter(purpose="volunteers").count() == 1


async def test_loading_the_same_file_twice_changes_nothing(db):
    await load(TEXT)
    before = await snapshot()

    report = await load(TEXT)

    assert not report.changed
    for counts in (report.units, report.staff, report.chats):
        assert (counts.created, counts.updated, counts.deactivated) == (0, 0, 0)
    assert report.summary() == ("单位 40 个（新增 0，更新 0，停用 0）；人员 46 人（新增 0，更新 0，停用 0）；"
                                "群 41 个（新增 0，更新 0，解绑 0）")
    assert await snapshot() == before


async def test_an_edited_file_updates_rows_in_place(db):
    await load(TEXT)
    ids = dict(await Unit.all().values_list("code", "id"))
    staff_ids = dict(await Staff.all().values_list("user_id", "id"))

    data = yaml.safe_load(TEXT)
    renamed, _ = find(data, "nanhaijie1-02")
    renamed["name"] = "南海街一社区二号网格"
    dropped, siblings = find(data, "nanhaijie1-03")
    siblings.remove(dropped)
    moved = dropped["staff"][0]  # 孙志勇 moves to 文庙社区第一网格 when his grid is merged away
    find(data, "wenmiao-01")[0]["staff"].append(moved)
    data["district"]["staff"] = [s for s in data["district"]["staff"] if s["id"] != 900003]
    report = await load(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))

    assert (report.units.created, report.units.updated, report.units.deactivated) == (0, 1, 1)
    assert (report.staff.created, report.staff.updated, report.staff.deactivated) == (0, 1, 1)
    # The renamed grid's chat binding takes the new name as its title.
    assert (report.chats.created, report.chats.updated, report.chats.deactivated) == (0, 1, 1)
    assert (await ChatBinding.get(chat_id=-1001000000402)).title == "南海街一社区二号网格"
    assert dict(await Unit.all().values_list("code", "id")) == ids
    assert dict(await Staff.all().values_list("user_id", "id")) == staff_ids
    grid = await Unit.get(code="nanhaijie1-02")
    assert grid.name == "南海街一社区二号网格" and grid.active
    assert not (await Unit.get(code="nanhaijie1-03")).active
    assert await unit_for_chat(-1001000000403) is None
    assert await ChatBinding.filter(chat_id=-1001000000403).count() == 0
    person = await staff_for_user(100301)
    assert person is not None and person.unit.code == "wenmiao-01"
    assert await staff_for_user(900003) is None
    assert not (await Staff.get(user_id=900003)).active

    # Putting the grid back revives the same row rather than making a second one.
    report = await load(TEXT)
    assert (report.units.created, report.units.updated) == (0, 2)
    assert (report.staff.created, report.staff.updated) == (0, 2)
    revived = await Unit.get(code="nanhaijie1-03")
    assert revived.active and revived.id == ids["nanhaijie1-03"]
    assert (await unit_for_chat(-1001000000403)).code == "nanhaijie1-03"


async def test_a_failure_half_way_leaves_the_database_as_it_was(db):
    await load(TEXT)
    before = await snapshot()
    j = parse_jurisdiction(edited(TEXT, "name: 南海街一社区第二网格", "name: 改过名的网格"))
    # A staff entry pointing at a unit the file lacks fails after the units were written.
    broken = dataclasses.replace(j, staff=(*j.staff, StaffSpec(555, "无名氏", Role.WORKER, "nowhere")))

    with pytest.raises(KeyError):
        await apply_jurisdiction(broken)

    assert await snapshot() == before


# ─── questions the bot asks ─────────────────────────────────────────────────────────────────


async def test_lookups_before_anything_is_loaded(db):
    assert await command_unit() is None
    assert await command_chat() is None
    assert await ticket_prefix() is None
    assert await unit_for_chat(-1001000000001) is None
    assert await gazetteer_entries() == []
    assert await grids_near(37.86, 112.56) == []


async def test_chats_and_units(db):
    await load(TEXT)
    grid = await unit_for_chat(-1001000000401)
    assert grid is not None and grid.code == "nanhaijie1-01"
    assert await chat_for_unit(grid) == -1001000000401
    assert (await unit_for_chat(-1001000000101)).code == "chengguan"
    assert await unit_for_chat(-1001000000009) is None, "the volunteers' chat speaks for no unit"
    assert await unit_for_chat(-1009999999999) is None
    assert (await command_unit()).code == "yingze"
    assert await command_chat() == -1001000000001
    assert await volunteers_chat() == -1001000000009
    assert await ticket_prefix() == "YZ"


async def test_staff_for_user(db):
    await load(TEXT)
    worker = await staff_for_user(100101)
    assert (worker.name, worker.role, worker.unit.code) == ("张丽", Role.WORKER, "nanhaijie1-01")
    assert (await staff_for_user(900001)).role == Role.COMMAND
    assert (await staff_for_user(800501)).unit.code == "gongan"
    assert await staff_for_user(123456789) is None
    assert await staff_for_user(100101, channel="wechat") is None


async def test_ancestors_nearest_first(db):
    await load(TEXT)
    grid = await Unit.get(code="qingnianlu-02")
    assert [u.code for u in await ancestors(grid)] == ["qingnianlu", "yingzejie", "yingze"]
    department = await Unit.get(code="ranqi")
    assert [u.code for u in await ancestors(department)] == ["yingze"]
    assert await ancestors(await command_unit()) == []


async def test_gazetteer_has_names_and_aliases_of_streets_communities_and_grids(db):
    await load(TEXT)
    entries = await gazetteer_entries()
    assert ("南海街1号院", "nanhaijie1-01") in entries
    assert ("南海街一社区第一网格", "nanhaijie1-01") in entries
    assert ("南海街一社区", "nanhaijie1") in entries
    assert ("南海街", "nanhaijie1") in entries
    assert ("桃园南路", "taonan2") in entries
    assert ("庙前街道", "miaoqian") in entries and ("庙前", "miaoqian") in entries
    codes = {code for _, code in entries}
    assert "chengguan" not in codes and "yingze" not in codes
    assert len(entries) == len(set(entries))


async def test_gazetteer_forgets_a_dropped_grid(db):
    await load(TEXT)
    data = yaml.safe_load(TEXT)
    dropped, siblings = find(data, "wenmiao-02")
    siblings.remove(dropped)
    await load(yaml.safe_dump(data, allow_unicode=True))
    names = {name for name, _ in await gazetteer_entries()}
    assert "校尉营" not in names and "文庙广场" in names


async def test_grids_near_picks_the_nearest_centre(db):
    await load(TEXT)
    found = await grids_near(37.8491, 112.5551)  # a few metres from 桃南二社区第二网格's centre
    grid, metres = found[0]
    assert grid.code == "taonan2-02" and metres < 20
    assert [d for _, d in found] == sorted(d for _, d in found)
    assert len(found) == 5


MINI = """
district:
  code: d
  name: 测试区
  ticket_prefix: T
  chat: -1
  streets:
    - code: s
      name: 测试街道
      chat: -2
      communities:
        - code: c
          name: 测试社区
          chat: -3
          grids:
            - code: big
              name: 大网格
              center: [37.8500, 112.5500]
              area: [[37.8450, 112.5450], [37.8550, 112.5450],
                     [37.8550, 112.5550], [37.8450, 112.5550]]
              chat: -4
            - code: small
              name: 小网格
              center: [37.8560, 112.5560]
              chat: -5
"""


async def test_grids_near_prefers_the_polygon_that_holds_the_spot(db):
    await load(MINI)
    spot = (37.8545, 112.5545)  # inside 大网格's polygon, but nearer 小网格's centre
    assert distance_m(*spot, 37.8560, 112.5560) < distance_m(*spot, 37.8500, 112.5500)
    codes = [u.code for u, _ in await grids_near(*spot)]
    assert codes == ["big", "small"]
    outside = (37.8558, 112.5558)  # outside every polygon: plain nearest centre
    assert [u.code for u, _ in await grids_near(*outside)] == ["small", "big"]


def test_distance_is_haversine():
    # One degree of latitude is about 111.2 km anywhere.
    assert distance_m(37.0, 112.0, 38.0, 112.0) == pytest.approx(111_195, rel=1e-3)
    # A degree of longitude shrinks with the cosine of the latitude.
    assert distance_m(37.85, 112.0, 37.85, 113.0) == pytest.approx(87_830, rel=2e-3)


async def test_who_may_claim_a_wish_is_read_from_the_file_and_volunteers_are_not_staff(db):
    await load(TEXT)
    assert await wish_claim_by() == ("volunteer",)
    await load(edited(TEXT, "claim_by: [volunteer]", "claim_by: [volunteer, staff]"))
    assert await wish_claim_by() == ("volunteer", "staff")
    without = edited(TEXT, "  wishes:\n    claim_by: [volunteer]\n", "")
    assert parse_jurisdiction(without).wish_claim_by == ("volunteer",)  # the default: volunteers only
    # A volunteer is a person of the file, but not staff: no tickets, no dashboard, no /care.
    assert await staff_for_user(300001) is None
    volunteer = await staff_for_user(300001, volunteers=True)
    assert volunteer is not None and volunteer.role == Role.VOLUNTEER


async def test_the_districts_hotlines_are_read_from_the_file(db):
    await load(TEXT)
    assert await hotlines() == {"gas": "0351-5557777", "water": "0351-5558888"}
    without = edited(TEXT, '    gas: "0351-5557777"          # 燃气抢修\n    water: "0351-5558888"        # 供水抢修\n', "")
    without = edited(without, "  hotlines:\n", "")
    assert parse_jurisdiction(without).hotlines == ()
    await load(edited(TEXT, 'water: "0351-5558888"', "elevator: 96333"))  # digits unquoted are a number: kept as written
    from bot.jurisdiction import cache
    cache.forget_cached()
    assert await hotlines() == {"gas": "0351-5557777", "elevator": "96333"}
