"""The history of a `harden` run: one row per iteration, as an xarray Dataset (dim `iteration`).

Variables (iteration; metric, stat; target; component):
- `objective` JPY/yr and `cost` (iteration, component) JPY/yr of each plan;
  `it_capacity`, `battery_energy`, `gen_capacity` (totals), `n_periods`;
  `reserve_margin`, `cfe_target`, `re_share_target`: the policy each plan was solved with;
  `lp_cfe_score`, `lp_re_share`: the scores on the LP's own days.
- `risk` (iteration, metric, stat): the in-sample Monte Carlo summary, energies,
  hours, emissions and money per year; `holdout_risk` the same on the held-out
  futures (NaN where no held-out check ran).
- `value`, `holds`, `shortfall` (iteration, target) in-sample; `holdout_value`,
  `holdout_holds`, `holdout_shortfall` held out (holds: 1 met, 0 missed, NaN not
  measured); `limit` (target).
- `change` (iteration): what was changed to make this plan; `seconds`.
Attrs: `accepted` (1/0), `accepted_iteration` (-1: none), `verdict` (text),
`targets` (JSON), seeds and future counts.
"""

from __future__ import annotations

import json
import math

import numpy as np
import xarray as xr

from planner.contracts.targets import TARGETS, RiskTargets, TargetCheck, all_hold

PER_YEAR_UNITS = ("MWh", "h", "tCO2", "JPY")  # totals over the horizon, scaled to a year


def annual_summary(risk: xr.Dataset) -> xr.DataArray:
    """The Risk's summary (metric, stat) with totals scaled to a year (scores as they are)."""
    summary = risk["summary"].astype(float)
    scale = float(risk.attrs.get("annual_scale", 1.0))
    if "metric_units" in summary.coords:
        units = [str(u) for u in summary["metric_units"].values]
    else:
        units = ["MWh"] * summary.sizes["metric"]
    factor = xr.DataArray(
        [scale if u in PER_YEAR_UNITS else 1.0 for u in units],
        dims="metric",
        coords={"metric": summary["metric"].values},
    )
    out = (summary * factor).reset_coords(drop=True)
    return out.assign_coords(metric=[str(m) for m in summary["metric"].values])


def _checks_row(checks: list[TargetCheck] | None) -> dict[str, tuple[float, float, float]]:
    out = {}
    for c in checks or []:
        holds = math.nan if c.holds is None else float(c.holds)
        out[c.target] = (c.value, holds, c.shortfall)
    return out


def iteration_row(
    it, plan, risk, checks, hold_risk, hold_checks, hold_seed, policy, lp_scores, change, seconds
) -> dict:
    """One iteration's numbers (plain values) for `history_dataset`."""
    cost = plan["cost"] if "cost" in plan else None
    return {
        "iteration": it,
        "objective": float(plan.attrs.get("objective", math.nan)),
        "cost": None if cost is None else cost.to_series().astype(float),
        "it_capacity": float(plan["it_capacity"].sum()),
        "battery_energy": float(plan["battery_energy"].sum()),
        "gen_capacity": float(plan["gen_capacity"].sum()),
        "n_periods": int(len(np.unique(plan["period"].values))) if "period" in plan else 1,
        "reserve_margin": float(policy.reserve_margin),
        "cfe_target": math.nan if policy.cfe_target is None else float(policy.cfe_target),
        "re_share_target": math.nan if policy.re_share is None else float(policy.re_share),
        "lp_cfe_score": float(lp_scores.get("cfe_score", math.nan)),
        "lp_re_share": float(lp_scores.get("re_share", math.nan)),
        "risk": annual_summary(risk),
        "holdout_risk": None if hold_risk is None else annual_summary(hold_risk),
        "checks": _checks_row(checks),
        "holdout_checks": None if hold_checks is None else _checks_row(hold_checks),
        "holdout_seed": -1 if hold_seed is None else int(hold_seed),
        "change": change,
        "seconds": float(seconds),
        "stalled": False,
        "_checks": checks,
        "_hold_checks": hold_checks,
    }


