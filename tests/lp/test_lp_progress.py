"""What a person sees while HiGHS runs: progress lines in the log, no banner on the console."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace

import pytest

import planner
import planner.lp.solve as solve_module
from planner.lp import highs

LOGGER = "planner.lp.highs"


def messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def test_each_phase_logs_its_end_with_seconds_and_no_banner_reaches_the_console(caplog, capfd):
    caplog.set_level(logging.INFO, logger=LOGGER)
    planner.plan(planner.load_scenario("toy"), policy={"cfe_target": 0.9})
    planner.plan(planner.load_scenario("toy"), policy={"cfe_target": 0.9})
    lines = messages(caplog)
    assert sum(line.startswith("HiGHS model: ") for line in lines) == 2  # one model per plan
    ended = [line for line in lines if re.match(r"LP relaxation: optimal in \d+\.\d s", line)]
    assert len(ended) == 2 and all("JPY/yr" in line for line in ended)
    assert sum(line.startswith("Solver: HiGHS") for line in lines) <= 1  # once per process
    assert highs._VERSION_LOGGED  # ... and it has been logged
    out, err = capfd.readouterr()  # HiGHS writes to the C-level stdout: none of it here
    assert "Running HiGHS" not in out + err and "Copyright" not in out + err


def test_live_lines_report_elapsed_time_iterations_and_objective(caplog, monkeypatch):
    monkeypatch.setattr(solve_module, "PROGRESS_SECONDS", 0.0)  # a line at every callback
    caplog.set_level(logging.INFO, logger=LOGGER)
    plan = planner.plan(planner.load_scenario("toy"), policy={"cfe_target": 0.9})
    live = [m for m in messages(caplog) if re.match(r"LP relaxation: \d+ s, ", m)]
    assert live, messages(caplog)
    pattern = r"LP relaxation: \d+ s, (simplex|interior point) iteration [\d,]+"
    assert all(re.match(pattern, line) for line in live)
    assert plan.attrs["status"] == "optimal"


def test_the_branch_and_bound_line_shows_best_bound_and_gap():
    progress = highs.Progress("branch and bound", 5.0)
    out = SimpleNamespace(
        mip_primal_bound=152410.0, mip_dual_bound=152320.0, mip_gap=5.9e-4, mip_node_count=1234
    )
    line = progress.line(highs.CB.kCallbackMipInterrupt, out, 30.2)
    assert line == (
        "branch and bound: 30 s, best 1.5241e+11 JPY/yr, bound 1.5232e+11 JPY/yr, "
        "gap 0.059%, 1,234 nodes"
    )
    out.mip_primal_bound, out.mip_dual_bound, out.mip_gap = (
        float("inf"),
        -float("inf"),
        float("inf"),
    )
    line = progress.line(highs.CB.kCallbackMipInterrupt, out, 1.0)
    assert "best none yet, bound -, gap -" in line  # before the root LP: nothing finite
    simplex = SimpleNamespace(simplex_iteration_count=12, objective_function_value=-float("inf"))
    line = highs.Progress("LP relaxation", 5.0).line(highs.CB.kCallbackSimplexInterrupt, simplex, 3)
    assert line == "LP relaxation: 3 s, simplex iteration 12, objective -"


def test_ctrl_c_stops_highs_and_reaches_the_caller(monkeypatch):
    monkeypatch.setattr(solve_module, "PROGRESS_SECONDS", 0.0)

    def interrupted(self, kind, out, elapsed):  # as if Ctrl-C came while a line was made
        raise KeyboardInterrupt

    monkeypatch.setattr(highs.Progress, "line", interrupted)
    with pytest.raises(KeyboardInterrupt):
        planner.plan(planner.load_scenario("toy"))


@pytest.mark.slow
def test_a_re_solve_gets_its_whole_time_limit_after_earlier_solves():
    """HiGHS measures time_limit against an instance's run time summed over all its calls;
    each call of the plan (relaxation, fixed siting, probes) must get its own limit.
    From-scratch solves of one model until the instance has run for longer than twice
    one solve's time (plus 1 s), then one more with that as its limit: ample for it."""
    from planner.lp.model import build_model
    from planner.lp.policy_options import as_policy

    red = planner.reduce_time(planner.load_scenario("japan_2030"), n_days=2, extreme_days=False)
    prob = build_model(planner.validate(red), as_policy({"cfe_target": 0.7}), True).prob
    first = solve_module._run(prob, "highs", None, 1e-3, False)
    limit = 2 * first.seconds + 1.0
    for _ in range(8):
        if prob.highs[1].getRunTime() > limit:
            break
        prob.highs[1].clearSolver()  # no basis kept: each solve starts from scratch
        solve_module._run(prob, "highs", None, 1e-3, False)
    assert prob.highs[1].getRunTime() > limit  # the case: more run time than the limit
    prob.highs[1].clearSolver()
    solved = solve_module._run(prob, "highs", limit, 1e-3, False)
    assert solved.status == "optimal"
    assert solved.objective == pytest.approx(first.objective, rel=1e-9)
