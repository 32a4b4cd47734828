"""Validated settings of one planning run, built from a plain dict (the composed config).

These pydantic models are the one config schema: `planner.app` generates Hydra's
structured configs from them (keys, types, choices, defaults), so Hydra rejects an
unknown key or a wrong type at compose time; the models then check values and
ranges, so a run fails at start with a `planner.ConfigError` naming the key, the
value and the allowed range. They import nothing from Hydra: a script builds a
`RunSettings` from a dict and runs it with `planner.study.run_study`.

Where a library object owns a schema (`planner.Policy`, `planner.Uncertainty`,
`planner.report.ReportOptions`), the settings take its fields from there.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import annotated_types as at
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from planner.errors import ConfigError
from planner.hardening.options import HardenOptions
from planner.lp import DEFAULT_MIP_GAP, DEFAULT_TIME_LIMIT, Policy
from planner.mc.uncertainty import Uncertainty
from planner.report.options import ReportOptions, StudyOptions


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ScenarioSettings(_Settings):
    """Which data set: a built-in name (`japan_2030`, `toy`), a `.nc` file or a CSV folder."""

    name: str = Field(default="japan_2030", min_length=1)
    description: str = ""


class DemandSettings(_Settings):
    """AI-demand growth scenario of the data set (scale factors in its `demand_scenarios` attr)."""

    level: Literal["low", "base", "high"] = "base"


class SitingSettings(_Settings):
    """Where data centres may go: only sites in `areas` (None: all), and area capital subsidies.

    `subsidy` (area -> fraction of capital cost) is a siting incentive; it is
    added to the policy's subsidies (the policy's value wins for an area in both).
    """

    name: str = "anywhere"
    areas: list[str] | None = Field(default=None, min_length=1)
    subsidy: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(default_factory=dict)
    description: str = ""


class _PolicyFields(_Settings):
    """The policy's `name` in reports; the other fields are copied from `planner.Policy` below."""

    name: str = "none"

    @model_validator(mode="after")
    def _rules_across_fields(self):
        Policy(**self.model_dump(exclude={"name"}))  # e.g. min_sites <= max_sites
        return self

    def to_policy(self, siting: SitingSettings | None = None) -> dict[str, Any]:
        """The policy fields, as the `policy` dict of `planner.plan` (with siting subsidies)."""
        out = self.model_dump(exclude={"name"}, exclude_none=True)
        if siting is not None and siting.subsidy:
            out["subsidy"] = {**siting.subsidy, **out.get("subsidy", {})}
        return out


# planner.Policy's fields, types and ranges, so a range error names its config key
PolicySettings = create_model(
    "PolicySettings",
    __base__=_PolicyFields,
    __doc__="`planner.Policy` (fields, ranges and rules live there) plus the policy's `name`.",
    **{key: (info.annotation, info) for key, info in Policy.model_fields.items()},
)


class TimeSettings(_Settings):
    """Time reduction for the LP: `n_days` representative days (None: model every hour)."""

    n_days: int | None = Field(default=12, ge=1, le=366)
    extreme_days: bool = True
    # how each cluster of days is represented (planner.reduce_time): its value distribution
    # (tsam's duration representation, unbiased hourly matching) or its medoid rescaled
    representation: Literal["distribution", "medoid"] = "distribution"
    # battery state of charge: linked through the year's day order (auto: when the reduced
    # scenario has day_cluster) or cyclic within each representative day (planner.plan)
    storage_linking: Literal["auto", "linked", "cyclic"] = "auto"


class SolverSettings(_Settings):
    """LP solver options."""

    name: Literal["highs", "cbc"] = "highs"
    time_limit: float | None = Field(default=DEFAULT_TIME_LIMIT, gt=0.0)  # s, as planner.plan
    mip_gap: float = Field(default=DEFAULT_MIP_GAP, ge=0.0, lt=1.0)
    relax_siting: bool = False


class MonteCarloSettings(_Settings):
    """Monte Carlo options and the `planner.Uncertainty` drivers."""

    n_futures: int = Field(default=1000, ge=1)
    seed: int = Field(default=0, ge=0)
    chunk_size: int | None = Field(default=None, ge=1)  # None: per device, as planner.simulate
    backend: Literal["jax", "numpy"] = "jax"
    dtype: Literal["float32", "float64"] = "float32"
    uncertainty: Uncertainty = Uncertainty()


