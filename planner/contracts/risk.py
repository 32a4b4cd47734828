"""The Risk contract: one table of every per-future metric, the rules of its per-site and
summary forms, and its validator.

A Risk dataset (dims future, site, metric, stat) holds each metric per future
(`future`,), the same metric per site as `site_<metric>` (future, site), and
`summary` (metric, stat): the STATS of each metric over futures, with coords
`worse` and `metric_units` along `metric`. Energy is MWh over the simulated
horizon. `worse` is the bad direction that CVaR averages.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.contracts.table import Var, apply_attrs, check_dims, check_values, missing_text
from planner.errors import RiskError

STATS: tuple[str, ...] = ("mean", "p5", "p50", "p95", "cvar95")
SITE_PREFIX = "site_"
# float32 sums over a year may miss a bound by a little: this, relative to the largest |value|
BOUND_TOLERANCE = 1e-3
_SERVED = "nothing was served"

RISK_SCHEMA: tuple[Var, ...] = (
    Var(
        "unserved_energy",
        ("future",),
        "MWh",
        "nonneg",
        "facility load of IT within built capacity that could not be powered (after battery, "
        "grid and backup)",
        worse="high",
    ),
    Var(
        "loss_of_load_hours",
        ("future",),
        "h",
        "nonneg",
        "hours with unserved energy above 1 kW (any site)",
        worse="high",
    ),
    Var(
        "unmet_demand",
        ("future",),
        "MWh",
        "nonneg",
        "pue x IT demand above built IT capacity or cut off from every site (all its links "
        "cut): the facility energy it would have drawn",
        required=False,
        worse="high",
    ),
    Var(
        "unmet_demand_hours",
        ("future",),
        "h",
        "nonneg",
        "hours with unmet demand above 1 kW (any site)",
        required=False,
        worse="high",
    ),
    Var(
        "re_share",
        ("future",),
        "1",
        "nonneg",
        "annual renewable matching: (own and PPA renewables used + exported) / total load "
        "(served + unserved); above 1 only with exports",
        worse="low",
        nan_when=_SERVED,
    ),
    Var(
        "cfe_score",
        ("future",),
        "1",
        "fraction",
        "hourly carbon-free energy score on total load (own renewables + carbon-free share of "
        "grid; exports and backup count for nothing)",
        worse="low",
        nan_when=_SERVED,
    ),
    Var("grid_energy", ("future",), "MWh", "nonneg", "grid import", worse="high"),
    Var(
        "export_energy",
        ("future",),
        "MWh",
        "nonneg",
        "renewable surplus sold to the grid (within connection and the yearly export cap)",
        required=False,
        worse="high",
    ),
    Var("emissions", ("future",), "tCO2", "nonneg", "grid import x emission factor", worse="high"),
    Var(
        "energy_cost",
        ("future",),
        "JPY",
        "any",
        "net energy cost: grid import x (price + grid energy charge) - export x price",
        worse="high",
    ),
    Var(
        "curtailment",
        ("future",),
        "MWh",
        "nonneg",
        "renewable energy neither used, stored nor exported",
        worse="high",
    ),
    Var(
        "battery_cycles",
        ("future",),
        "1",
        "nonneg",
        "equivalent full cycles (discharged energy / energy capacity)",
        worse="high",
    ),
    Var(
        "backup_energy",
        ("future",),
        "MWh",
        "nonneg",
        "energy made by backup generation (only for load renewables, battery and grid could "
        "not carry)",
        required=False,
        worse="high",
    ),
    Var(
        "backup_hours",
        ("future",),
        "h",
        "nonneg",
        "hours with backup generation running (any site)",
        required=False,
        worse="high",
    ),
    Var(
        "backup_emissions",
        ("future",),
        "tCO2",
        "nonneg",
        "backup energy x backup_co2",
        required=False,
        worse="high",
    ),
    Var(
        "backup_fuel_cost",
        ("future",),
        "JPY",
        "nonneg",
        "backup energy x backup_fuel_cost",
        required=False,
        worse="high",
    ),
    Var(
        "demand_energy",
        ("future",),
        "MWh",
        "nonneg",
        "energy asked for (served + unserved + unmet demand)",
        required=False,
        worse="high",
    ),
)

BY_NAME: dict[str, Var] = {v.name: v for v in RISK_SCHEMA}


def site_var(metric: Var) -> Var:
    """The per-site form of a metric: `site_<metric>` (future, site), same units and rule."""
    return Var(
        SITE_PREFIX + metric.name,
        ("future", "site"),
        metric.units,
        metric.rule,
        metric.description,
        required=False,
        worse=metric.worse,
        nan_when=metric.nan_when,
    )


SITE_SCHEMA: tuple[Var, ...] = tuple(site_var(v) for v in RISK_SCHEMA)
SUMMARY = Var(
    "summary",
    ("metric", "stat"),
    "per metric",
    "as_metric",
    "statistics of each metric over futures; units as the metric's",
)
# The README's table: the metrics, then the rules their per-site and summary forms follow.
RISK_TABLE: tuple[Var, ...] = (
    *RISK_SCHEMA,
    Var(
        SITE_PREFIX + "<metric>",
        ("future", "site"),
        "as the metric",
        "as_metric",
        "the metric at each site",
        required=False,
    ),
    Var(
        SUMMARY.name,
        SUMMARY.dims,
        "as the metric",
        SUMMARY.rule,
        f"{', '.join(STATS)} of each metric over futures (coords `worse`, `metric_units`); "
        "cvar95: mean of the worst ceil(5%) of futures in the metric's worse direction",
    ),
)


def validate_risk(risk: xr.Dataset) -> xr.Dataset:
    """Check `risk` against the Risk contract; return a copy with the schema's attrs.

    Checks the metrics (required present, dims, NaN, value rules), their `site_`
    forms where present, and `summary`: dims, `stat` labels, one row per metric
    present, `worse` as the schema says, NaN only where the metric allows it.
    Raises `RiskError` listing every problem.
    """
    if not isinstance(risk, xr.Dataset):
        raise RiskError(f"risk must be an xarray.Dataset, got {type(risk).__name__}")
    problems: list[str] = []
    present = []
    for var in (*RISK_SCHEMA, *SITE_SCHEMA):
        if var.name not in risk:
            problems += [missing_text(var)] if var.required else []
            continue
        present += [var.name] if var in RISK_SCHEMA else []
        da = risk[var.name]
        problems += check_dims(var, da) or check_values(var, da, _tolerance(da))
    if SUMMARY.name not in risk:
        problems.append(missing_text(SUMMARY))
    else:
        problems += check_dims(SUMMARY, risk[SUMMARY.name]) or _check_summary(risk, present)
    n = risk.attrs.get("n_futures")
    if n is not None and "future" in risk.dims and int(n) != risk.sizes["future"]:
        problems.append(
            f"attrs n_futures = {n!r}: must equal the size of `future` ({risk.sizes['future']})"
        )
    if problems:
        raise RiskError(problems)
    return apply_attrs(risk, (*RISK_SCHEMA, *SITE_SCHEMA))


def _tolerance(da: xr.DataArray) -> float:
    values = np.asarray(da.values)
    if not np.issubdtype(values.dtype, np.number) or values.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        scale = np.nanmax(np.abs(values.astype(float))) if not np.isnan(values).all() else 0.0
    return BOUND_TOLERANCE * max(1.0, float(scale))


def _check_summary(risk: xr.Dataset, present: list[str]) -> list[str]:
    summary = risk[SUMMARY.name]
    stats = [str(s) for s in summary["stat"].values] if "stat" in summary.coords else []
    problems = []
    if stats != list(STATS):
        problems.append(f"summary: stat labels {stats}, the contract says {list(STATS)}")
    if "metric" not in summary.coords:
        return [*problems, "summary: dimension 'metric' has no coordinate labels"]
    metrics = [str(m) for m in summary["metric"].values]
    problems += [f"summary: metric {m!r} is not a Risk metric" for m in metrics if m not in BY_NAME]
    problems += [f"summary: no row for metric {m!r}" for m in present if m not in metrics]
    if "worse" in summary.coords:
        for m, worse in zip(metrics, summary["worse"].values, strict=True):
            if m in BY_NAME and str(worse) != BY_NAME[m].worse:
                problems.append(
                    f"summary: worse[metric={m}] = {str(worse)!r}, the contract says "
                    f"{BY_NAME[m].worse!r}"
                )
    values = np.asarray(summary.transpose("metric", "stat").values, dtype=float)
    for m, row in zip(metrics, values, strict=True):
        if np.isnan(row).any() and m in BY_NAME and not BY_NAME[m].nan_when:
            problems.append(
                f"summary[metric={m}] has NaN: not allowed (rule: {m} is never NaN, so neither "
                "are its statistics)"
            )
    return problems
