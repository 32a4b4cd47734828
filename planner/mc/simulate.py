"""`simulate`: stress-test a Plan over many futures of the full chronological year.

Scenario and Plan become the kernels' inputs once (`prepare`); futures run in fixed-size
chunks (the last one padded, its extra futures dropped) so that memory is
bounded by the chunk, whatever `n_futures` is, and jit compiles once. The chunk
size follows the device unless given: 256 futures per CPU device (cache-sized), a
GPU as many as its free memory holds (`device_chunk`). With the JAX backend the
futures axis of each chunk is sharded over this process's devices (a 1-D
`jax.sharding.Mesh`; the chunk is rounded up to a multiple of the device count).
Under `jax.distributed` each process runs a contiguous block of future indices
and the per-future results are gathered (`_gather`). Future i is sampled from
(seed, i) only, so numbers do not depend on chunk size, device count, process
count or backend."""

from __future__ import annotations

import contextlib
import time

import jax
import numpy as np
import xarray as xr
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from tqdm.auto import tqdm

from planner.contracts.table import whole_number
from planner.errors import PolicyError
from planner.mc import kernel
from planner.mc.devices import CPU_CHUNK, chunk_per_device, free_memory
from planner.mc.dispatch import State
from planner.mc.metrics import future_metrics, risk_dataset
from planner.mc.prepare import DTYPES, KernelInputs, prepare
from planner.mc.reference import dispatch_numpy
from planner.mc.uncertainty import Uncertainty, as_uncertainty
from planner.scenario.validate import validate

BACKENDS = ("jax", "numpy")


def _check_options(n_futures, seed, chunk_size, backend, dtype) -> tuple[int, int, int | None]:
    """n_futures, seed and chunk_size (None: per device) as ints; PolicyError naming the option."""
    if backend not in BACKENDS:
        raise PolicyError(f"simulate: backend={backend!r}, choose one of {BACKENDS}")
    if dtype not in DTYPES:
        raise PolicyError(f"simulate: dtype={dtype!r}, choose one of {DTYPES}")
    n_futures = _whole("n_futures", n_futures, 1, None)
    if chunk_size is not None:
        chunk_size = _whole("chunk_size", chunk_size, 1, None)
    seed = _whole("seed", seed, 0, 2**32)
    return n_futures, seed, chunk_size


def _whole(name: str, value, low: int, high: int | None) -> int:
    return whole_number(f"simulate: {name}", value, low, high, PolicyError)


LANES = 32  # futures per device in a JAX chunk come in multiples of this (see chunk_for)


