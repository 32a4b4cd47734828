"""Solve the built LP with HiGHS (highspy, the arrays passed in one call) or CBC (through PuLP).

An optimal solve returns status "optimal". With a time limit, a solver that
stops with a feasible incumbent returns status "time_limit" and the plan found
(the caller warns with its gap). Anything else raises `planner.SolverError`
quoting the solver's own status.

HiGHS gets the model once per plan; a large model's first pass (storage held at 0,
`_first_solve`), the relaxation, the fixed-siting re-solve
(bounds changed, hot-started from the relaxation's basis), site pruning (one
re-solve per site tried, bounds changed again) and branch and bound all run on
that one instance (`planner.lp.highs`). HiGHS's own log goes to the
logger `planner.lp.highs` at DEBUG (no banner on the console); progress goes to it
at INFO: the solver version once per process, the model's size, a line when each
phase ends, and a live line every `PROGRESS_SECONDS` while a phase runs, e.g. (the first
six lines from the default study, the rest from smaller plans)

    Solver: HiGHS 1.16.0 (git f3f113d) through highspy
    HiGHS model: 74,202 rows, 70,235 columns, 393,621 nonzeros, 21 integer
    first pass (batteries held at 0): 15 s, interior point iteration 61
    first pass (batteries held at 0): optimal in 18.0 s, objective 8.86083e+11 JPY/yr
    LP relaxation: 5 s, simplex iteration 5,300, objective 8.8601e+11 JPY/yr
    LP relaxation: optimal in 22.0 s, objective 8.85955e+11 JPY/yr
    fixed siting: optimal in 5.3 s, objective 1.5281e+11 JPY/yr
    site probing: infeasible in 0.1 s, objective none
    site pruning: site_open[20] (relaxed 0.054) closed: infeasible, every cheaper plan opens it
    site pruning: site_open[7] (relaxed 0.21) closed: -2.4e+08 JPY/yr, kept closed
    site pruning: 1 of 5 rounded-up sites closed, 4 proven needed, in 14.2 s (...), ...
    branch and bound: 30 s, best 1.5241e+11 JPY/yr, bound 1.5232e+11 JPY/yr, gap 0.059%, 812 nodes
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from dataclasses import dataclass, replace

import numpy as np

from planner.errors import SolverError
from planner.lp.core import MONEY, LinearProgram

SOLVERS = ("highs", "cbc")
# Library defaults, the app's too (planner.config.SolverSettings should read these): a 0.1 %
# gap accepts the rounded relaxation of the shipped studies (proven gaps ~1.6e-4) instead of
# starting branch and bound, and the time limit returns the incumbent with its gap.
DEFAULT_MIP_GAP = 1e-3
DEFAULT_TIME_LIMIT = 600.0  # s
INTEGRALITY = 1e-9  # how close to 0 or 1 a relaxed site_open must be to count as integral
PROGRESS_SECONDS = 5.0  # s between live progress lines while HiGHS runs
PHASES = {  # phase key -> what the progress lines call it
    "first": "first pass (batteries held at 0)",  # a large LP's first solve, storage left out
    "lp": "LP",
    "relaxation": "LP relaxation",
    "fixed": "fixed siting",
    "probe": "site probing",  # the relaxation with one rounded-up site closed
    "pruning": "site pruning",  # the fixed siting with one rounded-up site closed
    "bound": "strengthened relaxation",  # the relaxation with the sites proven needed open
    "mip": "branch and bound",
}
# An LP of this many rows or more is first solved with its storage columns held at 0, then
# with them free, hot-started from that basis (`_first_solve`).
FIRST_PASS_ROWS = 20_000
# The hot-started second pass may run this many times the first pass's seconds (at least
# HOT_START_FLOOR s); past that, the whole LP is solved from scratch (`_first_solve`).
HOT_START_SHARE = 2.5
HOT_START_FLOOR = 5.0  # s
# Site pruning (after the fixed-siting solve) may spend this share of the time left; each
# probe or trial is one hot-started re-solve with one site's bounds changed.
PRUNING_SHARE = 0.5
log = logging.getLogger("planner.lp.highs")  # the progress lines' logger (module docstring)


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
    prob: LinearProgram,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    integers=(),
    highs_options: dict | None = None,
) -> Solved:
    """Solve `prob` in place (`prob.solution` gets the column values) and report the outcome.

    `integers`: column positions of the integer variables (site_open).
    A MIP is first solved as its LP relaxation: when the relaxation's integer
    variables come out integral, that solution is the MIP optimum (it attains
    the relaxation's bound) and branch and bound is skipped. On the Japan model
    this is the common case and HiGHS's LP path is several times faster than its
    MIP root solve. When some come out fractional, they are rounded up (a site
    partly open is opened) and the LP re-solved with siting fixed; then site
    pruning closes the rounded-up sites that do not pay for themselves, one at a
    time, least used first (`_prune`, at most `PRUNING_SHARE` of the time left).
    The relaxation's objective bounds the MIP optimum from below, so the pruned
    plan's gap is proven; it is accepted when that gap is within `mip_gap`, and
    branch and bound runs otherwise, in the time left, from the pruned plan.
    When branch and bound finds nothing better within `time_limit`, the pruned
    plan is returned with status "time_limit" and its proven gap.
    """
    integers = np.asarray(list(integers), dtype=np.int64)
    start = time.perf_counter()
    relaxed_seconds = 0.0
    fallback = None
    if prob.is_mip and len(integers):
        try:
            relaxed = _first_solve(prob, solver, time_limit, mip_gap, highs_options, "relaxation")
        except SolverError:  # let the MIP solve report what went wrong, in its own words
            relaxed = Solved("failed", "", float("nan"), float("nan"), 0.0, 0.0)
        if relaxed.status == "optimal" and _integral(prob.solution[integers]):
            return replace(
                relaxed,
                solver_status=f"{relaxed.solver_status} (LP relaxation integral: MIP optimum)",
                mip_gap=0.0,
                seconds=time.perf_counter() - start,
            )
        relaxed_seconds = relaxed.solver_seconds
        if relaxed.status == "optimal":
            relaxed_open = prob.solution[integers].copy()
            rounded = _round_up(prob, solver, time_limit, mip_gap, integers, highs_options)
            if rounded is not None:
                spent = time.perf_counter() - start
                share = None if time_limit is None else PRUNING_SHARE * (time_limit - spent)
                rounded = _prune(
                    prob,
                    solver,
                    share,
                    mip_gap,
                    integers,
                    relaxed_open,
                    relaxed,
                    rounded,
                    highs_options,
                )
            if rounded is not None and rounded.mip_gap <= mip_gap:
                return replace(
                    rounded,
                    seconds=time.perf_counter() - start,
                    solver_seconds=rounded.solver_seconds + relaxed_seconds,
                )
            if rounded is not None:
                fallback = (rounded, prob.solution.copy())
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
        if prob.is_mip:
            solved = _run(prob, solver, time_limit, mip_gap, True, highs_options, "mip")
        else:
            solved = _first_solve(prob, solver, time_limit, mip_gap, highs_options, "lp")
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


def _first_solve(
    prob: LinearProgram,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    highs_options: dict | None,
    phase: str,
) -> Solved:
    """The first LP solve of `prob` (the relaxation, or the LP): in two passes when it is large.

    A large model (`FIRST_PASS_ROWS` rows or more, HiGHS) is first solved with its
    deferred columns (`prob.deferred`: the storage block) held at 0, then with them
    free, hot-started from the first pass's basis: the second pass is the whole LP,
    so its optimum is the LP's (exact; the first pass only finds a good start). Freed
    at 0, the held columns leave that basis primal feasible (only dual feasibility is
    lost), so the second pass runs HiGHS's primal simplex. The batteries' hourly
    state-of-charge chains are what make the LP slow for HiGHS's interior point
    method, while they change the optimum little: on the default study's relaxation
    (2-core AMD EPYC, two processes at once) one pass took 134 s, two passes 24 s +
    25 s (39 s with dual simplex as the second; benchmarks/results/lp_speed.json has
    the plan call). Where the batteries carry much of the plan the hot start is slow
    (annual RE100: first pass 1.03e12 against 9.65e11 JPY/yr for the whole LP, primal
    simplex 307 s against 175 s for interior point from scratch), so it may run
    `HOT_START_SHARE` times the first pass's time; past that the whole LP is solved
    from scratch on a fresh instance (the cost of the attempt is then the price of
    the fast path). CBC, small models and models without deferred columns are solved
    in one pass.
    """
    held = prob.deferred
    if (
        solver != "highs"
        or held is None
        or not len(held)
        or prob.n_rows < FIRST_PASS_ROWS
        or prob.highs is not None  # a basis exists already: hot-start from it
    ):
        return _run(prob, solver, time_limit, mip_gap, False, highs_options, phase)
    start = time.perf_counter()
    lower, upper = prob.bounds()
    saved = lower[held].copy(), upper[held].copy()
    lower[held] = upper[held] = 0.0
    try:
        first = _run(prob, solver, time_limit, mip_gap, False, highs_options, "first")
    except SolverError:  # let the whole LP report what went wrong, in its own words
        first = None
    finally:
        lower[held], upper[held] = saved
    spent = 0.0 if first is None else first.solver_seconds

    def left() -> float | None:
        return None if time_limit is None else max(time_limit - (time.perf_counter() - start), 1.0)

    if first is not None:
        cap = max(HOT_START_SHARE * first.seconds, HOT_START_FLOOR)
        hot = cap if time_limit is None else min(cap, left())
        try:
            solved = _run(prob, solver, hot, mip_gap, False, highs_options, phase, True)
        except SolverError:
            solved = None
        spent += 0.0 if solved is None else solved.solver_seconds
        # optimal, or stopped by the caller's own time limit (then no time is left either)
        if solved is not None and (solved.status == "optimal" or hot < cap):
            return replace(solved, seconds=time.perf_counter() - start, solver_seconds=spent)
        log.info(
            "%s: the hot start from the first pass did not finish within %.0f s (%.1f x the "
            "first pass): the batteries matter to this plan; solving the whole LP from scratch",
            PHASES[phase],
            cap,
            HOT_START_SHARE,
        )
        prob.highs = None  # a fresh instance: interior point on the whole LP
    solved = _run(prob, solver, left(), mip_gap, False, highs_options, phase)
    spent += solved.solver_seconds
    return replace(solved, seconds=time.perf_counter() - start, solver_seconds=spent)


def _integral(values: np.ndarray) -> bool:
    return bool(np.all(np.abs(values - np.round(values)) <= INTEGRALITY))


def _keep_rounded(
    prob: LinearProgram, fallback: tuple, start: float, solver_seconds: float, why: str
) -> Solved:
    """The rounded (and pruned) plan, restored, when branch and bound did not beat it in time."""
    rounded, values = fallback
    prob.solution = values
    return replace(
        rounded,
        status="time_limit",
        solver_status=f"{rounded.solver_status}; branch and bound stopped at the time limit "
        f"with {why}",
        seconds=time.perf_counter() - start,
        solver_seconds=solver_seconds,
    )


def _round_up(
    prob: LinearProgram,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    integers: np.ndarray,
    highs_options: dict | None = None,
) -> Solved | None:
    """Fix integers at the relaxation's values rounded up and re-solve: the fixed-siting plan."""
    lower, upper = prob.bounds()
    saved = lower[integers].copy(), upper[integers].copy()
    fixed_at = np.where(prob.solution[integers] > INTEGRALITY, 1.0, 0.0)
    lower[integers] = upper[integers] = fixed_at
    try:
        fixed = _run(prob, solver, time_limit, mip_gap, False, highs_options, "fixed")
    except SolverError:  # e.g. rounding up broke max_sites: let branch and bound decide
        fixed = None
    finally:
        lower[integers], upper[integers] = saved
    if fixed is None or fixed.status != "optimal":
        return None
    prob.start = prob.solution.copy()  # a feasible plan for branch and bound to start from
    return fixed


def _prune(
    prob: LinearProgram,
    solver: str,
    time_share: float | None,
    mip_gap: float,
    integers: np.ndarray,
    relaxed_open: np.ndarray,
    relaxed: Solved,
    rounded: Solved,
    highs_options: dict | None = None,
) -> Solved:
    """Close the rounded-up sites that do not pay; prove a tighter bound for those that must stay.

    Rounding up opens every site the relaxation used a little of. Each such site,
    least used (smallest relaxed `site_open`) first, is probed: the relaxation with it
    closed (HiGHS hot-starts; bounds changed only). When that is infeasible or no
    cheaper than the best plan, every cheaper plan opens the site, so its lower bound
    becomes 1 for the rest (`forced`). Otherwise the fixed-siting plan with it closed
    is tried, and kept when cheaper. Passes repeat while one closes a site, within
    `time_share` seconds (None: no limit). The MIP optimum is then at least
    min(best plan, relaxation with the forced sites open): the proven gap's bound.
    The best plan is left in `prob.solution` and `prob.start`; bounds are restored.
    """
    start = time.perf_counter()
    lower, upper = prob.bounds()
    saved = lower[integers].copy(), upper[integers].copy()
    fixed_at = np.where(relaxed_open > INTEGRALITY, 1.0, 0.0)
    fractional = (relaxed_open > INTEGRALITY) & (relaxed_open < 1.0 - INTEGRALITY)
    order = [int(k) for k in np.argsort(relaxed_open, kind="stable") if fractional[k]]
    forced = np.zeros(len(integers), dtype=bool)
    best, best_values = rounded, prob.solution.copy()
    seconds, closed, out_of_time = rounded.solver_seconds, [], False

    def within(closed_site: int | None, siting: np.ndarray | None, phase: str):
        left = None if time_share is None else time_share - (time.perf_counter() - start)
        if left is not None and left < 1.0:
            return (None, 0.0, False), True
        if siting is None:  # the relaxation, forced sites open, `closed_site` closed
            lower[integers], upper[integers] = np.where(forced, 1.0, saved[0]), saved[1]
        else:
            lower[integers] = upper[integers] = siting
        if closed_site is not None:
            lower[integers[closed_site]] = upper[integers[closed_site]] = 0.0
        return _try(prob, solver, left, mip_gap, highs_options, phase), False

    try:
        untried = order
        while untried and not out_of_time:
            kept_open = []
            for k in untried:
                (probe, spent, infeasible), out_of_time = within(k, None, "probe")
                if out_of_time:
                    break
                seconds += spent
                if probe is None and not infeasible:  # stopped early: nothing proven
                    kept_open.append(k)
                    continue
                if infeasible or probe.objective >= best.objective * (1 - 1e-9):
                    forced[k] = True
                    _say(k, relaxed_open[k], probe, best, "every cheaper plan opens it")
                    continue
                (trial, spent, _), out_of_time = within(k, fixed_at, "pruning")
                if out_of_time:
                    break
                seconds += spent
                cheaper = trial is not None and trial.objective < best.objective * (1 - 1e-9)
                _say(k, relaxed_open[k], trial, best, "kept closed" if cheaper else "reopened")
                if cheaper:
                    best, best_values, fixed_at[k] = trial, prob.solution.copy(), 0.0
                    closed.append(k)
                else:
                    kept_open.append(k)
            untried = kept_open if len(kept_open) < len(untried) else []  # again after a close
        bound = relaxed.objective
        if forced.any() and not out_of_time:
            (strong, spent, _), _ = within(None, None, "bound")
            seconds += spent
            bound = bound if strong is None else max(bound, min(strong.objective, best.objective))
    finally:
        lower[integers], upper[integers] = saved
    prob.solution = best_values
    prob.start = best_values.copy()
    gap = max((best.objective - bound) / max(abs(best.objective), 1e-9), 0.0)
    log.info(
        "site pruning: %d of %d rounded-up sites closed, %d proven needed, in %.1f s (%s), "
        "objective %.6g JPY/yr, bound %.6g JPY/yr, proven gap %.2e (accepted %g)",
        len(closed),
        len(order),
        int(forced.sum()),
        time.perf_counter() - start,
        f"its time share of {time_share:.0f} s spent" if out_of_time else "none more to try",
        best.objective * MONEY,
        bound * MONEY,
        gap,
        mip_gap,
    )
    return replace(
        best,
        solver_status=f"{best.solver_status} (fractional sites of the LP relaxation opened, "
        f"{len(closed)} of {len(order)} closed again by site pruning; proven gap {gap:.2e})",
        mip_gap=gap,
        solver_seconds=seconds,
    )


def _say(site: int, relaxed: float, solved: Solved | None, best: Solved, verdict: str) -> None:
    """One progress line per site tried: what closing it gives, what was done."""
    change = (
        "infeasible"
        if solved is None
        else f"{(solved.objective - best.objective) * MONEY:+.4g} JPY/yr"
    )
    log.info(
        "site pruning: site_open[%d] (relaxed %.3g) closed: %s, %s", site, relaxed, change, verdict
    )


def _try(
    prob: LinearProgram,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    highs_options: dict | None,
    phase: str,
) -> tuple[Solved | None, float, bool]:
    """Re-solve with the bounds as set: (the plan if optimal, seconds, proven infeasible)."""
    start = time.perf_counter()
    try:
        solved = _run(prob, solver, time_limit, mip_gap, False, highs_options, phase)
    except SolverError as err:  # e.g. the IT demand or a latency class needs the site
        said = str(err)
        infeasible = "nfeasible" in said and "time limit" not in said
        return None, time.perf_counter() - start, infeasible
    return (solved if solved.status == "optimal" else None), solved.solver_seconds, False


def _run(
    prob: LinearProgram,
    solver: str,
    time_limit: float | None,
    mip_gap: float,
    mip: bool,
    highs_options: dict | None = None,
    phase: str = "lp",
    primal: bool = False,
) -> Solved:
    """One solver call on the model as it stands (bounds as set), integers kept if `mip`;
    `primal`: HiGHS re-solves with its primal simplex (see `highs.run`)."""
    if solver == "highs":
        from planner.lp import highs

        return highs.run(prob, time_limit, mip_gap, mip, highs_options, PHASES[phase], primal)
    return _run_cbc(prob, time_limit, mip_gap, mip)


def _run_cbc(prob: LinearProgram, time_limit: float | None, mip_gap: float, mip: bool) -> Solved:
    import pulp

    problem, columns = _as_pulp(prob)
    with warnings.catch_warnings():  # PuLP 3.3 flags the bundled CBC as going away in 4.0
        warnings.simplefilter("ignore", DeprecationWarning)
        backend = pulp.PULP_CBC_CMD(mip=mip, msg=False, gapRel=mip_gap, timeLimit=time_limit)
    start = time.perf_counter()
    try:
        problem.solve(backend)
    except pulp.PulpSolverError as err:
        raise SolverError(f"cbc: the solver failed to run: {err}") from err
    seconds = time.perf_counter() - start
    prob.solution = np.array([v.varValue or 0.0 for v in columns], dtype=float)
    said = f"{pulp.LpStatus[problem.status]} ({pulp.LpSolution[problem.sol_status]})"
    objective = float(pulp.value(problem.objective) or 0.0)
    gap = float("nan") if mip and prob.is_mip else 0.0  # PuLP does not read CBC's final gap
    if problem.sol_status == pulp.LpSolutionOptimal:
        return Solved("optimal", said, objective, gap, seconds, seconds)
    if problem.sol_status == pulp.LpSolutionIntegerFeasible and time_limit is not None:
        return Solved("time_limit", said, objective, gap, seconds, seconds)
    raise SolverError(f"cbc: no usable plan; CBC said: {said!r}. {hint(said)}")


def _as_pulp(prob: LinearProgram):
    """The arrays as a PuLP problem (for CBC; names from positions): problem, columns."""
    import pulp

    lower, upper = prob.bounds()
    integer = prob.integer
    columns = [
        pulp.LpVariable(
            f"x{j}",
            None if not math.isfinite(lo) else lo,
            None if not math.isfinite(up) else up,
            pulp.LpInteger if kind else pulp.LpContinuous,
        )
        for j, (lo, up, kind) in enumerate(zip(lower, upper, integer, strict=True))
    ]
    problem = pulp.LpProblem("planner", pulp.LpMinimize)
    cost = prob.cost
    problem.setObjective(
        pulp.LpAffineExpression([(columns[j], cost[j]) for j in np.flatnonzero(cost)])
    )
    a = prob.matrix().tocsr()
    row_lower, row_upper = prob.rows()
    constraints = {}
    for i in range(prob.n_rows):
        lo, up = row_lower[i], row_upper[i]
        span = slice(a.indptr[i], a.indptr[i + 1])
        expr = pulp.LpAffineExpression(
            [(columns[j], v) for j, v in zip(a.indices[span], a.data[span], strict=True)]
        )
        if lo == up:
            constraints[f"r{i}"] = pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"r{i}", lo)
            continue
        if math.isfinite(lo):
            constraints[f"r{i}"] = pulp.LpConstraint(expr, pulp.LpConstraintGE, f"r{i}", lo)
        if math.isfinite(up):
            name = f"r{i}u" if math.isfinite(lo) else f"r{i}"
            constraints[name] = pulp.LpConstraint(expr, pulp.LpConstraintLE, name, up)
    problem.extend(constraints)
    return problem, columns


def hint(said: str) -> str:
    """What to look at when the model has no feasible plan."""
    if "nfeasible" in said:
        return (
            "Energy targets cannot make the model infeasible (unserved energy absorbs them), "
            "so look at the hard limits: site_it_max x sites allowed (max_sites) must hold the "
            "peak IT demand, and capex_budget must pay for the IT capacity that demand needs."
        )
    return ""
