"""Comparison report across the runs of a multirun (`planner -m ...`).

Reads each run folder's summary.json (written last, so only finished runs
count), labels runs by the settings that differ between them, and writes
`<multirun>/comparison/report.md` with figures, atomically.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from planner.errors import PlannerError
from planner.io import atomic_write_dir
from planner.report.style import RISK_COLOUR, SOURCE_COLOURS, colour, label, new_figure, save

LABEL_KEYS = ("name", "level")  # a group's choice name stands for all its keys


def load_runs(multirun_dir: str | os.PathLike) -> tuple[list[dict[str, Any]], list[Path]]:
    """Summaries of the finished runs under `multirun_dir` (sorted by job number) and unfinished folders."""
    root = Path(multirun_dir)
    if not root.is_dir():
        raise PlannerError(
            f"{root}: not a folder (give the multirun folder that holds the run folders)"
        )
    runs, unfinished = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name == "comparison":
            continue
        summary = folder / "summary.json"
        if summary.is_file():
            data = json.loads(summary.read_text(encoding="utf-8"))
            data["_dir"] = folder.name
            runs.append(data)
        elif (folder / ".hydra").is_dir():
            unfinished.append(folder)
    runs.sort(key=lambda r: _job_number(r["_dir"]))
    if not runs:
        raise PlannerError(f"{root}: no finished runs (no run folder holds a summary.json)")
    return runs, unfinished


def _job_number(name: str) -> tuple[int, str]:
    head = name.split("_", 1)[0]
    return (int(head), name) if head.isdigit() else (10**9, name)


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flat(v, key + "."))
        else:
            out[key] = json.dumps(v) if isinstance(v, list | dict) else v
    return out


def run_labels(runs: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """A short label per run from the settings that vary, and those setting keys."""
    flats = [_flat(r.get("settings", {})) for r in runs]
    keys = sorted({k for f in flats for k in f})
    varying = [k for k in keys if len({str(f.get(k)) for f in flats}) > 1]
    sections = {k.split(".")[0] for k in varying}
    chosen: list[str] = []
    for section in sorted(
        sections, key=lambda s: keys.index(next(k for k in keys if k.startswith(s + ".")))
    ):
        names = [f"{section}.{n}" for n in LABEL_KEYS if f"{section}.{n}" in varying]
        chosen += names or [k for k in varying if k.startswith(section + ".")]
    if not chosen:
        return [r["_dir"] for r in runs], []
    labels = [" / ".join(str(f.get(k)) for k in chosen) for f in flats]
    return labels, chosen


def compare_runs(multirun_dir: str | os.PathLike, dpi: int = 130) -> Path:
    """Write `<multirun_dir>/comparison/report.md` and its figures; returns the report path."""
    root = Path(multirun_dir)
    runs, unfinished = load_runs(root)
    labels, keys = run_labels(runs)
    experiment = _common(runs, "experiment")

    def _write(folder: Path) -> None:
        (folder / "figures").mkdir()
        figs = {
            "cost": draw_cost_comparison(runs, labels),
            "capacity": draw_capacity_comparison(runs, labels),
            "risk": draw_risk_comparison(runs, labels),
        }
        panels = EXPERIMENT_PANELS.get(experiment.get("name", ""))
        if panels:
            figs["experiment"] = draw_metric_panels(runs, labels, panels, experiment["name"])
        for name, fig in figs.items():
            save(fig, folder / "figures" / f"{name}.png", dpi)
        text = render(runs, labels, keys, unfinished, experiment)
        (folder / "report.md").write_text(text, encoding="utf-8")

    out = atomic_write_dir(root / "comparison", _write, overwrite=True)
    return out / "report.md"


def _common(runs: list[dict[str, Any]], section: str) -> dict[str, Any]:
    values = [r.get("settings", {}).get(section, {}) for r in runs]
    return values[0] if values and all(v == values[0] for v in values) else {}


def _total_cost(r: dict[str, Any]) -> float:
    return float(sum(r["cost_JPY_per_yr"].values()))


def _risk(r: dict[str, Any], metric: str, stat: str) -> float:
    return float(r.get("risk", {}).get(metric, {}).get(stat, float("nan")))


def render(
    runs: list[dict[str, Any]],
    labels: list[str],
    keys: list[str],
    unfinished: list[Path],
    experiment: dict[str, Any],
) -> str:
    """The Markdown text of the comparison report."""
    title = experiment.get("name") or "multirun"
    lines = [f"# Comparison: {title}", ""]
    if experiment.get("question"):
        lines += [f"**Question.** {experiment['question']}", ""]
    lines += [
        f"{len(runs)} finished runs"
        + (f", labelled by {', '.join(f'`{k}`' for k in keys)}" if keys else "")
        + ". Each run's own report is in its folder.",
        "",
    ]
    if unfinished:
        lines += [
            f"Not included (no summary.json, so unfinished or failed): {', '.join(p.name for p in unfinished)}.",
            "",
        ]
    head = [
        "run",
        "status",
        "cost bn JPY/yr",
        "JPY/MWh IT",
        "sites",
        "IT MW",
        "battery MWh",
        "unserved p95 MWh",
        "CFE p50",
        "RE share p50",
        "emissions p50 ktCO2",
        "mean latency ms",
        "risk targets",
        "report",
    ]
    lines += ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * 10 + "---|---|"]
    for lab, r in zip(labels, runs, strict=True):
        targets = r.get("risk_targets", {})
        ok = "met" if all(t["met"] for t in targets.values()) else "**missed**"
        cells = [
            f"**{lab}**",
            r["status"],
            f"{_total_cost(r) / 1e9:,.2f}",
            f"{r['cost_per_MWh_it_JPY']:,.0f}",
            str(len(r["sites_open"])),
            f"{r['capacity']['it_MW']:,.0f}",
            f"{r['capacity']['battery_MWh']:,.0f}",
            f"{_risk(r, 'unserved_energy', 'p95'):,.1f}",
            f"{_risk(r, 'cfe_score', 'p50'):.1%}",
            f"{_risk(r, 're_share', 'p50'):.1%}",
            f"{_risk(r, 'emissions', 'p50') / 1e3:,.1f}",
            f"{r.get('network', {}).get('mean_latency_ms', float('nan')):.2f}",
            ok if targets else "",
            f"[{r['_dir'].split('_', 1)[0]}](<../{r['_dir']}/report.md>)",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "![Cost by run](figures/cost.png)",
        "",
        "![Capacity by run](figures/capacity.png)",
        "",
        "![Risk by run](figures/risk.png)",
        "",
    ]
    section = EXPERIMENT_SECTIONS.get(experiment.get("name", ""))
    if section is not None:
        lines += section(runs, labels)
        lines += ["![The study's key numbers by run](figures/experiment.png)", ""]
    lines += ["## Sites opened", ""]
    for lab, r in zip(labels, runs, strict=True):
        lines.append(f"- **{lab}**: {', '.join(r['sites_open']) or '(none)'}")
    lines.append("")
    return "\n".join(lines)


# ---- figures -------------------------------------------------------------------------------


def _bar_frame(n: int):
    fig = new_figure(max(6.0, 1.2 + 0.9 * n), 4.6)
    return fig, fig.add_subplot()


def _xticks(ax, labels: list[str]) -> None:
    long = max(len(s) for s in labels) > 10
    ax.set_xticks(
        range(len(labels)),
        labels,
        rotation=30 if long else 0,
        ha="right" if long else "center",
        fontsize=8,
    )


def draw_cost_comparison(runs: list[dict[str, Any]], labels: list[str]):
    """Stacked annual cost by component for each run (bn JPY/yr)."""
    components = list(dict.fromkeys(c for r in runs for c in r["cost_JPY_per_yr"]))
    components = [c for c in components if any(r["cost_JPY_per_yr"].get(c, 0.0) > 0 for r in runs)]
    fig, ax = _bar_frame(len(runs))
    bottom = np.zeros(len(runs))
    cmap = [
        "#4c72b0",
        "#dd8452",
        "#55a868",
        "#c44e52",
        "#8172b3",
        "#937860",
        "#da8bc3",
        "#8c8c8c",
        "#ccb974",
        "#64b5cd",
    ]
    for i, c in enumerate(components):
        v = np.array([r["cost_JPY_per_yr"].get(c, 0.0) for r in runs]) / 1e9
        ax.bar(
            range(len(runs)),
            v,
            bottom=bottom,
            label=label(c),
            color=cmap[i % len(cmap)],
            width=0.65,
        )
        bottom += v
    for i, total in enumerate(bottom):
        ax.annotate(
            f"{total:,.1f}",
            (i, total),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    _xticks(ax, labels)
    ax.set_ylabel("bn JPY per year")
    ax.set_ylim(0, bottom.max() * 1.12 if bottom.max() > 0 else 1)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("Annual cost by component", fontsize=11)
    return fig


def draw_capacity_comparison(runs: list[dict[str, Any]], labels: list[str]):
    """Generation, battery and grid capacity per run (MW), IT capacity marked."""
    techs = [k[:-3] for k in runs[0]["capacity"] if k.endswith("_MW") and k not in ("it_MW",)]
    fig, ax = _bar_frame(len(runs))
    bottom = np.zeros(len(runs))
    for i, t in enumerate(techs):
        v = np.array([r["capacity"].get(f"{t}_MW", 0.0) for r in runs])
        if v.sum() <= 0:
            continue
        name = (
            "Grid connection" if t == "grid" else "Battery (power)" if t == "battery" else label(t)
        )
        ax.bar(
            range(len(runs)),
            v,
            bottom=bottom,
            label=name,
            color=colour(t, SOURCE_COLOURS, i),
            width=0.65,
        )
        bottom += v
    it = [r["capacity"]["it_MW"] for r in runs]
    ax.scatter(range(len(runs)), it, marker="D", color="black", zorder=3, label="IT capacity")
    ax.set_ylim(0, max(bottom.max(), max(it)) * 1.08 or 1.0)
    _xticks(ax, labels)
    ax.set_ylabel("MW")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("Capacity built", fontsize=11)
    return fig


def draw_risk_comparison(runs: list[dict[str, Any]], labels: list[str]):
    """p5-p95 range and p50 of unserved energy, CFE score and energy cost per run."""
    panels = (
        ("unserved_energy", "Unserved energy (MWh/yr)", 1.0),
        ("cfe_score", "Hourly CFE score (%)", 100.0),
        ("energy_cost", "Energy cost (bn JPY/yr)", 1e-9),
    )
    fig = new_figure(max(10.0, 3.0 + 1.2 * len(runs)), 4.2)
    axes = fig.subplots(1, len(panels))
    x = np.arange(len(runs))
    for ax, (metric, title, scale) in zip(axes, panels, strict=True):
        if metric == "energy_cost" and max(_risk(r, metric, "p95") for r in runs) < 1e9:
            title, scale = "Energy cost (M JPY/yr)", 1e-6
        p5 = np.array([_risk(r, metric, "p5") for r in runs]) * scale
        p50 = np.array([_risk(r, metric, "p50") for r in runs]) * scale
        p95 = np.array([_risk(r, metric, "p95") for r in runs]) * scale
        ax.vlines(x, p5, p95, color="#4c72b0", lw=6, alpha=0.45, label="p5 to p95")
        ax.scatter(x, p50, color="#1f3b73", zorder=3, label="p50")
        if metric == "unserved_energy":
            targets = [
                r.get("risk_targets", {}).get("unserved_energy_p95_MWh", {}).get("target_max")
                for r in runs
            ]
            if targets and targets[0] is not None and all(t == targets[0] for t in targets):
                ax.axhline(
                    targets[0], color=RISK_COLOUR, lw=1.5, label=f"target p95 <= {targets[0]:,.4g}"
                )
        ax.set_title(title, fontsize=10)
        ax.set_xlim(-0.6, len(runs) - 0.4)
        _xticks(ax, labels)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle("Risk over Monte Carlo futures", fontsize=11)
    return fig


# ---- experiment sections -------------------------------------------------------------------


def _cfe_premium(runs: list[dict[str, Any]], labels: list[str]) -> list[str]:
    base = next((r for r in runs if r["settings"]["policy"]["name"] == "annual_re100"), None)
    lines = ["## The cost of 24/7 carbon-free energy", ""]
    if base is None:
        return lines + ["(No `annual_re100` run in this sweep, so no premium to measure.)", ""]
    ref = _total_cost(base)
    lines += [
        "Premium of each policy over annual RE100 matching (same scenario, demand and siting):",
        "",
        "| policy | cost bn JPY/yr | premium bn JPY/yr | premium % | JPY/MWh IT | CFE p50 | battery MWh |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        c = _total_cost(r)
        lines.append(
            f"| {r['settings']['policy']['name']} | {c / 1e9:,.2f} | {(c - ref) / 1e9:+,.2f} | "
            f"{(c / ref - 1) * 100:+.1f}% | {r['cost_per_MWh_it_JPY']:,.0f} | "
            f"{_risk(r, 'cfe_score', 'p50'):.1%} | {r['capacity']['battery_MWh']:,.0f} |"
        )
    return lines + [""]


def _watt_bit(runs: list[dict[str, Any]], labels: list[str]) -> list[str]:
    lines = [
        "## Watt-bit: near power or near demand?",
        "",
        "Cost split into what siting trades off: power (generation, battery, grid energy and "
        "connection) against the network (backhaul) and the latency users see. Costs are net of "
        "any siting subsidy (a transfer from the state, not a saving to the country). "
        "Near power: Hokkaido, Tohoku, Kyushu; near demand: Tokyo, Chubu, Kansai.",
        "",
        "| siting | total bn JPY/yr | power bn JPY/yr | backhaul bn JPY/yr | mean latency ms | worst latency ms | Gbps x km | IT MW near power / near demand / elsewhere | unserved p95 MWh |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        cost = r["cost_JPY_per_yr"]
        backhaul = sum(v for k, v in cost.items() if "backhaul" in k)
        power = sum(
            v
            for k, v in cost.items()
            if any(w in k for w in ("gen", "battery", "grid", "solar", "wind", "energy"))
        )
        net = r.get("network", {})
        lines.append(
            f"| {r['settings']['siting']['name']} | {_total_cost(r) / 1e9:,.2f} | {power / 1e9:,.2f} | "
            f"{backhaul / 1e9:,.3f} | {net.get('mean_latency_ms', float('nan')):.2f} | "
            f"{net.get('max_latency_ms', float('nan')):.2f} | {net.get('gbps_km', 0):,.0f} | "
            f"{_split(r.get('it_MW_by_area', {}))} | {_risk(r, 'unserved_energy', 'p95'):,.1f} |"
        )
    return lines + [""]


POWER_AREAS = ("hokkaido", "tohoku", "kyushu")
DEMAND_AREAS = ("tokyo", "chubu", "kansai")


def _split(it_by_area: dict[str, float]) -> str:
    power = sum(v for a, v in it_by_area.items() if a in POWER_AREAS)
    demand = sum(v for a, v in it_by_area.items() if a in DEMAND_AREAS)
    rest = sum(it_by_area.values()) - power - demand
    return f"{power:,.0f} / {demand:,.0f} / {rest:,.0f}"


def _demand_uncertainty(runs: list[dict[str, Any]], labels: list[str]) -> list[str]:
    lines = [
        "## Plan and risk across AI-demand growth",
        "",
        "| demand | IT MW | sites | cost bn JPY/yr | JPY/MWh IT | unserved p50 / p95 MWh | CFE p5 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r['settings']['demand']['level']} | {r['capacity']['it_MW']:,.0f} | {len(r['sites_open'])} | "
            f"{_total_cost(r) / 1e9:,.2f} | {r['cost_per_MWh_it_JPY']:,.0f} | "
            f"{_risk(r, 'unserved_energy', 'p50'):,.1f} / {_risk(r, 'unserved_energy', 'p95'):,.1f} | "
            f"{_risk(r, 'cfe_score', 'p5'):.1%} |"
        )
    sites = [set(r["sites_open"]) for r in runs]
    robust = set.intersection(*sites) if sites else set()
    lines += [
        "",
        f"Sites opened at every demand level (no-regret): {', '.join(sorted(robust)) or '(none)'}.",
        "",
    ]
    return lines


EXPERIMENT_SECTIONS = {
    "cfe_premium": _cfe_premium,
    "watt_bit": _watt_bit,
    "demand_uncertainty": _demand_uncertainty,
}


def _premium_pct(runs: list[dict[str, Any]]):
    base = next((r for r in runs if r["settings"]["policy"]["name"] == "annual_re100"), None)
    ref = _total_cost(base) if base else float("nan")
    return lambda r: (_total_cost(r) / ref - 1) * 100


def _backhaul_cost(r: dict[str, Any]) -> float:
    return sum(v for k, v in r["cost_JPY_per_yr"].items() if "backhaul" in k) / 1e9


EXPERIMENT_PANELS = {
    "cfe_premium": [
        ("Cost premium over annual RE100 (%)", _premium_pct),
        ("Battery energy (MWh)", lambda runs: lambda r: r["capacity"]["battery_MWh"]),
        ("Hourly CFE score p50 (%)", lambda runs: lambda r: _risk(r, "cfe_score", "p50") * 100),
    ],
    "watt_bit": [
        ("Total cost (bn JPY/yr)", lambda runs: lambda r: _total_cost(r) / 1e9),
        ("Backhaul cost (bn JPY/yr)", lambda runs: _backhaul_cost),
        (
            "Mean latency (ms)",
            lambda runs: lambda r: r.get("network", {}).get("mean_latency_ms", float("nan")),
        ),
    ],
    "demand_uncertainty": [
        ("IT capacity (MW)", lambda runs: lambda r: r["capacity"]["it_MW"]),
        ("Cost per MWh of IT load (JPY)", lambda runs: lambda r: r["cost_per_MWh_it_JPY"]),
        (
            "Unserved energy p95 (GWh/yr)",
            lambda runs: lambda r: _risk(r, "unserved_energy", "p95") / 1e3,
        ),
    ],
}


def draw_metric_panels(runs: list[dict[str, Any]], labels: list[str], panels, name: str):
    """One bar panel per key number of an experiment, runs side by side."""
    fig = new_figure(max(10.0, 3.0 + 1.1 * len(runs)), 3.8)
    axes = fig.subplots(1, len(panels))
    x = np.arange(len(runs))
    for ax, (title, make) in zip(axes, panels, strict=True):
        value = make(runs)
        v = np.array([value(r) for r in runs], dtype=float)
        bars = ax.bar(x, np.nan_to_num(v), color="#4c72b0", width=0.6)
        for bar, val in zip(bars, v, strict=True):
            below = val < 0
            ax.annotate(
                f"{val:,.3g}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, -2 if below else 2),
                textcoords="offset points",
                ha="center",
                va="top" if below else "bottom",
                fontsize=7.5,
            )
        finite = v[np.isfinite(v)]
        lo, hi = min(0.0, *finite, 0.0), max(0.0, *finite, 0.0)
        pad = 0.15 * (hi - lo) or 1.0
        ax.set_ylim(lo - (pad if lo < 0 else 0), hi + pad)
        ax.axhline(0, color="#333333", lw=0.6)
        ax.set_title(title, fontsize=9.5)
        ax.set_xlim(-0.6, len(runs) - 0.4)
        _xticks(ax, labels)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    fig.suptitle(f"{name}: key numbers by run", fontsize=11)
    return fig
