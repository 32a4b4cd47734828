"""`harden`: plan, stress-test the plan over the full year, and re-plan until the risk targets hold.

Each iteration solves the LP on the (growing) set of representative days,
runs the Monte Carlo over the full chronological year and checks the targets
(`planner.contracts.targets`). While one is missed, the plan is changed where
the Monte Carlo shows it fails, then solved again:

- unserved energy that is *power* (IT load within built capacity that
  renewables, battery and grid could not power): the worst days of the futures
  that decide the p95 are added to the LP as periods of their own, weight one
  day each, with those futures' weather (source day, real weather year, noise),
  demand growth and price shocks (`stress.stress_days`, `reduce.add_stress_days`).
  This is the extreme-period idea of tsam (Hoffmann, Kotzur et al.:
  `extremePeriodMethod`, "new_cluster_center" / "append"; Kotzur et al. 2018,
  Energy 195, doi:10.1016/j.energy.2018.01.023), with the extreme days picked
  by the Monte Carlo's failures instead of by a profile's peak; capacity
  expansion tools (PyPSA, GenX, Calliope) stop at the reduced LP and have no such
  loop. When stress days were added before and power is still short, backup
  generation is the next lever (below).
- unserved energy that is *capacity* (IT demand above the built IT capacity or
  unroutable: demand growth, link cuts), or a missed `unmet_demand` target: the
  policy's `reserve_margin` rises to the demand growth of the future at the
  target's quantile (0.95, then 0.975, ... while it is still missed).
- unserved energy at sites that are *down* (outages, disasters), or power still
  short after stress days were added: the policy's `backup_coverage` rises to 1
  where the Policy has it (backup generation); else it is reported as having no lever.
- a missed CFE or renewable-share p5: the LP's target rises by what the full year
  loses against the LP (LP score - Monte Carlo p5) and then by what is still short.

A plan that meets every target in-sample is checked on a held-out set (a fresh
seed, `holdout_seed`); it is accepted only if the targets hold there too, else
the held-out failures drive the next change and the next check uses a new
seed. The loop stops when a plan is accepted, at `max_iterations`, when no
lever is left, or when a re-plan fails (e.g. a margin the grid headroom cannot hold); `history.attrs["verdict"]` then names each target missed and by
how much.

Warm start: not done. planner.lp solves through PuLP's highspy interface
(`pulp.HiGHS`), which passes no start point; PuLP's warm start (`warmStart=True`)
exists only for HiGHS_CMD (a solution file HiGHS reads as a MIP start) and CBC.
Each re-solve also has a different model (new periods, hence new variables and
rows), so a simplex basis would not carry over as it is.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import xarray as xr

from planner.contracts.table import whole_number
from planner.contracts.targets import RiskTargets, TargetCheck, all_hold
from planner.errors import PolicyError, SolverError
from planner.hardening.history import history_dataset, iteration_row
from planner.hardening.stress import CAUSES, failure_causes, futures_of, stress_days
from planner.lp import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT, Policy
from planner.lp import plan as solve_plan
from planner.lp.policy_options import as_policy
from planner.lp.results import dispatch_metrics
from planner.mc import simulate
from planner.mc.uncertainty import Uncertainty, as_uncertainty
from planner.scenario import reduce_time, validate
from planner.scenario.reduce import add_stress_days, stress_free_days

log = logging.getLogger("planner")
HOLDOUT_OFFSET = 1_000_003  # held-out seed = seed + this (a stream no iteration uses)
CAUSE_SHARE = 0.1  # a cause of unserved energy is acted on above this share of the total
MARGIN_STEP = 0.05  # smallest rise of reserve_margin per iteration
MAX_SCORE_STEP = 0.05  # most a score target rises beyond four shortfalls in one step
SLOPE_MIN = 0.25  # least Monte Carlo p5 gain assumed per point of LP target (secant step)
ENERGY_METRIC = {"max_unserved_p95": "unserved_energy", "max_unmet_demand_p95": "unmet_demand"}
SCORE_FIELD = {
    "min_cfe_p5": ("cfe_target", "cfe_score"),
    "min_re_share_p5": ("re_share", "re_share"),
}


@dataclass
class _Loop:
    """What the loop carries from one iteration to the next."""

    scenario: xr.Dataset
    reduced: xr.Dataset
    policy: Policy
    targets: RiskTargets
    uncertainty: Uncertainty
    stress_futures: int
    stress_days_per_future: int
    capacity_raises: int = 0
    stress_rounds: int = 0
    weather_years: xr.Dataset | None = None
    dtype: str = "float32"  # the Monte Carlo's: futures are drawn in it
    clean_step: bool = True  # the last step changed only score targets (a secant is valid)
    scores: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)


class HardenResult(NamedTuple):
    """`harden_run`'s result: the plan, the history, and the LP's days the plan was solved on."""

    plan: xr.Dataset
    history: xr.Dataset
    reduced: xr.Dataset  # the representative days plus the stress days added


def harden(*args, **kwargs) -> tuple[xr.Dataset, xr.Dataset]:
    """Plan, simulate, and re-plan until the targets hold in- and out-of-sample; (plan, history).

    The arguments are `harden_run`'s; it also returns the LP's days (with the stress days).
    """
    result = harden_run(*args, **kwargs)
    return result.plan, result.history


def harden_run(
    scenario: xr.Dataset,
    policy: Policy | dict[str, Any] | None = None,
    targets: RiskTargets | dict[str, Any] | None = None,
    n_futures: int = 500,
    seed: int = 0,
    max_iterations: int = 6,
    holdout_seed: int | None = None,
    n_holdout: int | None = None,
    *,
    reduced: xr.Dataset | None = None,
    n_days: int = 12,
    extreme_days: bool = True,
    uncertainty: Uncertainty | dict | None = None,
    stress_futures: int = 3,
    stress_days_per_future: int = 2,
    solver: str = "highs",
    relax_siting: bool = False,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    mip_gap: float = DEFAULT_MIP_GAP,
    storage_linking: str = "auto",
    chunk_size: int = 256,
    backend: str = "jax",
    dtype: str = "float32",
) -> HardenResult:
    """Plan, simulate, and re-plan until `targets` hold in- and out-of-sample.

    scenario: the full-year Scenario. reduced: its representative days (None:
    `reduce_time(scenario, n_days, extreme_days)`). n_futures/seed: the in-sample
    Monte Carlo of every iteration; n_holdout (None: n_futures)/holdout_seed (None:
    seed + 1,000,003): the held-out check of a plan that meets the targets in-sample.
    max_iterations: plans solved at most. stress_futures: futures (at the target's
    quantile) whose days are added per iteration; stress_days_per_future: their
    worst days added. Returns the accepted plan (else the last one, attrs
    `harden_status` "missed"), the history (dim iteration; see `history_dataset`) and
    the LP's days that plan was solved on.
    """
    targets = _as_targets(targets)
    max_iterations = whole_number("harden: max_iterations", max_iterations, 1, 100, PolicyError)
    n_futures = whole_number("harden: n_futures", n_futures, 1, None, PolicyError)
    seed = whole_number("harden: seed", seed, 0, 2**32 - HOLDOUT_OFFSET - 100, PolicyError)
    n_holdout = n_futures if n_holdout is None else n_holdout
    n_holdout = whole_number("harden: n_holdout", n_holdout, 1, None, PolicyError)
    holdout_seed = seed + HOLDOUT_OFFSET if holdout_seed is None else holdout_seed
    holdout_seed = whole_number("harden: holdout_seed", holdout_seed, 0, 2**32 - 100, PolicyError)
    if holdout_seed == seed:
        raise PolicyError(
            f"harden: holdout_seed = {holdout_seed} equals seed (rule: the held-out futures "
            "come from a fresh seed)"
        )
    for name, value in (
        ("stress_futures", stress_futures),
        ("stress_days_per_future", stress_days_per_future),
    ):
        whole_number(f"harden: {name}", value, 0, 1000, PolicyError)
    scenario = validate(scenario)
    if reduced is None:
        reduced = reduce_time(scenario, n_days=n_days, extreme_days=extreme_days)
    state = _Loop(
        scenario=scenario,
        reduced=reduced,
        policy=as_policy(policy),
        targets=targets,
        uncertainty=as_uncertainty(uncertainty),
        stress_futures=int(stress_futures),
        stress_days_per_future=int(stress_days_per_future),
        dtype=dtype,
        changes=[f"first plan on {_n_periods(reduced)} periods"],
    )
    mc = dict(chunk_size=chunk_size, backend=backend, dtype=dtype, progress=False)
    lp = dict(
        solver=solver,
        relax_siting=relax_siting,
        time_limit=time_limit,
        mip_gap=mip_gap,
        storage_linking=storage_linking,
    )
    rows, plans, reduced_of, accepted, n_checks = [], [], [], None, 0
    for it in range(max_iterations):
        t0 = time.perf_counter()
        try:
            plan = solve_plan(state.reduced, policy=state.policy, **lp)
        except SolverError as err:
            if not rows:
                raise
            rows[-1]["stalled"] = True
            rows[-1]["stop_note"] = (
                f"The re-plan after it ({'; '.join(state.changes)}) failed: {err}"
            )
            log.info("Harden: %s", rows[-1]["stop_note"])
            break
        risk = simulate(
            state.scenario,
            plan,
            n_futures=n_futures,
            seed=seed,
            uncertainty=state.uncertainty,
            **mc,
        )
        checks = targets.check(risk)
        hold_risk, hold_checks, hold_seed = None, None, None
        if all_hold(checks):
            hold_seed = holdout_seed + n_checks
            n_checks += 1
            hold_risk = simulate(
                state.scenario,
                plan,
                n_futures=n_holdout,
                seed=hold_seed,
                uncertainty=state.uncertainty,
                **mc,
            )
            hold_checks = targets.check(hold_risk)
        lp_scores = dispatch_metrics(plan, state.reduced)
        rows.append(
            iteration_row(
                it,
                plan,
                risk,
                checks,
                hold_risk,
                hold_checks,
                hold_seed,
                state.policy,
                lp_scores,
                "; ".join(state.changes),
                time.perf_counter() - t0,
            )
        )
        plans.append(plan)
        reduced_of.append(state.reduced)
        _log_iteration(it, plan, checks, hold_checks)
        if hold_checks is not None and all_hold(hold_checks):
            accepted = it
            break
        if it == max_iterations - 1:
            break
        failing = (hold_risk, hold_checks, hold_seed) if hold_checks else (risk, checks, seed)
        state.changes = _next_step(state, plan, lp_scores, *failing)
        if not state.changes:
            rows[-1]["stalled"] = True
            log.info("Harden: no lever left for the missed targets; stopping")
            break
    history = history_dataset(rows, targets, accepted, n_futures, n_holdout, seed, holdout_seed)
    plan = plans[accepted if accepted is not None else -1].copy()
    plan.attrs["harden_status"] = "accepted" if accepted is not None else "missed"
    plan.attrs["harden_verdict"] = history.attrs["verdict"]
    return HardenResult(plan, history, reduced_of[accepted if accepted is not None else -1])


def _as_targets(targets) -> RiskTargets:
    if targets is None:
        return RiskTargets(max_unserved_p95=1000.0)
    if isinstance(targets, RiskTargets):
        return targets
    if isinstance(targets, dict):
        return RiskTargets(**targets)
    raise PolicyError(
        f"harden: targets is a {type(targets).__name__} (rule: a RiskTargets or its dict)"
    )


def _n_periods(reduced: xr.Dataset) -> int:
    return len(np.unique(reduced["period"].values)) if "period" in reduced else 1


def _log_iteration(it, plan, checks, hold_checks) -> None:
    log.info(
        "Harden iteration %d: %.2f bn JPY/yr; %s%s",
        it,
        float(plan.attrs.get("objective", math.nan)) / 1e9,
        "; ".join(c.text() for c in checks),
        "" if hold_checks is None else "; held out: " + "; ".join(c.text() for c in hold_checks),
    )


def _next_step(
    state: _Loop,
    plan: xr.Dataset,
    lp_scores: dict[str, float],
    risk: xr.Dataset,
    checks: list[TargetCheck],
    seed: int,
) -> list[str]:
    """Change the policy and the LP's days where `risk` misses a target; what changed (text)."""
    missed = {c.target: c for c in checks if c.holds is False}
    changes: list[str] = []
    energy = [t for t in ENERGY_METRIC if t in missed]
    if energy:
        changes += _fix_energy(state, plan, risk, seed, [missed[t] for t in energy])
    clean = state.clean_step  # the step that made this plan moved only the score targets
    state.clean_step = not changes
    for name in SCORE_FIELD:
        if name in missed:
            changes += _fix_score(state, lp_scores, missed[name], clean)
    return changes


