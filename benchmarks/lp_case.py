"""One LP scaling case in a fresh process: `python -m benchmarks.lp_case '<json spec>'`.

Prints one JSON line: model size, build and solve seconds, status. Run in a
subprocess so a case that overruns can be killed, and so peak RSS is the
case's own.
"""

from __future__ import annotations

import time
import warnings

import planner
from benchmarks.child import serve
from benchmarks.machine import peak_rss_bytes
from benchmarks.synthetic import scale_sites

MARKER = "LPCASE"


def scenario_for(spec: dict):
    """The case's Scenario: base data set scaled to `n_sites`, reduced to `n_days` (0 = full year)."""
    base = planner.load_scenario(spec["scenario"])
    if spec["n_sites"] != base.sizes["site"]:
        base = scale_sites(base, spec["n_sites"], seed=1)
    base = planner.validate(base)
    t0 = time.perf_counter()
    n_days = spec["n_days"]
    if n_days and n_days * 24 < base.sizes["time"]:
        extreme = spec.get("extreme_days", True)
        reduced = planner.reduce_time(base, n_days=n_days, extreme_days=extreme)
    else:
        reduced = base
    return reduced, time.perf_counter() - t0


def solve_case(spec: dict) -> dict:
    """Plan the case's Scenario: model size, build and solve seconds, status, peak RSS."""
    scn, reduce_seconds = scenario_for(spec)
    if spec.get("split"):
        return split_case(scn, spec, reduce_seconds)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = planner.plan(
                scn,
                policy=spec.get("policy"),
                solver=spec["solver"],
                relax_siting=spec["relax_siting"],
                time_limit=spec.get("time_limit"),
                mip_gap=spec.get("mip_gap", 1e-4),
                **({"highs_options": spec["highs_options"]} if spec.get("highs_options") else {}),
            )
        except Exception as err:  # no plan (e.g. time limit without a solution): keep the size
            out = build_only(scn, spec)
            out.pop("_model")
            out.update(
                status="no_solution",
                error=f"{type(err).__name__}: {str(err)[:200]}",
                solve_seconds=time.perf_counter() - t0 - out["build_seconds"],
                timed_out="time limit" in str(err),
                reduce_seconds=reduce_seconds,
                peak_rss_bytes=peak_rss_bytes(),
            )
            return out
    wall = time.perf_counter() - t0
    a = result.attrs
    return {
        "status": str(a.get("status")),
        "timed_out": str(a.get("status")) == "time_limit",
        "n_hours_modelled": int(scn.sizes["time"]),
        "n_rows": int(a.get("n_rows", -1)),
        "n_cols": int(a.get("n_cols", -1)),
        "n_nonzeros": int(a.get("n_nonzeros", -1)),
        "build_seconds": float(a.get("build_seconds", float("nan"))),
        "solve_seconds": float(a.get("solve_seconds", float("nan"))),
        "solver_seconds": float(a.get("solver_seconds", float("nan"))),
        "plan_seconds": wall,
        "reduce_seconds": reduce_seconds,
        "objective": float(a.get("objective", float("nan"))),
        "mip_gap": float(a.get("mip_gap", float("nan"))),
        "warnings": [str(w.message)[:200] for w in caught][:3],
        "peak_rss_bytes": peak_rss_bytes(),
    }


def build_only(scn, spec: dict) -> dict:
    """Build the model alone (planner.lp internals): seconds and size."""
    from planner.lp import Policy, build_model

    t0 = time.perf_counter()
    m = build_model(scn, Policy(**(spec.get("policy") or {})), spec["relax_siting"])
    return {
        "build_seconds": time.perf_counter() - t0,
        "n_rows": int(m.n_rows),
        "n_cols": int(m.n_cols),
        "n_nonzeros": int(m.n_nonzeros),
        "n_hours_modelled": int(scn.sizes["time"]),
        "_model": m,
    }


def split_case(scn, spec: dict, reduce_seconds: float) -> dict:
    """Build, then solve with the time limit, timed apart (for the full year, whose solve may not finish)."""
    from planner.lp.solve import solve

    out = build_only(scn, spec)
    m = out.pop("_model")
    t0 = time.perf_counter()
    try:
        solved = solve(
            m.prob,
            spec["solver"],
            spec.get("time_limit"),
            spec.get("mip_gap", 1e-4),
            highs_options=spec.get("highs_options"),
        )
        out.update(
            status=solved.status,
            timed_out=solved.status == "time_limit",
            solver_seconds=float(solved.solver_seconds),
            mip_gap=float(solved.mip_gap),
        )
    except Exception as err:  # no solution within the time limit
        out.update(
            status="no_solution",
            timed_out="time limit" in str(err).lower(),
            error=f"{type(err).__name__}: {str(err)[:200]}",
        )
    out.update(
        solve_seconds=time.perf_counter() - t0,
        reduce_seconds=reduce_seconds,
        peak_rss_bytes=peak_rss_bytes(),
    )
    return out


if __name__ == "__main__":
    serve(solve_case, MARKER)