def history_dataset(
    rows: list[dict],
    targets: RiskTargets,
    accepted: int | None,
    n_futures: int,
    n_holdout: int,
    seed: int,
    holdout_seed: int,
) -> xr.Dataset:
    """The rows of `iteration_row` as the history Dataset (see the module doc)."""
    its = [r["iteration"] for r in rows]
    names = [t.name for t in targets.active()]
    scalars = (
        ("objective", "JPY/yr"),
        ("it_capacity", "MW"),
        ("battery_energy", "MWh"),
        ("gen_capacity", "MW"),
        ("n_periods", "1"),
        ("reserve_margin", "1"),
        ("cfe_target", "1"),
        ("re_share_target", "1"),
        ("lp_cfe_score", "1"),
        ("lp_re_share", "1"),
        ("seconds", "s"),
        ("holdout_seed", "1"),
    )
    ds = xr.Dataset(coords={"iteration": its, "target": names})
    for name, units in scalars:
        ds[name] = ("iteration", [r[name] for r in rows], {"units": units})
    ds["change"] = ("iteration", np.array([r["change"] for r in rows], dtype=object))
    risk = xr.concat([r["risk"] for r in rows], dim="iteration").assign_coords(iteration=its)
    ds["risk"] = risk
    ds["risk"].attrs = {"units": "per metric, per year", "description": "in-sample Monte Carlo"}
    nan = xr.full_like(rows[0]["risk"], math.nan)
    ds["holdout_risk"] = xr.concat(
        [r["holdout_risk"] if r["holdout_risk"] is not None else nan for r in rows],
        dim="iteration",
    ).assign_coords(iteration=its)
    ds["holdout_risk"].attrs = {"units": "per metric, per year", "description": "held-out futures"}
    costs = [r["cost"] for r in rows if r["cost"] is not None]
    if len(costs) == len(rows):
        comps = list(dict.fromkeys(c for s in costs for c in s.index))
        ds["cost"] = (
            ("iteration", "component"),
            [[float(s.get(c, 0.0)) for c in comps] for s in costs],
            {"units": "JPY/yr"},
        )
        ds = ds.assign_coords(component=comps)
    for prefix, key in (("", "checks"), ("holdout_", "holdout_checks")):
        for k, part in enumerate(("value", "holds", "shortfall")):
            ds[prefix + part] = (
                ("iteration", "target"),
                [[(r[key] or {}).get(n, (math.nan,) * 3)[k] for n in names] for r in rows],
            )
    ds["limit"] = ("target", [float(getattr(targets, n)) for n in names])
    units = {t.name: t.units for t in TARGETS}
    ds["limit"].attrs["units"] = json.dumps({n: units[n] for n in names})
    last = rows[-1]
    final = last["_hold_checks"] or last["_checks"]
    ds.attrs.update(
        accepted=int(accepted is not None),
        accepted_iteration=-1 if accepted is None else int(accepted),
        verdict=verdict(final, accepted, last["_hold_checks"] is not None, last["stalled"])
        + (" " + last["stop_note"] if last.get("stop_note") else ""),
        targets=json.dumps(targets.model_dump(), sort_keys=True),
        n_futures=int(n_futures),
        n_holdout=int(n_holdout),
        seed=int(seed),
        holdout_seed=int(holdout_seed),
        description="planner.harden: one row per plan solved",
    )
    return ds


def verdict(checks: list[TargetCheck], accepted, held_out: bool, stalled: bool) -> str:
    """One paragraph: accepted, or which target cannot be met and by how much."""
    unmeasured = [c for c in checks if c.holds is None]
    note = "".join(f" {c.text()}." for c in unmeasured)
    if accepted is not None:
        return (
            f"Accepted at iteration {accepted}: every target holds in-sample and on the "
            f"held-out futures.{note}"
        )
    missed = [c for c in checks if c.holds is False]
    where = "on the held-out futures" if held_out else "in-sample"
    why = "no lever left" if stalled else "max_iterations reached"
    if not missed and all_hold(checks):
        return f"Not accepted ({why}).{note}"
    return f"Not met ({why}); {where}: " + "; ".join(c.text() for c in missed) + "." + note
