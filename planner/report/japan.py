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
    _draw(ax, layer, (x0, x1, y0, y1), kx, r_max, pt)

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
        _draw(inset, layer, ext, kx, r_max, pt * (2 * half) / (y1 - y0) / 0.26)
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
    )


def _draw(ax, layer: _Layer, extent, kx: float, r_max: float, pt: float) -> None:
    x0, x1, y0, y1 = extent
    for outline in prefecture_outlines():
        xy = outline.copy()
        xy[:, 0] *= kx
        ax.add_patch(Polygon(xy, closed=True, fc="#ebebeb", ec="white", lw=0.6, zorder=0))

    max_gbps = max((g for *_, g in layer.links), default=1.0)
    for n, s, tech, gbps in layer.links:
        k = layer.techs.index(tech)
        offset = (k - (len(layer.techs) - 1) / 2) * 0.05
        ax.plot(
            [layer.node_lon[n] * kx + offset, layer.site_lon[s] * kx + offset],
            [layer.node_lat[n], layer.site_lat[s]],
            color=colour(tech, BACKHAUL_COLOURS, k),
            lw=0.7 + 2.8 * gbps / max_gbps,
            alpha=0.7,
            solid_capstyle="round",
            zorder=1,
        )

    obstacles: list[tuple[float, float, float, float]] = []  # boxes x0, y0, x1, y1
    pies = []
    ref = max(float(layer.it.max()), 1e-9)
    for i in range(len(layer.site_names)):
        cx, cy = layer.site_lon[i] * kx, layer.site_lat[i]
        if not layer.is_open[i] or layer.mix[i].sum() <= 0:
            ax.add_patch(Circle((cx, cy), 0.1, fc="white", ec="#999999", lw=0.8, zorder=2))
            obstacles.append((cx - 0.1, cy - 0.1, cx + 0.1, cy + 0.1))
            pies.append((i, cx, cy, 0.1, False))
            continue
        radius = max(r_max * np.sqrt(layer.it[i] / ref), 0.14)
        start = 90.0
        for j, frac in enumerate(layer.mix[i] / layer.mix[i].sum()):
            if frac <= 0:
                continue
            end = start + 360.0 * frac
            ax.add_patch(
                Wedge(
                    (cx, cy),
                    radius,
                    start,
                    end,
                    fc=colour(layer.sources[j], SOURCE_COLOURS, j),
                    ec="white",
                    lw=0.4,
                    zorder=4,
                )
            )
            start = end
        ax.add_patch(Circle((cx, cy), radius, fill=False, ec="#333333", lw=0.6, zorder=4))
        obstacles.append((cx - radius, cy - radius, cx + radius, cy + radius))
        pies.append((i, cx, cy, radius, True))

    node_half = []
    for i in range(len(layer.node_names)):
        size = 14 + 60 * layer.node_size[i]  # marker area in pt^2
        half = np.sqrt(size) / 2 * pt
        cx, cy = layer.node_lon[i] * kx, layer.node_lat[i]
        ax.scatter([cx], [cy], s=size, marker="s", c="#222222", ec="white", lw=0.6, zorder=6)
        obstacles.append((cx - half, cy - half, cx + half, cy + half))
        node_half.append(half)

    placed: list[tuple[float, float, float, float]] = []
    # big pies first: their labels matter most
    for i, cx, cy, radius, built in sorted(pies, key=lambda p: -p[3]):
        text = f"{layer.site_names[i]} {layer.it[i]:,.0f} MW" if built else layer.site_names[i]
        size = FONT if built else FONT - 1
        _place_label(
            ax,
            text,
            cx,
            cy,
            radius,
            size,
            pt,
            obstacles,
            placed,
            (x0 * kx, x1 * kx, y0, y1),
            color="#111111" if built else "#888888",
            zorder=7,
        )
    for i, name in enumerate(layer.node_names):
        cx, cy = layer.node_lon[i] * kx, layer.node_lat[i]
        # a node inside a pie is labelled outside that pie
        dist = [(np.hypot(px - cx, py - cy), r) for _, px, py, r, _ in pies]
        clear = max([node_half[i], *[r + d + pt for d, r in dist if d < r]])
        _place_label(
            ax,
            name,
            cx,
            cy,
            clear,
            FONT,
            pt,
            obstacles,
            placed,
            (x0 * kx, x1 * kx, y0, y1),
            color="#444444",
            zorder=7,
            style="italic",
        )

    ax.set_xlim(x0 * kx, x1 * kx)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _place_label(ax, text, cx, cy, radius, size, pt, obstacles, placed, bounds, **style) -> None:
    """Put `text` next to a marker where it overlaps the fewest other labels and markers."""
    w = len(text) * 0.55 * size * pt
    h = 1.25 * size * pt
    gap = radius + 1.5 * pt
    candidates = [  # (x, y of the box's lower-left corner, ha, va anchor point)
        (cx + gap, cy - h / 2),
        (cx - gap - w, cy - h / 2),
        (cx - w / 2, cy + gap),
        (cx - w / 2, cy - gap - h),
        (cx + gap * 0.7, cy + gap * 0.7),
        (cx - gap * 0.7 - w, cy + gap * 0.7),
        (cx + gap * 0.7, cy - gap * 0.7 - h),
        (cx - gap * 0.7 - w, cy - gap * 0.7 - h),
    ]
    bx0, bx1, by0, by1 = bounds
    best, best_score = None, np.inf
    for order, (lx, ly) in enumerate(candidates):
        box = (lx, ly, lx + w, ly + h)
        score = sum(_overlap(box, o) for o in obstacles) + 2 * sum(_overlap(box, p) for p in placed)
        if box[0] < bx0 or box[2] > bx1 or box[1] < by0 or box[3] > by1:
            score += w * h
        score += order * 1e-6 * w * h  # prefer right, then left, above, below
        if score < best_score:
            best, best_score = box, score
    placed.append(best)
    ax.text(best[0], best[1] + h / 2, text, fontsize=size, ha="left", va="center", **style)


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
            lw=2.5,
            label=f"{label(t)} backhaul",
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
        title="Pie: energy supplied by source\nSize: IT capacity",
        title_fontsize=8,
    )
