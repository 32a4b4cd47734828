"""Rounding the relaxed siting: site pruning closes a site that rounding up opened for nothing.

A hand-made facility-location MIP, solved by `planner.lp.solve.solve`:

    x_a, x_b >= 0  MW served by sites a and b, x_b <= 8 (site b's cap)
    y_a, y_b in {0, 1}  site open
    x_a <= 20 y_a,  x_b <= 20 y_b,  x_a + x_b = 10  (demand)
    minimise  1 x_a + 2 x_b + 100 y_a + 60 y_b

Relaxed, a MW at site a costs 1 + 100/20 = 6 and at site b 2 + 60/20 = 5, so b
serves its cap: x_b = 8 (y_b = 0.4), x_a = 2 (y_a = 0.1), objective
8 x 5 + 2 x 6 = 52, the MIP's lower bound. Rounding up opens both sites and the
fixed-siting LP serves all 10 MW at a: 10 + 100 + 60 = 170. Pruning takes the
least-used site first: the relaxation without a leaves 8 MW for 10 (infeasible),
so every plan opens a (y_a >= 1 from then on). The relaxation without b (a open)
costs 10 x 1 + 100 = 110 < 170, so the fixed siting with b closed is tried:
10 + 100 = 110, kept. The relaxation with a open (y_a = 1, its 100 paid) serves
all 10 MW at a at 1 a MW (b's 5 a MW is dearer): 110 again, so the bound is 110
and the pruned plan is proven optimal (gap 0) with no branch and bound.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

import planner
import planner.lp.solve as solve_module
from planner.lp.core import LinearProgram
from tests.lp.test_lp_plan import dear_sites

RELAXED, ROUNDED, PRUNED = 52.0, 170.0, 110.0


def two_sites() -> LinearProgram:
    prob = LinearProgram()
    prob.add_columns(np.zeros(2), np.array([np.inf, 8.0]), integer=False)  # x_a, x_b
    prob.add_columns(np.zeros(2), np.ones(2), integer=True)  # y_a, y_b
    prob.add_rows(  # x_k - 20 y_k <= 0
        np.full(2, -np.inf), np.zeros(2), [0, 0, 1, 1], [0, 2, 1, 3], [1.0, -20.0, 1.0, -20.0]
    )
    prob.add_rows(np.array([10.0]), np.array([10.0]), [0, 0], [0, 1], [1.0, 1.0])  # demand
    prob.cost = np.array([1.0, 2.0, 100.0, 60.0])
    return prob


def solved_with_mip_calls(monkeypatch, solver: str, mip_gap: float):
    """solve() on the two sites: (Solved, prob, the phases of every solver call)."""
    phases = []
    real_run = solve_module._run

    def counted(prob, solver, time_limit, gap, mip, highs_options=None, phase="lp"):
        phases.append(phase)
        return real_run(prob, solver, time_limit, gap, mip, highs_options, phase)

    monkeypatch.setattr(solve_module, "_run", counted)
    prob = two_sites()
    return solve_module.solve(prob, solver, None, mip_gap, integers=[2, 3]), prob, phases


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_pruning_closes_the_needless_site_and_skips_branch_and_bound(monkeypatch, solver):
    solved, prob, phases = solved_with_mip_calls(monkeypatch, solver, mip_gap=0.0)
    # a probed (infeasible), b probed (110) then closed, the bound: no branch and bound
    assert phases == ["relaxation", "fixed", "probe", "probe", "pruning", "bound"]
    assert solved.status == "optimal"
    assert solved.objective == pytest.approx(PRUNED, rel=1e-9)  # not the rounded 170
    np.testing.assert_allclose(prob.solution, [10.0, 0.0, 1.0, 0.0], atol=1e-9)
    assert solved.mip_gap == pytest.approx(0.0, abs=1e-9)  # bound 110 = plan 110
    assert "1 of 2 closed again by site pruning" in solved.solver_status
    np.testing.assert_array_equal(prob.bounds()[1][2:], [1.0, 1.0])  # bounds restored


def test_branch_and_bound_starts_from_the_pruned_plan_when_its_gap_is_too_wide(monkeypatch):
    """The toy with dear sites: pruning closes one site; the bound stays loose (gap 0.28)."""
    ds = dear_sites(planner.load_scenario("toy"))
    pruned = planner.plan(ds, mip_gap=0.5)  # accepted after pruning, no branch and bound
    assert "1 of 2 closed again by site pruning" in pruned.attrs["solver_status"]
    assert pruned.attrs["mip_gap"] > 0.1
    phases, starts = [], []
    real_run = solve_module._run

    def recorded(prob, solver, time_limit, gap, mip, highs_options=None, phase="lp"):
        phases.append(phase)
        starts.append(None if prob.start is None else prob.start.copy())
        return real_run(prob, solver, time_limit, gap, mip, highs_options, phase)

    monkeypatch.setattr(solve_module, "_run", recorded)
    plan = planner.plan(ds, mip_gap=0.1)
    assert phases[-1] == "mip" and phases.count("mip") == 1
    assert plan.attrs["objective"] <= pruned.attrs["objective"] * (1 + 1e-9)
    np.testing.assert_array_equal(plan["site_open"].values, pruned["site_open"].values)


def test_the_rounded_plan_is_what_pruning_starts_from(monkeypatch):
    """The fixed-siting solve really costs 170 (both sites open), the relaxation 52."""
    objectives = {}
    real_run = solve_module._run

    def recorded(prob, solver, time_limit, gap, mip, highs_options=None, phase="lp"):
        solved = real_run(prob, solver, time_limit, gap, mip, highs_options, phase)
        objectives.setdefault(phase, solved.objective)
        return solved

    monkeypatch.setattr(solve_module, "_run", recorded)
    solve_module.solve(two_sites(), "highs", None, 0.6, integers=[2, 3])
    assert objectives["relaxation"] == pytest.approx(RELAXED, rel=1e-9)
    assert objectives["fixed"] == pytest.approx(ROUNDED, rel=1e-9)


def test_pruning_states_each_trial_in_the_progress_log(caplog):
    caplog.set_level(logging.INFO, logger="planner.lp.highs")
    solve_module.solve(two_sites(), "highs", None, 0.6, integers=[2, 3])
    lines = [r.getMessage() for r in caplog.records if r.name == "planner.lp.highs"]
    pruning = [line for line in lines if line.startswith("site pruning: site")]
    assert pruning == [
        "site pruning: site_open[0] (relaxed 0.1) closed: infeasible, every cheaper plan opens it",
        "site pruning: site_open[1] (relaxed 0.4) closed: -6e+07 JPY/yr, kept closed",
    ]
    assert any(line.startswith("site probing: optimal in ") for line in lines)
    assert any(line.startswith("strengthened relaxation: optimal in ") for line in lines)
    summary = [line for line in lines if line.startswith("site pruning: 1 of 2 rounded-up")]
    assert len(summary) == 1 and "1 proven needed" in summary[0]
    assert "proven gap 0.00e+00" in summary[0]
