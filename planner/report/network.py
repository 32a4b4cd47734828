"""The network side of a Plan: which technology carries which latency class on each link.

`links` is the one table both outputs read: every (node, latency_class, site, backhaul)
link with a share, its Gbps (the plan's backhaul capacity of the pair split by class
traffic), path km, one-way latency and the class's budget. `backhaul_table` writes it
as Markdown; `latency_figure` draws, per node, each class's budget against the worst
latency it is served at, and the technology mix of its traffic.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.ticker import LogLocator

from planner.report.style import BACKHAUL_COLOURS, colour, fmt_number, label, new_figure, save
from planner.scenario.defaults import DEFAULT_CLASS, latency_classes
from planner.scenario.validate import link_km, link_latency

CLASS_VARS = ["class_demand_share", "class_latency_budget", "class_traffic_factor"]
MIN_SHARE = 1e-6  # link shares below this are solver noise, not links

COLUMNS = ["node", "latency_class", "site", "backhaul", "share", "gbps", "km", "latency_ms"]
COLUMNS += ["budget_ms"]


def _link_share(scenario: xr.Dataset, plan: xr.Dataset) -> xr.DataArray:
    """link_share of the plan; a plan without it (hand-made) as one class over its capacity."""
    if "link_share" in plan:
        return plan["link_share"].transpose("node", "latency_class", "site", "backhaul")
    cap = plan["backhaul_capacity"].transpose("node", "site", "backhaul")
    by_tech = (cap / cap.sum("backhaul").where(cap.sum("backhaul") > 0)).fillna(0.0)
    share = plan["share"] * by_tech
    return share.expand_dims(latency_class=[DEFAULT_CLASS], axis=1)


def links(scenario: xr.Dataset, plan: xr.Dataset) -> pd.DataFrame:
    """Every link the plan uses, one row per (node, latency_class, site, backhaul).

    Columns: share (of the node's inference demand), gbps, km (path), latency_ms (one
    way), budget_ms (the class's, capped by the node's).
    """
    share = _link_share(scenario, plan)
    classes = latency_classes(scenario)
    if not set(share["latency_class"].values) <= set(classes["latency_class"].values):
        classes = latency_classes(scenario.drop_vars(CLASS_VARS, errors="ignore"))
    traffic = share * classes["traffic"].sel(latency_class=share["latency_class"])
    cap = plan["backhaul_capacity"] if "backhaul_capacity" in plan else traffic.sum("latency_class")
    pair = traffic.sum("latency_class")
    gbps = (cap * traffic / pair.where(pair > 0)).fillna(0.0)
    frame = xr.Dataset(
        {
            "share": share,
            "gbps": gbps.transpose(*share.dims),
            "km": link_km(scenario).sel(node=share.node, site=share.site),
            "latency_ms": link_latency(scenario).sel(node=share.node, site=share.site),
            "budget_ms": classes["budget"].sel(latency_class=share["latency_class"]),
        }
    ).to_dataframe()
    frame = frame[frame["share"] > MIN_SHARE].reset_index()
    return frame[COLUMNS].reset_index(drop=True)


def backhaul_table(scenario: xr.Dataset, plan: xr.Dataset) -> str:
    """Markdown: every link with its latency class and technology, Gbps, km, latency, budget;
    by node, then class, largest share first."""
    rows = [
        "| demand node | latency class | site | technology | share of node's inference "
        "| Gbps | km | latency ms | budget ms |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in _by_node(scenario, links(scenario, plan)).itertuples(index=False):
        rows.append(
            f"| {r.node} | {r.latency_class} | {r.site} | {label(str(r.backhaul))} "
            f"| {r.share:.1%} | {fmt_number(r.gbps)} | {fmt_number(r.km)} "
            f"| {r.latency_ms:.2f} | {fmt_number(r.budget_ms)} |"
        )
    if len(rows) == 2:
        rows.append("| (no link) | | | | | | | | |")
    return "\n".join(rows) + "\n"


def _by_node(scenario: xr.Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """`links` rows by node (the scenario's order), class (its order), largest share first."""
    nodes = {str(n): i for i, n in enumerate(scenario["node"].values)}
    classes = _classes_in_order(scenario, set(table["latency_class"]))
    key = pd.DataFrame(
        {
            "node": table["node"].map(nodes),
            "cls": table["latency_class"].map({c: i for i, c in enumerate(classes)}),
            "share": -table["share"],
        }
    )
    return table.loc[key.sort_values(["node", "cls", "share"], kind="stable").index]


def achieved(scenario: xr.Dataset, plan: xr.Dataset) -> pd.DataFrame:
    """Per (node, latency_class): budget and the worst and share-weighted latency served."""
    table = links(scenario, plan)
    table["weighted"] = table["latency_ms"] * table["share"]
    grouped = table.groupby(["node", "latency_class"], sort=False)
    out = grouped.agg(
        budget_ms=("budget_ms", "first"),
        worst_ms=("latency_ms", "max"),
        share=("share", "sum"),
        weighted=("weighted", "sum"),
    )
    out["mean_ms"] = out.pop("weighted") / out["share"]
    return out.reset_index()


def _classes_in_order(scenario: xr.Dataset, present: set[str]) -> list[str]:
    """The classes in `present`, in the scenario's order (others after, by name)."""
    order = [str(c) for c in latency_classes(scenario)["latency_class"].values]
    return sorted(present, key=lambda c: (c not in order, order.index(c) if c in order else 0, c))


def latency_figure(
    scenario: xr.Dataset, plan: xr.Dataset, path: str | os.PathLike, dpi: int = 100
) -> Path:
    """PNG: per node, each class's budget (dash) and worst served latency (dot, joined to its
    budget by the headroom left), and below it the node's traffic (Gbps) by technology."""
    table = links(scenario, plan)
    done = achieved(scenario, plan)
    nodes = [str(n) for n in scenario["node"].values if str(n) in set(table["node"])]
    classes = _classes_in_order(scenario, set(done["latency_class"]))
    fig = new_figure(max(6.0, 0.8 * len(nodes) + 2), 6.5)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    _latency_panel(top, done, nodes, classes)
    _traffic_panel(bottom, scenario, table, nodes)
    return save(fig, path, dpi)


def _latency_panel(ax, done: pd.DataFrame, nodes: list[str], classes: list[str]) -> None:
    """Budget (dash) against worst latency served (dot) per node and class, log ms."""
    x = np.arange(len(nodes))
    step = 0.8 / max(len(classes), 1)
    for k, cls in enumerate(classes):
        rows = done[done["latency_class"] == cls].set_index("node").reindex(nodes)
        pos = x - 0.4 + step * (k + 0.5)
        c = f"C{k}"
        ax.vlines(pos, rows["worst_ms"], rows["budget_ms"], color=c, lw=1, alpha=0.5)
        ax.plot(pos, rows["budget_ms"], "_", color=c, ms=14, mew=2.5)
        ax.plot(pos, rows["worst_ms"], "o", color=c, ms=6, label=cls)
    ax.plot([], [], "_", color="0.3", ms=14, mew=2.5, label="budget")
    ax.plot([], [], "o", color="0.3", ms=6, label="worst latency served")
    ax.set_yscale("log")
    low = float(np.nanmin(done["worst_ms"], initial=np.inf))
    high = float(np.nanmax(done["budget_ms"], initial=0.0))
    if np.isfinite(low) and high > 0:
        ax.set_ylim(low / 1.6, high * 2.2)  # room above the highest budget for the legend
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_minor_formatter(lambda v, _: "")
    ax.set_ylabel("one-way latency, ms (log)")
    ax.set_title("Latency by class: budget and worst latency served", fontsize=10)
    ax.grid(alpha=0.3, axis="y", which="both")
    ax.legend(fontsize=7, ncol=len(classes) + 2, loc="upper left", framealpha=0.9)


def _traffic_panel(ax, scenario: xr.Dataset, table: pd.DataFrame, nodes: list[str]) -> None:
    """Backhaul Gbps of each node stacked by technology (log when totals span over 30x)."""
    techs = [str(b) for b in scenario["backhaul"].values if str(b) in set(table["backhaul"])]
    x = np.arange(len(nodes))
    base = np.zeros(len(nodes))
    for i, tech in enumerate(techs):
        gbps = table[table["backhaul"] == tech].groupby("node")["gbps"].sum()
        values = gbps.reindex(nodes).fillna(0.0).to_numpy()
        c = colour(tech, BACKHAUL_COLOURS, i)
        ax.bar(x, values, 0.6, bottom=base, color=c, label=label(tech))
        base += values
    positive = base[base > 0]
    if len(positive) and positive.max() > 30 * positive.min():
        ax.set_yscale("log")
        ax.set_ylim(bottom=positive.min() / 3)
        ax.set_ylabel("backhaul, Gbps (log)")
    else:
        ax.set_ylabel("backhaul, Gbps")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,g}")
    ax.set_title("Traffic carried, by technology", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=7, ncol=len(techs), loc="upper right")
    ax.set_xticks(
        x, nodes, rotation=30 if len(nodes) > 4 else 0, ha="right" if len(nodes) > 4 else "center"
    )


__all__ = ["achieved", "backhaul_table", "latency_figure", "links"]
