"""The numba suite: the JAX kernel against the Numba comparator (and NumPy), one run, warm.

At each size (2,048 and 10,000 futures on the default plan) the JAX kernel
(`simulate`'s chunk loop: sampling and dispatch, 256 futures a chunk over the
CPU devices) and the Numba port (benchmarks/numba_port.py: the same futures
sampled by the same JAX `sample_chunk`, then its `prange` dispatch) are timed
in turn, `repeats` times each, best of each kept: alternating the two spreads
any load from other processes over both. Both float32, both warm (compiles
timed apart). NumPy (the reference) runs one chunk; its throughput is flat in
futures. The final States of JAX and Numba are compared (largest difference
relative to each field's largest value) so a fast wrong port cannot pass.
"""

from __future__ import annotations

import importlib
import os
import time
from dataclasses import asdict, dataclass, field

import jax
import numpy as np

from benchmarks.base_case import base_case
from benchmarks.machine import _cpuinfo
from benchmarks.progress import Clock
from benchmarks.results import SuiteResult
from planner.mc import kernel
from planner.mc.dispatch import State
from planner.mc.prepare import prepare

simulate_module = importlib.import_module("planner.mc.simulate")


@dataclass
class NumbaSizes:
    futures: list[int] = field(default_factory=lambda: [2048, 10_000])
    chunk_size: int = 256  # JAX futures per chunk (simulate's CPU default)
    numpy_futures: int = 256
    repeats: int = 3


FULL = NumbaSizes()
QUICK = NumbaSizes(futures=[32, 64], chunk_size=32, numpy_futures=16, repeats=2)


def _load() -> float:
    return float(os.getloadavg()[0])


def run_jax(run, n: int, chunk: int) -> State:
    """Futures 0 .. n-1 through `simulate`'s chunk loop (sampling + dispatch), JAX."""
    devices = jax.local_devices()
    size = simulate_module.chunk_for(chunk, n, len(devices), "jax")
    return simulate_module._run_chunks(run, 0, n, 0, size, devices, "jax", False)


def sample_numpy(run, n: int, chunk: int):
    """The same futures as `run_jax` draws, as NumPy arrays (JAX `sample_chunk` per chunk)."""
    parts = []
    for first in range(0, n, chunk):
        ids = np.arange(first, min(n, first + chunk), dtype=np.int32)
        parts.append(kernel.sample_chunk(np.uint32(0), ids, run.params, run.sizes))
    return type(parts[0])(*[np.concatenate([np.asarray(p[i]) for p in parts]) for i in range(13)])


def run_numba(run, n: int, chunk: int) -> State:
    """Futures 0 .. n-1: sampled as JAX does, dispatched by the Numba port."""
    from benchmarks.numba_port import dispatch_numba

    return dispatch_numba(run.inputs, sample_numpy(run, n, chunk))


def largest_difference(a: State, b: State) -> tuple[float, str]:
    """(largest |a - b| relative to the field's largest |b| (at least 1), that field's name)."""
    worst, where = 0.0, ""
    for name in State._fields:
        x = np.asarray(getattr(a, name), np.float64)
        y = np.asarray(getattr(b, name), np.float64)
        difference = float(np.abs(x - y).max(initial=0.0) / max(1.0, np.abs(y).max()))
        if difference > worst:
            worst, where = difference, name
    return worst, where


