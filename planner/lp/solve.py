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
from dataclasses import dataclass

import pulp

from planner.errors import SolverError

SOLVERS = ("highs", "cbc")


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


def solve(prob: pulp.LpProblem, solver: str, time_limit: float | None, mip_gap: float) -> Solved:
    """Solve `prob` in place (variables get values) and report the outcome."""
    if solver == "highs":
        backend = pulp.HiGHS(msg=False, gapRel=mip_gap, timeLimit=time_limit)
    else:
        with warnings.catch_warnings():  # PuLP 3.3 flags the bundled CBC as going away in 4.0
            warnings.simplefilter("ignore", DeprecationWarning)
            backend = pulp.PULP_CBC_CMD(msg=False, gapRel=mip_gap, timeLimit=time_limit)
    start = time.perf_counter()
    try:
        prob.solve(backend)
    except pulp.PulpSolverError as err:
        raise SolverError(f"{solver}: the solver failed to run: {err}") from err
    seconds = time.perf_counter() - start
    if solver == "highs":
        return _highs_outcome(prob, seconds, time_limit)
    return _cbc_outcome(prob, seconds, time_limit)


def _highs_outcome(prob: pulp.LpProblem, seconds: float, time_limit: float | None) -> Solved:
    import highspy

    h = prob.solverModel
    model_status = h.getModelStatus()
    said = h.modelStatusToString(model_status)
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    run = float(h.getRunTime())
    gap = float(info.mip_gap) if prob.isMIP() else 0.0
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


def _cbc_outcome(prob: pulp.LpProblem, seconds: float, time_limit: float | None) -> Solved:
    said = f"{pulp.LpStatus[prob.status]} ({pulp.LpSolution[prob.sol_status]})"
    objective = float(pulp.value(prob.objective) or 0.0)
    gap = 0.0 if not prob.isMIP() else float("nan")  # PuLP does not read CBC's final gap
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
