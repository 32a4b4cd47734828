"""What a benchmark ran on: machine, library versions, date; and peak-RSS probes.

Everything here is read from the running process (no network): `/proc/cpuinfo`,
`/proc/meminfo`, `os.sched_getaffinity`, `jax.devices()` and package metadata.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from importlib import metadata

import planner

PACKAGES = ("jax", "jaxlib", "numpy", "pulp", "highspy", "xarray", "scipy", "pandas")


def _cpuinfo() -> dict[str, str]:
    """First processor's fields of /proc/cpuinfo (empty off Linux)."""
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.split("\n\n")[0].splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
    return fields


def _proc_field_bytes(path: str, key: str) -> int | None:
    """A `key: N kB` line of a /proc file, in bytes (None if absent or off Linux)."""
    try:
        for line in open(path):
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def machine_info() -> dict:
    """CPU model, cores, memory, load and JAX devices of this machine."""
    cpu = _cpuinfo()
    flags = set(cpu.get("flags", "").split())
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    info = {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "cpu_model": cpu.get("model name", platform.processor() or "unknown"),
        "cpu_mhz": float(cpu["cpu MHz"]) if "cpu MHz" in cpu else None,
        "cpu_simd": sorted(f for f in flags if f in {"avx", "avx2", "fma", "avx512f", "sse4_2"}),
        "logical_cores": os.cpu_count(),
        "usable_cores": affinity,
        "memory_bytes": _proc_field_bytes("/proc/meminfo", "MemTotal"),
        "memory_available_bytes": _proc_field_bytes("/proc/meminfo", "MemAvailable"),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
    }
    info.update(jax_devices())
    return info


def jax_devices() -> dict:
    """`jax.devices()` as strings, with the platform and count."""
    import jax

    devices = jax.devices()
    return {
        "jax_backend": jax.default_backend(),
        "jax_devices": [str(d) for d in devices],
        "jax_device_kinds": sorted({getattr(d, "device_kind", "?") for d in devices}),
        "n_devices": len(devices),
    }


def versions() -> dict[str, str | None]:
    """Python and package versions."""
    out: dict[str, str | None] = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["planner"] = metadata.version("planner")
    out["planner_path"] = os.path.dirname(planner.__file__)
    out["git_commit"] = _git_commit()
    return out


def _git_commit() -> str | None:
    import subprocess

    try:
        here = os.path.dirname(os.path.abspath(__file__))
        res = subprocess.run(
            ["git", "-C", here, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        return res.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def now_iso() -> str:
    """Current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS; False if the OS will not."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_rss_bytes() -> int | None:
    """Peak resident set size of this process since start or the last `reset_peak_rss`."""
    peak = _proc_field_bytes("/proc/self/status", "VmHWM")
    if peak is not None:
        return peak
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rss_bytes() -> int | None:
    """Current resident set size of this process."""
    return _proc_field_bytes("/proc/self/status", "VmRSS")
