"""What one compiled chunk of the dispatch kernel costs: XLA's cost and memory analysis, jaxpr census.

The kernel's inputs come from `planner.mc.prepare`, exactly as `planner.simulate`
builds them; the kernel itself (`planner.mc.kernel.sample_chunk`,
`dispatch_chunk`) is lowered apart so XLA can be asked about it.
"""

from __future__ import annotations

import contextlib
import time
from functools import partial

import jax
import numpy as np
import xarray as xr

from benchmarks.roofline import census
from planner.mc import kernel, prepare


def _cost(compiled) -> dict:
    cost = compiled.cost_analysis()
    return cost[0] if isinstance(cost, list | tuple) else cost


def kernel_probe(scenario: xr.Dataset, plan: xr.Dataset, chunk: int, dtype: str) -> dict:
    """XLA cost and memory analysis of the compiled dispatch kernel for one chunk of futures.

    Flops and bytes accessed are as XLA counts them (a `while` loop's body is
    counted once, whatever its trip count; see roofline.py); memory analysis
    and the chunk arrays in bytes; compile seconds; the jaxpr census.
    """
    x64 = jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()
    with x64:
        k = prepare(scenario, plan, dtype=dtype)
        ids = np.arange(chunk, dtype=np.int32)
        seed = np.uint32(0)
        futures = kernel.sample_chunk(seed, ids, k.params, k.sizes)
        t0 = time.perf_counter()
        compiled = kernel.dispatch_chunk.lower(k.inputs, futures, k.pattern).compile()
        compile_s = time.perf_counter() - t0
        cost = _cost(compiled)
        mem = compiled.memory_analysis()
        sample_cost = _cost(kernel.sample_chunk.lower(seed, ids, k.params, k.sizes).compile())
        dispatch = partial(kernel.dispatch_chunk, pattern=k.pattern)
        jaxpr_counts = census(jax.make_jaxpr(dispatch)(k.inputs, futures))
    leaves = jax.tree_util.tree_leaves
    return {
        "n_futures": chunk,
        "n_sites": k.n_sites,
        "n_hours": k.n_hours,
        "n_links": int(np.asarray(k.inputs.link_share).shape[0]),
        "n_nodes": int(np.asarray(k.inputs.inference).shape[1]),
        "n_areas": int(np.asarray(k.inputs.grid_price).shape[1]),
        "event_slots": {n: int(v) for n, v in k.sizes._asdict().items() if n.startswith("k_")},
        "dispatch_flops": float(cost.get("flops", float("nan"))),
        "dispatch_bytes_accessed": float(cost.get("bytes accessed", float("nan"))),
        "dispatch_transcendentals": float(cost.get("transcendentals", 0.0)),
        "sample_flops": float(sample_cost.get("flops", float("nan"))),
        "sample_bytes_accessed": float(sample_cost.get("bytes accessed", float("nan"))),
        "argument_bytes": int(mem.argument_size_in_bytes),
        "output_bytes": int(mem.output_size_in_bytes),
        "temp_bytes": int(mem.temp_size_in_bytes),
        "futures_bytes": int(sum(np.asarray(x).nbytes for x in leaves(futures))),
        "inputs_bytes": int(sum(np.asarray(x).nbytes for x in leaves(k.inputs))),
        "compile_seconds": compile_s,
        "jaxpr_census": jaxpr_counts,
    }
