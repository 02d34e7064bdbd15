"""Charts for the HTML reports: matplotlib figures rendered to inline SVG.

Every function takes plain tables (it knows nothing of results or solvers) and returns one
``<svg>`` element as text: self-contained, scalable, with its text kept as text, so that a
browser draws names (Chinese included) in the reader's fonts and the numbers stay searchable.
Figures are built with ``matplotlib.figure.Figure`` (no pyplot state, no GUI backend), and SVG
ids are salted with a fixed string so that the same inputs give the same file.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
import warnings
import zlib
from collections.abc import Callable
from functools import cache, wraps

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.offsetbox import AnnotationBbox, TextArea, VPacker
from matplotlib.patches import Wedge
from matplotlib.ticker import FuncFormatter

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "Source Han Sans SC", "SimHei")


@cache
def _style() -> dict:
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return {
        "svg.fonttype": "none",
        "svg.hashsalt": "cq-site-optimizer",
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", *[name for name in CJK_FONTS if name in installed]],
        "font.size": 8.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#999999",
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.grid": True,
        "axes.grid.axis": "x",
        "axes.axisbelow": True,
        "grid.color": "#e6e6e6",
        "xtick.color": "#555555",
        "ytick.color": "#333333",
        "legend.frameon": False,
    }


def _chart(draw: Callable[..., Figure]) -> Callable[..., str]:
    """Draw a figure in the house style and return it as inline SVG text."""

    @wraps(draw)
    def render(*args, **kwargs) -> str:
        with mpl.rc_context(_style()), warnings.catch_warnings():
            # Without a CJK font matplotlib only measures Chinese text; the browser draws it.
            warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
            figure = draw(*args, **kwargs)
            buffer = io.StringIO()
            # A constrained layout already fits the figure; "tight" would draw it twice to crop it.
            crop = {} if figure.get_layout_engine() is not None else {"bbox_inches": "tight", "pad_inches": 0.05}
            figure.savefig(buffer, format="svg", metadata={"Date": None}, **crop)
        svg = buffer.getvalue()
        svg = svg[svg.index("<svg") :]  # inline SVG takes neither the XML declaration nor the DOCTYPE
        return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)

    return render


def lighter(color, amount: float = 0.5) -> tuple[float, float, float]:
    r, g, b = to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def ring_colors(count: int) -> list[tuple[float, float, float]]:
    """Urban red at the centre to ecological green outside."""
    cmap = mpl.colormaps["RdYlGn"]
    return [lighter(cmap(0.12 + 0.8 * i / max(count - 1, 1)), 0.35) for i in range(count)]


def palette(count: int) -> list[tuple]:
    """Distinct colours for categories or runs."""
    cmap = mpl.colormaps["tab10"]
    return [cmap(i % 10) for i in range(count)]


# Each category keeps its colour in every report and scenario: the default's categories take fixed
# tab10 colours; any other takes a tab20 colour chosen by a checksum of its name (stable across runs,
# unlike Python's hash), so two reports always draw one category alike.
CATEGORY_COLORS = {"modern_service": 0, "manufacturing": 1, "green": 2, "advanced_manufacturing": 3,
                   "supporting": 4, "logistics": 5, "other": 7, "agriculture": 8}


def category_color(category: str) -> tuple:
    key = category.replace(" ", "_")
    if key in CATEGORY_COLORS:
        return mpl.colormaps["tab10"](CATEGORY_COLORS[key])
    return mpl.colormaps["tab20"](zlib.crc32(key.encode("utf-8")) % 20)


def category_colors(categories) -> dict[str, tuple]:
    return {category: category_color(category) for category in sorted(categories)}


# --------------------------------------------------------------------------- concentric circles

RING_WIDTH = 1.0  # data units; 1 unit = INCH inches
INCH = 0.6
ARC_SPAN = 200.0  # degrees of a shared ring that its arcs cover, centred on east
ARC_GAP = 3.0


@_chart
def concentric(zones: pd.DataFrame, rings: list[list[str]]) -> Figure:
    """The Concentric Circle diagram: one ring per entry of ``rings``, centre outward.

    ``zones`` is indexed by zone id with columns ``title``, ``subtitle`` (may be empty),
    ``details`` (lines of text: what the zone receives) and ``badge`` (a short figure drawn in
    the zone). A ring of one zone is a full ring (the first a disc); the zones of a shared ring
    are arcs on its east side, the first at the top. Labels stand in two columns: full rings
    on the west, arcs on the east, each joined to its zone by a leader line.
    """
    colors = ring_colors(len(rings))
    outer = len(rings) * RING_WIDTH
    west, east = [], []  # (zone, anchor angle or None, radius)
    patches = {}
    for index, ring in enumerate(rings):
        inner, radius = index * RING_WIDTH, (index + 1) * RING_WIDTH
        middle = (inner + radius) / 2 if index else 0.0
        if len(ring) == 1:
            patches[ring[0]] = (Wedge((0, 0), radius, 0, 360, width=radius - inner if index else None), colors[index])
            west.append((ring[0], None, middle))
            continue
        span = ARC_SPAN / len(ring)
        for position, zone in enumerate(ring):
            top = ARC_SPAN / 2 - position * span
            shade = lighter(colors[index], 0.25 * position / max(len(ring) - 1, 1))
            patches[zone] = (Wedge((0, 0), radius, top - span + ARC_GAP / 2, top - ARC_GAP / 2, width=RING_WIDTH), shade)
            east.append((zone, math.radians(top - span / 2), middle))

    lines = max(len(str(zones.at[z, "details"]).splitlines()) + 3 for z in zones.index)
    slot = lines * 0.32 + 0.6  # height of one label, data units
    half_height = max(outer, slot * max(len(west), len(east)) / 2) + 0.2
    label_width = 6.0
    figure = Figure(figsize=((outer + 0.8 + label_width) * 2 * INCH, half_height * 2 * INCH))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(-(outer + 0.8 + label_width), outer + 0.8 + label_width)
    ax.set_ylim(-half_height, half_height)
    ax.set_aspect("equal")
    ax.axis("off")

    for zone, (patch, color) in patches.items():
        patch.set_facecolor(color)
        patch.set_edgecolor("white")
        patch.set_linewidth(2)
        patch.set_gid(f"zone-{zone}")
        ax.add_patch(patch)

    def point(angle: float, radius: float) -> tuple[float, float]:
        return radius * math.cos(angle), radius * math.sin(angle)

    for side, labels in ((-1, west), (1, east)):
        wanted = [None if angle is None else radius * math.sin(angle) for _, angle, radius in labels]
        for (zone, angle, radius), y in zip(labels, _spread(wanted, slot, half_height - slot / 2)):
            where = (side * (outer + 0.8), y)
            if angle is None:  # a full ring (or the disc): figure at the bottom, leader towards the label
                figure_at = point(-math.pi / 2, radius)
                anchor = point(math.atan2(*where[::-1]), radius or 0.6 * RING_WIDTH)
            else:  # an arc: figure at its middle, leader from its outer edge
                figure_at, anchor = point(angle, radius), point(angle, radius + RING_WIDTH / 2)
            ax.text(*figure_at, zones.at[zone, "badge"], ha="center", va="center", fontsize=7.5,
                    fontweight="bold", color="#222222")
            _label(ax, zones.loc[zone], anchor, where, side, patches[zone][1])
    return figure


def _spread(wanted: list[float | None], slot: float, limit: float) -> list[float]:
    """Label heights: where wanted (None: evenly from the top), at least ``slot`` apart."""
    count = len(wanted)
    even = [limit - i * (2 * limit / (count - 1)) if count > 1 else 0.0 for i in range(count)]
    ys = [even[i] if y is None else y for i, y in enumerate(wanted)]
    for i in range(1, count):
        ys[i] = min(ys[i], ys[i - 1] - slot)
    overflow = -limit - ys[-1] if ys else 0
    return [y + overflow for y in ys] if overflow > 0 else ys


def _label(ax, zone: pd.Series, anchor, where, side: int, color) -> None:
    parts = [TextArea("\n".join(textwrap.wrap(zone["title"], 34)), textprops={"fontweight": "bold", "fontsize": 9})]
    if zone["subtitle"]:
        parts.append(TextArea(zone["subtitle"], textprops={"fontsize": 9}))
    parts.append(TextArea(zone["details"], textprops={"fontsize": 8, "color": "#333333", "linespacing": 1.35}))
    box = AnnotationBbox(
        VPacker(children=parts, pad=0, sep=2, align="left"),
        anchor,
        xybox=where,
        xycoords="data",
        boxcoords="data",
        box_alignment=(1.0 if side < 0 else 0.0, 0.5),
        bboxprops={"boxstyle": "round,pad=0.45", "facecolor": lighter(color, 0.55), "edgecolor": color},
        arrowprops={"arrowstyle": "-", "color": "#555555", "linewidth": 0.8, "shrinkA": 0, "shrinkB": 0},
    )
    ax.add_artist(box)


# --------------------------------------------------------------------------- bar charts


def _tag(bars, prefix: str) -> None:
    """Give each bar an SVG id (``prefix-0``, ``prefix-1``, …) for scripts and tests to find."""
    for index, bar in enumerate(bars):
        bar.set_gid(f"{prefix}-{index}")


@_chart
def stacked_by_zone(panels: dict[str, pd.DataFrame], colors: dict[str, tuple]) -> Figure:
    """Side-by-side stacked bars: one panel per table (rows zones, columns categories)."""
    first = next(iter(panels.values()))
    figure = Figure(figsize=(9.2, 0.5 * len(first) + 1.4), layout="constrained")
    axes = figure.subplots(1, len(panels), sharey=True)
    for ax, (title, table) in zip(np.atleast_1d(axes), panels.items()):
        left = np.zeros(len(table))
        positions = np.arange(len(table))[::-1]
        for category in table.columns:
            values = table[category].to_numpy(dtype=float)
            bars = ax.barh(positions, values, left=left, color=colors[category], label=category, height=0.68)
            _tag(bars, f"bars-{category}")
            left += values
        for y, total in zip(positions, left):
            ax.text(total, y, f" {total:,.1f}", va="center", fontsize=7.5, color="#333333")
        ax.set_title(title)
        ax.set_yticks(positions, table.index)
        ax.margins(x=0.14)
    seen = {}
    for ax in np.atleast_1d(axes):
        for handle, name in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(name, handle)
    figure.legend(seen.values(), seen.keys(), loc="outside lower center", ncols=min(len(seen), 7), fontsize=8)
    return figure


@_chart
def used_of_limit(rows: pd.DataFrame) -> Figure:
    """Horizontal bars of what is used against its limit (rows: label, used, limit, text)."""
    figure = Figure(figsize=(9.2, 0.42 * len(rows) + 0.5), layout="constrained")
    ax = figure.add_subplot()
    positions = np.arange(len(rows))[::-1]
    share = (rows["used"] / rows["limit"]).to_numpy(dtype=float) * 100
    ax.barh(positions, np.full(len(rows), 100.0), color="#eeeeee", height=0.6)
    bars = ax.barh(positions, share, color=["#c0392b" if s >= 99.9 else "#2e86c1" for s in share], height=0.6)
    _tag(bars, "bars-used")
    ax.axvline(100, color="#333333", linewidth=1)
    for y, text in zip(positions, rows["text"]):
        ax.text(101.5, y, text, va="center", fontsize=8)
    ax.set_yticks(positions, rows["label"])
    ax.set_xlim(0, 160)
    ax.set_xticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100 %"])
    ax.spines["left"].set_visible(False)
    return figure


@_chart
def runs_side_by_side(panels: dict[str, pd.Series], colors: list) -> Figure:
    """Small multiples: one panel per quantity, one bar per run (Series indexed by run label)."""
    figure = Figure(figsize=(9.2, 2.6), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(panels)))
    for ax, (title, values) in zip(axes, panels.items()):
        positions = np.arange(len(values))
        bars = ax.bar(positions, values.to_numpy(dtype=float), color=colors[: len(values)], width=0.7,
                      label=list(values.index))
        _tag(bars, f"bars-{title.split(' (')[0].replace(' ', '-')}")
        for x, value in zip(positions, values):
            ax.text(x, value, f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}", ha="center", va="bottom",
                    fontsize=7)
        ax.set_title(title, fontsize=8.5)
        ax.set_xticks([])
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}" if abs(value) >= 1e3 else f"{value:g}"))
        ax.grid(axis="y")
        ax.grid(axis="x", visible=False)
        ax.margins(y=0.15)
    figure.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=min(len(colors), 4),
                  fontsize=8)
    return figure


@_chart
def grouped_by_zone(table: pd.DataFrame, title: str, colors: list) -> Figure:
    """Grouped horizontal bars: rows zones, columns runs."""
    figure = Figure(figsize=(9.2, 0.55 * len(table) * max(1, len(table.columns) / 2) + 1.0), layout="constrained")
    ax = figure.add_subplot()
    height = 0.8 / len(table.columns)
    positions = np.arange(len(table))[::-1]
    for i, run in enumerate(table.columns):
        bars = ax.barh(positions + 0.4 - (i + 0.5) * height, table[run].to_numpy(dtype=float), height=height,
                       color=colors[i], label=run)
        _tag(bars, f"bars-run-{i}")
    ax.set_yticks(positions, table.index)
    ax.set_title(title)
    figure.legend(loc="outside lower center", ncols=min(len(table.columns), 4), fontsize=8)
    return figure