def _deciding_futures(values: np.ndarray, limit: float, k: int, quantile: float = 0.95):
    """Up to k futures from the one at `quantile` upwards, whose value is above `limit`."""
    order = np.argsort(values, kind="stable")
    start = int(np.floor(quantile * (len(values) - 1)))
    return [int(f) for f in order[start:] if values[f] > limit][:k]


def _fix_energy(state: _Loop, plan, risk, seed: int, missed: list[TargetCheck]) -> list[str]:
    """Levers for missed unserved-energy / unmet-demand targets (see the module doc).

    The futures that decide each missed p95 are traced and their shortfall split by
    cause; a cause above CAUSE_SHARE of the target's own energy gets its lever. A
    missed unserved-energy target counts only outage and power (unmet demand is its
    own metric) unless the Risk has no `unmet_demand` (then unserved holds both).
    """
    scale = float(risk.attrs.get("annual_scale", 1.0))
    split = "unmet_demand" in risk
    totals = {cause: 0.0 for cause in CAUSES}
    power_days, changes = [], []
    for check in missed:
        values = np.asarray(risk[check.metric].values, dtype=float) * scale
        chosen = _deciding_futures(values, check.limit, max(1, state.stress_futures))
        causes = xr.concat(
            [
                failure_causes(state.scenario, plan, f, seed, state.uncertainty, state.dtype)
                for f in chosen
            ],
            dim=xr.DataArray(chosen, dims="future"),
        )
        own = (
            ("capacity",)
            if check.metric == "unmet_demand"
            else (("outage", "power") if split else CAUSES)
        )
        total = causes.sum(("future", "day")).sel(cause=list(own))
        log.info(
            "Harden: %s of futures %s (seed %d) by cause: %s",
            check.metric,
            chosen,
            seed,
            ", ".join(f"{c} {float(total.sel(cause=c)):,.0f} MWh" for c in own),
        )
        whole = max(float(total.sum()), 1e-12)
        for cause in own:
            if float(total.sel(cause=cause)) / whole >= CAUSE_SHARE:
                totals[cause] += float(total.sel(cause=cause))
        if "power" in own:
            power_days.append(causes.sel(cause="power"))
    if totals["capacity"] > 0:
        changes += _raise_it_margin(state, plan, risk, seed)
    # backup runs on any shortfall in the Monte Carlo: for sites down, and for power short
    # where stress days were added before and did not suffice
    if totals["outage"] > 0 or (totals["power"] > 0 and state.stress_rounds > 0):
        changes += _raise_backup(state, totals["outage"] + totals["power"])
    if totals["power"] > 0 and state.stress_days_per_future > 0 and power_days:
        changes += _add_stress(state, plan, power_days[0], seed)
    return changes


