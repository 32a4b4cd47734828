"""XLA flags set by configure_devices, never on import: a CPU device per core, fast math."""

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


def test_user_flags_and_switches_win(fresh):
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    assert devices.configure_devices(env) is None
    assert env["XLA_FLAGS"].count("device_count") == 1 and "=4" in env["XLA_FLAGS"]
    env = {"PLANNER_CPU_DEVICES": "off", "PLANNER_FAST_MATH": "0"}
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
