"""Monte Carlo throughput per device kind: `planner.simulate` at the device's own chunk size.

    python -m benchmarks.throughput [--scenario japan_2030] [--futures 10000,100000]
                                    [--dtype float32] [--out FILE]

Times the JAX Monte Carlo on whatever `jax.devices()` sees (a CPU's host devices, one or
more GPUs) with `chunk_size=None`, i.e. the chunk `simulate` picks for that device
(`simulate.device_chunk`: 256 futures on a CPU, memory-bounded tens of thousands on a
GPU). Each size first runs one chunk cold (compile included), then is timed warm.
The plan is made from capacities (`capacity_plan`), not solved, so the check needs no LP
and runs in minutes on any machine; throughput does not depend on the plan's numbers,
only on its shape (sites, links), and the shape is that of a plan serving every node
from its two nearest sites.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import jax
import numpy as np
import xarray as xr

import planner
from planner.contracts.plan import plan_from_capacities
from planner.mc import prepare
from planner.mc.devices import free_memory
from planner.mc.simulate import device_chunk

SITES_PER_NODE = 2


def capacity_plan(scenario: xr.Dataset) -> xr.Dataset:
    """A Plan for `scenario` without an LP: each node split evenly over its two nearest sites.

    IT capacity covers each site's peak inference share plus an even share of peak training,
    x1.2; on-site generation half the potential; batteries a quarter of IT power for 4 h; a
    grid connection of IT capacity x peak PUE.
    """
    distance = scenario["distance"].transpose("node", "site").values
    n_nodes, n_sites = distance.shape
    nearest = np.argsort(distance, axis=1)[:, :SITES_PER_NODE]
    share = np.zeros((n_nodes, n_sites))
    np.put_along_axis(share, nearest, 1.0 / SITES_PER_NODE, axis=1)
    peak = scenario["inference_demand"].transpose("node", "time").values.max(axis=1)
    used = share.sum(axis=0) > 0
    training = float(scenario["training_demand"].max()) / used.sum()
    it = 1.2 * (peak @ share + training * used)
    pue = scenario["pue"].transpose("site", "time").values.max(axis=1)
    return plan_from_capacities(
        scenario,
        it_capacity=it,
        gen_capacity=0.5
        * scenario["gen_potential"].transpose("site", "gen").values
        * used[:, None],
        share=share,
        battery_power=0.25 * it,
        battery_energy=1.0 * it,
        grid_capacity=it * pue,
    )


def device_info() -> dict:
    """The devices JAX sees: platform, kind, count, free memory of the first (None on a CPU)."""
    devices = jax.devices()
    return {
        "platform": devices[0].platform,
        "device_kind": devices[0].device_kind,
        "devices": len(devices),
        "processes": jax.process_count(),
        "free_memory_bytes": free_memory(devices[0]),
        "jax": jax.__version__,
        "python": platform.python_version(),
        "host": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],  # other work on the machine slows a CPU run
    }


def time_futures(scenario, plan, n_futures: int, dtype: str, chunk_size=None) -> dict:
    """One warm `simulate` of `n_futures` (the caller has compiled its shape): seconds, rates."""
    started = time.perf_counter()
    risk = planner.simulate(
        scenario, plan, n_futures, seed=0, chunk_size=chunk_size, dtype=dtype, progress=False
    )
    seconds = time.perf_counter() - started
    site_hours = n_futures * scenario.sizes["site"] * risk.attrs["n_hours"]
    return {
        "n_futures": n_futures,
        "dtype": dtype,
        "chunk_size": int(risk.attrs["chunk_size"]),
        "seconds": seconds,
        "futures_per_second": n_futures / seconds,
        "future_site_hours_per_second": site_hours / seconds,
        "risk": risk,
    }


def run(scenario_name: str, futures: list[int], dtype: str = "float32") -> dict:
    """Throughput of each size in `futures` on this machine's devices, at the device's chunk."""
    scenario = planner.validate(planner.load_scenario(scenario_name))
    plan = capacity_plan(scenario)
    run_inputs = prepare(scenario, plan, None, dtype)
    chunk = device_chunk(run_inputs, jax.local_devices(), "jax")
    cases = []
    for n in futures:
        started = time.perf_counter()  # compile the shape of n's chunks and run one of them
        planner.simulate(scenario, plan, min(chunk, n), dtype=dtype, progress=False)
        first_call = time.perf_counter() - started
        case = time_futures(scenario, plan, n, dtype)
        case.pop("risk")
        cases.append({**case, "first_call_seconds": first_call})
    return {
        "scenario": scenario_name,
        "sites": scenario.sizes["site"],
        "links": int((plan["share"] > 0).sum()),
        "device_chunk": chunk,
        "cases": cases,
        "device": device_info(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.throughput", description=__doc__)
    parser.add_argument("--scenario", default="japan_2030")
    parser.add_argument("--futures", default="10000,100000", help="comma-separated sizes")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--out", type=Path, help="JSON file to write (default: print)")
    args = parser.parse_args(argv)
    from planner.mc import configure_devices

    configure_devices()
    result = run(args.scenario, [int(n) for n in args.futures.split(",")], args.dtype)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
