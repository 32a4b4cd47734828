"""Numbers the report shows, read off the Scenario, Plan and Risk datasets.

Nothing here re-optimises: it only weights the Plan's modelled hours by the
hours they represent and splits energy by source.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from planner.contracts.plan import validate_plan
from planner.contracts.risk import validate_risk
from planner.contracts.targets import RiskTargets
from planner.errors import PlanError
from planner.report.options import ReportOptions

OPEN = 0.5  # site_open above this counts as open (it is 0/1, or fractional if relaxed)
# optional Plan variables the report reads: the LP writes them, plan_from_capacities does not
NEEDS = (
    "site_open",
    "backhaul_capacity",
    "it_load",
    "grid_import",
    "export",
    "charge",
    "discharge",
    "curtailment",
    "unserved",
    "cost",
)


def check_inputs(
    scenario: xr.Dataset, plan: xr.Dataset, risk: xr.Dataset
) -> tuple[xr.Dataset, xr.Dataset]:
    """`validate_plan` against the Scenario, `validate_risk`, and the Plan variables in NEEDS.

    Returns the validated (plan, risk); raises `PlanError` or `RiskError` listing every problem.
    """
    plan, risk = validate_plan(plan, scenario), validate_risk(risk)
    missing = [
        f"{name}: missing (the report needs the LP's dispatch and costs; "
        "a plan from plan_from_capacities has capacities only)"
        for name in NEEDS
        if name not in plan
    ]
    if missing:
        raise PlanError(missing)
    return plan, risk


def on_plan_hours(scenario: xr.Dataset, plan: xr.Dataset) -> xr.Dataset:
    """The Scenario on the Plan's modelled hours, with `weight` (h) and `period`.

    Weights are scaled by the Plan's `annual_scale` attr (a scenario shorter than
    a year is annualised), so sums of weighted MW are MWh per year.
    """
    if scenario.sizes["time"] != plan.sizes["time"]:
        hours = scenario.sel(time=plan.time)
    else:
        hours = scenario.copy()
    for name in ("weight", "period"):
        if name in plan and name not in hours:
            hours[name] = plan[name]
    if "weight" not in hours:
        hours["weight"] = ("time", np.ones(hours.sizes["time"]))
    hours["weight"] = hours["weight"] * float(plan.attrs.get("annual_scale", 1.0))
    if "period" not in hours:
        days = pd.DatetimeIndex(hours.time.values).normalize()
        hours["period"] = ("time", pd.factorize(days)[0])
    return hours


def open_sites(plan: xr.Dataset) -> list[str]:
    return [str(s) for s in plan.site.values[plan["site_open"].values > OPEN]]


def renewable_output(plan: xr.Dataset, hours: xr.Dataset) -> xr.DataArray:
    """Available renewable power (site, gen, time) in MW: capacity x capacity factor.

    Off-site PPA output counts at the site like on-site generation (`ppa_capacity`, when
    the plan has it), as the LP and the Monte Carlo count it.
    """
    capacity = plan["gen_capacity"]
    if "ppa_capacity" in plan:
        capacity = capacity + plan["ppa_capacity"]
    return capacity * hours["cf"].sel(site=plan.site, gen=plan.gen)


def used_on_site(plan: xr.Dataset, avail: xr.DataArray) -> xr.DataArray:
    """Renewable power used at each site (site, gen, time), MW: curtailment and export off pro rata."""
    total = avail.sum("gen")
    not_used = plan["curtailment"] + plan["export"]
    return avail * xr.where(total > 0, 1.0 - not_used / total, 0.0).clip(0.0, 1.0)


def site_energy(plan: xr.Dataset, hours: xr.Dataset) -> xr.DataArray:
    """Energy supplied to each site over a year by source (site, source) in MWh.

    Sources are the generator types (curtailment and export taken off pro rata),
    `grid` and `unserved`. Exports are not supply to the site (see `summarize`).
    """
    w = hours["weight"]
    gen_energy = (used_on_site(plan, renewable_output(plan, hours)) * w).sum("time")
    parts = [gen_energy.rename(gen="source")]
    for source, var in (("grid", "grid_import"), ("unserved", "unserved")):
        parts.append((plan[var] * w).sum("time").expand_dims(source=[source]))
    out = xr.concat(parts, dim="source").transpose("site", "source")
    out.attrs["units"] = "MWh"
    return out


def capacity_table(plan: xr.Dataset, sites: list[str] | None = None) -> pd.DataFrame:
    """Capacity per site (rows) in the summary's names: `it_MW`, `<gen>_MW` (on-site),
    `ppa_<gen>_MW` (off-site PPA, when the plan has `ppa_capacity`), `battery_MW`,
    `battery_MWh`, `grid_MW`, `backup_MW` (when the plan has `backup_power`)."""
    p = plan if sites is None else plan.sel(site=sites)
    cols: dict[str, np.ndarray] = {"it_MW": p["it_capacity"].values}
    for g in p.gen.values:
        cols[f"{g}_MW"] = p["gen_capacity"].sel(gen=g).values
    if "ppa_capacity" in p:
        for g in p.gen.values:
            cols[f"ppa_{g}_MW"] = p["ppa_capacity"].sel(gen=g).values
    cols["battery_MW"] = p["battery_power"].values
    cols["battery_MWh"] = p["battery_energy"].values
    cols["grid_MW"] = p["grid_capacity"].values
    if "backup_power" in p:
        cols["backup_MW"] = p["backup_power"].values
    return pd.DataFrame(
        {k: np.asarray(v, dtype=float) for k, v in cols.items()},
        index=[str(s) for s in p.site.values],
    )


SUMMER, WINTER = (6, 7, 8), (12, 1, 2)  # months of the dispatch figure's two days


def representative_days(hours: xr.Dataset) -> dict[str, pd.Timestamp]:
    """A summer (Jun-Aug) and a winter (Dec-Feb) day among the modelled periods.

    The most-weighted modelled day in each season, else the one nearest mid-season.
    """
    times = pd.DatetimeIndex(hours.time.values)
    table = pd.DataFrame(
        {
            "day": times.normalize(),
            "weight": hours["weight"].values,
            "period": hours["period"].values,
        }
    )
    days = table.groupby("day").agg(weight=("weight", "mean"))
    months = days.index.month
    out: dict[str, pd.Timestamp] = {}
    for season, wanted, centre in (("summer", SUMMER, 7), ("winter", WINTER, 1)):
        inside = days[np.isin(months, wanted)]
        if len(inside):
            out[season] = inside["weight"].idxmax()
        else:  # nearest modelled day to the middle of the season
            gap = np.minimum(abs(months - centre), 12 - abs(months - centre))
            out[season] = days.index[int(np.argmin(gap))]
    if out["summer"] == out["winter"] and len(days) > 1:
        out["winter"] = days.index[-1] if out["summer"] == days.index[0] else days.index[0]
    return out


def system_dispatch(plan: xr.Dataset, hours: xr.Dataset, day: pd.Timestamp) -> pd.DataFrame:
    """Hourly system-wide supply and demand on one modelled day (MW, summed over sites)."""
    sel = pd.DatetimeIndex(hours.time.values).normalize() == day
    h = hours.isel(time=sel)
    p = plan.isel(time=sel)
    used = used_on_site(p, renewable_output(p, h)).sum("site")
    frame = {str(g): used.sel(gen=g).values for g in p.gen.values}
    frame["battery"] = p["discharge"].sum("site").values
    frame["grid"] = p["grid_import"].sum("site").values
    frame["unserved"] = p["unserved"].sum("site").values
    frame["facility_load"] = (h["pue"].sel(site=p.site) * p["it_load"]).sum("site").values
    frame["charge"] = p["charge"].sum("site").values
    frame["curtailment"] = p["curtailment"].sum("site").values
    frame["export"] = p["export"].sum("site").values
    index = pd.DatetimeIndex(p.time.values).hour
    return pd.DataFrame(frame, index=index)


def risk_stat(risk: xr.Dataset, metric: str, stat: str) -> float:
    """One statistic of a metric over futures, from the Risk's `summary`."""
    return float(risk["summary"].sel(metric=metric, stat=stat))