def _raise_it_margin(state: _Loop, plan, risk, seed: int) -> list[str]:
    """reserve_margin up to the inference growth, training_margin up to the training growth,
    of the future at the rising quantile."""
    old, old_training = state.policy.reserve_margin, state.policy.training_margin
    if old >= 1.0 and old_training >= 1.0:
        return []
    n = int(risk.sizes["future"])
    draws = futures_of(state.scenario, plan, np.arange(n), seed, state.uncertainty, state.dtype)
    served = state.scenario["inference_demand"].sum("time").values > 0
    worst = draws.growth[:, : len(served)][:, served].max(axis=1)
    q = 1.0 - 0.05 * 0.5**state.capacity_raises
    new = min(1.0, max(old + MARGIN_STEP, float(np.quantile(worst, q)) - 1.0))
    changes = [f"reserve_margin {old:.2f} -> {new:.2f} (demand growth of the p{100 * q:g} future)"]
    update = {"reserve_margin": round(new, 4)}
    if float(state.scenario["training_demand"].sum()) > 0:
        needed = float(np.quantile(draws.growth[:, -1], q)) - 1.0
        new_training = min(1.0, max(old_training + MARGIN_STEP, needed))
        update["training_margin"] = round(new_training, 4)
        changes.append(
            f"training_margin {old_training:.2f} -> {new_training:.2f} "
            f"(training growth of the p{100 * q:g} future)"
        )
    state.policy = Policy(**{**state.policy.model_dump(), **update})
    state.capacity_raises += 1
    return ["; ".join(changes)]


