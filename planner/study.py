"""One planning study from settings to files, without Hydra: load, reduce, plan, simulate, report.

    from planner.config import load_settings
    from planner.study import run_study
    result = run_study(load_settings({"scenario": {"name": "toy"}}), "outputs/toy")
    result.plan, result.risk, result.summary["objective"]

`planner.app` calls `run_study` with Hydra's run folder; a script calls it with
any folder. Progress goes to the `planner` logger (the run log under Hydra).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

import planner
from planner import report
from planner.config import PolicySettings, RunSettings
from planner.errors import ConfigError, OutputExistsError, ScenarioWarning
from planner.hardening import harden_run
from planner.hardening.report import harden_summary, write_harden_report
from planner.io import write_json, write_netcdf
from planner.report import ReportOptions, StudyOptions
from planner.report.style import fmt_energy, fmt_money, fmt_number, fmt_percent
from planner.scenario.siting import sites_in_areas

log = logging.getLogger("planner")
OUTPUTS = ("scenario.nc", "plan.nc", "risk.nc", "report.md", "summary.json")


@dataclass(frozen=True)
class StudyResult:
    """What one study made: the datasets, the summary (summary.json) and seconds per stage."""

    scenario: xr.Dataset  # validated full-year Scenario (sites filtered by siting.areas)
    reduced: xr.Dataset  # the hours the LP modelled (the Scenario itself with time.n_days=None)
    plan: xr.Dataset
    risk: xr.Dataset
    summary: dict[str, Any]
    out_dir: Path
    seconds: dict[str, float]  # load, reduce_time, plan, simulate, report, total


def run_study(settings: RunSettings, out_dir: str | os.PathLike) -> StudyResult:
    """Scenario -> reduced time -> plan -> Monte Carlo -> files in `out_dir`.

    Writes scenario.nc, plan.nc and risk.nc as soon as each exists (so a later
    stage can be rerun from files), then figures, report.md, and summary.json
    last: a run folder is complete when it holds summary.json. Raises
    `OutputExistsError` before any work if `out_dir` holds a run's files already.
    """
    out_dir = Path(out_dir)
    check_fresh(out_dir)
    seconds: dict[str, float] = {}
    start = time.perf_counter()

    def stage(name: str, func, *args):
        t0 = time.perf_counter()
        result = func(settings, *args)
        seconds[name] = time.perf_counter() - t0
        return result

    scenario = stage("load", load_stage)
    reduced = stage("reduce_time", reduce_stage, scenario)
    write_netcdf(scenario, out_dir / "scenario.nc")
    history = None
    if settings.harden.enabled:  # plan, stress-test, re-plan (planner.harden); the days grow
        plan, history, reduced = stage("plan", harden_stage, scenario, reduced)
        write_netcdf(history, out_dir / "history.nc")
    else:
        plan = stage("plan", plan_stage, reduced)
    write_netcdf(plan, out_dir / "plan.nc")
    risk = stage("simulate", simulate_stage, scenario, plan)
    write_netcdf(risk, out_dir / "risk.nc")

    t0 = time.perf_counter()
    options = report_options(settings, scenario, reduced)
    summary = report.summarize(scenario, plan, risk, options, reduced=reduced)
    rk = summary["risk"]
    log.info(
        "Risk: unserved energy p50 %s, p95 %s (target p95 <= %s); hourly CFE score p5 %s, p50 %s",
        fmt_energy(rk["unserved_energy"]["p50"]),
        fmt_energy(rk["unserved_energy"]["p95"]),
        fmt_energy(options.max_unserved_p95),
        fmt_percent(rk["cfe_score"]["p5"]),
        fmt_percent(rk["cfe_score"]["p50"]),
    )
    log.info("Writing the report")
    if history is not None:  # the run report shows harden's iterations, figure and verdict
        summary["harden"] = harden_summary(history)
    report.write_report(
        out_dir, scenario, plan, risk, summary, reduced=reduced, options=options, history=history
    )
    if history is not None:  # harden.md: the same table and figure on their own
        write_harden_report(out_dir, history, options.dpi)
    seconds["report"] = time.perf_counter() - t0
    seconds["total"] = time.perf_counter() - start
    summary["settings"] = settings.model_dump()
    summary["seconds"] = seconds
    write_json(summary, out_dir / "summary.json")
    log.info("Done in %.0f s. Report: %s", seconds["total"], out_dir / "report.md")
    return StudyResult(scenario, reduced, plan, risk, summary, out_dir, seconds)


def check_fresh(
    out_dir: str | os.PathLike, hint: str = "hydra.run.dir=... for the planner command"
) -> None:
    """Raise `OutputExistsError` if `out_dir` holds an output of a run (finished or stopped)."""
    for name in OUTPUTS:
        path = Path(out_dir) / name
        if path.exists():
            raise OutputExistsError(
                f"{path} already exists: pick a fresh folder ({hint}; planner never "
                "overwrites a finished run)"
            )


def report_options(
    s: RunSettings, scenario: xr.Dataset | None = None, reduced: xr.Dataset | None = None
) -> ReportOptions:
    """The report's titles, figures, targets and study facts, from the run's settings.

    The title names the scenario by its own `name` attr (a CSV folder's path is not a
    name); the description counts the days the LP modelled in `reduced` (a 7-day
    scenario asked for 12 representative days models its 7).
    """
    name = str((scenario.attrs.get("name") if scenario is not None else None) or s.scenario.name)
    return ReportOptions(
        title=f"{name}: {s.policy.name} policy, {s.demand.level} demand, siting {s.siting.name}",
        description=f"Policy **{s.policy.name}**, AI demand **{s.demand.level}**, "
        f"siting **{s.siting.name}**, LP on {lp_hours(s, reduced)}, solver {s.solver.name}, "
        f"{plural(s.montecarlo.n_futures, 'Monte Carlo future')} (seed {s.montecarlo.seed}).",
        **s.report.model_dump(),
        study=StudyOptions(**s.experiment.model_dump()),
    )


def plural(n: int, noun: str) -> str:
    """`1 site`, `3 sites`, `1,000 Monte Carlo futures`."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def lp_hours(s: RunSettings, reduced: xr.Dataset | None = None) -> str:
    """The hours the LP modelled in words: 'every hour' or '12 representative days plus 3 extreme'.

    Counts from `reduced`'s attrs (what `reduce_time` made) where it has them, else the settings.
    """
    if not s.time.n_days:
        return "every hour"
    attrs = reduced.attrs if reduced is not None else {}
    n_rep = int(attrs.get("n_representative_days", s.time.n_days))
    extreme = attrs.get("extreme_days")
    n_extreme = len(json.loads(extreme)) if isinstance(extreme, str) and extreme else None
    text = plural(n_rep, "representative day")
    if n_extreme:
        text += f" plus {plural(n_extreme, 'extreme day')}"
    elif n_extreme is None and s.time.extreme_days:
        text += " plus extreme days"
    if reduced is not None and "day" in reduced.sizes:  # day_cluster: every day of the scenario
        text += f" (of the scenario's {reduced.sizes['day']:,})"
    return text


