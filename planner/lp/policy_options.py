"""The planning Policy: targets, caps, prices and subsidies a caller (or Hydra) sets.

Every field is optional; `None` switches a constraint off. Validation errors
become `planner.PolicyError` naming the field, the value and the rule.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from planner.errors import PolicyError

DEFAULT_VOLL = 1.0e6  # JPY/MWh, about USD 6,700/MWh: high enough that shortfall is a last resort
# Exports capped at 20 % of the load over the year: the `excess_share` of Riepin & Brown's
# 24/7 CFE model (PyPSA/247-cfe, config.yaml `ci.excess_share: 0.2`, solve_network.py).
DEFAULT_EXPORT_SHARE_MAX = 0.2


class Policy(BaseModel):
    """Policy of one planning study (all money in JPY, energy in MWh, emissions in tCO2).

    re_share: annual renewable matching (RE100-style), on-site renewable energy used
        or exported over the year as a share of total load (0..1); the grid balances
        hour by hour. cfe_target: hourly (24/7) carbon-free-energy score on total
        load, exports not counted (0..1). Both are met by energy, never by shedding:
        a target no build can meet is reported as a shortfall (MWh/yr) priced at voll.
    export_share_max: yearly exports at most this share of total load (default
        0.2, as in Riepin & Brown); 0 forbids exports, None leaves them uncapped.
    co2_cap: tCO2/yr. capex_budget: overnight capital, net of subsidy, JPY.
    carbon_price: JPY/tCO2. subsidy: area -> fraction of site-side capital cost
    paid by government (0..1). min_sites, max_sites: number of open sites.
    voll: value of lost load, JPY/MWh of unserved facility energy (and of each
        MWh/yr a renewable or CFE target falls short by).
    reserve_margin: planning margin for demand growth (0..1): every site's IT
        capacity covers (1 + m) x its inference load at the peak hour, and its grid
        connection keeps m x pue x its inference load free above the import of every
        modelled hour. Training is left out: in the modelled year it may run in the
        margin, as the Monte Carlo's does, and grown training runs longer in its day.
    training_margin: planning margin for training growth (0..1, default 0): every site's
        IT capacity also covers (1 + t) x each period's (day's) mean IT load, so grown
        training finds room in the day at the sites it runs at. Off by default: on the
        default study's full-year replay it cost the LP's CFE score 1.3 points of
        credibility (planner/lp/power.py `_add_it_margin`); `planner.harden` raises it when
        the Monte Carlo's training growth leaves demand unmet.
    backup_coverage: backup gensets at each site cover this share of it_capacity x the
        site's peak modelled PUE (default 1.0, as N+1 sites do; 0 builds none). They
        run only in emergencies, so the LP pays their capital and fixed O&M, not fuel.
    """

    # inf/NaN refused: None switches a constraint off, inf would reach the LP as a coefficient
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    re_share: float | None = Field(None, ge=0.0, le=1.0)
    cfe_target: float | None = Field(None, ge=0.0, le=1.0)
    export_share_max: float | None = Field(DEFAULT_EXPORT_SHARE_MAX, ge=0.0)
    co2_cap: float | None = Field(None, ge=0.0)
    capex_budget: float | None = Field(None, ge=0.0)
    carbon_price: float = Field(0.0, ge=0.0)
    subsidy: dict[str, float] = Field(default_factory=dict)
    min_sites: int | None = Field(None, ge=0)
    max_sites: int | None = Field(None, ge=1)
    voll: float = Field(DEFAULT_VOLL, gt=0.0)
    reserve_margin: float = Field(0.0, ge=0.0, le=1.0)
    training_margin: float = Field(0.0, ge=0.0, le=1.0)
    backup_coverage: float = Field(1.0, ge=0.0, le=1.0)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise PolicyError(_explain(err, data)) from None

    @model_validator(mode="after")
    def _check(self) -> Policy:
        for area, fraction in self.subsidy.items():
            if not 0.0 <= fraction <= 1.0 or np.isnan(fraction):
                raise ValueError(
                    f"subsidy[{area}] = {fraction!r}: must lie in [0, 1] (fraction of capital cost)"
                )
        if self.min_sites is not None and self.max_sites is not None:
            if self.min_sites > self.max_sites:
                raise ValueError(
                    f"min_sites = {self.min_sites} > max_sites = {self.max_sites}: "
                    "min_sites must not exceed max_sites"
                )
        return self

    def to_json(self) -> str:
        """The policy as a JSON string (for NetCDF attrs)."""
        return json.dumps(self.model_dump(), sort_keys=True)


def as_policy(policy: Policy | dict[str, Any] | None) -> Policy:
    """Coerce a Policy, a dict or None into a validated Policy; raise PolicyError otherwise."""
    if policy is None:
        return Policy()
    if isinstance(policy, Policy):
        return policy
    if not isinstance(policy, dict):
        raise PolicyError(f"policy must be a Policy or a dict, got {type(policy).__name__}")
    return Policy(**policy)


def check_against_scenario(policy: Policy, ds: xr.Dataset) -> None:
    """Rules that need the Scenario: subsidy areas exist, site counts are possible."""
    areas = set(map(str, ds["area"].values))
    problems = [
        f"subsidy[{area}] = {fraction!r}: unknown area (rule: must be one of {sorted(areas)})"
        for area, fraction in policy.subsidy.items()
        if area not in areas
    ]
    n_sites = ds.sizes["site"]
    if policy.min_sites is not None and policy.min_sites > n_sites:
        problems.append(
            f"min_sites = {policy.min_sites}: the scenario has only {n_sites} sites "
            "(rule: min_sites <= number of sites)"
        )
    if problems:
        raise PolicyError("invalid policy:\n" + "\n".join(f"  - {p}" for p in problems))


def _explain(err: ValidationError, given: dict[str, Any]) -> str:
    lines = []
    for e in err.errors():
        rule = e["msg"].removeprefix("Value error, ")
        if not e["loc"]:  # a rule across fields: the message names them
            lines.append(rule)
            continue
        field = ".".join(map(str, e["loc"]))
        value = given.get(e["loc"][0], e.get("input"))
        if e["type"] == "extra_forbidden":
            rule = f"unknown policy field (allowed: {sorted(Policy.model_fields)})"
        lines.append(f"{field} = {value!r}: {rule}")
    return "invalid policy:\n" + "\n".join(f"  - {line}" for line in lines)
