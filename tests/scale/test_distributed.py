"""One Monte Carlo over two processes (jax.distributed on localhost, CPU) equals one process."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import planner
from planner.io import write_netcdf
from planner.mc.simulate import process_share
from tests.mc.conftest import STRESSED, stressed_toy_plan

ROOT = Path(__file__).resolve().parents[2]
# 77 futures: shares of 39 and 38, chunks of 32 leave a padded last chunk in each process
OPTIONS = {"n_futures": 77, "seed": 5, "chunk_size": 32, "uncertainty": STRESSED}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_process_share_splits_futures_by_index_in_order():
    for n, count in [(77, 2), (5, 3), (2, 4), (1000, 7)]:
        shares = [process_share(n, p, count) for p in range(count)]
        assert shares[0][0] == 0 and shares[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(shares, shares[1:], strict=False))
        sizes = [stop - first for first, stop in shares]
        assert max(sizes) - min(sizes) <= 1 and sum(sizes) == n


@pytest.mark.slow
def test_two_processes_give_the_one_process_numbers_bit_for_bit(tmp_path):
    toy = planner.validate(planner.load_scenario("toy"))
    plan = stressed_toy_plan(toy)
    write_netcdf(plan, tmp_path / "plan.nc")
    (tmp_path / "options.json").write_text(json.dumps(OPTIONS))
    address = f"127.0.0.1:{_free_port()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.scale.mc_process", address, "2", str(i), str(tmp_path)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    for p, out in zip(procs, outputs, strict=True):
        assert p.returncode == 0, out

    one = planner.simulate(toy, xr.load_dataset(tmp_path / "plan.nc"), progress=False, **OPTIONS)
    assert one.attrs["processes"] == 1
    for i in range(2):
        two = xr.load_dataset(tmp_path / f"risk_{i}.nc")
        assert two.attrs["processes"] == 2 and two.attrs["n_futures"] == 77
        assert two.attrs["devices"] == 2 * one.attrs["devices"]
        assert set(two.data_vars) == set(one.data_vars)
        for name in one.data_vars:
            np.testing.assert_array_equal(two[name].values, one[name].values, err_msg=name)
    # the stressed plan's futures differ, so a gather that misplaced a share would show
    assert np.unique(one["unserved_energy"].values).size > 10
