"""The default study's plan call, old formulation against new, in one run on one machine.

    python -m benchmarks.lp_speed [--old-ref 935be6a] [--new-ref HEAD]
        [--out benchmarks/results/lp_speed.json] [--days 12] [--sequential]
        [--highs-options '{"solver": "ipm"}']

The old formulation is checked out from git (`--old-ref`) into a worktree under /tmp and run
from there (PYTHONPATH), the new one from this checkout (or `--new-ref`, another worktree,
so that others' unfinished edits stay out); each in its own process, timed by phase: build
(`build_model`), every solver call (`solve._run`: the first pass with storage held at 0,
relaxation, fixed siting, site probing and pruning, the strengthened relaxation, branch and
bound, in the order they run, each with the 1-minute load average as it ended), and the
whole `planner.plan` call. The case is the default study's: `japan_2030`, base demand,
`n_days` representative days plus extreme days, policy cfe_70 with reserve margin 0.2,
mip_gap 1e-3, no time limit (the old formulation needs more than the study's 600 s on a
loaded 2-core machine, and the time to the answer is what is measured). By default both run
at the same time, so both see the same load on a shared machine (`--sequential`: one after
the other). The JSON records model sizes, seconds by phase, objective and cost by component,
the load average before and after, and the ratio new / old of the plan call.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_REF = "935be6a"  # the formulation at the start of session 3 (issue 11 item 7's baseline)

CASE = r"""
import json, os, sys, time, warnings
import planner
import planner.lp.model as model
import planner.lp.solve as solve

spec = json.loads(sys.argv[1])
calls, built = [], {}
real_build, real_run = model.build_model, solve._run

def timed_build(*args, **kwargs):
    t0 = time.perf_counter()
    m = real_build(*args, **kwargs)
    built.update(seconds=time.perf_counter() - t0, n_rows=int(m.n_rows), n_cols=int(m.n_cols),
                 n_nonzeros=int(m.n_nonzeros))
    return m

def timed_run(*args, **kwargs):
    t0 = time.perf_counter()
    try:
        return real_run(*args, **kwargs)
    finally:
        mip = args[4] if len(args) > 4 else kwargs.get("mip")
        phase = args[6] if len(args) > 6 else kwargs.get("phase")  # absent in old formulations
        calls.append({"mip": bool(mip), "phase": phase, "seconds": time.perf_counter() - t0,
                      "load_1min": os.getloadavg()[0]})

model.build_model, solve._run = timed_build, timed_run
t0 = time.perf_counter()
scenario = planner.validate(planner.load_scenario("japan_2030", demand="base"))
reduced = planner.reduce_time(scenario, n_days=spec["days"], extreme_days=True)
prepare = time.perf_counter() - t0
t0 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    kwargs = {"highs_options": spec["highs_options"]} if spec.get("highs_options") else {}
    plan = planner.plan(reduced, policy={"cfe_target": 0.7, "reserve_margin": 0.2},
                        mip_gap=1e-3, time_limit=None, **kwargs)
total = time.perf_counter() - t0
names = iter(["relaxed_solve", "fixed_siting_solve"])
known = {"first": "first_pass_batteries_at_0", "relaxation": "relaxed_solve", "fixed": "fixed_siting_solve", "probe": "site_probing",
         "pruning": "site_pruning", "bound": "strengthened_relaxation", "mip": "branch_and_bound"}
phases = [{**c, "phase": known.get(c["phase"]) or
           ("branch_and_bound" if c["mip"] else next(names, "lp_solve"))} for c in calls]
print("RESULT " + json.dumps({
    "prepare_seconds": prepare, "plan_seconds": total, "build_seconds": built["seconds"],
    "solver_calls": phases, "solve_seconds": sum(c["seconds"] for c in calls),
    "after_solve_seconds": total - built["seconds"] - sum(c["seconds"] for c in calls),
    "n_rows": built["n_rows"], "n_cols": built["n_cols"], "n_nonzeros": built["n_nonzeros"],
    "n_hours": int(reduced.sizes["time"]), "status": plan.attrs["status"],
    "solver_status": plan.attrs["solver_status"], "mip_gap": plan.attrs["mip_gap"],
    "objective": plan.attrs["objective"],
    "cost": {str(k): float(v) for k, v in plan["cost"].to_series().items()},
    "cfe_score": plan.attrs.get("cfe_score"), "re_share": plan.attrs.get("re_share"),
    "sites_open": [str(s) for s in plan.site.values[plan["site_open"].values > 0.5]],
}))
"""


def worktree(ref: str) -> Path:
    """A detached git worktree of `ref` under /tmp (made once, reused)."""
    path = Path(tempfile.gettempdir()) / f"planner-lp-speed-{ref}"
    if not (path / "planner").is_dir():
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), ref],
            check=True,
            capture_output=True,
        )
    return path


def start(tree: Path, spec: dict) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.Popen(
        [sys.executable, "-c", CASE, json.dumps(spec)],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen, label: str, t0: float) -> dict:
    out, err = proc.communicate()
    line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        return {"label": label, "error": err[-2000:]}
    return {"label": label, "wall_seconds": time.perf_counter() - t0, **json.loads(line[7:])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-ref", default=OLD_REF)
    parser.add_argument("--new-ref", default=None, help="default: this working tree")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/lp_speed.json")
    parser.add_argument("--days", type=int, default=12)
    parser.add_argument("--sequential", action="store_true")
    parser.add_argument("--highs-options", type=json.loads, default=None)
    args = parser.parse_args(argv)
    spec = {"days": args.days, "highs_options": args.highs_options}
    new = ROOT if args.new_ref is None else worktree(args.new_ref)
    trees = {"old": worktree(args.old_ref), "new": new}
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results = {}
    if args.sequential:
        for label, tree in trees.items():
            t0 = time.perf_counter()
            results[label] = finish(start(tree, spec), label, t0)
    else:
        t0 = time.perf_counter()
        procs = {label: start(tree, {**spec}) for label, tree in trees.items()}
        results = {label: finish(proc, label, t0) for label, proc in procs.items()}
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    record = {
        "benchmark": "lp_speed",
        "started_utc": started,
        "case": "japan_2030 base, rep days + extreme days, cfe_70, reserve_margin 0.2",
        "days": args.days,
        "mode": "sequential" if args.sequential else "concurrent",
        "old_ref": args.old_ref,
        "new_ref": args.new_ref or f"{head} (+ working tree)",
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "old": results["old"],
        "new": results["new"],
    }
    if "plan_seconds" in results["old"] and "plan_seconds" in results["new"]:
        record["ratio_plan_seconds"] = (
            results["new"]["plan_seconds"] / results["old"]["plan_seconds"]
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({k: v for k, v in record.items() if k not in ("old", "new")}, indent=2))
    for label in ("old", "new"):
        r = results[label]
        keys = ("plan_seconds", "build_seconds", "solve_seconds", "n_rows", "n_cols", "status")
        print(label, {k: r.get(k) for k in keys}, r.get("error", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
