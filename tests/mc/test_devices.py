"""XLA flags set by configure_devices, never on import: a CPU device per core, fast math, fusion."""

import os
import subprocess
import sys

import pytest

from planner.mc import devices


@pytest.fixture
def fresh(monkeypatch):
    """As if JAX had not started yet (in this test process it has)."""
    monkeypatch.setattr(devices, "_jax_started", lambda: False)
    monkeypatch.setattr(devices, "_usable_cores", lambda: 2)


def test_auto_gives_one_device_per_core_and_fast_math(fresh):
    env = {}
    assert devices.configure_devices(env) == 2
    assert "--xla_force_host_platform_device_count=2" in env["XLA_FLAGS"]
    assert "--xla_cpu_enable_fast_math=true" in env["XLA_FLAGS"]
    assert "--xla_backend_extra_options=xla_cpu_use_multi_output_fusion" in env["XLA_FLAGS"]


def test_multi_output_fusion_joins_the_users_extra_options(fresh):
    """One --xla_backend_extra_options list (XLA reads only the last flag), the user's items kept."""
    env = {"XLA_FLAGS": "--xla_backend_extra_options=xla_cpu_optimize_for_size,a=1 --xla_dump_to=x"}
    devices.configure_devices(env)
    flags = env["XLA_FLAGS"].split()
    extra = [f for f in flags if f.startswith("--xla_backend_extra_options")]
    assert extra == [
        "--xla_backend_extra_options=xla_cpu_optimize_for_size,a=1,xla_cpu_use_multi_output_fusion"
    ]
    assert "--xla_dump_to=x" in flags
    listed = "--xla_backend_extra_options=xla_cpu_use_multi_output_fusion=false"
    assert devices.with_extra_option(listed, devices.MULTI_OUTPUT_FUSION) == listed
    env = {"PLANNER_MULTI_OUTPUT_FUSION": "0", "PLANNER_CPU_DEVICES": "off"}
    devices.configure_devices(env)
    assert "extra_options" not in env["XLA_FLAGS"]


def test_this_jax_fuses_several_outputs_into_one_loop():
    """The option still means something to this jaxlib (XLA ignores unknown extra options).

    The suite runs with configure_devices' flags (tests/conftest.py): two results of one
    elementwise chain come out of one fusion with a tuple of outputs, not a fusion each.
    """
    import jax
    import jax.numpy as jnp

    if jax.default_backend() != "cpu":
        pytest.skip("a CPU compiler option")

    def two(x, y):
        shared = jnp.maximum(x * y + 1.0, 0.0) - y
        return shared * 2.0, jnp.minimum(shared, x) + 3.0

    x = jnp.ones((4, 64))
    hlo = jax.jit(two).lower(x, x).compile().as_text()
    fusions = [line for line in hlo.splitlines() if " fusion(" in line]
    assert any(line.split("=")[1].strip().startswith("(") for line in fusions), fusions


def test_user_flags_and_switches_win(fresh):
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    assert devices.configure_devices(env) is None
    assert env["XLA_FLAGS"].count("device_count") == 1 and "=4" in env["XLA_FLAGS"]
    env = {
        "PLANNER_CPU_DEVICES": "off",
        "PLANNER_FAST_MATH": "0",
        "PLANNER_MULTI_OUTPUT_FUSION": "0",
    }
    assert devices.configure_devices(env) is None and "XLA_FLAGS" not in env
    env = {"PLANNER_CPU_DEVICES": "3"}
    assert devices.configure_devices(env) == 3
    with pytest.raises(ValueError, match="PLANNER_CPU_DEVICES"):
        devices.configure_devices({"PLANNER_CPU_DEVICES": "many"})


def test_nothing_changes_once_jax_has_started():
    import jax

    jax.devices()  # backends up: XLA_FLAGS would come too late
    env = {}
    assert devices.configure_devices(env) is None and env == {}


def test_import_leaves_the_environment_alone():
    """`import planner` sets no XLA flags, nor anything else in os.environ: entry points do.

    (Importing jax itself sets a few variables of its own, e.g. TF_CPP_MIN_LOG_LEVEL.)
    """
    issue = (
        "import os; b = os.environ.get('XLA_FLAGS'); import planner; "
        "assert os.environ.get('XLA_FLAGS') == b"
    )
    everything = (
        "import os, jax; before = dict(os.environ); import planner, planner.mc.simulate; "
        "assert dict(os.environ) == before, set(os.environ.items()) ^ set(before.items())"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("XLA_", "TF_", "TPU_"))}
    for script, env in [
        (issue, clean),
        (issue, clean | {"XLA_FLAGS": "--xla_cpu_enable_fast_math=false"}),
        (everything, clean),
    ]:
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]