def _timed(fn, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def gpu_layout(result: SuiteResult, run_inputs, n: int, clock: Clock) -> None:
    """JAX with every future in one chunk (the layout a GPU takes): the year in one call each.

    No host round trip inside the year either way (the chunk's whole year is one jitted
    call); here the chunk is all `n` futures, as a GPU's memory-sized chunk would be.
    """
    s, h = run_inputs.n_sites, run_inputs.n_hours
    first, _ = _timed(run_jax, run_inputs, n, n)
    load = _load()
    seconds, _ = _timed(run_jax, run_inputs, n, n)
    result.add(
        backend="jax_one_chunk",
        n_futures=n,
        n_sites=s,
        n_hours=h,
        chunk_size=simulate_module.chunk_for(n, n, len(jax.local_devices()), "jax"),
        seconds=seconds,
        first_call_seconds=first,
        throughput=n * s * h / seconds,
        repeats=1,
        load_average_1min=[load, _load()],
    )
    clock.log("numba", f"JAX, {n} futures in one chunk: {n * s * h / seconds / 1e6:.1f} M/s")


def numba_info() -> dict:
    import llvmlite
    import numba

    from benchmarks.numba_port import BLOCK, FASTMATH

    return {
        "numba": numba.__version__,
        "llvmlite": llvmlite.__version__,
        "threads": numba.get_num_threads(),
        "threading_layer": _threading_layer(),
        "block_futures": BLOCK,
        "fastmath": sorted(FASTMATH),
        "dtype": "float32",
    }


def _threading_layer() -> str:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:  # no parallel function has run yet
        return "unknown"


def run(out_dir, clock: Clock, quick: bool = False, sizes: NumbaSizes | None = None):
    """Time JAX, Numba and NumPy on the default plan; write `numba.json`."""
    sizes = sizes or (QUICK if quick else FULL)
    result = SuiteResult("numba", quick=quick, config=asdict(sizes))
    scenario, name, plan, plan_source = base_case(quick, out_dir, reuse=True)
    run_inputs = prepare(scenario, plan, None, "float32")
    s, h = run_inputs.n_sites, run_inputs.n_hours
    cpu = _cpuinfo()
    result.config.update(
        scenario=name,
        plan_source=plan_source,
        plan_status=str(plan.attrs.get("status", "")),
        n_sites=s,
        n_hours=h,
        n_links=len(run_inputs.pattern.peers),
        cpu={k: cpu.get(k) for k in ("model name", "cpu family", "model", "stepping")},
        xla_flags=os.environ.get("XLA_FLAGS", ""),
        jax_devices=[str(d) for d in jax.devices()],
    )
    # warm-up: compile each backend at each shape (the first call timed as compile + run)
    compile_seconds = {}
    for n in sizes.futures:
        first, _ = _timed(run_jax, run_inputs, n, sizes.chunk_size)
        compile_seconds[f"jax_{n}"] = first
    first, _ = _timed(run_numba, run_inputs, sizes.futures[0], sizes.chunk_size)
    compile_seconds["numba_first_call"] = first
    result.config["first_call_seconds"] = compile_seconds
    result.config["numba_port"] = numba_info()
    clock.log("numba", f"warm: {compile_seconds}")
    for n in sizes.futures:
        best = {"jax": np.inf, "numba": np.inf}
        loads = []
        states = {}
        for _ in range(sizes.repeats):
            for backend, fn in (("jax", run_jax), ("numba", run_numba)):
                loads.append(_load())
                seconds, states[backend] = _timed(fn, run_inputs, n, sizes.chunk_size)
                best[backend] = min(best[backend], seconds)
        agree, field_name = largest_difference(states["numba"], states["jax"])
        for backend in ("jax", "numba"):
            result.add(
                backend=backend,
                n_futures=n,
                n_sites=s,
                n_hours=h,
                seconds=best[backend],
                throughput=n * s * h / best[backend],
                repeats=sizes.repeats,
                load_average_1min=loads,
            )
        ratio = best["numba"] / best["jax"]
        result.add(
            kind="ratio",
            n_futures=n,
            jax_over_numba=ratio,
            numba_vs_jax_difference=agree,
            numba_vs_jax_field=field_name,
        )
        clock.log(
            "numba",
            f"F={n}: JAX {n * s * h / best['jax'] / 1e6:.1f} M/s, Numba "
            f"{n * s * h / best['numba'] / 1e6:.1f} M/s, JAX/Numba {ratio:.2f} "
            f"(agree {agree:.1e}, load {max(loads):.2f})",
        )
        result.write(out_dir)
    gpu_layout(result, run_inputs, max(sizes.futures), clock)
    n = sizes.numpy_futures
    load = _load()
    devices = jax.local_devices()[:1]
    seconds, _ = _timed(
        simulate_module._run_chunks, run_inputs, 0, n, 0, n, devices, "numpy", False
    )
    result.add(
        backend="numpy",
        n_futures=n,
        n_sites=s,
        n_hours=h,
        seconds=seconds,
        throughput=n * s * h / seconds,
        repeats=1,
        load_average_1min=[load],
    )
    clock.log("numba", f"NumPy F={n}: {n * s * h / seconds / 1e6:.1f} M/s")
    result.note(
        "Throughput = futures x sites x hours / wall seconds, best of the repeats, warm. JAX: "
        "sampling + dispatch in 256-future chunks over the CPU devices (simulate's loop); Numba: "
        "the same futures sampled by the same JAX sample_chunk, then the port's prange dispatch "
        "over all futures (blocks of 16, one thread per core). NumPy: one chunk (flat in futures)."
    )
    result.write(out_dir)
    return result
