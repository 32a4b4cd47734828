"""Objective: annualised capital (capital recovery factor, less area subsidy) + fixed O&M
+ weighted energy + backhaul + value of lost load + carbon price, by component.

Each block registers its cost coefficients per variable with `Model.add_cost`;
this module sums them into one objective, so the cost by component (read back
in `results`) sums to the objective by construction.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from planner.lp.core import Model


def capital_recovery_factor(rate: float | np.ndarray, life: float | np.ndarray) -> np.ndarray:
    """Annuity per unit of capital (1/yr) at discount `rate` over `life` years."""
    rate = np.asarray(rate, dtype=float)
    life = np.asarray(life, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        crf = rate / (1.0 - (1.0 + rate) ** -life)
    return np.where(rate == 0.0, 1.0 / life, crf)


def crf_of(ds: xr.Dataset, lifetime: str) -> np.ndarray:
    """Capital recovery factor of the Scenario for the lifetime variable `lifetime`."""
    return capital_recovery_factor(float(ds["discount_rate"]), ds[lifetime].values)


def site_subsidy(ds: xr.Dataset, subsidy: dict[str, float]) -> np.ndarray:
    """Fraction of capital cost subsidised at each site (by its area), shape (site,)."""
    return np.array([subsidy.get(str(a), 0.0) for a in ds["site_area"].values], dtype=float)


def add_objective(m: Model) -> None:
    """Set the objective: the sum of every registered annual cost, per column."""
    cost = np.zeros(m.n_cols)
    for terms in m.costs.values():
        for block, coef in terms:
            b = m.blocks[block]
            np.add.at(cost, b.vars[b.mask], coef[b.mask])
    m.prob.cost = cost


def expression_terms(m: Model, register: str) -> list[tuple[str, np.ndarray]]:
    """All ``(block, coef)`` terms of a cost register (e.g. capital for the budget row)."""
    return [t for terms in getattr(m, register).values() for t in terms]