def _raise_backup(state: _Loop, outage_mwh: float) -> list[str]:
    if "backup_coverage" not in Policy.model_fields:
        log.info(
            "Harden: %.0f MWh unserved at sites that were down: no lever (the Policy has no "
            "backup_coverage)",
            outage_mwh,
        )
        return []
    old = float(state.policy.model_dump().get("backup_coverage") or 0.0)
    if old >= 1.0:
        return []
    state.policy = Policy(**{**state.policy.model_dump(), "backup_coverage": 1.0})
    return [f"backup_coverage {old:.2f} -> 1.00 (sites down or power short)"]


def _add_stress(state: _Loop, plan, power: xr.DataArray, seed: int) -> list[str]:
    """The worst power-short days of each deciding future as LP periods; else a firm margin."""
    free = stress_free_days(state.reduced)
    picked: dict[int, int] = {}  # day -> future
    for f in power["future"].values:
        by_day = power.sel(future=f).values.copy()
        by_day[~free[: len(by_day)]] = 0.0
        by_day[list(picked)] = 0.0
        for d in np.argsort(-by_day, kind="stable")[: state.stress_days_per_future]:
            if by_day[d] > 0:
                picked[int(d)] = int(f)
    if not picked:
        return []
    days = sorted(picked)
    futures = sorted(set(picked.values()))
    draws = futures_of(state.scenario, plan, futures, seed, state.uncertainty, state.dtype)
    parts = []
    for d in days:
        j = futures.index(picked[d])
        parts.append(stress_days(state.scenario, draws, j, [d], state.weather_years))
    stressed = xr.concat(parts, dim="time", data_vars="all", coords="minimal", compat="override")
    sources = [f"future {picked[d]} of seed {seed}" for d in days]
    state.reduced = add_stress_days(state.reduced, stressed, days, sources)
    state.stress_rounds += 1
    dates = [
        str(np.datetime_as_string(state.scenario["time"].values[24 * d], unit="D")) for d in days
    ]
    return [f"{len(days)} stress days added ({', '.join(dates)})"]


