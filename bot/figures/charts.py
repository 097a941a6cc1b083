"""/chart: a PNG of a unit's last 30 days (received vs resolved per day) and the lights of the
tickets in work under each unit below it. matplotlib with the Agg backend: no display needed.

The labels are Chinese, so a CJK font is required or they come out as boxes. `cjk_font()` looks,
in this order, for
  1. a known CJK family matplotlib already knows (Debian's fonts-noto-cjk: Noto Sans CJK SC),
  2. the same families through fontconfig (installed after matplotlib built its font cache),
  3. Noto Sans SC shipped on PyPI (`pylopdf-fonts-zh-cn`, the `cjk-font` extra), which
     scripts/setup-env installs when apt cannot install fonts-noto-cjk,
  4. any font fontconfig says covers Chinese (with a warning),
and logs a warning if there is none at all (the chart is still sent).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import logging
import shutil
import subprocess
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import texts
from bot.models import Unit
from bot.figures import stats

log = logging.getLogger("gridbot.charts")

DAYS = 30
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK TC", "Noto Sans CJK JP",
    "Droid Sans Fallback", "AR PL UMing CN", "SimHei", "Microsoft YaHei", "PingFang SC",
)
COLOURS = {"received": "#3b7dd8", "resolved": "#2e9d5b", "green": "#52b36b", "yellow": "#f2c230",
           "red": "#d64545"}

_render_lock = threading.Lock()  # matplotlib's font settings are process-wide


@dataclass(frozen=True)
class ChartData:
    unit_name: str
    period_label: str
    days: list[stats.DayCount]
    lights: list[tuple[str, int, int, int]]  # (unit name, green, yellow, red) of tickets in work


async def chart_data(unit: Unit, now: dt.datetime, tz: ZoneInfo, days: int = DAYS) -> ChartData:
    """What the chart shows, read through bot/figures/stats.py (same rules as /stats)."""
    period = stats.last_days(days, now, tz)
    daily = await stats.daily_counts(unit, period, tz)
    own, children = await stats.open_with_children(unit)  # the lights: what is in work now
    rows = [(u, f) for u, f in children if u.level != "department" or f.open_now] or [(unit, own)]
    lights = [(u.name, f.open_now - f.yellow_now - f.red_now, f.yellow_now, f.red_now) for u, f in rows]
    return ChartData(unit.name, period.label, daily, lights)


async def chart_png(unit: Unit, now: dt.datetime, tz: ZoneInfo) -> bytes:
    """The chart as PNG bytes (rendered in a worker thread: it takes a few hundred ms)."""
    import asyncio

    data = await chart_data(unit, now, tz)
    return await asyncio.to_thread(render_png, data)


# Drawn for a phone, where Telegram and the dashboard mostly show it: about 360 CSS px wide.
# A 5-inch figure at 200 dpi is 1000 px; shown 360 px wide, 1 pt of type is about 1 CSS px, so
# FONT_PT is what the eye gets (11 px: the smallest Chinese a phone reads without zooming).
WIDTH_IN = 5.0
DPI = 200
FONT_PT = 11
TITLE_PT = 13


def render_png(data: ChartData) -> bytes:
    """Draw it. Pure: data in, PNG bytes out."""
    with fonts():
        fig = draw(data)
        out = io.BytesIO()
        fig.savefig(out, format="png")
    return out.getvalue()


@contextlib.contextmanager
def fonts():
    """matplotlib's settings for the chart (a CJK font first); process-wide, hence the lock."""
    import matplotlib

    with _render_lock:
        family = cjk_font()
    with _render_lock, matplotlib.rc_context({
        "font.family": "sans-serif",
        "font.sans-serif": ([family] if family else []) + ["DejaVu Sans"],
        "font.size": FONT_PT,
        "axes.unicode_minus": False,
    }):
        yield


