"""Figures (bot/figures/stats.py) against tickets with known histories, the periods, the
ranking and workbook of the export, and the chart's Chinese labels."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.models import Explanation, Light, Status, Ticket, TicketEvent, Unit
from bot.figures import charts
from bot.figures import export
from bot.figures import stats, words
from tests.phone import too_wide_rows
from bot.jurisdiction.load import load_jurisdiction_file
from tests.e2e import EXAMPLE

TZ = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 28, 4, 0, tzinfo=UTC)  # 28 Nov, 12:00 in Taiyuan
NOV = stats.period("2026-11", NOW, TZ)


def local(day: int, hour: int = 9, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ).astimezone(UTC)


H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
_numbers = iter(range(1, 10_000))


async def unit(code: str) -> Unit:
    return await Unit.get(code=code)


async def event(ticket: Ticket, action: str, at: dt.datetime, *, unit_=None, data=None) -> None:
    await TicketEvent.create(ticket=ticket, created_at=at, actor_kind="system", action=action,
                             unit=unit_, data=data or {})


async def ticket(grid: str | None, *, filed: dt.datetime, holder: str | None = None, status=Status.ASSIGNED,
                 accepted: dt.datetime | None = None, resolved: dt.datetime | None = None,
                 closed: dt.datetime | None = None, due: dt.datetime | None = None, rating: str | None = None,
                 light=Light.GREEN, category: str = "noise", merged_into: Ticket | None = None) -> Ticket:
    """A ticket with the events its history would have written (the ones the figures read)."""
    grid_unit = await unit(grid) if grid else None
    holder_unit = await unit(holder) if holder else grid_unit
    t = await Ticket.create(
        number=f"YZ-T-{next(_numbers):04d}", text="测试", category=category, grid=grid_unit, unit=holder_unit,
        status=status, light=light, created_at=filed, updated_at=filed, accepted_at=accepted,
        resolved_at=resolved, closed_at=closed, due_at=due if due is not None else filed + 5 * D,
        rating=rating, merged_into=merged_into,
    )
    await event(t, "submitted", filed)
    if accepted:
        await event(t, "accepted", accepted, unit_=holder_unit)
    if resolved:
        await event(t, "resolved", resolved, unit_=holder_unit)
    if rating in ("satisfied", "basic"):
        await event(t, "rated", closed, data={"rating": rating})
    elif rating == "default":
        await event(t, "auto_closed", closed)
    return t


@pytest.fixture
async def district(db):
    await load_jurisdiction_file(EXAMPLE)
    return await unit("yingze")


async def grid_of_ten():
    """10 tickets in 南海街一社区第一网格 in November: 7 closed (one resolved late), 1 red and
    overdue, 1 reopened by 不满意, 1 yellow and in work."""
    ratings = ["satisfied", "satisfied", "basic", "default", "satisfied", "basic", "basic"]
    for i, rating in enumerate(ratings):
        filed = local(2 + i)
        late = i == 6
        resolved = filed + (6 * D if late else 24 * H)
        await ticket("nanhaijie1-01", filed=filed, status=Status.CLOSED, accepted=filed + 2 * H, resolved=resolved,
                     closed=resolved + D, rating=rating, category="fumes" if i < 4 else "noise")
    red = await ticket("nanhaijie1-01", filed=local(10), light=Light.RED)  # due 15 Nov: overdue
    await event(red, "lit_yellow", local(11))
    await event(red, "lit_red", local(12))
    await event(red, "lit_red", local(12, 10))  # the same ticket twice: counted once
    # a reopening sets a fresh deadline
    reopened = await ticket("nanhaijie1-01", filed=local(11), accepted=local(11, 11), category="sanitation",
                            due=local(29))
    await event(reopened, "resolved", local(12))
    await event(reopened, "reopened", local(13), data={"rating": "unsatisfied"})
    yellow = await ticket("nanhaijie1-01", filed=local(20), status=Status.ACCEPTED, accepted=local(20, 11),
                          light=Light.YELLOW, due=local(30))
    await event(yellow, "lit_yellow", local(21))
    return red


async def test_ten_tickets_seven_closed_one_late(district):
    await grid_of_ten()
    f = await stats.figures(await unit("nanhaijie1-01"), NOV)
    assert (f.received, f.done, f.resolved, f.on_time, f.late, f.closed) == (10, 7, 7, 6, 1, 7)
    assert f.closure_rate == pytest.approx(0.7)  # 办结率
    assert f.on_time_rate == pytest.approx(6 / 7)  # 按期办结率
    assert (f.satisfied, f.basic, f.default, f.unsatisfied) == (3, 3, 1, 1)
    assert f.satisfaction_rate == pytest.approx(7 / 8)  # 默认满意 counts as 满意
    assert (f.yellow, f.red, f.reopened) == (2, 1, 1)
    assert f.overdue == 2  # the red one (never resolved) and the one resolved after its deadline
    assert (f.open_now, f.yellow_now, f.red_now) == (3, 1, 1)
    assert f.avg_accept_hours == pytest.approx(2.0)  # 9 accepted, each 2 h after filing
    assert f.avg_resolve_hours == pytest.approx((6 * 24 + 144) / 7)
    assert f.top_categories() == [("noise", 5), ("fumes", 4), ("sanitation", 1)]
    text = words.stats_text(await unit("nanhaijie1-01"), f, [], NOV)
    assert "办结率 70%" in text and "按期办结率 85.7%" in text and "满意率 87.5%" in text
    assert "受理 10 件" in text and "油烟异味 4" in text and "默认满意" in text


async def test_closed_after_reopening_counts_once_and_only_when_resolved_again(district):
    grid = "nanhaijie1-02"
    # resolved, 不满意, resolved again, 满意: one resolution, two ratings, one reopening
    twice = await ticket(grid, filed=local(3), status=Status.CLOSED, accepted=local(3, 10), resolved=local(6),
                         closed=local(7), rating="satisfied")
    await event(twice, "resolved", local(4))
    await event(twice, "reopened", local(5), data={"rating": "unsatisfied"})
    # closed, then 还没解决 within the week: back in work, closed_at still set on the row
    back = await ticket(grid, filed=local(3), status=Status.ASSIGNED, closed=local(5))
    await event(back, "reopened", local(8))
    # resolved and reopened by 不满意, not yet resolved again: not resolved, not done
    pending = await ticket(grid, filed=local(4))
    await event(pending, "resolved", local(5))
    await event(pending, "reopened", local(6), data={"rating": "unsatisfied"})
    f = await stats.figures(await unit(grid), NOV)
    assert (f.received, f.done, f.resolved, f.closed) == (3, 1, 1, 1)
    assert (f.satisfied, f.unsatisfied, f.reopened) == (1, 2, 3)
    assert f.satisfaction_rate == pytest.approx(1 / 3)


async def test_merged_duplicates_are_not_received_twice(district):
    main = await ticket("nanhaijie1-01", filed=local(3))
    await ticket("nanhaijie1-01", filed=local(3, 10), status=Status.MERGED, closed=local(3, 11), merged_into=main)
    f = await stats.figures(await unit("nanhaijie1-01"), NOV)
    assert f.received == 1 and f.open_now == 1 and f.closed == 0


async def test_periods_are_local_and_checked():
    assert NOV.start == dt.datetime(2026, 10, 31, 16, tzinfo=UTC) and NOV.end == dt.datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert NOV.label == "2026年11月"
    assert stats.period(None, NOW, TZ) == NOV == stats.period("month", NOW, TZ)
    today = stats.period("today", NOW, TZ)
    assert (today.start, today.end) == (dt.datetime(2026, 11, 27, 16, tzinfo=UTC), dt.datetime(2026, 11, 28, 16, tzinfo=UTC))
    assert today.label == "今日（11月28日）"
    week = stats.period("week", NOW, TZ)  # 28 Nov 2026 is a Saturday
    assert week.start == dt.datetime(2026, 11, 22, 16, tzinfo=UTC) and week.end - week.start == 7 * D
    assert week.label == "本周（11月23日至11月29日）"
    dec = stats.period("2026-12", NOW, TZ)
    assert dec.end == dt.datetime(2026, 12, 31, 16, tzinfo=UTC) and dec.label == "2026年12月"
    assert stats.period("上月", NOW, TZ).label == "2026年10月"
    for bad in ("2026-13", "yesterday", "11", "2026-11-01"):
        with pytest.raises(stats.PeriodError, match="2026-11"):
            stats.period(bad, NOW, TZ)
    # a deadline after "now" is not overdue yet
    assert NOV.cutoff == NOW


async def test_a_late_night_ticket_belongs_to_the_local_day(district):
    # 07:00 on 1 November in Taiyuan is still 31 October in UTC: it is November's
    await ticket("nanhaijie1-01", filed=local(1, 7))
    later = dt.datetime(2026, 12, 2, tzinfo=UTC)
    assert (await stats.figures(await unit("nanhaijie1-01"), stats.period("2026-11", later, TZ))).received == 1
    assert (await stats.figures(await unit("nanhaijie1-01"), stats.period("2026-10", later, TZ))).received == 0


async def test_children_and_departments(district):
    await grid_of_ten()
    # filed in October, resolved in November: November's resolved, not its received
    await ticket("nanhaijie1-02", filed=local(25, month=10), status=Status.RESOLVED, accepted=local(26, month=10),
                 resolved=local(3))
    # transferred to 城管 and still there; another returned by 城管 to its grid
    moved = await ticket("nanhaijie1-02", filed=local(5), holder="chengguan")
    await event(moved, "transferred", local(5, 12), unit_=await unit("chengguan"))
    back = await ticket("nanhaijie1-03", filed=local(6))
    await event(back, "transferred", local(6, 12), unit_=await unit("chengguan"))
    await event(back, "returned", local(7), unit_=await unit("nanhaijie1-03"))
    await ticket("haixi-01", filed=local(8))  # another street
    await ticket(None, filed=local(9), status=Status.TRIAGE)  # waits in triage: the district's
    community = await unit("nanhaijie1")
    own, children = await stats.figures_with_children(community, NOV)
    assert (own.received, own.resolved) == (12, 8)
    assert [(u.code, f.received, f.resolved) for u, f in children] == [
        ("nanhaijie1-01", 10, 7), ("nanhaijie1-02", 1, 1), ("nanhaijie1-03", 1, 0)]
    assert [u.code for u, _ in await stats.figures_by_child(community, NOV)] == [u.code for u, _ in children]
    chengguan = await stats.figures(await unit("chengguan"), NOV)
    assert (chengguan.received, chengguan.open_now) == (2, 2)  # it held both
    assert (await stats.figures(await unit("shizheng"), NOV)).received == 0
    top, streets = await stats.figures_with_children(district, NOV)
    assert top.received == 14 and top.open_now == 7
    by_code = {u.code: f for u, f in streets}
    assert list(by_code)[:4] == ["miaoqian", "liuxiang", "yingzejie", "shuangtasi"]  # streets before departments
    assert by_code["miaoqian"].received == 12 and by_code["liuxiang"].received == 1
    assert by_code["chengguan"].received == 2
    text = words.stats_text(district, top, streets, NOV)
    assert "【庙前街道】\n受理 12｜办结 8｜" in text and "【区城管局】\n受理 2｜办结 0｜" in text
    assert too_wide_rows(text) == []  # reads at a phone's width: no row of figures wraps
    assert "区环卫中心" not in text  # a department with nothing is left out


async def test_by_child_costs_the_same_queries_as_one_unit(district, monkeypatch):
    from tortoise import connections

    await grid_of_ten()
    conn = connections.get("default")
    calls = []
    for name in ("execute_query", "execute_query_dict"):
        original = getattr(type(conn), name)

        def counting(self, *args, _original=original, **kwargs):
            calls.append(1)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(type(conn), name, counting)
    await stats.figures(await unit("nanhaijie1-01"), NOV)
    one = len(calls)
    calls.clear()
    for i in range(20):
        await ticket("wenmiao-01", filed=local(3 + i % 20))
    calls.clear()
    await stats.figures_for_units(await Unit.all(), NOV)
    assert 0 < one <= 8 and len(calls) <= one + 1


def test_ranking_on_time_then_satisfaction_then_closure():
    def fig(**kw):
        return stats.Figures(**kw)

    a = Unit(id=1, code="a", name="甲", level="grid")
    b = Unit(id=2, code="b", name="乙", level="grid")
    c = Unit(id=3, code="c", name="丙", level="grid")
    d = Unit(id=4, code="d", name="丁", level="grid")
    e = Unit(id=5, code="e", name="戊", level="grid")
    rows = [
        (a, fig(received=10, done=9, resolved=9, on_time=8, satisfied=5, unsatisfied=5)),  # 89% on time, 50%
        (b, fig(received=10, done=9, resolved=9, on_time=9, satisfied=1, unsatisfied=1)),  # 100%, 50%
        (c, fig(received=4, done=4, resolved=4, on_time=4, satisfied=2)),  # 100%, 100%
        (d, fig()),  # nothing to assess
        (e, fig(received=10, done=9, resolved=9, on_time=9, satisfied=1, unsatisfied=1)),  # same as 乙
    ]
    assert [(rank, u.name) for rank, u, _ in export.ranked(rows)] == [
        (1, "丙"), (2, "乙"), (2, "戊"), (4, "甲"), (None, "丁")]


async def test_workbook_has_a_sheet_per_level_and_the_red_tickets(district):
    from openpyxl import load_workbook

    red = await grid_of_ten()
    await Explanation.create(ticket=red, round=0, unit=await unit("nanhaijie1-01"), red_at=local(12),
                             due_at=local(13), pending=False, text="居民不在家，两次上门未遇", explained_at=local(12, 15),
                             explained_by=100101, explained_by_name="张丽")
    data = await export.workbook(district, NOV, tz=TZ)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["说明", "街道", "社区", "网格", "部门", "红灯工单", "网格员考核"]
    grids = list(book["网格"].iter_rows(values_only=True))
    assert grids[0] == texts.EXPORT_COLUMNS
    first = dict(zip(grids[0], grids[1]))
    assert first["排名"] == 1 and first["单位"] == "南海街一社区第一网格" and first["上级单位"] == "南海街一社区"
    assert (first["受理量"], first["办结量"], first["按期办结"]) == (10, 7, 6)
    assert first["办结率"] == pytest.approx(0.7) and first["满意率"] == pytest.approx(0.875)
    assert book["网格"].cell(2, 6).number_format == "0.0%"
    assert len(grids) == 21 and {row[1] for row in grids[2:]} >= {"南海街一社区第二网格", "双塔北路社区第二网格"}
    assert all(row[0] == "—" for row in grids[2:])  # nothing to assess: unranked
    assert [row[1] for row in book["街道"].iter_rows(min_row=2, values_only=True)][0] == "庙前街道"
    assert {row[1] for row in book["部门"].iter_rows(min_row=2, values_only=True)} >= {"区城管局", "区市政公用局"}
    reds = list(book["红灯工单"].iter_rows(values_only=True))
    assert len(reds) == 2
    row = dict(zip(reds[0], reds[1]))
    assert row["工单号"] == red.number and row["书面说明"] == "居民不在家，两次上门未遇"
    assert row["说明人"] == "张丽" and row["说明情况"] == "已说明" and row["责任单位"] == "南海街一社区第一网格"
    scores = list(book["网格员考核"].iter_rows(values_only=True))
    assert scores[0][:3] == ("网格", "网格员", "得分") and len(scores) == 1 + 20 + 20  # a row per grid and worker
    assert {row[1] for row in scores[1:]} >= {"张丽", "刘红霞"}
    notes = [r for r in book["说明"].iter_rows(values_only=True)]
    assert notes[0][0] == "迎泽区 2026年11月 考核表" and any(r[0] == "排名依据" for r in notes)
    assert export.filename(district, NOV, TZ) == "gridbot-yingze-2026-11.xlsx"


async def test_a_street_exports_only_its_own_tree(district):
    from openpyxl import load_workbook

    await grid_of_ten()
    book = load_workbook(io.BytesIO(await export.workbook(await unit("liuxiang"), NOV, tz=TZ)))
    assert [r[1] for r in book["街道"].iter_rows(min_row=2, values_only=True)] == ["柳巷街道"]
    assert {r[1] for r in book["网格"].iter_rows(min_row=2, values_only=True)} == {
        "海西社区第一网格", "海西社区第二网格", "柳巷南社区第一网格", "柳巷南社区第二网格"}
    assert book["部门"].max_row == 1 and book["红灯工单"].max_row == 1  # the red ticket is 庙前's


async def test_chart_renders_chinese_with_a_cjk_font(district):
    await grid_of_ten()
    family = charts.cjk_font()
    assert family, "no CJK font: run ./scripts/setup-env (fonts-noto-cjk or the cjk-font extra)"
    data = await charts.chart_data(district, NOW, TZ)
    assert [name for name, *_ in data.lights][:4] == ["庙前街道", "柳巷街道", "迎泽街道", "双塔寺街道"]
    assert data.lights[0][1:] == (1, 1, 1)  # green, yellow, red tickets in work under 庙前街道
    assert len(data.days) == 30 and data.days[-1].day == dt.date(2026, 11, 28)
    assert sum(d.received for d in data.days) == 10 and sum(d.resolved for d in data.days) == 7
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.render_png(data)
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing  # a glyph missing from the font would show as a box
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


async def test_cli_export_writes_the_same_workbook(district, db_url, monkeypatch, tmp_path):
    from openpyxl import load_workbook

    from tests.test_cli import gridbot

    await grid_of_ten()
    out = tmp_path / "exports" / "2026-11.xlsx"
    assert await gridbot(monkeypatch, db_url, "export", "--month", "2026-11", str(out)) == 0
    book = load_workbook(out)
    assert book.sheetnames == ["说明", "街道", "社区", "网格", "部门", "红灯工单", "网格员考核"]
    assert book["说明"]["A1"].value == "迎泽区 2026年11月 考核表"
    assert [r[1] for r in book["网格"].iter_rows(min_row=2, max_row=2, values_only=True)] == ["南海街一社区第一网格"]
    assert await gridbot(monkeypatch, db_url, "export", "--month", "2026-11", "--unit", "liuxiang", str(out)) == 0
    assert load_workbook(out)["街道"]["B2"].value == "柳巷街道"
    assert await gridbot(monkeypatch, db_url, "export", "--month", "2026-13", str(out)) == 2
    assert await gridbot(monkeypatch, db_url, "export", "--unit", "nowhere", str(out)) == 2


def test_mean_times_read_in_minutes_under_an_hour():
    assert [words.duration(h) for h in (None, 0.0, 0.001, 0.5, 1.0, 2.5, 30.0)] == [
        "—", "0 分钟", "1 分钟", "30 分钟", "1 小时", "2.5 小时", "30 小时"]
