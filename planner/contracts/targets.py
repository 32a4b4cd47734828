"""Risk targets a plan must meet on the Monte Carlo, and the check of a Risk dataset against them.

Each target is one statistic of one Risk metric against a limit:

| target | metric | stat | holds when |
|---|---|---|---|
| max_unserved_p95 | unserved_energy | p95 | value <= limit (MWh/yr) |
| max_unmet_demand_p95 | unmet_demand | p95 | value <= limit (MWh/yr) |
| min_cfe_p5 | cfe_score | p5 | value >= limit (0..1) |
| min_re_share_p5 | re_share | p5 | value >= limit (0..1) |

Energies are compared per year: the Risk's totals over its horizon times
`attrs["annual_scale"]` (8760 / simulated hours; 1 for a full year). A target
whose metric the Risk lacks (e.g. `unmet_demand` before the Monte Carlo splits it
from `unserved_energy`) is reported as not measurable (`holds` None), not as met.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.errors import PolicyError


@dataclass(frozen=True)
class Target:
    """One row of the table above: which statistic of which metric, which way, in what units."""

    name: str
    metric: str
    stat: str
    sense: str  # "max": value <= limit; "min": value >= limit
    units: str
    per_year: bool  # an energy total, scaled to a year before the comparison


TARGETS: tuple[Target, ...] = (
    Target("max_unserved_p95", "unserved_energy", "p95", "max", "MWh/yr", True),
    Target("max_unmet_demand_p95", "unmet_demand", "p95", "max", "MWh/yr", True),
    Target("min_cfe_p5", "cfe_score", "p5", "min", "1", False),
    Target("min_re_share_p5", "re_share", "p5", "min", "1", False),
)
BY_TARGET: dict[str, Target] = {t.name: t for t in TARGETS}


@dataclass(frozen=True)
class TargetCheck:
    """One target against one Risk: `holds` None when the Risk lacks the metric.

    shortfall: how far the value is on the wrong side of the limit (0 when it holds,
    NaN when not measurable), in the target's units (MWh/yr or score points as 0..1).
    """

    target: str
    metric: str
    stat: str
    value: float
    limit: float
    holds: bool | None
    shortfall: float
    units: str
    note: str = ""

    def text(self) -> str:
        """One line for a log or a report, e.g. 'min_cfe_p5: cfe_score p5 0.655 < 0.690 (short 0.035)'."""
        if self.holds is None:
            return f"{self.target}: not measurable ({self.note})"
        fmt = _fmt(self.units)
        sign = (
            ("<=" if self.holds else ">")
            if self.target.startswith("max")
            else (">=" if self.holds else "<")
        )
        tail = "" if self.holds else f" (short by {fmt(self.shortfall)})"
        return (
            f"{self.target}: {self.metric} {self.stat} {fmt(self.value)} {sign} "
            f"{fmt(self.limit)}{tail}"
        )


def _fmt(units: str):
    if units == "1":
        return lambda x: f"{x:.3f}"
    return lambda x: f"{x:,.0f} {units}"


class RiskTargets(BaseModel):
    """Targets on the Monte Carlo's Risk (None switches one off).

    max_unserved_p95: MWh/yr of built IT load left unpowered in the 95th-percentile future.
    max_unmet_demand_p95: MWh/yr of IT demand above built capacity (or unreachable), p95 future.
    min_cfe_p5: lowest hourly CFE score (0..1) of the 5th-percentile future.
    min_re_share_p5: lowest renewable share (0..1) of the 5th-percentile future.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    max_unserved_p95: float | None = Field(None, ge=0.0)
    max_unmet_demand_p95: float | None = Field(None, ge=0.0)
    min_cfe_p5: float | None = Field(None, ge=0.0, le=1.0)
    min_re_share_p5: float | None = Field(None, ge=0.0, le=1.0)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise PolicyError(_explain(err, data)) from None

    def active(self) -> list[Target]:
        """The targets that are switched on, in table order."""
        return [t for t in TARGETS if getattr(self, t.name) is not None]

    def check(self, risk: xr.Dataset) -> list[TargetCheck]:
        """Each active target against `risk` (a Risk dataset with `summary`)."""
        return [check_target(t, float(getattr(self, t.name)), risk) for t in self.active()]


def check_target(target: Target, limit: float, risk: xr.Dataset) -> TargetCheck:
    """One target against a Risk dataset's summary (energies scaled to a year)."""

    def outcome(value: float, holds: bool | None, shortfall: float, note: str = "") -> TargetCheck:
        return TargetCheck(
            target.name,
            target.metric,
            target.stat,
            value,
            limit,
            holds,
            shortfall,
            target.units,
            note,
        )

    metrics = [str(m) for m in risk["summary"]["metric"].values] if "summary" in risk else []
    if target.metric not in metrics:
        return outcome(math.nan, None, math.nan, f"the Risk has no `{target.metric}` metric")
    value = float(risk["summary"].sel(metric=target.metric, stat=target.stat))
    if target.per_year:
        value *= float(risk.attrs.get("annual_scale", 1.0))
    if math.isnan(value):
        return outcome(value, False, math.inf, "NaN: nothing was served")
    gap = value - limit if target.sense == "max" else limit - value
    holds = gap <= 0
    return outcome(value, bool(holds), 0.0 if holds else float(gap))


def all_hold(checks: list[TargetCheck]) -> bool:
    """Every measurable target holds (a not-measurable one does not block)."""
    return all(c.holds is not False for c in checks)


def _explain(err: ValidationError, given: dict[str, Any]) -> str:
    lines = []
    for e in err.errors():
        field = ".".join(map(str, e["loc"])) or "targets"
        value = given.get(e["loc"][0], e.get("input")) if e["loc"] else given
        rule = e["msg"]
        if e["type"] == "extra_forbidden":
            rule = f"unknown target (allowed: {[t.name for t in TARGETS]})"
        lines.append(f"{field} = {value!r}: {rule}")
    return "invalid risk targets:\n" + "\n".join(f"  - {line}" for line in lines)