def load_stage(s: RunSettings) -> xr.Dataset:
    """Load and validate the Scenario, keeping only the sites the siting allows."""
    log.info("Loading scenario %r with %s AI-demand growth", s.scenario.name, s.demand.level)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioWarning)
        scenario = planner.validate(planner.load_scenario(s.scenario.name, demand=s.demand.level))
    for w in caught:
        if issubclass(w.category, ScenarioWarning):
            log.warning("Scenario: %s", w.message)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if s.siting.areas is not None:
        scenario = planner.validate(keep_sites_in_areas(scenario, s.siting.areas))
        log.info("Siting %r: candidate sites only in %s", s.siting.name, ", ".join(s.siting.areas))
    if s.siting.subsidy:
        log.info(
            "Siting %r: capital subsidy %s",
            s.siting.name,
            ", ".join(f"{a} {f:.0%}" for a, f in s.siting.subsidy.items()),
        )
    log.info(
        "Scenario: %s in %s, %s, %s",
        plural(scenario.sizes["site"], "candidate site"),
        plural(scenario.sizes["area"], "grid area"),
        plural(scenario.sizes["node"], "demand node"),
        plural(scenario.sizes["time"], "hour"),
    )
    return scenario


def reduce_stage(s: RunSettings, scenario: xr.Dataset) -> xr.Dataset:
    """Representative days for the LP (or every hour)."""
    if s.time.n_days is None:
        log.info("Time: the LP models all %d hours", scenario.sizes["time"])
        return scenario
    reduced = planner.reduce_time(
        scenario,
        n_days=s.time.n_days,
        extreme_days=s.time.extreme_days,
        representation=s.time.representation,
    )
    log.info("Time: %s -> the LP models %d hours", lp_hours(s, reduced), reduced.sizes["time"])
    return reduced


