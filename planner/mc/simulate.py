"""`simulate`: stress-test a Plan over many futures of the full chronological year.

Scenario and Plan become the kernels' inputs once (`prepare`); futures run in fixed-size
chunks (the last one padded, its extra futures dropped) so that memory is
bounded by the chunk, whatever `n_futures` is, and jit compiles once. With the
JAX backend the futures axis of each chunk is sharded over all visible devices
(a 1-D `jax.sharding.Mesh`; the chunk is rounded up to a multiple of the device
count). Future i is sampled from (seed, i) only, so numbers do not depend on
chunk size, device count or backend.
"""

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
from planner.mc.dispatch import State
from planner.mc.metrics import future_metrics, risk_dataset
from planner.mc.prepare import DTYPES, KernelInputs, prepare
from planner.mc.reference import dispatch_numpy
from planner.mc.uncertainty import Uncertainty, as_uncertainty
from planner.scenario.validate import validate

BACKENDS = ("jax", "numpy")


def _check_options(n_futures, seed, chunk_size, backend, dtype) -> tuple[int, int, int]:
    """n_futures, seed and chunk_size as ints; PolicyError naming the option otherwise."""
    if backend not in BACKENDS:
        raise PolicyError(f"simulate: backend={backend!r}, choose one of {BACKENDS}")
    if dtype not in DTYPES:
        raise PolicyError(f"simulate: dtype={dtype!r}, choose one of {DTYPES}")
    n_futures = _whole("n_futures", n_futures, 1, None)
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


def simulate(
    scenario: xr.Dataset,
    plan: xr.Dataset,
    n_futures: int = 1000,
    seed: int = 0,
    chunk_size: int = 256,
    uncertainty: Uncertainty | dict | None = None,
    backend: str = "jax",
    dtype: str = "float32",
    progress: bool = True,
) -> xr.Dataset:
    """Run `plan` through `n_futures` futures of the scenario's year; return the Risk dataset.

    scenario: the full chronological Scenario (hourly, no time reduction).
    plan: a Plan Dataset (it_capacity, gen_capacity, battery_power, battery_energy,
    grid_capacity, share; optional training_load), e.g. from `planner.plan`.
    uncertainty: an `Uncertainty` (or its dict); None means the defaults.
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
    with x64:
        devices = jax.devices() if backend == "jax" else jax.devices()[:1]
        chunk = chunk_for(chunk_size, n_futures, len(devices), backend)
        final = _run_chunks(run, int(n_futures), int(seed), chunk, devices, backend, progress)
    metrics = future_metrics(final, run.inputs.battery_energy)
    attrs = {
        "seed": int(seed),
        "n_futures": int(n_futures),
        "backend": backend,
        "devices": len(devices),
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


def _run_chunks(
    run: KernelInputs,
    n_futures: int,
    seed: int,
    chunk: int,
    devices: list,
    backend: str,
    progress: bool,
) -> State:
    """Final State, (F, S) NumPy arrays, of futures 0 .. n_futures - 1 run `chunk` at a time.

    Each chunk's futures are sharded over `devices`; the last chunk is padded and
    its extra futures dropped.
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

    with tqdm(total=n_futures, unit="future", disable=not progress) as bar:
        for first in range(0, n_futures, chunk):
            ids = jax.device_put(np.arange(first, first + chunk, dtype=np.int32), split)
            futures = kernel.sample_chunk(seed_array, ids, params, run.sizes)
            if backend == "jax":
                state = kernel.dispatch_chunk(inputs, futures, run.pattern)
            else:
                state = dispatch_numpy(inputs, futures)
            if pending is not None:
                collect(pending)
            pending = (state, min(chunk, n_futures - first))
        if pending is not None:
            collect(pending)
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
) -> xr.Dataset:
    """Hourly dispatch of one future (the same future `simulate` draws), in float64.

    Returns (time, site) variables: renewables, pue, inference, training, load,
    charge, discharge, soc, curtailment, grid_import, unserved_power, unserved,
    up, reserve; MW (MWh for soc and reserve). Runs the NumPy reference: meant for one future, to
    inspect or plot what happened in it.
    """
    _, seed, _ = _check_options(1, seed, 1, "numpy", "float64")
    future = _whole("future", future, 0, None)
    uncertainty = as_uncertainty(uncertainty)
    scenario = validate(scenario)
    run = prepare(scenario, plan, uncertainty, "float64")
    with jax.enable_x64(True):
        ids = np.array([future], dtype=np.int32)
        futures = kernel.sample_chunk(np.uint32(seed), ids, run.params, run.sizes)
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
        attrs={"future": int(future), "seed": int(seed), "uncertainty": uncertainty.to_json()},
    )
