"""The Monte Carlo on this machine's accelerator in one run: throughput, agreement, bit identity.

    python -m benchmarks.gpu_check [--quick] [--out FILE]      (benchmarks/gpu_check.sh runs it)

Writes one JSON with:
- `device`: what JAX sees (platform, kind, count, free memory) and the chunk `simulate` picks;
- `throughput`: Japan 2030, 10^4 and 10^5 futures in float32 at the device's chunk
  (benchmarks.throughput);
- `agreement`: the JAX kernel against the NumPy reference on the toy with every driver
  stressed, every per-future and per-site metric within the suite's float32 tolerance
  (tests/mc/test_kernel.py: relative 1e-4, absolute 1e-3 + 1e-7 x the field's largest value,
  as a net energy cost, import cost less export revenue, carries the rounding of its gross sums);
- `bit_identity`: the same futures at several chunk sizes (the device's own among them) give
  bit-identical metrics, on the toy and on Japan at the first throughput size;
- `ok`: every check passed (the exit code is 1 otherwise).
--quick runs the toy at small sizes in place of Japan (the CPU smoke test of the suite).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import planner
from benchmarks.throughput import capacity_plan, device_info
from benchmarks.throughput import run as throughput

RTOL, ATOL = 1e-4, 1e-3  # float32 JAX vs NumPy, as tests/mc/test_kernel.py
SCALE_TOL = 1e-7  # of the field's largest |value|, added to ATOL (net costs), as that test
# every driver on, rates raised so that a one-week toy run sees each of them (tests/mc/conftest.py)
STRESSED = {
    "grid_stress": {"rate_per_year": 200.0},
    "site_outages": {"failure_rate_per_year": 100.0, "mean_repair_hours": 8.0},
    "disasters": {"earthquake_rate_per_year": 10.0, "typhoon_rate_per_year": 20.0},
    "backhaul_cuts": {"rate_per_year": 100.0},
}
FULL = {"scenario": "japan_2030", "futures": [10_000, 100_000], "identity_chunk": 2048}
QUICK = {"scenario": "toy", "futures": [256, 1024], "identity_chunk": None}  # toy: one check


def metric_arrays(risk) -> dict[str, np.ndarray]:
    """Every per-future and per-site metric of a Risk dataset (the summary follows from them)."""
    return {name: risk[name].values for name in risk.data_vars if "future" in risk[name].dims}


def agreement(n_futures: int = 256) -> dict:
    """JAX against NumPy on the stressed toy: the largest differences and whether all are within."""
    toy = planner.validate(planner.load_scenario("toy"))
    plan = capacity_plan(toy)
    kw = dict(seed=3, uncertainty=STRESSED, progress=False, dtype="float32")
    fast = metric_arrays(planner.simulate(toy, plan, n_futures, backend="jax", **kw))
    ref = metric_arrays(
        planner.simulate(toy, plan, n_futures, backend="numpy", chunk_size=64, **kw)
    )
    worst, failed = 0.0, []
    for name, values in fast.items():
        difference = np.abs(values - ref[name])
        atol = ATOL + SCALE_TOL * float(np.abs(ref[name]).max(initial=0.0))
        worst = max(worst, float(np.max(difference / np.maximum(np.abs(ref[name]), atol))))
        if np.any(difference > atol + RTOL * np.abs(ref[name])):
            failed.append(name)
    unserved = ref["unserved_energy"]
    return {
        "n_futures": n_futures,
        "rtol": RTOL,
        "atol": ATOL,
        "scale_tol": SCALE_TOL,
        "max_relative_difference": worst,  # relative to max(|NumPy|, atol of the field)
        "failed": failed,
        "futures_with_unserved_energy": float((unserved > 0).mean()),  # the drivers did bite
        "ok": not failed,
    }


def bit_identity(scenario_name: str, n_futures: int, chunks: list) -> dict:
    """The same futures at each chunk size (None: the device's own): metrics equal bit for bit."""
    scenario = planner.validate(planner.load_scenario(scenario_name))
    plan = capacity_plan(scenario)
    kw = dict(seed=11, uncertainty=STRESSED, progress=False, dtype="float32")
    runs = [planner.simulate(scenario, plan, n_futures, chunk_size=c, **kw) for c in chunks]
    base = metric_arrays(runs[0])
    differ = sorted(
        {
            name
            for r in runs[1:]
            for name, v in metric_arrays(r).items()
            if not np.array_equal(v, base[name])
        }
    )
    return {
        "scenario": scenario_name,
        "n_futures": n_futures,
        "chunk_sizes": [int(r.attrs["chunk_size"]) for r in runs],
        "differ": differ,
        "ok": not differ,
    }


def check(quick: bool) -> dict:
    """Every part of the check, in one dict (see the module docstring)."""
    sizes = QUICK if quick else FULL
    started = time.perf_counter()
    result = {"quick": quick, "device": device_info()}
    result["throughput"] = throughput(sizes["scenario"], sizes["futures"], "float32")
    result["device"]["chunk"] = result["throughput"]["device_chunk"]
    result["agreement"] = agreement()
    result["bit_identity"] = [bit_identity("toy", 300, [None, 64])]
    if sizes["identity_chunk"] is not None:
        n = sizes["futures"][0]
        result["bit_identity"].append(
            bit_identity(sizes["scenario"], n, [None, sizes["identity_chunk"]])
        )
    result["ok"] = result["agreement"]["ok"] and all(b["ok"] for b in result["bit_identity"])
    result["seconds"] = time.perf_counter() - started
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the toy at small sizes (CPU smoke)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/gpu_check.json"))
    args = parser.parse_args(argv)
    from planner.mc import configure_devices

    configure_devices()
    result = check(args.quick)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("ok", "seconds", "device")}, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
