"""Hydra entry points: `planner` runs one study, `planner-compare DIR` compares a multirun.

The only module that imports Hydra and OmegaConf. It composes and type-checks
the config (structured configs below), validates values (`planner.config`),
turns them into library calls and writes the outputs into Hydra's run folder.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from dataclasses import dataclass, field, make_dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import MISSING, DictConfig, OmegaConf
from pydantic import BaseModel

from planner.config import RunSettings, load_settings
from planner.errors import PlannerError
from planner.mc.uncertainty import Uncertainty

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
log = logging.getLogger("planner")


# ---- structured configs: every key and type of every group --------------------------------


class DemandLevel(Enum):
    low = "low"
    base = "base"
    high = "high"


class SolverName(Enum):
    highs = "highs"
    cbc = "cbc"


class Backend(Enum):
    jax = "jax"
    numpy = "numpy"


class DType(Enum):
    float32 = "float32"
    float64 = "float64"


@dataclass
class ScenarioConfig:
    name: str = MISSING  # built-in name (japan_2030, toy), a .nc file or a CSV folder
    description: str = ""


@dataclass
class DemandConfig:
    level: DemandLevel = DemandLevel.base


@dataclass
class SitingConfig:
    name: str = "anywhere"
    areas: list[str] | None = None  # keep only candidate sites in these grid areas
    subsidy: dict[str, float] = field(default_factory=dict)  # area -> capital subsidy fraction
    description: str = ""


@dataclass
class PolicyConfig:
    name: str = "none"
    re_share: float | None = None  # annual renewable matching, 0..1
    cfe_target: float | None = None  # hourly carbon-free energy score, 0..1
    co2_cap: float | None = None  # tCO2/yr
    capex_budget: float | None = None  # JPY
    carbon_price: float | None = None  # JPY/tCO2
    subsidy: dict[str, float] = field(default_factory=dict)  # area -> fraction of capital
    min_sites: int | None = None
    max_sites: int | None = None
    voll: float | None = None  # JPY/MWh
    reserve_margin: float | None = None  # 0..1: IT and firm grid capacity above modelled load


@dataclass
class TimeConfig:
    n_days: int | None = 12  # representative days; null models every hour
    extreme_days: bool = True


@dataclass
class SolverConfig:
    name: SolverName = SolverName.highs
    time_limit: float | None = None  # s
    mip_gap: float = 1e-4
    relax_siting: bool = False


def dataclass_from_model(model: type[BaseModel], name: str) -> type:
    """A structured-config dataclass with the fields, types and defaults of a pydantic model.

    Keeps `planner.Uncertainty` the one source of its drivers and parameters;
    Hydra then rejects unknown keys and wrong types at compose time.
    """
    fields = []
    for key, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            sub = dataclass_from_model(ann, name + "_" + key)
            fields.append((key, sub, field(default_factory=sub)))
        elif isinstance(info.default, list | dict):
            fields.append((key, ann, field(default_factory=lambda d=info.default: type(d)(d))))
        else:
            fields.append((key, ann, field(default=info.default)))
    return make_dataclass(name, fields)


UncertaintyConfig = dataclass_from_model(Uncertainty, "UncertaintyConfig")


@dataclass
class MonteCarloConfig:
    n_futures: int = 1000
    seed: int = 0
    chunk_size: int = 256
    backend: Backend = Backend.jax
    dtype: DType = DType.float32
    uncertainty: Any = field(default_factory=UncertaintyConfig)  # planner.Uncertainty drivers


@dataclass
class ReportConfig:
    figures: bool = True
    dpi: int = 130
    max_unserved_p95: float = 0.0  # MWh/yr: risk target on the 95th percentile
    min_cfe_p5: float | None = None  # risk target on the 5th percentile CFE score


@dataclass
class ExperimentConfig:
    name: str = ""
    question: str = ""


@dataclass
class PlannerConfig:
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    siting: SitingConfig = field(default_factory=SitingConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    time: TimeConfig = field(default_factory=TimeConfig)
    solver: SolverConfig = field(default_factory=SolverConfig)
    montecarlo: MonteCarloConfig = field(default_factory=MonteCarloConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)


def register_configs() -> None:
    """Register the schema that `configs/config.yaml` extends (`planner_schema`)."""
    ConfigStore.instance().store(name="planner_schema", node=PlannerConfig)


register_configs()


def settings_from_config(cfg: DictConfig) -> RunSettings:
    """Composed config -> validated `RunSettings` (raises `planner.ConfigError`)."""
    plain = {
        str(key): OmegaConf.to_container(cfg[key], resolve=True, enum_to_str=True)
        for key in cfg
        if key != "hydra"
    }
    return load_settings(plain)


# ---- one run -------------------------------------------------------------------------------


def run_study(settings: RunSettings, out_dir: Path) -> dict[str, Any]:
    """Scenario -> reduced time -> plan -> Monte Carlo -> files in `out_dir`; returns the summary.

    Writes scenario.nc, plan.nc and risk.nc as soon as each exists (so a later
    stage can be rerun from files), then figures, report.md, and summary.json
    last: a run folder is complete when it holds summary.json.
    """
    from planner import report
    from planner.io import write_json, write_netcdf

    out_dir = Path(out_dir)
    for name in ("scenario.nc", "plan.nc", "risk.nc", "report.md", "summary.json"):
        if (out_dir / name).exists():
            raise PlannerError(
                f"{out_dir / name} already exists: pick a fresh hydra.run.dir "
                "(planner never overwrites a finished run)"
            )
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
    plan = stage("plan", plan_stage, reduced)
    write_netcdf(plan, out_dir / "plan.nc")
    risk = stage("simulate", simulate_stage, scenario, plan)
    write_netcdf(risk, out_dir / "risk.nc")

    t0 = time.perf_counter()
    summary = report.summarize(scenario, plan, risk, settings.report)
    log.info(
        "Risk: unserved energy p50 %.0f, p95 %.0f MWh/yr (target p95 <= %g); CFE score p5 %.3f, p50 %.3f",
        summary["risk"]["unserved_energy"]["p50"],
        summary["risk"]["unserved_energy"]["p95"],
        settings.report.max_unserved_p95,
        summary["risk"]["cfe_score"]["p5"],
        summary["risk"]["cfe_score"]["p50"],
    )
    log.info("Writing the report")
    report.write_report(
        out_dir, scenario, plan, risk, reduced=reduced, settings=settings, summary=summary
    )
    seconds["report"] = time.perf_counter() - t0
    seconds["total"] = time.perf_counter() - start
    summary["settings"] = settings.model_dump()
    summary["seconds"] = seconds
    write_json(summary, out_dir / "summary.json")
    log.info("Done in %.0f s. Report: %s", seconds["total"], out_dir / "report.md")
    return summary


def load_stage(s: RunSettings):
    """Load and validate the Scenario, keeping only the sites the siting allows."""
    import planner

    log.info("Loading scenario %r with %s AI-demand growth", s.scenario.name, s.demand.level)
    scenario = planner.validate(planner.load_scenario(s.scenario.name, demand=s.demand.level))
    if s.siting.areas is not None:
        scenario = planner.validate(_keep_sites_in_areas(scenario, s.siting.areas))
        log.info("Siting %r: candidate sites only in %s", s.siting.name, ", ".join(s.siting.areas))
    if s.siting.subsidy:
        log.info(
            "Siting %r: capital subsidy %s",
            s.siting.name,
            ", ".join(f"{a} {f:.0%}" for a, f in s.siting.subsidy.items()),
        )
    log.info(
        "Scenario: %d candidate sites in %d grid areas, %d demand nodes, %d hours",
        scenario.sizes["site"],
        scenario.sizes["area"],
        scenario.sizes["node"],
        scenario.sizes["time"],
    )
    return scenario


def reduce_stage(s: RunSettings, scenario):
    """Representative days for the LP (or every hour)."""
    import planner

    if s.time.n_days is None:
        log.info("Time: the LP models all %d hours", scenario.sizes["time"])
        return scenario
    reduced = planner.reduce_time(scenario, n_days=s.time.n_days, extreme_days=s.time.extreme_days)
    log.info(
        "Time: %d representative days%s -> the LP models %d hours",
        s.time.n_days,
        " plus extreme days" if s.time.extreme_days else "",
        reduced.sizes["time"],
    )
    return reduced


def plan_stage(s: RunSettings, reduced):
    """Solve the plan; the LP's warnings (time limit hit, unserved load) go to the run log."""
    import planner

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
        )
    for w in caught:
        log.warning("Plan: %s", w.message)
    opened = [str(x) for x in plan.site.values[plan["site_open"].values > 0.5]]
    log.info(
        "Plan %s in %.0f s: %d sites open (%s), %.0f MW IT, %.1f bn JPY/yr",
        plan.attrs.get("status", "?"),
        time.perf_counter() - t0,
        len(opened),
        ", ".join(opened),
        float(plan["it_capacity"].sum()),
        float(plan.attrs.get("objective", float("nan"))) / 1e9,
    )
    return plan