# Chunk size per device kind (devices.chunk_per_device, simulate.device_chunk)


class FakeDevice:
    """A device whose allocator reports `limit` bytes of which `used` are taken."""

    def __init__(self, limit=None, used=0):
        self.stats = None if limit is None else {"bytes_limit": limit, "bytes_in_use": used}

    def memory_stats(self):
        return self.stats


def test_free_memory_from_allocator_stats_or_none():
    assert devices.free_memory(FakeDevice(80 * 2**30, 2 * 2**30)) == 78 * 2**30
    assert devices.free_memory(FakeDevice()) is None  # a CPU reports none


def test_gpu_chunk_is_bounded_by_free_memory_and_the_cap():
    lanes = 32
    # 10 GB free, 100 kB a future: half of it for 2 chunks in flight -> 25,000 futures,
    # rounded down to whole vectors of 32: 24,992
    assert devices.chunk_per_device("gpu", 10_000_000_000, 100_000, lanes) == 24_992
    # 139 GB free (an H200): the cap, 65,536 futures per device
    assert devices.chunk_per_device("gpu", 139 * 10**9, 100_000, lanes) == devices.GPU_CHUNK_MAX
    # almost nothing free: one vector of futures, never zero
    assert devices.chunk_per_device("gpu", 1_000_000, 100_000, lanes) == lanes
    # a CPU, or a device that reports no memory: the cache-sized CPU chunk
    assert devices.chunk_per_device("cpu", 10**12, 100_000, lanes) == devices.CPU_CHUNK
    assert devices.chunk_per_device("gpu", None, 100_000, lanes) == devices.CPU_CHUNK


@pytest.mark.slow  # compiles the kernel once more for its memory analysis
def test_measured_bytes_per_future_cover_the_compact_futures(toy):
    import jax
    import numpy as np

    from planner.mc import kernel, prepare
    from planner.mc.simulate import bytes_per_future, device_chunk

    from .conftest import stressed_toy_plan

    run = prepare(toy, stressed_toy_plan(toy))
    ids = jax.ShapeDtypeStruct((128,), np.int32)
    futures = jax.eval_shape(kernel.sample_chunk, np.uint32(0), ids, run.params, run.sizes)
    compact = sum(a.size * a.dtype.itemsize for a in jax.tree.leaves(futures)) / 128
    measured = bytes_per_future(run, jax.devices()[0])
    # at least the compact futures; the day-by-day words (7 days x (sites + links) x 4 bytes)
    # and per-site state of one future are far below a megabyte
    assert compact <= measured < 2**20
    assert device_chunk(run, jax.devices(), "jax") == devices.CPU_CHUNK


def test_a_gpu_gets_a_memory_bounded_chunk_per_device(toy):
    """device_chunk's GPU branch, with fake GPUs (no memory analysis: 4x the compact futures)."""
    import jax
    import numpy as np

    from planner.mc import kernel, prepare
    from planner.mc.simulate import LANES, device_chunk

    from .conftest import stressed_toy_plan

    class FakeGpu:
        platform = "gpu"

        def __init__(self, free):
            self.free = free

        def memory_stats(self):
            return {"bytes_limit": self.free, "bytes_in_use": 0}

    run = prepare(toy, stressed_toy_plan(toy))
    ids = jax.ShapeDtypeStruct((1,), np.int32)
    futures = jax.eval_shape(kernel.sample_chunk, np.uint32(0), ids, run.params, run.sizes)
    per_future = 4 * sum(a.size * a.dtype.itemsize for a in jax.tree.leaves(futures))
    # 100 MB free: half of it for two chunks in flight, in whole vectors of 32, on each device
    expected = int(0.5 * 100e6 / (2 * per_future)) // LANES * LANES
    assert 0 < expected < devices.GPU_CHUNK_MAX
    assert device_chunk(run, [FakeGpu(100 * 10**6)] * 2, "jax") == 2 * expected
    # 80 GB free: the cap on each device
    assert device_chunk(run, [FakeGpu(80 * 10**9)] * 2, "jax") == 2 * devices.GPU_CHUNK_MAX
    assert device_chunk(run, [FakeGpu(80 * 10**9)], "numpy") == devices.CPU_CHUNK
