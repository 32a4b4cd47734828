"""What the report needs besides the Scenario, Plan and Risk datasets: titles, figures, targets.

A small typed object, so the report never reads an app's settings: `planner.study`
builds one from `planner.config.RunSettings`, a script builds one by hand
(`ReportOptions(dpi=80, figures=False)`). The config's `report` group takes its
fields, defaults and ranges from here.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StudyOptions(BaseModel):
    """A named planning study (`configs/experiment/*.yaml`); `name` empty for a single run.

    baseline_policy: the policy the others are compared with (cfe_premium: `annual_re100`).
    area_groups: label -> grid areas, e.g. {"near_power": ["hokkaido", ...]} (watt_bit):
    IT capacity is reported per group.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    question: str = ""
    baseline_policy: str | None = None
    area_groups: dict[str, list[str]] = Field(default_factory=dict)


class ReportOptions(BaseModel):
    """Titles, figures and the risk targets the report checks the plan against.

    title: the run in a few words (the map's title; empty: a generic one).
    description: one line under the report's heading (policy, demand, LP, futures).
    max_unserved_p95: MWh/yr the 95th-percentile future may leave unserved.
    max_unmet_demand_p95: MWh/yr of demand above built IT capacity the p95 future may
        leave unmet (Risk `unmet_demand`), None: no target.
    min_cfe_p5: lowest acceptable 5th-percentile hourly CFE score (0..1), None: no target.
    min_re_share_p5: lowest acceptable 5th-percentile annual renewable share (0..1).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = ""
    description: str = ""
    figures: bool = True
    dpi: int = Field(default=130, ge=50, le=600)
    max_unserved_p95: float = Field(default=1000.0, ge=0.0)
    max_unmet_demand_p95: float | None = Field(default=None, ge=0.0)
    min_cfe_p5: float | None = Field(default=None, ge=0.0, le=1.0)
    min_re_share_p5: float | None = Field(default=None, ge=0.0, le=1.0)
    study: StudyOptions = StudyOptions()
