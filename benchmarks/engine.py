"""Where the benchmarks find the library's LP and Monte Carlo, and what stands in before they exist.

The benchmarks call the public API (`planner.plan`, `planner.simulate`). While
the LP is not yet on the branch a heuristic Plan stands in (flagged in every
result), so the Monte Carlo can still be timed. The kernel probe reaches into
`planner.mc` internals only to ask XLA for the compiled dispatch kernel's cost
and memory analysis; if those internals move, it reports why and the roofline
falls back to the hand count.
"""

from __future__ import annotations

import importlib
import time
from functools import partial

import numpy as np
import xarray as xr

import planner


def plan_fn():
    """`planner.plan`, or None when the LP is not installed."""
    fn = getattr(planner, "plan", None)
    if callable(fn):
        return fn
    try:
        mod = importlib.import_module("planner.lp")
        fn = getattr(mod, "plan", None)
        return fn if callable(fn) else None
    except ImportError:
        return None


def simulate_fn():
    """`planner.simulate`, or None when the Monte Carlo is not installed."""
    fn = getattr(planner, "simulate", None)
    if callable(fn):
        return fn
    try:
        mod = importlib.import_module("planner.mc")
        fn = getattr(mod, "simulate", None)
        return fn if callable(fn) else None
    except ImportError:
        return None


def report_fn():
    """A callable writing the study report from Datasets, or None (see `e2e.py`)."""
    for mod_name, attr in (("planner.report", "write_report"), ("planner.report", "report")):
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        fn = getattr(mod, attr, None)
        if callable(fn):
            return fn
    return None


def load_base_scenario(prefer: str = "japan_2030") -> tuple[xr.Dataset, str]:
    """The benchmark's base Scenario (japan_2030 if shipped, else toy) and its name."""
    for name in (prefer, "toy"):
        try:
            return planner.validate(planner.load_scenario(name)), name
        except Exception:  # data set not on this branch yet
            continue
    raise RuntimeError("no scenario could be loaded")


def heuristic_plan(scenario: xr.Dataset) -> xr.Dataset:
    """A plausible Plan without an LP: every site open, demand split over reachable sites.

    Only for timing the Monte Carlo before `planner.plan` exists; its numbers mean nothing.
    """
    from planner.scenario.validate import scenario_reachable

    reach = scenario_reachable(scenario).any("backhaul").transpose("node", "site")
    share = reach.astype(float) / reach.sum("site").clip(min=1)
    peak = float(scenario["inference_demand"].sum("node").max() + scenario["training_demand"].max())
    it_max = scenario["site_it_max"]
    it_capacity = np.minimum(it_max.values, 1.3 * peak / scenario.sizes["site"] + 1.0)
    it = xr.DataArray(it_capacity, dims="site", coords={"site": scenario["site"]})
    gen = np.minimum(scenario["gen_potential"], 2.0 * it / scenario.sizes["gen"])
    plan = xr.Dataset(
        {
            "site_open": (it > 0).astype(float),
            "it_capacity": it,
            "gen_capacity": gen.transpose("site", "gen"),
            "battery_power": 0.5 * it,
            "battery_energy": 2.0 * it,
            "grid_capacity": 0.6 * it,
            "share": share,
        }
    )
    for name in plan.data_vars:
        plan[name].attrs["units"] = {"share": "1", "site_open": "1", "battery_energy": "MWh"}.get(
            name, "MW"
        )
    plan["site_area"] = scenario["site_area"]
    plan.attrs = {"status": "heuristic", "solver": "none", "objective": float("nan")}
    return plan


def make_plan(reduced: xr.Dataset, **kwargs) -> tuple[xr.Dataset, str]:
    """(Plan, source): `planner.plan(reduced, **kwargs)` if the LP exists, else the heuristic."""
    fn = plan_fn()
    if fn is None:
        return heuristic_plan(reduced), "heuristic (planner.plan not available)"
    import warnings

    with warnings.catch_warnings():  # the plan's own warnings (unserved load) are not ours
        warnings.simplefilter("ignore")
        return fn(reduced, **kwargs), "planner.plan"


