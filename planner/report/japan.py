"""Map of the plan: prefecture outlines, sites as power-mix pies sized by IT, backhaul links.

Prefecture outlines come from the `japanmap` package's shipped JSON (offline).
Coordinates are drawn on a plain equirectangular projection scaled by the
cosine of the map's mid latitude, so pies stay round. Points south of 30 N
(Okinawa) go in an inset, as on most maps of Japan.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import xarray as xr
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Polygon, Wedge

from planner.report.map_labels import Box, Label, place_labels, segment_boxes, spread_circles
from planner.report.metrics import OPEN
from planner.report.style import BACKHAUL_COLOURS, SOURCE_COLOURS, colour, label, new_figure

MAIN_EXTENT = (128.6, 146.2, 30.6, 45.8)  # lon_min, lon_max, lat_min, lat_max of the main islands
INSET_BELOW = 30.0  # points south of this latitude are drawn in the inset
FONT = 7.0  # pt, site labels


@cache
def prefecture_outlines() -> tuple[np.ndarray, ...]:
    """The 47 prefecture boundaries as (n, 2) arrays of (lon, lat), true positions."""
    import japanmap

    return tuple(np.asarray(p, dtype=float) for p in japanmap.pref_points(japanmap.get_data()))


@dataclass
class _Layer:
    """Everything drawn on the map, in lon/lat."""

    site_names: list[str]
    site_lon: np.ndarray
    site_lat: np.ndarray
    it: np.ndarray
    is_open: np.ndarray
    mix: np.ndarray  # (site, source) energy
    sources: list[str]
    node_names: list[str]
    node_lon: np.ndarray
    node_lat: np.ndarray
    node_size: np.ndarray
    links: list[tuple[int, int, str, float]]  # node, site, technology, Gbps
    techs: list[str]
    ppa: np.ndarray  # (site,) off-site PPA capacity, MW (0 without `ppa_capacity`)


def draw_map(plan: xr.Dataset, scenario: xr.Dataset, energy: xr.DataArray, title: str = ""):
    """The plan on a map of Japan; `energy` is `site_energy` (site, source) in MWh."""
    layer = _layer(plan, scenario, energy)
    lons = np.r_[layer.site_lon, layer.node_lon]
    lats = np.r_[layer.site_lat, layer.node_lat]
    main = lats >= INSET_BELOW
    x0, x1, y0, y1 = MAIN_EXTENT
    if main.any():
        x0, x1 = min(x0, lons[main].min() - 0.8), max(x1, lons[main].max() + 0.8)
        y0, y1 = min(y0, lats[main].min() - 0.8), max(y1, lats[main].max() + 0.8)
    kx = float(np.cos(np.radians((y0 + y1) / 2)))
    height = 10.0
    width = height * (x1 - x0) * kx / (y1 - y0) + 0.4
    fig = new_figure(width, height, layout=None)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.95))
    r_max = 0.032 * (y1 - y0)
    pt = (y1 - y0) / (height * 72 * 0.95)  # degrees of latitude per typographic point
    ref = max(float(layer.it.max()), 1e-9)  # the biggest pie has radius r_max
    _draw(ax, layer, (x0, x1, y0, y1), kx, r_max, pt, ref)
    _size_key(ax, ref, r_max, kx, (x0, x1, y0, y1))

    if (~main).any():
        far_lon, far_lat = lons[~main], lats[~main]
        cx, cy = (far_lon.min() + far_lon.max()) / 2, (far_lat.min() + far_lat.max()) / 2
        half = max(
            1.6,
            (far_lat.max() - far_lat.min()) / 2 + 0.8,
            (far_lon.max() - far_lon.min()) * kx / 2 + 0.8,
        )
        inset = ax.inset_axes([0.01, 0.70, 0.26, 0.26])
        ext = (cx - half / kx, cx + half / kx, cy - half, cy + half)
        _draw(inset, layer, ext, kx, r_max, pt * (2 * half) / (y1 - y0) / 0.26, ref)
        inset.set_title("Okinawa", fontsize=8, pad=2)
        for spine in inset.spines.values():
            spine.set_visible(True)
            spine.set_color("#999999")

    _legend(ax, layer)
    ax.set_title(title or "Where to build: sites, power mix and backhaul", fontsize=12)
    return fig


def _layer(plan: xr.Dataset, scenario: xr.Dataset, energy: xr.DataArray) -> _Layer:
    cap = plan["backhaul_capacity"].transpose("node", "site", "backhaul").values
    techs = [str(b) for b in plan.backhaul.values]
    links = [
        (int(n), int(s), techs[k], float(cap[n, s, k]))
        for n, s, k in zip(*np.nonzero(cap > 1e-6), strict=True)
    ]
    infer = scenario["inference_demand"].sel(node=plan.node).mean("time").values
    return _Layer(
        site_names=[str(s) for s in plan.site.values],
        site_lon=scenario["site_lon"].sel(site=plan.site).values.astype(float),
        site_lat=scenario["site_lat"].sel(site=plan.site).values.astype(float),
        it=np.clip(plan["it_capacity"].values.astype(float), 0, None),
        is_open=plan["site_open"].values > OPEN,
        mix=np.clip(energy.sel(site=plan.site).transpose("site", "source").values, 0, None),
        sources=[str(s) for s in energy.source.values],
        node_names=[str(n) for n in plan.node.values],
        node_lon=scenario["node_lon"].sel(node=plan.node).values.astype(float),
        node_lat=scenario["node_lat"].sel(node=plan.node).values.astype(float),
        node_size=infer / max(float(infer.max()), 1e-9),
        links=links,
        techs=techs,
        ppa=(
            plan["ppa_capacity"].sum("gen").values.astype(float)
            if "ppa_capacity" in plan
            else np.zeros(plan.sizes["site"])
        ),
    )


LINK_STYLES = {
    "fibre": "-",
    "microwave": (0, (4, 2)),
    "5g": (0, (1, 1.5)),
    "6g": (0, (5, 1.5, 1, 1.5)),
}


def _draw(ax, layer: _Layer, extent, kx: float, r_max: float, pt: float, ref: float) -> None:
    """Outlines, links, pies (pushed apart), nodes and labels inside `extent` (lon/lat)."""
    x0, x1, y0, y1 = extent
    bounds = (x0 * kx, y0, x1 * kx, y1)
    for outline in prefecture_outlines():
        xy = outline.copy()
        xy[:, 0] *= kx
        ax.add_patch(Polygon(xy, closed=True, fc="#ebebeb", ec="white", lw=0.6, zorder=0))

    site_x, site_y, radius = _pie_positions(layer, kx, r_max, ref, pt, extent)
    lines = _draw_links(ax, layer, kx, site_x, site_y, extent, pt)
    obstacles: list[Box] = []
    for i in range(len(layer.site_names)):
        cx, cy, r = site_x[i], site_y[i], radius[i]
        tx, ty = layer.site_lon[i] * kx, layer.site_lat[i]
        if np.hypot(cx - tx, cy - ty) > 0.2 * r:  # pushed off its spot: a leader to the spot
            ax.plot([tx, cx], [ty, cy], color="#555555", lw=0.6, zorder=3)
            ax.plot([tx], [ty], "o", color="#555555", ms=2, zorder=3)
        _draw_pie(ax, layer, i, cx, cy, r)
        obstacles.append((cx - r, cy - r, cx + r, cy + r))

    node_half = []
    for i in range(len(layer.node_names)):
        size = 14 + 60 * layer.node_size[i]  # marker area in pt^2
        half = np.sqrt(size) / 2 * pt
        cx, cy = layer.node_lon[i] * kx, layer.node_lat[i]
        ax.scatter([cx], [cy], s=size, marker="s", c="#222222", ec="white", lw=0.6, zorder=6)
        obstacles.append((cx - half, cy - half, cx + half, cy + half))
        node_half.append(half)

    labels = []
    for i in sorted(range(len(radius)), key=lambda i: -radius[i]):  # big pies' labels first
        built = bool(layer.is_open[i] and layer.mix[i].sum() > 0)
        text = layer.site_names[i]
        if built:
            text += f" {layer.it[i]:,.0f} MW"
            if layer.ppa[i] > 0:
                text += f"\n+{layer.ppa[i]:,.0f} MW PPA"
        style = {"color": "#111111" if built else "#888888", "zorder": 7}
        labels.append(
            Label(text, site_x[i], site_y[i], radius[i], FONT if built else FONT - 1, style)
        )
    for i, name in enumerate(layer.node_names):
        cx, cy = layer.node_lon[i] * kx, layer.node_lat[i]
        # a node inside a pie is labelled outside that pie
        inside = [
            r + np.hypot(px - cx, py - cy) + pt
            for px, py, r in zip(site_x, site_y, radius, strict=True)
            if np.hypot(px - cx, py - cy) < r
        ]
        style = {"color": "#444444", "zorder": 7, "style": "italic"}
        labels.append(Label(name, cx, cy, max([node_half[i], *inside]), FONT, style))
    inside_extent = [
        lab
        for lab in labels
        if bounds[0] <= lab.cx <= bounds[2] and bounds[1] <= lab.cy <= bounds[3]
    ]
    place_labels(ax, inside_extent, obstacles, lines, bounds, pt)

    ax.set_xlim(x0 * kx, x1 * kx)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _radius(it: float, ref: float, r_max: float) -> float:
    """Pie radius (degrees of latitude): area proportional to IT capacity, at least 0.14."""
    return max(r_max * np.sqrt(it / ref), 0.14)


def _pie_positions(layer: _Layer, kx, r_max, ref, pt, extent):
    """Where each site's marker is drawn: its spot, or nearby where pies would overlap."""
    built = layer.is_open & (layer.mix.sum(axis=1) > 0)
    radius = np.where(built, [_radius(v, ref, r_max) for v in layer.it], 0.1)
    x, y = layer.site_lon * kx, layer.site_lat.copy()
    x0, x1, y0, y1 = extent
    inside = (layer.site_lon >= x0) & (layer.site_lon <= x1) & (layer.site_lat >= y0)
    inside &= layer.site_lat <= y1
    keep = inside & built  # candidate sites not built stay where they are
    if keep.sum() > 1:
        x[keep], y[keep] = spread_circles(x[keep], y[keep], radius[keep], gap=2 * pt)
    return x, y, radius


