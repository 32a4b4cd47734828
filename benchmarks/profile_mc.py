"""Where the JAX Monte Carlo's time goes: a profile of the dispatch kernel, for the report.

- Cost per hour step against chunk size (wall and CPU seconds of a warm
  `dispatch_chunk` call): a fixed per-step cost (loop and launch overhead)
  against a per-element cost (the arithmetic of each future-site).
- Sampling (`sample_chunk`) against dispatch against the rest of `simulate`.
- Driver ablation: the kernel with every uncertainty driver off, and with all on.
- The compiled loop body: how many fusions, library calls (dots), gathers,
  dynamic slices and index clamps (selects/compares) XLA emits per hour.

The kernel's inputs come from `planner.mc.prepare`; its two jitted halves
(`kernel.sample_chunk`, `kernel.dispatch_chunk`) are timed apart.
"""

from __future__ import annotations

import collections
import re
import time

import jax
import jax.numpy as jnp
import numpy as np

from planner.mc import KernelInputs, kernel, prepare
from planner.mc.uncertainty import Uncertainty


def _timed(fn, repeats: int = 2) -> tuple[float, float]:
    """Best (wall, cpu) seconds of `fn()` over `repeats` calls."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def hlo_loop_body(compiled_text: str) -> dict:
    """Op counts of the hour loop's body and the fusions it calls (compiled HLO text).

    The hour loop is the `while` with 24 trips a day whose body calls the most
    fusions (the day-ahead scans have 24 trips too, and small bodies).
    """
    comps = {}
    for block in re.split(r"\n(?=%?[\w.\-]+ \(.*\) -> .*\{\n)", compiled_text):
        name = re.match(r"%?([\w.\-]+) \(", block)
        if name:
            comps[name.group(1)] = block
    fusion_re = r"fusion\(.*?\), kind=(\w+), calls=%?([\w.\-]+)"
    loops = []
    for m in re.finditer(r"body=%?([\w.\-]+)[^\n]*?known_trip_count\W+n\W+(\d+)", compiled_text):
        body_text = comps.get(m.group(1), "")
        loops.append((int(m.group(2)) == 24, len(re.findall(fusion_re, body_text)), m.group(1)))
    if not loops:
        return {}
    body = comps.get(max(loops)[2], "")
    fusions = re.findall(fusion_re, body)
    ops: collections.Counter = collections.Counter()
    for _, called in fusions:
        ops.update(re.findall(r"= \S+ ([a-z\-]+)\(", comps.get(called, "")))
    ops.update(re.findall(r"= \S+ ([a-z\-]+)\(", body))
    keep = (
        "fusion",
        "custom-call",
        "dot",
        "gather",
        "dynamic-slice",
        "select",
        "compare",
        "multiply",
        "add",
        "subtract",
        "minimum",
        "maximum",
        "divide",
        "and",
        "or",
        "shift-right-logical",
        "convert",
        "copy",
        "transpose",
        "reduce",
    )
    out = {k: int(ops.get(k, 0)) for k in keep}
    out["fusions_in_body"] = len(fusions)
    out["library_calls_in_body"] = sum(1 for kind, _ in fusions if kind == "kCustom") + body.count(
        "custom-call("
    )
    return out


def layout_microbench(
    n_futures: int, n_sites: int, n_hours: int = 2190, chain: int = 50
) -> list[dict]:
    """An elementwise scan shaped like the kernel: (futures, sites) vs (sites, futures) vs flat.

    Each hour does `chain` x (min, mul-add, max, sub-mul, add-mul) on three carried arrays, so
    the only difference between rows is which axis is innermost in memory.
    """

    def body(c, x):
        a, b, d = c
        for _ in range(chain):
            a = jnp.minimum(a * 0.999 + x, b)
            b = jnp.maximum(b - a * 0.5, 0.1)
            d = d + a * b
        return (a, b, d), None

    rows = []
    n = n_futures * n_sites
    for label, shape, xshape in (
        (
            "(futures, sites): sites innermost, as the kernel",
            (n_futures, n_sites),
            (n_hours, 1, n_sites),
        ),
        ("(sites, futures): futures innermost", (n_sites, n_futures), (n_hours, n_sites, 1)),
    ):
        run = jax.jit(lambda a, b, d, xs: jax.lax.scan(body, (a, b, d), xs)[0])
        a, b, d = jnp.ones(shape), jnp.ones(shape), jnp.zeros(shape)
        xs = jnp.full(xshape, 0.001)
        jax.block_until_ready(run(a, b, d, xs))
        wall, cpu = _timed(
            lambda run=run, a=a, b=b, d=d, xs=xs: jax.block_until_ready(run(a, b, d, xs))
        )
        ops = n * n_hours * chain * 7
        rows.append(
            {
                "layout": label,
                "shape": list(shape),
                "cpu": cpu,
                "wall": wall,
                "gops_cpu": ops / cpu / 1e9,
            }
        )
    return rows


def profile(
    scenario, plan, chunks=(64, 256, 1024), dtype: str = "float32", quick: bool = False
) -> dict:
    """The profile as a dict for mc.json."""
    k = prepare(scenario, plan, dtype=dtype)
    out: dict = {"dtype": dtype, "steps": [step_cost(k, f) for f in chunks]}
    if len(out["steps"]) >= 2:  # per-step cost = fixed + per-future x chunk (least squares)
        x = np.array([s["chunk"] for s in out["steps"]], float)
        y = np.array([s["us_per_step_cpu"] for s in out["steps"]])
        slope, intercept = np.polyfit(x, y, 1)
        out["fixed_us_per_step"] = float(intercept)
        out["ns_per_fsh_marginal"] = float(1e3 * slope / k.n_sites)
    mid = chunks[min(1, len(chunks) - 1)]
    ids = np.arange(mid, dtype=np.int32)
    out["ablation"] = []
    for label, unc in (
        ("all drivers on (defaults)", None),
        ("every driver off", Uncertainty.none()),
    ):
        ka = prepare(scenario, plan, unc, dtype)
        wall, cpu = _dispatch_seconds(ka, _futures(ka, ids))
        out["ablation"].append(
            {"label": label, "chunk": mid, "dispatch_wall": wall, "dispatch_cpu": cpu}
        )
    fut = _futures(k, ids)
    text = kernel.dispatch_chunk.lower(k.inputs, fut, k.pattern).compile().as_text()
    out["loop_body"] = hlo_loop_body(text)
    out["n_threads_hint"] = "cpu/wall > 1 means XLA used more than one thread"
    out["layout"] = layout_microbench(mid, k.n_sites, n_hours=240 if quick else 2190)
    return out


def _futures(k: KernelInputs, ids: np.ndarray):
    return kernel.sample_chunk(np.uint32(0), ids, k.params, k.sizes)


def _dispatch_seconds(k: KernelInputs, futures) -> tuple[float, float]:
    """Best (wall, cpu) seconds of a warm `dispatch_chunk` call."""
    jax.block_until_ready(kernel.dispatch_chunk(k.inputs, futures, k.pattern))
    return _timed(
        lambda: jax.block_until_ready(kernel.dispatch_chunk(k.inputs, futures, k.pattern))
    )


def step_cost(k: KernelInputs, chunk: int) -> dict:
    """Sampling and dispatch seconds of one chunk, and per hour step and future-site-hour."""
    ids = np.arange(chunk, dtype=np.int32)
    fut = _futures(k, ids)
    s_wall, _ = _timed(lambda: jax.block_until_ready(_futures(k, ids)))
    d_wall, d_cpu = _dispatch_seconds(k, fut)
    n_sites, n_hours = k.n_sites, k.n_hours
    return {
        "chunk": chunk,
        "n_sites": n_sites,
        "n_hours": n_hours,
        "sample_wall": s_wall,
        "dispatch_wall": d_wall,
        "dispatch_cpu": d_cpu,
        "us_per_step_wall": 1e6 * d_wall / n_hours,
        "us_per_step_cpu": 1e6 * d_cpu / n_hours,
        "ns_per_fsh_cpu": 1e9 * d_cpu / (chunk * n_sites * n_hours),
    }
