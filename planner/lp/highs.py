"""HiGHS through highspy: the LP's arrays passed in one call, re-solves on one instance, progress.

The instance is made with HiGHS's console output off before anything else is
called on it, so no banner is printed; its log lines go to this module's logger
at DEBUG, and the progress lines described in `planner.lp.solve` at INFO. The
instance is kept on the `LinearProgram` so the fixed-siting re-solve changes
bounds only and starts from the relaxation's basis, and branch and bound gets
the rounded plan as its first incumbent. Ctrl-C stops HiGHS at its next
callback and is raised once it has returned.
"""

from __future__ import annotations

import logging
import math
import time

import highspy
import numpy as np

from planner.errors import SolverError
from planner.lp.core import MONEY, LinearProgram

log = logging.getLogger(__name__)

CB = highspy.cb.HighsCallbackType
IPM_ROWS = 20_000  # a first solve of an LP this large goes to HiGHS's interior point method
PRIMAL_SIMPLEX = 4  # HiGHS simplex_strategy: primal
_VERSION_LOGGED = []  # the solver version is logged once per process


def run(
    prob: LinearProgram,
    time_limit: float | None,
    mip_gap: float,
    mip: bool,
    options: dict | None,
    phase: str,
    primal: bool = False,
):
    """Solve `prob` as it stands (its bounds; integers if `mip`); set prob.solution; Solved.

    primal: this call's simplex is the primal one (HiGHS `simplex_strategy` 4, unless the
    caller's options set it), for a re-solve whose basis stays primal feasible.
    """
    from planner.lp.solve import PROGRESS_SECONDS, Solved, hint

    h, fresh = _instance(prob, options)
    if "solver" not in (options or {}):
        h.setOptionValue("solver", solver_for(prob, mip, fresh))
    _sync_bounds(prob, h)
    integer = np.flatnonzero(prob.integer).astype(np.int32)
    if len(integer):
        kind = highspy.HighsVarType.kInteger if mip else highspy.HighsVarType.kContinuous
        h.changeColsIntegrality(len(integer), integer, np.full(len(integer), int(kind), np.uint8))
    # HiGHS checks time_limit against the instance's run time summed over every call, so
    # a re-solve's limit starts from what the earlier calls have used
    spent = h.getRunTime()
    h.setOptionValue("time_limit", math.inf if time_limit is None else spent + float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if mip and getattr(prob, "start", None) is not None:
        h.setSolution(_solution(prob.start))
    progress = Progress(phase, PROGRESS_SECONDS)
    h.setCallback(progress, None)
    for kind in _callbacks(mip):
        h.startCallback(kind)
    strategy = h.getOptionValue("simplex_strategy")[1]  # (status, value)
    if primal and "simplex_strategy" not in (options or {}):
        h.setOptionValue("simplex_strategy", PRIMAL_SIMPLEX)
    start = time.perf_counter()
    try:
        h.run()
    finally:
        for kind in _callbacks(mip):
            h.stopCallback(kind)
        h.setOptionValue("simplex_strategy", strategy)
    seconds = time.perf_counter() - start
    if progress.interrupted:
        raise KeyboardInterrupt
    status = h.getModelStatus()
    said = h.modelStatusToString(status)
    info = h.getInfo()
    objective = float(info.objective_function_value)
    gap = float(info.mip_gap) if mip and len(integer) else 0.0
    gap = gap if math.isfinite(gap) else float("nan")
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if has_solution:
        prob.solution = np.asarray(h.getSolution().col_value, dtype=float)
    log.info(
        "%s: %s in %.1f s, objective %s%s",
        phase,
        said.lower(),
        seconds,
        _money(objective) if has_solution else "none",
        f", gap {gap:.3%}" if mip and len(integer) and has_solution else "",
    )
    model = highspy.HighsModelStatus
    if status == model.kOptimal:
        return Solved("optimal", said, objective, gap, seconds, seconds)
    if status == model.kTimeLimit and has_solution:
        return Solved("time_limit", said, objective, gap, seconds, seconds)
    limit = f" within the time limit of {time_limit} s" if status == model.kTimeLimit else ""
    raise SolverError(f"highs: no usable plan{limit}; HiGHS said: {said!r}. {hint(said)}")


class Progress:
    """HiGHS callback: its log to DEBUG, a progress line to INFO every `every` seconds."""

    def __init__(self, phase: str, every: float) -> None:
        self.phase, self.every = phase, every
        self.start = self.last = time.perf_counter()
        self.interrupted = False

    def __call__(self, kind, message, out, into, user_data) -> None:
        try:
            if kind == CB.kCallbackLogging:
                log.debug("HiGHS: %s", message.rstrip())
                return
            now = time.perf_counter()
            if now - self.last >= self.every:
                self.last = now
                log.info(self.line(kind, out, now - self.start))
        except KeyboardInterrupt:
            self.interrupted = True
            if into is not None:
                into.user_interrupt = True

    def line(self, kind, out, elapsed: float) -> str:
        """`phase: 15 s, simplex iteration 21,400, objective 1.52e+11 JPY/yr` and the like."""
        head = f"{self.phase}: {elapsed:.0f} s"
        if kind == CB.kCallbackMipInterrupt:
            best = out.mip_primal_bound
            gap = f"{out.mip_gap:.3%}" if math.isfinite(out.mip_gap) else "-"
            return (
                f"{head}, best {_money(best) if math.isfinite(best) else 'none yet'}, "
                f"bound {_money(out.mip_dual_bound)}, gap {gap}, {out.mip_node_count:,} nodes"
            )
        if kind == CB.kCallbackIpmInterrupt:
            count = out.ipm_iteration_count
            return f"{head}, interior point" + (f" iteration {count:,}" if count >= 0 else "")
        return (
            f"{head}, simplex iteration {out.simplex_iteration_count:,}, "
            f"objective {_money(out.objective_function_value)}"
        )


def _money(value: float) -> str:
    """Model money as JPY/yr; '-' while HiGHS has no finite value (dual simplex phase 1)."""
    return f"{value * MONEY:.6g} JPY/yr" if math.isfinite(value) else "-"


def _callbacks(mip: bool) -> list:
    live = [CB.kCallbackMipInterrupt] if mip else [CB.kCallbackSimplexInterrupt]
    live += [] if mip else [CB.kCallbackIpmInterrupt]
    return [CB.kCallbackLogging, *live]


def solver_for(prob: LinearProgram, mip: bool, fresh: bool) -> str:
    """HiGHS's `solver` option for one call: its interior point method (with crossover, so
    the later calls start from a basis) for the first solve of a large LP, else HiGHS's choice.

    The first LP solve on a new instance (`fresh`: no basis yet) of a model of `IPM_ROWS`
    rows or more goes to IPX: on the default study's relaxation (2-core AMD EPYC, load about
    3) it took 184 s against dual simplex's 213 s at 74k rows (280 vs 399 s at 88k). Every
    later call changes bounds only and is hot-started by simplex from the basis crossover
    left (the second pass of `planner.lp.solve._first_solve` among them). Branch and bound,
    and small models, where simplex is quicker, get "choose".
    """
    return "ipm" if fresh and not mip and prob.n_rows >= IPM_ROWS else "choose"


def _instance(prob: LinearProgram, options: dict | None):
    """(the HiGHS instance holding `prob`, whether it was made by this call: no basis yet).

    The instance is made and given the arrays on first use.
    """
    shape = (prob.n_rows, prob.n_cols)
    if prob.highs is not None and prob.highs[0] == shape:
        return prob.highs[1], False
    h = quiet()
    a = prob.matrix()
    lower, upper = prob.bounds()
    row_lower, row_upper = prob.rows()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = prob.n_cols, prob.n_rows
    lp.col_cost_ = np.zeros(prob.n_cols) if prob.cost is None else prob.cost
    lp.col_lower_, lp.col_upper_ = lower, upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = prob.n_cols, prob.n_rows
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    h.setCallback(Progress("model", math.inf), None)  # passModel's log lines to DEBUG too
    h.startCallback(CB.kCallbackLogging)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    if h.passModel(lp) == highspy.HighsStatus.kError:
        raise SolverError("highs: the model was refused (HiGHS passModel returned an error)")
    h.stopCallback(CB.kCallbackLogging)
    prob.highs = (shape, h, lower.copy(), upper.copy())
    log.info(
        "HiGHS model: %s rows, %s columns, %s nonzeros%s",
        f"{prob.n_rows:,}",
        f"{prob.n_cols:,}",
        f"{a.nnz:,}",
        f", {int(prob.integer.sum())} integer" if prob.is_mip else "",
    )
    return h, True


def quiet():
    """A HiGHS instance that writes nothing to the console (its log reaches the callback).

    highspy's `Highs()` calls a HiGHS method before any option can be set, which prints
    the copyright banner; its C++ base class does not, so the options go first.
    """
    base = highspy.Highs.__mro__[1]  # highspy._core._Highs
    h = base()
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("output_flag", True)  # logging callbacks need output on
    if not _VERSION_LOGGED:
        _VERSION_LOGGED.append(True)
        log.info("Solver: HiGHS %s (git %s) through highspy", h.version(), h.githash())
    return h


def _sync_bounds(prob: LinearProgram, h) -> None:
    """Hand HiGHS the column bounds that changed since it last saw them."""
    shape, h, pushed_lower, pushed_upper = prob.highs
    lower, upper = prob.bounds()
    changed = np.flatnonzero((lower != pushed_lower) | (upper != pushed_upper)).astype(np.int32)
    if len(changed):
        h.changeColsBounds(len(changed), changed, lower[changed], upper[changed])
        pushed_lower[changed], pushed_upper[changed] = lower[changed], upper[changed]


def _solution(values: np.ndarray):
    solution = highspy.HighsSolution()
    solution.col_value = np.asarray(values, dtype=float)
    solution.value_valid = True
    return solution