def _draw_pie(ax, layer: _Layer, i: int, cx: float, cy: float, radius: float) -> None:
    if not layer.is_open[i] or layer.mix[i].sum() <= 0:
        ax.add_patch(Circle((cx, cy), radius, fc="white", ec="#999999", lw=0.8, zorder=2))
        return
    start = 90.0
    for j, frac in enumerate(layer.mix[i] / layer.mix[i].sum()):
        if frac <= 0:
            continue
        end = start + 360.0 * frac
        fc = colour(layer.sources[j], SOURCE_COLOURS, j)
        ax.add_patch(Wedge((cx, cy), radius, start, end, fc=fc, ec="white", lw=0.4, zorder=4))
        start = end
    ax.add_patch(Circle((cx, cy), radius, fill=False, ec="#333333", lw=0.6, zorder=4))


def _draw_links(ax, layer: _Layer, kx, site_x, site_y, extent, pt) -> list[Box]:
    """Backhaul links, coloured and dashed by technology, width by Gbps; boxes along them.

    A link with one end outside `extent` (Okinawa from the main map, or the main
    islands from the inset) is a short arrow towards it, named, inside the frame.
    """
    x0, x1, y0, y1 = extent
    max_gbps = max((g for *_, g in layer.links), default=1.0)
    boxes: list[Box] = []
    for n, s, tech, gbps in layer.links:
        k = layer.techs.index(tech)
        offset = (k - (len(layer.techs) - 1) / 2) * 0.05
        ax_, ay_ = layer.node_lon[n] * kx + offset, layer.node_lat[n]
        bx_, by_ = site_x[s] + offset, site_y[s]
        a_in = x0 <= layer.node_lon[n] <= x1 and y0 <= layer.node_lat[n] <= y1
        b_in = x0 <= layer.site_lon[s] <= x1 and y0 <= layer.site_lat[s] <= y1
        style = {
            "color": colour(tech, BACKHAUL_COLOURS, k),
            "ls": LINK_STYLES.get(tech, "-"),
            "lw": 0.7 + 2.8 * gbps / max_gbps,
            "alpha": 0.75,
            "solid_capstyle": "round",
            "zorder": 1,
        }
        if a_in and b_in:
            ax.plot([ax_, bx_], [ay_, by_], **style)
            boxes += segment_boxes(ax_, ay_, bx_, by_, 2 * pt)
        elif a_in or b_in:
            (px, py), (qx, qy) = ((ax_, ay_), (bx_, by_)) if a_in else ((bx_, by_), (ax_, ay_))
            far = layer.site_names[s] if a_in else layer.node_names[n]
            d = float(np.hypot(qx - px, qy - py)) or 1.0
            ux, uy = (qx - px) / d, (qy - py) / d
            room = [  # distance along (ux, uy) to each edge of the frame, less a margin
                (edge - c) / u
                for edge, c, u in (
                    (x0 * kx, px, ux),
                    (x1 * kx, px, ux),
                    (y0, py, uy),
                    (y1, py, uy),
                )
                if abs(u) > 1e-9 and (edge - c) / u > 0
            ]
            length = max(min([0.12 * (y1 - y0), *room]) - 0.04 * (y1 - y0), 0.3 * pt * 72 / 10)
            ex, ey = px + ux * length, py + uy * length
            ax.plot([px, ex], [py, ey], **style)
            ax.annotate(
                "",
                (ex, ey),
                xytext=(px + (ex - px) * 0.8, py + (ey - py) * 0.8),
                arrowprops={"arrowstyle": "-|>", "color": style["color"], "lw": 0.8},
                zorder=1,
            )
            ax.text(
                ex,
                ey,
                f" to {far}\n {label(tech)} {gbps:,.0f} Gbps",
                fontsize=FONT - 1,
                color="#333333",
                ha="left" if ex >= px else "right",
                va="center",
                zorder=7,
            )
            boxes += segment_boxes(px, py, ex, ey, 2 * pt)
    return boxes


