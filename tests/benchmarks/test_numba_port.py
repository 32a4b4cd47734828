"""The benchmarks' Numba comparator against the NumPy reference on the stressed toy."""

import numpy as np
import pytest

import planner
from planner.mc import Uncertainty, kernel
from planner.mc.prepare import prepare
from planner.mc.reference import dispatch_numpy
from tests.mc.conftest import STRESSED, stressed_toy_plan

pytest.importorskip("numba")

from benchmarks.numba_port import BLOCK, dispatch_numba  # noqa: E402

N_FUTURES = 2 * BLOCK + 5  # two whole blocks and a padded one


@pytest.fixture(scope="module")
def states():
    """(Numba, NumPy) final States of the stressed toy with backup, every driver on."""
    toy = planner.validate(planner.load_scenario("toy"))
    plan = stressed_toy_plan(toy, backup_power=[2.0, 1.0, 0.5], policy={"export_share_max": 0.05})
    run = prepare(toy, plan, Uncertainty(**STRESSED), "float32")
    ids = np.arange(N_FUTURES, dtype=np.int32)
    futures = kernel.sample_chunk(np.uint32(3), ids, run.params, run.sizes)
    futures = type(futures)(*[np.asarray(a) for a in futures])
    return dispatch_numba(run.inputs, futures), dispatch_numpy(run.inputs, futures)


def test_numba_port_agrees_with_numpy_on_every_state_field(states):
    numba_state, numpy_state = states
    for name in numpy_state._fields:
        want = np.asarray(getattr(numpy_state, name))
        got = np.asarray(getattr(numba_state, name))
        assert got.shape == want.shape, name
        atol = 1e-3 + 1e-6 * float(np.abs(want).max(initial=0.0))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=atol, err_msg=name)


def test_the_toy_case_exercises_every_shortfall_and_the_backup(states):
    _, numpy_state = states
    for name in ("unserved", "unmet", "backup", "export", "curtailment", "discharge"):
        assert np.asarray(getattr(numpy_state, name)).sum() > 0, name