# the report's figures, dpi and risk targets: fields, defaults and ranges of planner.ReportOptions
ReportSettings = create_model(
    "ReportSettings",
    __base__=_Settings,
    __doc__="What the report draws and the risk targets it checks the plan against.",
    **{
        key: (info.annotation, info)
        for key, info in ReportOptions.model_fields.items()
        if key
        in (
            "figures",
            "dpi",
            "max_unserved_p95",
            "max_unmet_demand_p95",
            "min_cfe_p5",
            "min_re_share_p5",
        )
    },
)


class ExperimentSettings(StudyOptions):
    """A named planning study (set by `experiment=...`); empty for a single run.

    Its facts (baseline policy, area groups) are set in `configs/experiment/*.yaml`;
    its fields are those of `planner.report.StudyOptions`.
    """


class RunSettings(_Settings):
    """Every setting of one planning run."""

    scenario: ScenarioSettings = ScenarioSettings()
    demand: DemandSettings = DemandSettings()
    siting: SitingSettings = SitingSettings()
    policy: PolicySettings = PolicySettings()
    time: TimeSettings = TimeSettings()
    solver: SolverSettings = SolverSettings()
    montecarlo: MonteCarloSettings = MonteCarloSettings()
    report: ReportSettings = ReportSettings()
    experiment: ExperimentSettings = ExperimentSettings()
    # `planner robust=on` (harden.enabled): planner.harden re-plans until the targets hold
    harden: HardenOptions = HardenOptions()


def load_settings(config: dict[str, Any]) -> RunSettings:
    """Validate a composed config (plain dict); raise `ConfigError` naming key, value and range."""
    config = dict(config)
    if isinstance(config.get("policy"), dict):  # None means "the library default"
        config["policy"] = {k: v for k, v in config["policy"].items() if v is not None}
    try:
        return RunSettings.model_validate(config)
    except ValidationError as exc:
        lines = [_explain(err) for err in exc.errors()]
        n = len(lines)
        head = "1 problem" if n == 1 else f"{n} problems"
        raise ConfigError(f"{head} in config:\n" + "\n".join(f"  - {s}" for s in lines)) from None


def _explain(err: dict[str, Any]) -> str:
    loc = tuple(str(p) for p in err["loc"])
    key = ".".join(loc)
    if err["type"] == "extra_forbidden":
        return f"{key}: unknown key (not a setting of {'.'.join(loc[:-1]) or 'the config'})"
    if err["type"] == "missing":
        return f"{key}: missing"
    if err["type"] == "value_error":  # a rule across fields, e.g. min_sites <= max_sites
        msg = err["msg"].removeprefix("Value error, ").replace("\n  - ", " ")
        return f"{key}: {msg}"
    value = err.get("input")
    allowed = _allowed(loc)
    msg = err["msg"][0].lower() + err["msg"][1:]
    tail = f" (allowed {allowed})" if allowed else ""
    return f"{key} = {value!r} is not allowed: {msg}{tail}"


def _allowed(loc: tuple[str, ...]) -> str:
    """The allowed range of the field at `loc`, e.g. `[0, 1]` or `[1, inf)`."""
    model: type[BaseModel] = RunSettings
    info = None
    for part in loc:
        fields = model.model_fields
        if part not in fields:
            return ""
        info = fields[part]
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
    if info is None:
        return ""
    lo, hi, lo_open, hi_open = -math.inf, math.inf, True, True
    for m in info.metadata:
        if isinstance(m, at.Ge):
            lo, lo_open = m.ge, False
        elif isinstance(m, at.Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, at.Le):
            hi, hi_open = m.le, False
        elif isinstance(m, at.Lt):
            hi, hi_open = m.lt, True
    if lo == -math.inf and hi == math.inf:
        return ""
    return f"range {'(' if lo_open else '['}{_num(lo)}, {_num(hi)}{')' if hi_open else ']'}"


def _num(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"
