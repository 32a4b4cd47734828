"""Solve the built model with HiGHS (highspy, through PuLP's HiGHS interface) or CBC.

An optimal solve returns status "optimal". With a time limit, a solver that
stops with a feasible incumbent returns status "time_limit" and the plan found
(the caller warns with its gap). Anything else raises `planner.SolverError`
quoting the solver's own status.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, replace

import pulp

from planner.errors import SolverError

SOLVERS = ("highs", "cbc")
# Library defaults, the app's too (planner.config.SolverSettings should read these): a 0.1 %
# gap accepts the rounded relaxation of the shipped studies (proven gaps ~1.6e-4) instead of
# starting branch and bound, and the time limit returns the incumbent with its gap.
DEFAULT_MIP_GAP = 1e-3
DEFAULT_TIME_LIMIT = 600.0  # s
INTEGRALITY = 1e-9  # how close to 0 or 1 a relaxed site_open must be to count as integral


@dataclass(frozen=True)
class Solved:
    """What the solver said: status, objective (model money), relative MIP gap, seconds.

    `seconds` is the wall time of the whole solve call (handing the model to the
    solver, solving, reading values back); `solver_seconds` the solver's own run
    time as it reports it (HiGHS), or the solve call's time (CBC).
    """

    status: str
    solver_status: str
    objective: float
    mip_gap: float
    seconds: float
    solver_seconds: float


def solve(
    prob: pulp.LpProblem,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    integers: list[pulp.LpVariable] = (),
    highs_options: dict | None = None,
) -> Solved:
    """Solve `prob` in place (variables get values) and report the outcome.

    A MIP is first solved as its LP relaxation: when the relaxation's integer
    variables (`integers`) come out integral, that solution is the MIP optimum
    (it attains the relaxation's bound) and branch and bound is skipped. On the
    Japan model this is the common case and HiGHS's LP path is several times
    faster than its MIP root solve. When some come out fractional, they are
    rounded up (a site partly open is opened) and the LP re-solved with siting
    fixed: the relaxation's objective bounds the MIP optimum from below, so the
    rounded plan's gap is proven; it is accepted when that gap is within
    `mip_gap`, and branch and bound runs otherwise, in the time left. When branch
    and bound finds nothing better within `time_limit`, the rounded plan is
    returned with status "time_limit" and its proven gap.
    """
    start = time.perf_counter()
    relaxed_seconds = 0.0
    fallback = None
    if prob.isMIP() and integers:
        try:
            relaxed = _run(prob, solver, time_limit, mip_gap, False, highs_options)
        except SolverError:  # let the MIP solve report what went wrong, in its own words
            relaxed = Solved("failed", "", float("nan"), float("nan"), 0.0, 0.0)
        if relaxed.status == "optimal" and all(
            abs(v.varValue - round(v.varValue)) <= INTEGRALITY for v in integers
        ):
            return replace(
                relaxed,
                solver_status=f"{relaxed.solver_status} (LP relaxation integral: MIP optimum)",
                mip_gap=0.0,
                seconds=time.perf_counter() - start,
            )
        relaxed_seconds = relaxed.solver_seconds
        if relaxed.status == "optimal":
            rounded = _round_up(prob, solver, time_limit, mip_gap, integers, relaxed, highs_options)
            if rounded is not None and rounded.mip_gap <= mip_gap:
                return replace(
                    rounded,
                    seconds=time.perf_counter() - start,
                    solver_seconds=rounded.solver_seconds + relaxed_seconds,
                )
            if rounded is not None:
                fallback = (rounded, {v.name: v.varValue for v in prob.variables()})
                relaxed_seconds += rounded.solver_seconds
        if time_limit is not None:
            left = time_limit - (time.perf_counter() - start)
            if fallback is not None and left < 1.0:
                return _keep_rounded(prob, fallback, start, relaxed_seconds, "no time left")
            if left < 1.0:
                raise SolverError(
                    f"{solver}: no usable plan within the time limit of {time_limit} s: the LP "
                    f"relaxation alone took {time.perf_counter() - start:.0f} s (a loaded machine "
                    "or a larger model: raise time_limit, or None for no limit)"
                )
            time_limit = left
    try:
        solved = _run(prob, solver, time_limit, mip_gap, True, highs_options)
    except SolverError:
        if fallback is None:
            raise
        return _keep_rounded(prob, fallback, start, relaxed_seconds, "no incumbent")
    if fallback is not None and solved.status == "time_limit":
        if solved.objective > fallback[0].objective:  # B&B's incumbent is worse than the rounding
            return _keep_rounded(prob, fallback, start, relaxed_seconds, "a worse incumbent")
    return replace(
        solved,
        seconds=time.perf_counter() - start,
        solver_seconds=solved.solver_seconds + relaxed_seconds,
    )


def _keep_rounded(
    prob: pulp.LpProblem, fallback: tuple, start: float, solver_seconds: float, why: str
) -> Solved:
    """The rounded relaxation's plan, restored, when branch and bound did not beat it in time."""
    rounded, values = fallback
    for v in prob.variables():
        v.varValue = values[v.name]
    return replace(
        rounded,
        status="time_limit",
        solver_status=f"{rounded.solver_status}; branch and bound stopped at the time limit "
        f"with {why}",
        seconds=time.perf_counter() - start,
        solver_seconds=solver_seconds,
    )


def _round_up(
    prob: pulp.LpProblem,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    integers: list[pulp.LpVariable],
    relaxed: Solved,
    highs_options: dict | None = None,
) -> Solved | None:
    """Fix integers at the relaxation's values rounded up and re-solve: the plan and its proven gap."""
    bounds = [(v.lowBound, v.upBound) for v in integers]
    for v in integers:
        v.lowBound = v.upBound = 1.0 if v.varValue > INTEGRALITY else 0.0
    try:
        fixed = _run(prob, solver, time_limit, mip_gap, False, highs_options)
    except SolverError:  # e.g. rounding up broke max_sites: let branch and bound decide
        fixed = None
    finally:
        for v, (lo, up) in zip(integers, bounds, strict=True):
            v.lowBound, v.upBound = lo, up
    if fixed is None or fixed.status != "optimal":
        return None
    gap = (fixed.objective - relaxed.objective) / max(abs(fixed.objective), 1e-9)
    return replace(
        fixed,
        solver_status=f"{fixed.solver_status} (fractional sites of the LP relaxation opened; "
        f"proven gap {gap:.2e} to its bound)",
        mip_gap=max(gap, 0.0),
    )


def _run(
    prob: pulp.LpProblem,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    mip: bool,
    highs_options: dict | None = None,
) -> Solved:
    if solver == "highs":
        backend = pulp.HiGHS(
            mip=mip, msg=False, gapRel=mip_gap, timeLimit=time_limit, **(highs_options or {})
        )
    else:
        with warnings.catch_warnings():  # PuLP 3.3 flags the bundled CBC as going away in 4.0
            warnings.simplefilter("ignore", DeprecationWarning)
            backend = pulp.PULP_CBC_CMD(mip=mip, msg=False, gapRel=mip_gap, timeLimit=time_limit)
    start = time.perf_counter()
    try:
        prob.solve(backend)
    except pulp.PulpSolverError as err:
        raise SolverError(f"{solver}: the solver failed to run: {err}") from err
    seconds = time.perf_counter() - start
    if solver == "highs":
        return _highs_outcome(prob, seconds, time_limit, mip)
    return _cbc_outcome(prob, seconds, time_limit, mip)


def _highs_outcome(
    prob: pulp.LpProblem, seconds: float, time_limit: float | None, mip: bool
) -> Solved:
    import highspy

    h = prob.solverModel
    model_status = h.getModelStatus()
    said = h.modelStatusToString(model_status)
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    run = float(h.getRunTime())
    gap = float(info.mip_gap) if mip and prob.isMIP() else 0.0
    if not math.isfinite(gap):
        gap = float("nan")
    objective = float(info.objective_function_value)
    status = highspy.HighsModelStatus
    if model_status == status.kOptimal:
        return Solved("optimal", said, objective, gap, seconds, run)
    if model_status == status.kTimeLimit and has_solution:
        return Solved("time_limit", said, objective, gap, seconds, run)
    limit = f" within the time limit of {time_limit} s" if model_status == status.kTimeLimit else ""
    raise SolverError(f"highs: no usable plan{limit}; HiGHS said: {said!r}. {_hint(said)}")


def _cbc_outcome(
    prob: pulp.LpProblem, seconds: float, time_limit: float | None, mip: bool
) -> Solved:
    said = f"{pulp.LpStatus[prob.status]} ({pulp.LpSolution[prob.sol_status]})"
    objective = float(pulp.value(prob.objective) or 0.0)
    gap = float("nan") if mip and prob.isMIP() else 0.0  # PuLP does not read CBC's final gap
    if prob.sol_status == pulp.LpSolutionOptimal:
        return Solved("optimal", said, objective, gap, seconds, seconds)
    if prob.sol_status == pulp.LpSolutionIntegerFeasible and time_limit is not None:
        return Solved("time_limit", said, objective, gap, seconds, seconds)
    raise SolverError(f"cbc: no usable plan; CBC said: {said!r}. {_hint(said)}")


def _hint(said: str) -> str:
    if "nfeasible" in said:
        return (
            "Energy targets cannot make the model infeasible (unserved energy absorbs them), "
            "so look at the hard limits: site_it_max x sites allowed (max_sites) must hold the "
            "peak IT demand, and capex_budget must pay for the IT capacity that demand needs."
        )
    return ""
