"""JAX kernel against the NumPy reference; invariance to chunking and devices; one compile."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import planner
from planner.mc import kernel
from planner.mc.metrics import METRICS
from planner.mc.simulate import LANES, chunk_for

from .conftest import STRESSED

ROOT = Path(__file__).resolve().parents[2]
N_FUTURES = 300


def metric_arrays(risk):
    return {name: risk[name].values for name in METRICS} | {
        f"site_{name}": risk[f"site_{name}"].values for name in METRICS
    }


@pytest.fixture(scope="module")
def runs(toy):
    """The stressed toy at several chunk sizes and both backends (computed once)."""
    from planner.mc import Uncertainty

    from .conftest import stressed_toy_plan

    plan = stressed_toy_plan(toy)
    unc = Uncertainty(**STRESSED)
    out = {"plan": plan, "uncertainty": unc}
    for chunk in (64, 256, 1000):
        out[chunk] = planner.simulate(
            toy, plan, N_FUTURES, seed=3, chunk_size=chunk, uncertainty=unc, progress=False
        )
    out["numpy"] = planner.simulate(
        toy,
        plan,
        N_FUTURES,
        seed=3,
        chunk_size=64,
        uncertainty=unc,
        backend="numpy",
        progress=False,
    )
    return out


def test_jax_agrees_with_numpy_on_every_metric(runs):
    """float32 tolerance: relative 1e-4 (XLA may fuse a*b+c differently from NumPy over 168 h)."""
    jax_metrics, np_metrics = metric_arrays(runs[64]), metric_arrays(runs["numpy"])
    for name, values in jax_metrics.items():
        # net energy cost (import cost - export revenue): its error scales with the gross sums
        atol = 1e-3 + 1e-7 * float(np.abs(np_metrics[name]).max(initial=0.0))
        np.testing.assert_allclose(values, np_metrics[name], rtol=1e-4, atol=atol, err_msg=name)
    np.testing.assert_allclose(runs[64]["summary"], runs["numpy"]["summary"], rtol=1e-4, atol=1e-3)
    # the drivers did bite: some futures lose load, some do not
    unserved = runs["numpy"]["unserved_energy"].values
    assert (unserved > 0).mean() > 0.2 and unserved.std() > 0.1 * unserved.mean()


@pytest.mark.parametrize("chunk", [256, 1000])
def test_same_seed_same_numbers_whatever_the_chunk_size(runs, chunk):
    for name, values in metric_arrays(runs[chunk]).items():
        np.testing.assert_array_equal(values, metric_arrays(runs[64])[name], err_msg=name)
    devices = runs[chunk].attrs["devices"]
    assert runs[chunk].attrs["chunk_size"] == chunk_for(chunk, N_FUTURES, devices, "jax")


@pytest.mark.parametrize(
    ("chunk", "n", "devices", "backend", "expected"),
    [
        (256, 10_000, 1, "jax", 256),  # already whole vectors
        (256, 10_000, 2, "jax", 256),
        (300, 10_000, 2, "jax", 320),  # 150 a device -> 160
        (1000, 300, 2, "jax", 320),  # never more than needed, rounded up
        (1, 1, 4, "jax", 4 * LANES),
        (1000, 300, 2, "numpy", 300),  # the NumPy reference takes the chunk as it is
    ],
)
def test_jax_chunks_are_whole_vectors_on_every_device(chunk, n, devices, backend, expected):
    assert chunk_for(chunk, n, devices, backend) == expected


def test_other_seed_other_numbers(runs, toy):
    other = planner.simulate(
        toy,
        runs["plan"],
        N_FUTURES,
        seed=4,
        chunk_size=64,
        uncertainty=runs["uncertainty"],
        progress=False,
    )
    assert not np.array_equal(other["unserved_energy"], runs[64]["unserved_energy"])


def test_chunk_loop_compiles_once(runs, toy):
    """Several chunks (the last one padded) trace and compile each kernel once."""
    before = kernel.sample_chunk._cache_size(), kernel.dispatch_chunk._cache_size()
    planner.simulate(
        toy,
        runs["plan"],
        200,
        seed=3,
        chunk_size=100,  # 128 futures a chunk: a shape no other test compiled
        uncertainty=runs["uncertainty"],
        progress=False,
    )
    after = kernel.sample_chunk._cache_size(), kernel.dispatch_chunk._cache_size()
    assert after == (before[0] + 1, before[1] + 1)


DEVICE_SCRIPT = """
import json, sys
from planner.mc.devices import configure_devices
configure_devices()  # fast math, as in this process; the 4 devices in XLA_FLAGS win
import jax
import planner
from planner.contracts.plan import plan_from_capacities
from planner.mc import Uncertainty
plan_args, unc = json.loads(sys.argv[1]), json.loads(sys.argv[2])
toy = planner.load_scenario("toy")
plan = plan_from_capacities(toy, **plan_args)
risk = planner.simulate(toy, plan, {n}, seed=3, chunk_size=64, uncertainty=Uncertainty(**unc),
                        progress=False)
print(json.dumps({{"devices": risk.attrs["devices"], "n_jax": len(jax.devices()),
                  "unserved": risk["site_unserved_energy"].values.tolist(),
                  "grid": risk["site_grid_energy"].values.tolist(),
                  "lol": risk["loss_of_load_hours"].values.tolist()}}))
"""


def test_same_numbers_on_four_devices(runs):
    plan = runs["plan"]
    plan_args = {
        name: plan[name].values.tolist()
        for name in ("it_capacity", "gen_capacity", "share", "battery_power")
    } | {name: plan[name].values.tolist() for name in ("battery_energy", "grid_capacity")}
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            DEVICE_SCRIPT.format(n=N_FUTURES),
            json.dumps(plan_args),
            json.dumps(STRESSED),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["devices"] == 4 and out["n_jax"] == 4
    one = runs[64]
    np.testing.assert_array_equal(out["unserved"], one["site_unserved_energy"].values)
    np.testing.assert_array_equal(out["grid"], one["site_grid_energy"].values)
    np.testing.assert_array_equal(out["lol"], one["loss_of_load_hours"].values)