def _size_key(ax, ref: float, r_max: float, kx: float, extent) -> None:
    """Circles of round IT capacities, drawn to the pies' scale, in the sea west of Honshu."""
    x0, x1, y0, y1 = extent
    nice = [v for v in (10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000) if v <= ref]
    values = nice[-1:] + [v for v in nice[:-1] if v <= ref / 4][-1:] or [ref]
    values = sorted(set(values))
    left, base = x0 * kx + 0.04 * (x1 - x0) * kx, y0 + 0.50 * (y1 - y0)
    ax.text(left, base + 2.6 * r_max, "Pie size: IT capacity", fontsize=FONT + 0.5, va="bottom")
    cx = left
    for v in values:
        r = _radius(v, ref, r_max)
        cx += r
        ax.add_patch(Circle((cx, base + r), r, fill=False, ec="#333333", lw=0.7, zorder=4))
        ax.text(cx, base - 0.25, f"{v:,.0f} MW", fontsize=FONT, ha="center", va="top")
        cx += r + 0.5


def _legend(ax, layer: _Layer) -> None:
    used = [j for j, _ in enumerate(layer.sources) if layer.mix[layer.is_open, j].sum() > 0]
    handles = [
        Patch(fc=colour(layer.sources[j], SOURCE_COLOURS, j), label=label(layer.sources[j]))
        for j in used
    ]
    techs_used = sorted({t for _, _, t, _ in layer.links}, key=layer.techs.index)
    handles += [
        Line2D(
            [],
            [],
            color=colour(t, BACKHAUL_COLOURS, layer.techs.index(t)),
            ls=LINK_STYLES.get(t, "-"),
            lw=2.5,
            label=f"{label(t)} backhaul (width: Gbps)",
        )
        for t in techs_used
    ]
    handles.append(
        Line2D([], [], marker="s", ls="", color="#222222", label="Demand node (size: inference MW)")
    )
    if (~layer.is_open).any():
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                mfc="white",
                mec="#999999",
                label="Candidate site, not built",
            )
        )
    ax.legend(
        handles=handles,
        loc="lower right",
        fontsize=8,
        frameon=True,
        framealpha=0.92,
        title="Pie: energy supplied by source\n(area: IT capacity)",
        title_fontsize=8,
    )