def simulate_stage(s: RunSettings, scenario, plan):
    """Run the plan through the full year in many futures."""
    import planner

    mc = s.montecarlo
    log.info(
        "Monte Carlo: %d futures over the full %d-hour year (%s, %s)",
        mc.n_futures,
        scenario.sizes["time"],
        mc.backend,
        mc.dtype,
    )
    return planner.simulate(
        scenario,
        plan,
        n_futures=mc.n_futures,
        seed=mc.seed,
        chunk_size=mc.chunk_size,
        uncertainty=mc.uncertainty,
        backend=mc.backend,
        dtype=mc.dtype,
        progress=False,
    )


def _targets(policy) -> dict[str, Any]:
    """The policy fields that differ from planner.Policy's defaults (what the user set)."""
    defaults = type(policy)().model_dump()
    return {k: v for k, v in policy.model_dump(exclude={"name"}).items() if v != defaults[k]}


def _keep_sites_in_areas(scenario, areas: list[str]):
    """The Scenario with only the candidate sites whose grid area is in `areas`."""
    unknown = sorted(set(areas) - {str(a) for a in scenario.area.values})
    if unknown:
        raise PlannerError(
            f"siting.areas: {unknown} not grid areas of the scenario "
            f"(allowed: {[str(a) for a in scenario.area.values]})"
        )
    keep = scenario["site_area"].isin(areas).values
    return scenario.isel(site=keep)


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(cfg: DictConfig) -> float | None:
    """`planner`: run one study (or, with -m, one job of a sweep)."""
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    try:
        settings = settings_from_config(cfg)
        summary = run_study(settings, out_dir)
    except PlannerError as exc:
        log.error("%s: %s", type(exc).__name__, exc)
        log.error("Nothing complete was written to %s (no summary.json).", out_dir)
        if hydra_cfg.mode == RunMode.MULTIRUN:  # the sweep's other runs go on
            return None
        sys.exit(1)
    return summary["objective"]


# ---- multirun comparison -------------------------------------------------------------------


class CompareOnMultirunEnd(Callback):
    """Hydra callback: write the comparison report when a multirun ends."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from planner.report import compare_runs

        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            path = compare_runs(sweep_dir)
            log.info("Comparison report: %s", path)
        except PlannerError as exc:
            log.warning("No comparison report: %s", exc)


def compare_main(argv: list[str] | None = None) -> None:
    """`planner-compare MULTIRUN_DIR`: write a comparison report of the runs in the folder."""
    import argparse

    from planner.report import compare_runs

    parser = argparse.ArgumentParser(
        prog="planner-compare", description="Compare the runs of a `planner -m` sweep."
    )
    parser.add_argument("multirun_dir", type=Path, help="folder holding the sweep's run folders")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        path = compare_runs(args.multirun_dir)
    except PlannerError as exc:
        log.error("%s: %s", type(exc).__name__, exc)
        sys.exit(1)
    print(path)


if __name__ == "__main__":
    main()