def summarize(
    scenario: xr.Dataset,
    plan: xr.Dataset,
    risk: xr.Dataset,
    options: ReportOptions | None = None,
    reduced: xr.Dataset | None = None,
) -> dict[str, Any]:
    """The key numbers of a run as plain JSON-ready values (units in the key names).

    Checks its inputs first (`check_inputs`); `options` gives the risk targets
    (default: `ReportOptions()`'s); `reduced` the Scenario on the LP's hours (its
    rescaled days, as the LP saw them; default: the Scenario at the plan's hours).
    """
    plan, risk = check_inputs(scenario, plan, risk)
    hours = on_plan_hours(reduced if reduced is not None else scenario, plan)
    energy = site_energy(plan, hours)
    w = hours["weight"]
    it_energy = float((plan["it_load"] * w).sum())
    cost = {
        str(c): float(v) for c, v in zip(plan.component.values, plan["cost"].values, strict=True)
    }
    total_cost = float(sum(cost.values()))
    capacity = {k: float(v) for k, v in capacity_table(plan).sum().items()}
    for b in plan.backhaul.values:
        capacity[f"{b}_Gbps"] = float(plan["backhaul_capacity"].sel(backhaul=b).sum())
    summary = risk["summary"].transpose("metric", "stat")
    risk_table = {
        str(m): {str(st): float(v) for st, v in zip(summary.stat.values, row, strict=True)}
        for m, row in zip(summary.metric.values, summary.values, strict=True)
    }
    out: dict[str, Any] = {
        "scenario": str(scenario.attrs.get("name", "")),
        "demand": str(scenario.attrs.get("demand_scenario", "")),
        "status": str(plan.attrs.get("status", "")),
        "objective": float(plan.attrs.get("objective", total_cost)),
        "solver": str(plan.attrs.get("solver", "")),
        "solve_seconds": float(plan.attrs.get("solve_seconds", float("nan"))),
        "policy": json.loads(plan.attrs["policy"]) if "policy" in plan.attrs else {},
        "sites_open": open_sites(plan),
        "capacity": capacity,
        "it_MW_by_area": _by_area(plan),
        "cost_JPY_per_yr": cost,
        "energy_MWh_per_yr": {
            "it_load": it_energy,
            **{str(s): float(energy.sel(source=s).sum()) for s in energy.source.values},
            "curtailment": float((plan["curtailment"] * w).sum()),
            "export": float((plan["export"] * w).sum()),
        },
        "cost_per_MWh_it_JPY": total_cost / it_energy if it_energy > 0 else float("nan"),
        "risk": risk_table,
        "monte_carlo": {
            k: _plain(risk.attrs[k])
            for k in ("n_futures", "seed", "backend", "devices", "seconds")
            if k in risk.attrs
        },
    }
    out["network"] = network_summary(plan, scenario)
    out["risk_targets"] = check_targets(risk, options or ReportOptions())
    return out