def plan_stage(s: RunSettings, reduced: xr.Dataset) -> xr.Dataset:
    """Solve the plan; the LP's warnings (time limit hit, unserved load) go to the run log."""
    log.info(
        "Solving the plan with %s (policy %r: %s)",
        s.solver.name,
        s.policy.name,
        ", ".join(f"{k}={v}" for k, v in _targets(s.policy).items()) or "no targets",
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = planner.plan(
            reduced,
            policy=s.policy.to_policy(s.siting),
            solver=s.solver.name,
            relax_siting=s.solver.relax_siting,
            time_limit=s.solver.time_limit,
            mip_gap=s.solver.mip_gap,
            storage_linking=s.time.storage_linking,
        )
    for w in caught:
        log.warning("Plan: %s", w.message)
    opened = [str(x) for x in plan.site.values[plan["site_open"].values > 0.5]]
    log.info(
        "Plan %s in %.0f s: %s open (%s), %s MW IT, %s/yr",
        plan.attrs.get("status", "?"),
        time.perf_counter() - t0,
        plural(len(opened), "site"),
        ", ".join(opened),
        fmt_number(float(plan["it_capacity"].sum())),
        fmt_money(float(plan.attrs.get("objective", float("nan")))),
    )
    return plan


def harden_stage(s: RunSettings, scenario: xr.Dataset, reduced: xr.Dataset):
    """planner.harden from the run's settings: (plan, history, the LP's days with stress days)."""
    h, mc = s.harden, s.montecarlo
    policy = s.policy.to_policy(s.siting)
    targets = h.targets(s.report, policy.get("cfe_target"))
    log.info("Hardening: targets %s", targets.model_dump(exclude_none=True))
    return harden_run(
        scenario,
        policy,
        targets,
        n_futures=h.n_futures or mc.n_futures,
        seed=mc.seed,
        max_iterations=h.max_iterations,
        holdout_seed=h.holdout_seed,
        n_holdout=h.n_holdout or mc.n_futures,
        reduced=reduced,
        uncertainty=mc.uncertainty,
        stress_futures=h.stress_futures,
        stress_days_per_future=h.stress_days_per_future,
        solver=s.solver.name,
        relax_siting=s.solver.relax_siting,
        time_limit=s.solver.time_limit,
        mip_gap=s.solver.mip_gap,
        storage_linking=s.time.storage_linking,
        chunk_size=mc.chunk_size,
        backend=mc.backend,
        dtype=mc.dtype,
    )


def simulate_stage(s: RunSettings, scenario: xr.Dataset, plan: xr.Dataset) -> xr.Dataset:
    """Run the plan through the full year in many futures."""
    mc = s.montecarlo
    n_hours = scenario.sizes["time"]
    log.info(
        "Monte Carlo: %d futures over %s (%s, %s)",
        mc.n_futures,
        "the full year (8760 h)" if n_hours == 8760 else f"all {n_hours} hours of the scenario",
        mc.backend,
        mc.dtype,
    )
    with progress_bar_to_log():
        return planner.simulate(
            scenario,
            plan,
            n_futures=mc.n_futures,
            seed=mc.seed,
            chunk_size=mc.chunk_size,
            uncertainty=mc.uncertainty,
            backend=mc.backend,
            dtype=mc.dtype,
            progress=True,
        )


BAR = re.compile(r"\d+%\|")  # a tqdm bar: "42%|████▏     | 420/1000 [00:03<00:04, 130future/s]"


class _BarLog(io.TextIOBase):
    """A file for tqdm that logs the bar as a line every `every` s (and at 0 and 100 %).

    Anything written that is not a bar goes on to `passthrough` (the real stderr).
    """

    def __init__(self, logger: logging.Logger, passthrough, every: float = 10.0) -> None:
        self.logger, self.passthrough, self.every = logger, passthrough, every
        self.last, self.shown = -float("inf"), ""

    def write(self, text: str) -> int:
        for part in text.replace("\r", "\n").split("\n"):
            part = part.strip()
            if not part:
                continue
            if not BAR.search(part):
                self.passthrough.write(part + "\n")
                continue
            now = time.monotonic()
            due = now - self.last >= self.every or part.startswith(("0%", "100%"))
            if due and part != self.shown:
                self.last, self.shown = now, part
                self.logger.info("Monte Carlo %s", part)
        return len(text)

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def progress_bar_to_log(logger: logging.Logger = log, every: float = 10.0):
    """Inside: a tqdm bar on a terminal draws live; on a pipe or file it becomes log lines.

    tqdm writes to `sys.stderr` as it is when the bar starts; a bar redrawn with
    carriage returns is unreadable in a log file, so it is logged every `every` s.
    """
    if sys.stderr is not None and sys.stderr.isatty():
        yield
        return
    with contextlib.redirect_stderr(_BarLog(logger, sys.stderr, every)):
        yield


def _targets(policy: PolicySettings) -> dict[str, Any]:
    """The policy fields that differ from planner.Policy's defaults (what the user set)."""
    defaults = type(policy)().model_dump()
    return {k: v for k, v in policy.model_dump(exclude={"name"}).items() if v != defaults[k]}


def keep_sites_in_areas(scenario: xr.Dataset, areas: list[str]) -> xr.Dataset:
    """The Scenario with the candidate sites whose grid area is in `areas`.

    Plus, for each node's latency class that no site in these areas can serve in
    its budget, the fastest site that can (planner.scenario.siting): otherwise the
    restricted scenario would fail validation.
    """
    unknown = sorted(set(areas) - {str(a) for a in scenario.area.values})
    if unknown:
        raise ConfigError(
            f"siting.areas: {unknown} not grid areas of the scenario "
            f"(allowed: {[str(a) for a in scenario.area.values]})"
        )
    keep = scenario["site_area"].isin(areas).values
    if not keep.any():
        raise ConfigError(
            f"siting.areas = {areas}: no candidate site of the scenario is in these areas "
            f"(rule: at least one site; sites are in {sorted(set(map(str, scenario.site_area.values)))})"
        )
    kept, added = sites_in_areas(scenario, areas)
    if added:
        log.info(
            "siting.areas %s: also keeping %s, the fastest site of a latency class "
            "no site in these areas can serve",
            areas,
            ", ".join(added),
        )
    return kept