def draw(data: ChartData):
    """The figure (inside `fonts()`): the daily bars above, the lights per unit below, each
    legend under its axes, so the bars get the whole width of a phone."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = max(len(data.lights), 1)
    lights_height = 1.0 + 0.42 * n
    fig = Figure(figsize=(WIDTH_IN, 4.4 + lights_height), dpi=DPI, layout="constrained")
    fig.get_layout_engine().set(w_pad=0.1)  # the last date's label is centred on the edge
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, height_ratios=[3.4, lights_height])
    _daily_axes(top, data)
    _lights_axes(bottom, data)
    fig.suptitle(texts.CHART_TITLE.format(unit=data.unit_name, period=data.period_label), fontsize=TITLE_PT)
    return fig


def _daily_axes(ax, data: ChartData) -> None:
    xs = list(range(len(data.days)))
    received = [d.received for d in data.days]
    resolved = [d.resolved for d in data.days]
    width = 0.42
    ax.bar([x - width / 2 for x in xs], received, width, color=COLOURS["received"],
           label=texts.CHART_RECEIVED.format(total=sum(received)))
    ax.bar([x + width / 2 for x in xs], resolved, width, color=COLOURS["resolved"],
           label=texts.CHART_RESOLVED.format(total=sum(resolved)))
    step = max(1, len(xs) // 5)  # five or six dates fit a phone's width at FONT_PT
    ticks = xs[::-step][::-1]  # counted back from the last day, so today is labelled
    ax.set_xticks(ticks, [f"{data.days[x].day.month}/{data.days[x].day.day}" for x in ticks])
    ax.set_ylabel(texts.CHART_Y_TICKETS)
    ax.set_title(texts.CHART_DAILY_TITLE, fontsize=FONT_PT, loc="left")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(0, max(max(received, default=0), max(resolved, default=0), 1) * 1.4)  # room for the legend
    ax.set_xlim(-0.7, len(xs) - 0.3)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", ncol=2, frameon=False, borderaxespad=0.2, handlelength=1.2, columnspacing=1.0)


def _lights_axes(ax, data: ChartData) -> None:
    names = [_short_name(row[0], data.unit_name) for row in data.lights]
    ys = list(range(len(names)))[::-1]
    left = [0] * len(names)
    for index, key in ((1, "green"), (2, "yellow"), (3, "red")):
        values = [row[index] for row in data.lights]
        ax.barh(ys, values, left=left, color=COLOURS[key], label=texts.CHART_LIGHTS[key])
        left = [a + b for a, b in zip(left, values)]
    for y, total in zip(ys, left):
        ax.text(total, y, f" {total}", va="center")
    ax.set_yticks(ys, names)
    ax.set_xlabel(texts.CHART_X_OPEN)
    ax.set_title(texts.CHART_LIGHTS_TITLE, fontsize=FONT_PT, loc="left")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0, max(max(left, default=0), 1) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    # Under the whole figure: beside the title it would cover it once unit names take the width.
    ax.figure.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, frameon=False,
                     handlelength=1.2, columnspacing=1.2)


def _short_name(name: str, parent: str, width: int = 6) -> str:
    """南海街一社区第一网格 under 南海街一社区 is 第一网格: the chart's title names the parent,
    and a phone has no room for it on every row; a longer name goes on two lines."""
    if name.startswith(parent) and len(name) > len(parent):
        name = name[len(parent):]
    return name if len(name) <= width + 1 else f"{name[:width]}\n{name[width:]}"


@functools.cache
def cjk_font() -> str | None:
    """The family name of a font with Chinese glyphs, registered with matplotlib (see the
    module docstring for the order); None, with a warning, if the machine has none."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in PREFERRED_FAMILIES:
        if family in known:
            return family
    system = _fontconfig_zh_fonts()
    for family in PREFERRED_FAMILIES:
        for path, families in system:
            if family in families and _register(font_manager, path):
                known = {f.name for f in font_manager.fontManager.ttflist}
                return family if family in known else _register(font_manager, path)
    shipped = _pypi_font(font_manager)
    if shipped:
        return shipped
    for path, families in system:
        name = _register(font_manager, path)
        if name:
            log.warning("no Noto CJK font: /chart uses %s (%s); install fonts-noto-cjk for the intended look",
                        name, path)
            return name
    log.warning("no Chinese font found: /chart labels will show as boxes. Install fonts-noto-cjk "
                "(apt-get install fonts-noto-cjk) or `pip install pylopdf-fonts-zh-cn`")
    return None


def _register(font_manager, path: str) -> str | None:
    try:
        font_manager.fontManager.addfont(path)
        return font_manager.FontProperties(fname=path).get_name()
    except Exception as exc:  # a broken or unreadable font file: try the next
        log.info("font %s not usable: %s", path, exc)
        return None


def _pypi_font(font_manager) -> str | None:
    try:
        import pylopdf_fonts_zh_cn  # the `cjk-font` extra: Noto Sans SC, SIL OFL
    except ImportError:
        return None
    return _register(font_manager, str(pylopdf_fonts_zh_cn.sans_path()))


def _fontconfig_zh_fonts() -> list[tuple[str, set[str]]]:
    """(file, family names) of every font fontconfig says covers Chinese; [] without fc-list."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return []
    try:
        out = subprocess.run([fc_list, ":lang=zh", "file", "family"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    fonts = []
    # regular weights first: a family first met in its bold file would be drawn bold
    for line in sorted(out.splitlines(), key=lambda l: ("regular" not in l.lower(), "bold" in l.lower(), l)):
        path, _, families = line.partition(":")
        if path.strip():
            fonts.append((path.strip(), {f.strip() for f in families.split(",") if f.strip()}))
    return fonts