def network_summary(plan: xr.Dataset, scenario: xr.Dataset) -> dict[str, float]:
    """Latency and reach of the backhaul built: capacity-weighted mean and worst latency (ms)."""
    from planner.scenario.validate import latency

    cap = plan["backhaul_capacity"]
    if float(cap.sum()) <= 0:
        return {"mean_latency_ms": float("nan"), "max_latency_ms": float("nan"), "gbps_km": 0.0}
    dist = scenario["distance"].sel(node=plan.node, site=plan.site)
    lat = latency(
        dist,
        scenario["backhaul_latency_per_km"].sel(backhaul=plan.backhaul),
        scenario["backhaul_base_latency"].sel(backhaul=plan.backhaul),
    )
    built = cap > 1e-6
    return {
        "mean_latency_ms": float((lat * cap).sum() / cap.sum()),
        "max_latency_ms": float(lat.where(built).max()),
        "gbps_km": float((cap * dist).sum()),
    }


def _by_area(plan: xr.Dataset) -> dict[str, float]:
    """IT capacity (MW) summed by the grid area of each site."""
    if "site_area" not in plan:
        return {}
    it = plan["it_capacity"].groupby(plan["site_area"].astype(str)).sum()
    return {
        str(a): float(v) for a, v in zip(it[it.dims[0]].values, it.values, strict=True) if v > 0
    }


# RiskTargets name -> the key of summary.json["risk_targets"]
TARGET_KEYS = {
    "max_unserved_p95": "unserved_energy_p95_MWh",
    "max_unmet_demand_p95": "unmet_demand_p95_MWh",
    "min_cfe_p5": "cfe_score_p5",
    "min_re_share_p5": "re_share_p5",
}


def check_targets(risk: xr.Dataset, options: ReportOptions) -> dict[str, Any]:
    """The Risk against the report's targets (`RiskTargets.check`: energies per year, the
    Risk's totals x `attrs["annual_scale"]`), as summary.json's `risk_targets`.

    Unserved energy always (its default bound); unmet demand, hourly CFE and annual RE
    share when `options` sets them; a target whose metric the Risk lacks is left out.
    Each entry: `value` (per year for energies), `target_max` or `target_min`, `met`.
    """
    targets = RiskTargets(**{name: getattr(options, name) for name in TARGET_KEYS})
    out: dict[str, Any] = {}
    for c in targets.check(risk):
        if c.holds is None:
            continue
        bound = "target_max" if c.target.startswith("max") else "target_min"
        out[TARGET_KEYS[c.target]] = {"value": c.value, bound: c.limit, "met": c.holds}
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value