def chunk_for(chunk_size: int, n_futures: int, n_devices: int, backend: str) -> int:
    """Futures per chunk: `chunk_size` (at most `n_futures`) rounded up as the backend needs.

    JAX: to a multiple of LANES futures on every device. With fast math (devices.py)
    XLA's vectorised loops may round a division differently from the scalar
    loop that finishes a row whose length is not a multiple of the vector
    width; with whole vectors only, every future takes the same path and the
    numbers stay bit-identical across chunk sizes and device counts. The
    padding futures are computed and dropped.
    """
    chunk = min(int(chunk_size), int(n_futures))
    if backend != "jax":
        return chunk
    step = LANES * n_devices
    return -(-chunk // step) * step


def process_share(n_futures: int, index: int, count: int) -> tuple[int, int]:
    """Futures [first, stop) of process `index` of `count`: contiguous blocks by future index.

    The first n_futures % count processes take one future more, so shares differ by one at most.
    """
    size, extra = divmod(int(n_futures), int(count))
    first = index * size + min(index, extra)
    return first, first + size + (index < extra)


def bytes_per_future(run: KernelInputs, device, probe: int = 4 * LANES) -> float:
    """Device memory one future of a chunk takes: the compiled kernels' own account at `probe` futures.

    Arguments, outputs and temporaries of `sample_chunk` and `dispatch_chunk` compiled for
    `device`, less the run's fixed inputs, over `probe` (fixed costs left in make it an upper
    bound). Falls back to 4x the compact futures' bytes where XLA gives no memory analysis.
    """
    ids = jax.ShapeDtypeStruct((probe,), np.int32)
    futures = jax.eval_shape(kernel.sample_chunk, np.uint32(0), ids, run.params, run.sizes)
    compact = sum(a.size * a.dtype.itemsize for a in jax.tree.leaves(futures)) / probe
    fixed = sum(np.asarray(a).nbytes for a in jax.tree.leaves((run.inputs, run.params)))
    try:
        with jax.default_device(device):
            sample = kernel.sample_chunk.lower(np.uint32(0), ids, run.params, run.sizes)
            dispatch = kernel.dispatch_chunk.lower(run.inputs, futures, run.pattern)
            used = [c.compile().memory_analysis() for c in (sample, dispatch)]
        total = max(
            m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes for m in used
        )
    except Exception:  # no memory analysis on this backend
        return 4.0 * compact
    return max(compact, (total - fixed) / probe)


def device_chunk(run: KernelInputs, devices: list, backend: str) -> int:
    """Futures per chunk on `devices` when the caller gives none (devices.chunk_per_device)."""
    if backend != "jax":
        return CPU_CHUNK
    device = devices[0]
    free = free_memory(device)
    if device.platform == "cpu" or free is None:
        return CPU_CHUNK  # a CPU keeps its cache-sized chunk, whatever its device count
    per_device = chunk_per_device(device.platform, free, bytes_per_future(run, device), LANES)
    return per_device * len(devices)


def simulate(
    scenario: xr.Dataset,
    plan: xr.Dataset,
    n_futures: int = 1000,
    seed: int = 0,
    chunk_size: int | None = None,
    uncertainty: Uncertainty | dict | None = None,
    backend: str = "jax",
    dtype: str = "float32",
    progress: bool = True,
) -> xr.Dataset:
    """Run `plan` through `n_futures` futures of the scenario's year; return the Risk dataset.

    scenario: the full chronological Scenario (hourly, no time reduction).
    plan: a Plan Dataset (it_capacity, gen_capacity, battery_power, battery_energy,
    grid_capacity, share; optional training_load), e.g. from `planner.plan`.
    chunk_size: futures per chunk; None picks it per device (CPU 256 in all, a GPU as
    many as half its free memory holds, up to 65,536 per device: devices.chunk_per_device).
    uncertainty: an `Uncertainty` (or its dict); None means the defaults.
    Under `jax.distributed.initialize` (several processes, e.g. one per GPU node), each
    process runs its share of the futures by index (`process_share`) on its own devices and
    every process returns the whole Risk dataset, gathered: the same numbers as one process.
    Returns per-future metrics (future), per-site `site_*` (future, site) and
    `summary` (metric, stat) with stat mean, p5, p50, p95, cvar95. Energies,
    hours, emissions and costs are totals over the simulated horizon (the year
    for a full scenario); attrs["annual_scale"] = 8760 / hours scales them to a year.
    """
    n_futures, seed, chunk_size = _check_options(n_futures, seed, chunk_size, backend, dtype)
    uncertainty = as_uncertainty(uncertainty)
    scenario = validate(scenario)
    started = time.perf_counter()
    run = prepare(scenario, plan, uncertainty, dtype)
    x64 = jax.enable_x64(True) if dtype == "float64" else contextlib.nullcontext()
    index, count = jax.process_index(), jax.process_count()
    with x64:
        devices = jax.local_devices() if backend == "jax" else jax.local_devices()[:1]
        first, stop = process_share(n_futures, index, count)
        wanted = device_chunk(run, devices, backend) if chunk_size is None else chunk_size
        chunk = chunk_for(wanted, max(1, stop - first), len(devices), backend)
        show = progress and index == 0
        final = _run_chunks(run, first, stop, int(seed), chunk, devices, backend, show)
        if count > 1:
            final = _gather(final, n_futures, count)
    metrics = future_metrics(final, run.inputs.battery_energy)
    attrs = {
        "seed": int(seed),
        "n_futures": int(n_futures),
        "backend": backend,
        "devices": jax.device_count() if backend == "jax" else count,
        "processes": count,
        "device_kind": devices[0].device_kind,
        "seconds": time.perf_counter() - started,
        "chunk_size": chunk,
        "dtype": dtype,
        "n_hours": run.n_hours,
        "annual_scale": 8760.0 / run.n_hours,
        "uncertainty": uncertainty.to_json(),
        "description": "Monte Carlo risk of a plan over futures of the scenario year",
    }
    return risk_dataset(metrics, list(scenario["site"].values), attrs)


def _gather(local: State, n_futures: int, count: int) -> State:
    """Every process's share of the final State, gathered in future order on every process.

    Shares differ by one future at most (process_share): each is padded to the largest,
    all are gathered (JAX collectives: gloo on CPU, NCCL on GPU), the padding is dropped.
    """
    from jax.experimental import multihost_utils

    sizes = [
        stop - first for first, stop in (process_share(n_futures, p, count) for p in range(count))
    ]
    width = max(sizes)
    padded = local._replace(
        **{
            name: np.pad(a, [(0, width - a.shape[0])] + [(0, 0)] * (a.ndim - 1))
            for name, a in local._asdict().items()
        }
    )
    gathered = multihost_utils.process_allgather(padded, tiled=False)  # (count, width, ...)
    return State(
        **{
            name: np.concatenate([np.asarray(a)[p, : sizes[p]] for p in range(count)])
            for name, a in gathered._asdict().items()
        }
    )


def _run_chunks(
    run: KernelInputs,
    first_future: int,
    stop: int,
    seed: int,
    chunk: int,
    devices: list,
    backend: str,
    progress: bool,
) -> State:
    """Final State, (F, S) NumPy arrays, of futures first_future .. stop - 1 run `chunk` at a time.

    Each chunk's futures are sharded over `devices` (this process's own); the last chunk is
    padded and its extra futures dropped.
    """
    mesh = Mesh(np.array(devices), ("future",))
    split = NamedSharding(mesh, PartitionSpec("future"))
    whole = NamedSharding(mesh, PartitionSpec())
    params = jax.device_put(run.params, whole)
    seed_array = jax.device_put(np.uint32(seed), whole)
    inputs = jax.device_put(run.inputs, whole) if backend == "jax" else run.inputs
    states: list[State] = []
    pending = None  # the chunk in flight: JAX runs it while the one before is copied out

    def collect(done) -> None:
        state, keep = done
        states.append(
            state._replace(**{name: np.asarray(a)[:keep] for name, a in state._asdict().items()})
        )
        bar.update(keep)

    with tqdm(total=stop - first_future, unit="future", disable=not progress) as bar:
        for first in range(first_future, stop, chunk):
            ids = jax.device_put(np.arange(first, first + chunk, dtype=np.int32), split)
            futures = kernel.sample_chunk(seed_array, ids, params, run.sizes)
            if backend == "jax":
                state = kernel.dispatch_chunk(inputs, futures, run.pattern)
            else:
                state = dispatch_numpy(inputs, futures)
            if pending is not None:
                collect(pending)
            pending = (state, min(chunk, stop - first))
        if pending is not None:
            collect(pending)
    if not states:  # more processes than futures: this one has none
        shape = jax.eval_shape(
            lambda: kernel.dispatch_chunk(
                run.inputs,
                kernel.sample_chunk(np.uint32(0), np.zeros(1, np.int32), run.params, run.sizes),
                run.pattern,
            )
        )
        return State(
            **{n: np.zeros((0,) + a.shape[1:], a.dtype) for n, a in shape._asdict().items()}
        )
    return State(
        **{name: np.concatenate([getattr(s, name) for s in states]) for name in State._fields}
    )


TRACE_UNITS = {"pue": "-", "up": "1", "soc": "MWh", "reserve": "MWh"}


def dispatch_trace(
    scenario: xr.Dataset,
    plan: xr.Dataset,
    future: int = 0,
    seed: int = 0,
    uncertainty: Uncertainty | dict | None = None,
    dtype: str = "float32",
) -> xr.Dataset:
    """Hourly dispatch of one future (the same future a `simulate` run in `dtype` draws).

    JAX's uniforms differ between float32 and float64, so the future is drawn in
    `dtype`, the run's (simulate's default float32); the dispatch itself runs in
    float64 (the NumPy reference).

    Returns (time, site) variables: renewables, pue, inference, training, load,
    charge, discharge, soc, curtailment, grid_import, unserved_power, unserved,
    up, reserve; MW (MWh for soc and reserve). Runs the NumPy reference: meant for one future, to
    inspect or plot what happened in it.
    """
    _, seed, _ = _check_options(1, seed, 1, "numpy", dtype)
    future = _whole("future", future, 0, None)
    uncertainty = as_uncertainty(uncertainty)
    scenario = validate(scenario)
    drawn = prepare(scenario, plan, uncertainty, dtype)
    ids = np.array([future], dtype=np.int32)
    with jax.enable_x64(dtype == "float64"):
        futures = kernel.sample_chunk(np.uint32(seed), ids, drawn.params, drawn.sizes)
    run = prepare(scenario, plan, uncertainty, "float64")
    with jax.enable_x64(True):
        futures = type(futures)(
            *[
                np.asarray(a, np.float64 if np.issubdtype(a.dtype, np.floating) else a.dtype)
                for a in futures
            ]
        )
        _, flows = dispatch_numpy(run.inputs, futures, trace=True)
    data = {
        name: xr.DataArray(
            value[0], dims=("time", "site"), attrs={"units": TRACE_UNITS.get(name, "MW")}
        )
        for name, value in flows.items()
    }
    return xr.Dataset(
        data,
        coords={"time": scenario["time"].values, "site": scenario["site"].values},
        attrs={
            "future": int(future),
            "seed": int(seed),
            "dtype": dtype,
            "uncertainty": uncertainty.to_json(),
        },
    )
