"""Map of the plan: prefecture outlines, sites as power-mix pies sized by IT, backhaul links.

Prefecture outlines come from the `japanmap` package's shipped JSON (offline).
Coordinates are drawn on a plain equirectangular projection scaled by the
cosine of the map's mid latitude, so pies stay round.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import xarray as xr
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Polygon, Wedge

from planner.report.metrics import OPEN
from planner.report.style import BACKHAUL_COLOURS, SOURCE_COLOURS, colour, label, new_figure

JAPAN_EXTENT = (128.5, 146.0, 30.5, 45.8)  # lon_min, lon_max, lat_min, lat_max of the main islands


@cache
def prefecture_outlines() -> tuple[np.ndarray, ...]:
    """The 47 prefecture boundaries as (n, 2) arrays of (lon, lat), true positions."""
    import japanmap

    return tuple(np.asarray(p, dtype=float) for p in japanmap.pref_points(japanmap.get_data()))


def _extent(lons: np.ndarray, lats: np.ndarray) -> tuple[float, float, float, float]:
    x0, x1, y0, y1 = JAPAN_EXTENT
    if len(lons):
        x0, x1 = min(x0, lons.min() - 1.0), max(x1, lons.max() + 1.0)
        y0, y1 = min(y0, lats.min() - 1.0), max(y1, lats.max() + 1.0)
    return x0, x1, y0, y1


def draw_map(plan: xr.Dataset, scenario: xr.Dataset, energy: xr.DataArray, title: str = ""):
    """The plan on a map of Japan; `energy` is `site_energy` (site, source) in MWh."""
    site_lon = scenario["site_lon"].sel(site=plan.site).values
    site_lat = scenario["site_lat"].sel(site=plan.site).values
    node_lon = scenario["node_lon"].sel(node=plan.node).values
    node_lat = scenario["node_lat"].sel(node=plan.node).values
    x0, x1, y0, y1 = _extent(np.r_[site_lon, node_lon], np.r_[site_lat, node_lat])
    kx = np.cos(np.radians((y0 + y1) / 2))

    fig = new_figure(9.0, 9.0 * (y1 - y0) / ((x1 - x0) * kx) * 0.82 + 0.6)
    ax = fig.add_subplot()
    for outline in prefecture_outlines():
        xy = outline.copy()
        xy[:, 0] *= kx
        ax.add_patch(Polygon(xy, closed=True, fc="#ececec", ec="white", lw=0.6, zorder=0))

    # backhaul links: node -> site, one line per technology in use
    cap = plan["backhaul_capacity"].transpose("node", "site", "backhaul").values
    max_cap = cap.max() if cap.size and cap.max() > 0 else 1.0
    techs_used = []
    for k, tech in enumerate(plan.backhaul.values):
        c = colour(str(tech), BACKHAUL_COLOURS, k)
        n_idx, s_idx = np.nonzero(cap[:, :, k] > 1e-6)
        if len(n_idx):
            techs_used.append((str(tech), c))
        offset = (k - (plan.sizes["backhaul"] - 1) / 2) * 0.04
        for n, s in zip(n_idx, s_idx, strict=True):
            ax.plot(
                [node_lon[n] * kx + offset, site_lon[s] * kx + offset],
                [node_lat[n], site_lat[s]],
                color=c,
                lw=0.8 + 3.2 * cap[n, s, k] / max_cap,
                alpha=0.75,
                solid_capstyle="round",
                zorder=1,
            )

    # demand nodes
    infer = scenario["inference_demand"].sel(node=plan.node).mean("time").values
    size = 30 + 170 * infer / max(infer.max(), 1e-9)
    ax.scatter(
        node_lon * kx, node_lat, s=size, marker="s", c="#222222", ec="white", lw=0.8, zorder=6
    )
    for i, name in enumerate(plan.node.values):
        ax.annotate(
            str(name),
            (node_lon[i] * kx, node_lat[i]),
            xytext=(-6, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=8,
            color="#222222",
            zorder=5,
        )

    # sites: closed candidates as hollow dots, open ones as pies of their energy mix
    it = plan["it_capacity"].values
    is_open = plan["site_open"].values > OPEN
    r_max = 0.045 * (y1 - y0)
    r = r_max * np.sqrt(np.where(it > 0, it, 0) / max(it.max(), 1e-9))
    sources = [str(s) for s in energy.source.values]
    mix = energy.sel(site=plan.site).transpose("site", "source").values
    for i, site in enumerate(plan.site.values):
        cx, cy = site_lon[i] * kx, site_lat[i]
        if not is_open[i] or mix[i].sum() <= 0:
            ax.add_patch(Circle((cx, cy), 0.12, fc="white", ec="#999999", lw=0.8, zorder=2))
            ax.annotate(
                str(site),
                (cx, cy),
                xytext=(4, 2),
                textcoords="offset points",
                fontsize=6.5,
                color="#888888",
                zorder=2,
            )
            continue
        radius = max(r[i], 0.18)
        fractions = mix[i] / mix[i].sum()
        start = 90.0
        for j, frac in enumerate(fractions):
            if frac <= 0:
                continue
            end = start + 360.0 * frac
            ax.add_patch(
                Wedge(
                    (cx, cy),
                    radius,
                    start,
                    end,
                    fc=colour(sources[j], SOURCE_COLOURS, j),
                    ec="white",
                    lw=0.5,
                    zorder=4,
                )
            )
            start = end
        ax.add_patch(Circle((cx, cy), radius, fill=False, ec="#333333", lw=0.7, zorder=4))
        ax.annotate(
            f"{site}\n{it[i]:,.0f} MW",
            (cx + radius, cy + radius * 0.3),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=7.5,
            zorder=5,
        )

    ax.set_xlim(x0 * kx, x1 * kx)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)

    used_sources = [s for j, s in enumerate(sources) if mix[is_open, j].sum() > 0]
    handles = [
        Patch(fc=colour(s, SOURCE_COLOURS, sources.index(s)), label=label(s)) for s in used_sources
    ]
    handles += [
        Line2D([], [], color=c, lw=2.5, label=f"{label(t)} backhaul") for t, c in techs_used
    ]
    handles += [
        Line2D(
            [], [], marker="s", ls="", color="#222222", label="Demand node (size: inference MW)"
        ),
        Line2D(
            [], [], marker="o", ls="", mfc="white", mec="#999999", label="Candidate site, not built"
        ),
    ]
    ax.legend(
        handles=handles,
        loc="lower right",
        fontsize=8,
        frameon=True,
        framealpha=0.9,
        title="Pie: energy supplied by source\nSize: IT capacity",
        title_fontsize=8,
    )
    ax.set_title(title or "Where to build: sites, power mix and backhaul", fontsize=12)
    return fig
