"""Roofline: the machine's measured peaks and where the dispatch kernel sits under them.

Peaks are measured, not taken from a data sheet:
- compute: a large float32 matmul under `jax.jit` (2 n^3 flops), and an
  elementwise FMA chain on a cache-resident array (the ceiling an elementwise
  kernel such as the dispatch rule can reach at best);
- memory: a STREAM-like triad `a = b + s * c` on arrays far larger than cache
  (3 x 4 bytes per element moved; write-allocate traffic not counted).

The kernel's work per future-site-hour is counted twice: by XLA's cost
analysis of the compiled chunk kernel (a `while` body is counted once per
loop, so the count is divided by the scan's unroll), and by a census of the
kernel's jaxpr (every primitive's output elements, scan bodies times their
length), classified into arithmetic, comparisons/selects, matmul flops and
data movement.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.progress import Clock
from benchmarks.results import SuiteResult

ARITHMETIC = {
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "max",
    "min",
    "abs",
    "exp",
    "log",
    "sqrt",
    "rsqrt",
    "pow",
    "integer_pow",
    "rem",
    "sign",
    "floor",
    "ceil",
    "round",
    "square",
    "log1p",
    "expm1",
    "tanh",
    "logistic",
    "erf_inv",
    "erf",
    "add_any",
    "nextafter",
}
LOGIC = {"select_n", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "xor", "clamp"}
REDUCE = {
    "reduce_or",
    "reduce_and",
    "reduce_max",
    "reduce_min",
    "reduce_sum",
    "argmax",
    "argmin",
    "cumsum",
    "cumlogsumexp",
    "cummax",
    "cummin",
}
MOVE = {
    "gather",
    "dynamic_slice",
    "dynamic_update_slice",
    "scatter",
    "scatter-add",
    "slice",
    "concatenate",
    "broadcast_in_dim",
    "reshape",
    "transpose",
    "squeeze",
    "expand_dims",
    "convert_element_type",
    "iota",
    "pad",
    "rev",
    "copy",
    "copy_p",
    "select_and_scatter_add",
}


def _best_time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def matmul_peak(n: int = 2048, repeats: int = 5) -> dict:
    """float32 matmul FLOP/s (best of `repeats`)."""
    import jax
    import jax.numpy as jnp

    a = jax.random.normal(jax.random.key(0), (n, n), jnp.float32)
    b = jax.random.normal(jax.random.key(1), (n, n), jnp.float32)
    f = jax.jit(jnp.dot)
    f(a, b).block_until_ready()
    t = _best_time(lambda: f(a, b).block_until_ready(), repeats)
    return {"n": n, "seconds": t, "flops_per_second": 2.0 * n**3 / t}


def fma_peak(n: int = 1 << 16, chain: int = 256, repeats: int = 5) -> dict:
    """Elementwise float32 FLOP/s: `chain` dependent x*a+b per element on an L2-sized array."""
    import jax
    import jax.numpy as jnp

    def body(x):
        def step(_, y):
            return y * 0.999 + 0.001

        return jax.lax.fori_loop(0, chain, step, x, unroll=8)

    f = jax.jit(body)
    x = jnp.ones((n,), jnp.float32)
    f(x).block_until_ready()
    t = _best_time(lambda: f(x).block_until_ready(), repeats)
    return {"n": n, "chain": chain, "seconds": t, "flops_per_second": 2.0 * n * chain / t}


def triad_bandwidth(n: int = 1 << 25, repeats: int = 5) -> dict:
    """STREAM-like triad bytes/s (3 float32 arrays of `n`), JAX and NumPy, best of each."""
    import jax
    import jax.numpy as jnp

    b = jnp.ones((n,), jnp.float32)
    c = jnp.ones((n,), jnp.float32)
    f = jax.jit(lambda b, c: b + 1.5 * c)
    f(b, c).block_until_ready()
    t_jax = _best_time(lambda: f(b, c).block_until_ready(), repeats)
    bn, cn = np.ones(n, np.float32), np.ones(n, np.float32)
    an = np.empty_like(bn)

    def numpy_triad():
        np.multiply(cn, np.float32(1.5), out=an)
        np.add(an, bn, out=an)

    t_np = _best_time(numpy_triad, repeats)
    moved = 3.0 * 4 * n
    return {
        "n": n,
        "bytes": moved,
        "jax_seconds": t_jax,
        "numpy_seconds": t_np,
        "jax_bytes_per_second": moved / t_jax,
        # numpy's two-pass triad moves 5 arrays' worth (c, a written, a, b read, a written)
        "numpy_bytes_per_second": 5.0 * 4 * n / t_np,
        # on an accelerator only the device's own bandwidth bounds the kernel
        "bytes_per_second": (
            max(moved / t_jax, 5.0 * 4 * n / t_np)
            if jax.default_backend() == "cpu"
            else moved / t_jax
        ),
        "backend": jax.default_backend(),
    }


def census(closed_jaxpr) -> dict[str, float]:
    """Output elements of each primitive in a jaxpr, scan bodies weighted by their length.

    dot_general is counted in flops (2 x output elements x contracted size).
    """
    counts: dict[str, float] = {}

    def walk(jaxpr, weight: float) -> None:
        for eqn in jaxpr.eqns:
            name = eqn.primitive.name
            sub = []
            mult = weight
            if name == "scan":
                sub = [eqn.params["jaxpr"].jaxpr]
                mult = weight * eqn.params["length"]
            elif name in (
                "pjit",
                "jit",
                "closed_call",
                "remat",
                "checkpoint",
                "custom_jvp_call",
                "custom_vjp_call",
            ):
                p = eqn.params.get("jaxpr") or eqn.params.get("call_jaxpr")
                sub = [getattr(p, "jaxpr", p)]
            elif name == "while":
                sub = [eqn.params["body_jaxpr"].jaxpr]  # trip count unknown: counted once
            elif name == "cond":
                sub = [b.jaxpr for b in eqn.params["branches"]][:1]
            if sub:
                for s in sub:
                    walk(s, mult)
                continue
            size = sum(int(np.prod(v.aval.shape)) for v in eqn.outvars if hasattr(v.aval, "shape"))
            if name == "dot_general":
                (lc, _), _ = eqn.params["dimension_numbers"]
                k = int(np.prod([eqn.invars[0].aval.shape[d] for d in lc])) if lc else 1
                counts["dot_general_flops"] = (
                    counts.get("dot_general_flops", 0.0) + weight * 2 * size * k
                )
            else:
                counts[name] = counts.get(name, 0.0) + weight * size

    walk(closed_jaxpr.jaxpr, 1.0)
    return counts


def classify(counts: dict[str, float], per: float) -> dict[str, float]:
    """Census totals per future-site-hour, grouped as flops (arithmetic, logic, matmul) and moves."""
    out = {"arithmetic": 0.0, "logic": 0.0, "matmul": 0.0, "reduce": 0.0, "move": 0.0, "other": 0.0}
    for name, n in counts.items():
        if name == "dot_general_flops":
            out["matmul"] += n
        elif name in ARITHMETIC:
            out["arithmetic"] += n
        elif name in LOGIC:
            out["logic"] += n
        elif name in REDUCE:
            out["reduce"] += n
        elif name in MOVE:
            out["move"] += n
        else:
            out["other"] += n
    return {k: v / per for k, v in out.items()}


def run(out_dir, clock: Clock, quick: bool = False) -> SuiteResult:
    """Measure the machine's peaks and write `roofline.json` (the kernel's side is in mc.json)."""
    result = SuiteResult("roofline", quick=quick)
    n_mm, n_triad = (512, 1 << 20) if quick else (2048, 1 << 25)
    mm = matmul_peak(n_mm)
    clock.log("roofline", f"matmul peak {mm['flops_per_second'] / 1e9:.1f} GFLOP/s (n={n_mm})")
    fma = fma_peak(1 << 14 if quick else 1 << 16, 64 if quick else 256)
    clock.log("roofline", f"elementwise FMA peak {fma['flops_per_second'] / 1e9:.1f} GFLOP/s")
    bw = triad_bandwidth(n_triad)
    clock.log("roofline", f"triad bandwidth {bw['bytes_per_second'] / 1e9:.1f} GB/s")
    result.add(kind="matmul_f32", **mm)
    result.add(kind="fma_f32", **fma)
    result.add(kind="triad_f32", **bw)
    result.config = {"matmul_n": n_mm, "triad_n": n_triad}
    result.note(
        "Peaks measured with JAX on this machine at the time of the run (not data-sheet "
        "numbers); under load from other processes they read low."
    )
    result.write(out_dir)
    return result
