"""Devices for the Monte Carlo: XLA flags on a CPU (a device per core, fast math); chunk sizes.

Nothing here runs on import: entry points (`planner.app`, `benchmarks.run`, a
script, the test suite's conftest) call `configure_devices()` before JAX starts
its backends, the way JAX itself leaves its flags to the caller.

XLA's CPU backend runs each fused loop on one thread, so a multi-core CPU is
used by sharding the futures axis over several host devices
(`--xla_force_host_platform_device_count`). That flag only takes effect if it
is in `XLA_FLAGS` before JAX starts its backends (importing jax does not start
them; the first computation or `jax.devices()` does), so `configure_devices`
sets it when all of these hold:

- `PLANNER_CPU_DEVICES` is `auto` (the default: `os.cpu_count()` usable cores)
  or a number N >= 1; `off` leaves XLA_FLAGS alone;
- `XLA_FLAGS` does not already set a host device count (the user's choice wins);
- JAX's backends are not initialised yet (too late otherwise; nothing is changed).

Results do not depend on the device count (futures are sharded, each future's
arithmetic is the same on any device), only the speed does. GPUs are unaffected.

`PLANNER_FAST_MATH` (default `1`; `0` to leave it) likewise adds
`--xla_cpu_enable_fast_math=true --xla_cpu_fast_math_honor_nans=false` unless
XLA_FLAGS already mentions fast math: min/max without NaN checks and
vectorised divisions, ~1.4x faster on the Japan plan (168 vs 121 M
future-site-hours/s on 2 cores); the kernel has no NaNs (every division is
guarded) and results stay within the JAX-vs-NumPy test tolerance. A vectorised
division may round differently from the scalar loop that ends a row whose
length is not a multiple of the vector width, so `simulate` gives every device
whole vectors of futures (simulate.chunk_for) to stay bit-identical across
chunk sizes and device counts.

`PLANNER_MULTI_OUTPUT_FUSION` (default `1`; `0` to leave it) adds
`xla_cpu_use_multi_output_fusion` to `--xla_backend_extra_options` (merged into
the user's own extra options, if any). Without it XLA's CPU backend gives every
output of a loop body a fusion of its own and copies the cheap elementwise
chain that feeds them into each: the hour step's shared values (availability,
inference, training, load, charge, discharge, grid, ...) were worked out about
ten times per hour step. With it, one fused loop writes several outputs and the
chain runs once: the Japan plan's dispatch runs 1.7x faster on one core (0.66 s
against 1.13 s for 256 futures over the year) and results move by float32
rounding only (FMA contraction across what were fusion boundaries; largest
relative change 1e-5, far inside the JAX-vs-NumPy tolerance), still
bit-identical across chunk sizes and device counts. The option is XLA's own
(read by the CPU compiler from the backend extra options; `XLA_FLAGS` rejects it
as a flag of its own) and is ignored by other backends.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

ENV = "PLANNER_CPU_DEVICES"
FLAG = "--xla_force_host_platform_device_count"
FAST_MATH_ENV = "PLANNER_FAST_MATH"
FAST_MATH = "--xla_cpu_enable_fast_math=true --xla_cpu_fast_math_honor_nans=false"
FUSION_ENV = "PLANNER_MULTI_OUTPUT_FUSION"
EXTRA = "--xla_backend_extra_options"
MULTI_OUTPUT_FUSION = "xla_cpu_use_multi_output_fusion"


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _jax_started() -> bool:
    if "jax" not in sys.modules:
        return False
    try:
        from jax._src import xla_bridge

        return bool(xla_bridge.backends_are_initialized())
    except Exception:  # an internal moved: assume started, change nothing
        return True


def configure_devices(environ: MutableMapping[str, str] = os.environ) -> int | None:
    """Add the host device count, fast math and multi-output fusion to `environ["XLA_FLAGS"]`.

    Call it before JAX starts its backends. Returns the device count set, or
    None when it set none (switched off, the user's flags already set one, or
    JAX has started and it is too late).
    """
    if _jax_started():
        return None
    if environ.get(FAST_MATH_ENV, "1").strip() != "0" and "fast_math" not in environ.get(
        "XLA_FLAGS", ""
    ):
        environ["XLA_FLAGS"] = f"{environ.get('XLA_FLAGS', '')} {FAST_MATH}".strip()
    if environ.get(FUSION_ENV, "1").strip() != "0":
        environ["XLA_FLAGS"] = with_extra_option(environ.get("XLA_FLAGS", ""), MULTI_OUTPUT_FUSION)
    setting = environ.get(ENV, "auto").strip().lower()
    flags = environ.get("XLA_FLAGS", "")
    if setting == "off" or FLAG.lstrip("-") in flags:
        return None
    if setting == "auto":
        count = _usable_cores()
    else:
        try:
            count = int(setting)
        except ValueError:
            count = 0
        if count < 1:
            raise ValueError(f"{ENV}={setting!r}: use 'auto', 'off' or a number of devices >= 1")
    environ["XLA_FLAGS"] = f"{flags} {FLAG}={count}".strip()
    return count


def with_extra_option(flags: str, option: str) -> str:
    """`flags` (an XLA_FLAGS string) with `option` in its --xla_backend_extra_options.

    XLA takes one comma-separated list (`key` or `key=value` items) from the last
    --xla_backend_extra_options it sees, so the option joins the user's list instead of
    adding a second flag that would replace it; an option already listed is left as it is.
    """
    tokens = flags.split()
    for i in reversed(range(len(tokens))):
        name, _, value = tokens[i].partition("=")
        if name == EXTRA:
            items = [item for item in value.split(",") if item]
            if option not in (item.partition("=")[0] for item in items):
                tokens[i] = f"{EXTRA}={','.join(items + [option])}"
            return " ".join(tokens)
    return " ".join(tokens + [f"{EXTRA}={option}"])


# Chunk size per device kind. A CPU's cost is passes through memory: 256 futures keep a chunk's
# per-hour (S, F) arrays in cache (kernel.py). A GPU wants as many futures in flight as its memory
# holds, so its chunk is bounded by the device's free memory, up to GPU_CHUNK_MAX per device.
CPU_CHUNK = 256
GPU_CHUNK_MAX = 65_536
MEMORY_SHARE = 0.5  # of a device's free memory for the chunks in flight (XLA needs headroom)
CHUNKS_IN_FLIGHT = 2  # simulate copies one chunk out while the next one runs


def free_memory(device) -> int | None:
    """Bytes free on `device` (a jax Device) from its allocator's stats; None where it has none (CPU)."""
    try:
        stats = device.memory_stats()
    except Exception:  # a backend without memory stats
        return None
    if not stats or "bytes_limit" not in stats:
        return None
    return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))


def chunk_per_device(
    platform: str, free_bytes: int | None, bytes_per_future: float, lanes: int
) -> int:
    """Futures per device in one chunk: CPU_CHUNK on a CPU, memory-bounded elsewhere.

    platform: the device's platform ("cpu", "gpu", "cuda", "rocm", "tpu"). free_bytes: the
    device's free memory (None: unknown, then CPU_CHUNK). bytes_per_future: device memory one
    future of a chunk takes (simulate measures it from the compiled kernel). The result is a
    multiple of `lanes` (whole SIMD vectors, see simulate.chunk_for), at least `lanes`: chunks
    of up to GPU_CHUNK_MAX futures, CHUNKS_IN_FLIGHT of them within MEMORY_SHARE of free_bytes.
    """
    if platform == "cpu" or free_bytes is None or bytes_per_future <= 0:
        return CPU_CHUNK
    fits = MEMORY_SHARE * free_bytes / (CHUNKS_IN_FLIGHT * bytes_per_future)
    chunk = min(GPU_CHUNK_MAX, int(fits)) // lanes * lanes
    return max(lanes, chunk)