def kernel_setup(scenario: xr.Dataset, plan: xr.Dataset, dtype: str, uncertainty=None):
    """(inputs, params, sizes, n_sites) exactly as `planner.simulate` prepares them (mc internals)."""
    from planner.mc.drivers import driver_params
    from planner.mc.inputs import to_inputs
    from planner.mc.uncertainty import Uncertainty

    unc = uncertainty if uncertainty is not None else Uncertainty()
    try:  # simulate's own preparation, when it exposes one
        from planner.mc.simulate import _prepare

        inputs, params, sizes = _prepare(scenario, plan, unc, dtype)
        return inputs, params, sizes, int(np.asarray(inputs.it_capacity).shape[0])
    except ImportError:
        pass
    inputs, link_km = to_inputs(scenario, plan, dtype)
    inputs = inputs._replace(stress_factor=np.dtype(dtype).type(unc.grid_stress.factor))
    n_sites = inputs.it_capacity.shape[0]
    params, sizes = driver_params(
        unc,
        n_hours=inputs.ren.shape[0],
        areas=[str(a) for a in scenario["area"].values],
        n_nodes=inputs.inference.shape[1],
        n_sites=n_sites,
        link_km=link_km,
    )
    params = type(params)(
        *(p.astype(dtype) if np.issubdtype(p.dtype, np.floating) else p for p in params)
    )
    return inputs, params, sizes, n_sites


def sample(kernel, seed, ids, params, sizes, n_sites):
    """`kernel.sample_chunk`, with or without its older `n_sites` argument."""
    import inspect

    try:
        names = inspect.signature(kernel.sample_chunk).parameters
    except (TypeError, ValueError):
        names = {}
    if "n_sites" in names:
        return kernel.sample_chunk(seed, ids, params, sizes, n_sites)
    return kernel.sample_chunk(seed, ids, params, sizes)


def kernel_probe(scenario: xr.Dataset, plan: xr.Dataset, chunk: int, dtype: str) -> dict:
    """XLA cost and memory analysis of the compiled dispatch kernel for one chunk.

    Returns flops and bytes accessed as XLA counts them (a `while` loop's body
    is counted once, whatever its trip count; see roofline.py), memory analysis
    bytes, the chunk arrays' bytes, and compile seconds; or {"error": ...}.
    """
    try:
        import contextlib

        import jax

        from planner.mc import kernel

        x64 = jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()
        with x64:
            inputs, params, sizes, n_sites = kernel_setup(scenario, plan, dtype)
            ids = np.arange(chunk, dtype=np.int32)
            seed = np.uint32(0)
            futures = sample(kernel, seed, ids, params, sizes, n_sites)
            t0 = time.perf_counter()
            compiled = kernel.dispatch_chunk.lower(
                inputs, futures, kernel.link_pattern(inputs)
            ).compile()
            compile_s = time.perf_counter() - t0
            cost = compiled.cost_analysis()
            cost = cost[0] if isinstance(cost, list | tuple) else cost
            mem = compiled.memory_analysis()
            sample_cost = (
                jax.jit(lambda s, i, p: sample(kernel, s, i, p, sizes, n_sites))
                .lower(seed, ids, params)
                .compile()
                .cost_analysis()
            )
            sample_cost = sample_cost[0] if isinstance(sample_cost, list | tuple) else sample_cost
            leaves = jax.tree_util.tree_leaves
            from benchmarks.roofline import census

            pattern = kernel.link_pattern(inputs)
            dispatch = partial(kernel.dispatch_chunk, pattern=pattern)
            jaxpr_counts = census(jax.make_jaxpr(dispatch)(inputs, futures))
            return {
                "n_futures": chunk,
                "n_sites": int(n_sites),
                "n_hours": int(inputs.ren.shape[0]),
                "n_links": int(np.asarray(inputs.link_share).shape[0]),
                "n_nodes": int(np.asarray(inputs.inference).shape[1]),
                "n_areas": int(np.asarray(inputs.grid_price).shape[1]),
                "event_slots": {
                    k: int(v) for k, v in sizes._asdict().items() if k.startswith("k_")
                },
                "dispatch_flops": float(cost.get("flops", float("nan"))),
                "dispatch_bytes_accessed": float(cost.get("bytes accessed", float("nan"))),
                "dispatch_transcendentals": float(cost.get("transcendentals", 0.0)),
                "sample_flops": float(sample_cost.get("flops", float("nan"))),
                "sample_bytes_accessed": float(sample_cost.get("bytes accessed", float("nan"))),
                "argument_bytes": int(mem.argument_size_in_bytes),
                "output_bytes": int(mem.output_size_in_bytes),
                "temp_bytes": int(mem.temp_size_in_bytes),
                "futures_bytes": int(sum(np.asarray(x).nbytes for x in leaves(futures))),
                "inputs_bytes": int(sum(np.asarray(x).nbytes for x in leaves(inputs))),
                "compile_seconds": compile_s,
                "jaxpr_census": jaxpr_counts,
            }
    except Exception as err:  # internals moved: say so, the caller falls back
        return {"error": f"{type(err).__name__}: {err}"}
