"""`HardenOptions`: how `planner robust=on` runs `planner.harden` (the config's `harden` section).

The risk targets are the report's (`report.max_unserved_p95`,
`report.max_unmet_demand_p95`, `report.min_cfe_p5`, `report.min_re_share_p5`);
with no `report.min_cfe_p5` and a policy CFE target, the CFE target on the
Monte Carlo's p5 is the policy's minus `cfe_tolerance` (issue 14: "CFE p5 >=
the policy target minus 1 point").
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from planner.contracts.targets import RiskTargets


class HardenOptions(BaseModel):
    """Options of the harden loop of a run (`planner robust=on harden.max_iterations=4`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    enabled: bool = Field(False, description="run planner.harden instead of one plan")
    max_iterations: int = Field(6, ge=1, le=50, description="plans solved at most")
    n_futures: int | None = Field(
        None, ge=1, description="in-sample futures per iteration (None: montecarlo.n_futures)"
    )
    n_holdout: int | None = Field(
        None, ge=1, description="held-out futures (None: montecarlo.n_futures)"
    )
    holdout_seed: int | None = Field(
        None, ge=0, description="seed of the held-out futures (None: montecarlo.seed + 1,000,003)"
    )
    cfe_tolerance: float = Field(
        0.01, ge=0.0, le=1.0, description="min_cfe_p5 = policy cfe_target - this, if unset"
    )
    stress_futures: int = Field(3, ge=0, le=100)
    stress_days_per_future: int = Field(2, ge=0, le=30)

    def targets(self, report: Any, cfe_target: float | None) -> RiskTargets:
        """The RiskTargets of a run: the report's four targets (`ReportOptions` fields), with
        min_cfe_p5 from the policy's CFE target (minus cfe_tolerance) where the report has none."""
        values = {name: getattr(report, name, None) for name in RiskTargets.model_fields}
        if values["min_cfe_p5"] is None and cfe_target is not None:
            values["min_cfe_p5"] = max(0.0, cfe_target - self.cfe_tolerance)
        return RiskTargets(**values)