def _fix_score(
    state: _Loop, lp_scores: dict[str, float], check: TargetCheck, clean: bool
) -> list[str]:
    """The LP's CFE / RE target up by what the full year loses against the LP.

    First by the loss itself (target = limit + LP score - Monte Carlo p5); then by
    the shortfall left over the Monte Carlo's response to the last rise (a secant
    step, the slope kept in [SLOPE_MIN, 1]), plus a quarter of it as a margin. The
    slope is taken only when the step before moved nothing else (`clean`): a new IT
    margin also changes the load the score is measured on. A step is at most
    MAX_SCORE_STEP or four shortfalls.
    """
    field_name, score = SCORE_FIELD[check.target]
    old = getattr(state.policy, field_name)
    current = 0.0 if old is None else float(old)
    if current >= 1.0:
        return []
    seen = state.scores.setdefault(field_name, [])
    seen.append((current, check.value))
    loss = float(lp_scores.get(score, math.nan)) - check.value
    slope = 1.0
    if clean and len(seen) >= 2 and seen[-1][0] > seen[-2][0]:
        slope = (seen[-1][1] - seen[-2][1]) / (seen[-1][0] - seen[-2][0])
        slope = min(1.0, max(SLOPE_MIN, slope))
    new = current + 1.25 * check.shortfall / slope
    if not math.isnan(loss):
        new = max(new, min(check.limit + loss, current + check.shortfall + MAX_SCORE_STEP))
    new = min(1.0, current + max(MAX_SCORE_STEP, 4 * check.shortfall), round(new, 4))
    if new <= current:
        return []
    state.policy = Policy(**{**state.policy.model_dump(), field_name: new})
    was = "off" if old is None else f"{current:.3f}"
    return [
        f"{field_name} {was} -> {new:.3f} (full year short by {check.shortfall:.3f}; "
        f"loses {loss:.3f} against the LP)"
    ]


def targets_json(targets: RiskTargets) -> str:
    return json.dumps(targets.model_dump(), sort_keys=True)
