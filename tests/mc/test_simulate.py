"""simulate: the Risk contract, regional disasters, float64, errors, bounded memory."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import planner
from planner import PolicyError
from planner.contracts.risk import RISK_SCHEMA, STATS
from planner.errors import PlanError
from planner.io import write_netcdf
from planner.mc import Uncertainty

UNITS = {v.name: v.units for v in RISK_SCHEMA}

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def risk(toy):
    from .conftest import STRESSED, stressed_toy_plan

    plan = stressed_toy_plan(toy)
    return planner.simulate(
        toy, plan, 300, seed=3, chunk_size=64, uncertainty=Uncertainty(**STRESSED), progress=False
    )


def test_risk_dataset_follows_the_contract(risk, tmp_path):
    for name, units in UNITS.items():
        assert risk[name].dims == ("future",) and risk[name].attrs["units"] == units
        assert risk[f"site_{name}"].dims == ("future", "site")
    assert risk["summary"].dims == ("metric", "stat")
    assert list(risk["stat"].values) == list(STATS)
    assert set(risk["metric"].values) == set(UNITS)
    for key in ("seed", "n_futures", "backend", "devices", "seconds", "chunk_size", "dtype"):
        assert key in risk.attrs
    assert json.loads(risk.attrs["uncertainty"])["disasters"]["enabled"] is True
    path = write_netcdf(risk, tmp_path / "risk.nc")
    back = xr.load_dataset(path)
    np.testing.assert_array_equal(back["summary"], risk["summary"])


def test_per_future_totals_are_sums_over_sites(risk):
    for name in ("unserved_energy", "grid_energy", "emissions", "energy_cost", "curtailment"):
        np.testing.assert_allclose(risk[name], risk[f"site_{name}"].sum("site"), rtol=1e-12)
    assert np.all(risk["loss_of_load_hours"] >= risk["site_loss_of_load_hours"].max("site"))
    assert np.all((risk["cfe_score"] >= 0) & (risk["cfe_score"] <= 1))
    # annual matching counts exports (the Risk contract): above 1 only where a future exported
    assert np.all(risk["re_share"] >= 0)
    assert np.all(risk["export_energy"].values[risk["re_share"].values > 1] > 0)


def test_summary_stats_and_cvar_direction(risk):
    n_tail = math.ceil(0.05 * risk.sizes["future"])  # 15 worst futures of 300
    unserved = np.sort(risk["unserved_energy"].values)
    summary = risk["summary"].sel(metric="unserved_energy")
    assert summary.sel(stat="cvar95") == pytest.approx(unserved[-n_tail:].mean())
    assert summary.sel(stat="mean") == pytest.approx(unserved.mean())
    assert summary.sel(stat="p95") == pytest.approx(np.percentile(unserved, 95))
    re_share = np.sort(risk["re_share"].values)  # worse is lower
    assert risk["summary"].sel(metric="re_share", stat="cvar95") == pytest.approx(
        re_share[:n_tail].mean()
    )
    assert risk["worse"].sel(metric="re_share") == "low"


def test_regional_disaster_hits_only_its_area(toy, grid_backed_plan):
    base = planner.simulate(
        toy, grid_backed_plan, 64, uncertainty=Uncertainty.none(), progress=False
    )
    quake = Uncertainty.only(
        "disasters",
        disasters={
            "earthquake_rate_per_year": 100.0,
            "typhoon_rate_per_year": 0.0,
            "areas": ["south"],
        },
    )
    hit = planner.simulate(toy, grid_backed_plan, 64, uncertainty=quake, progress=False)
    assert base["unserved_energy"].max() == 0.0
    charlie = hit["site_unserved_energy"].sel(site="charlie")
    assert charlie.mean() > 10.0 and (charlie > 0).mean() > 0.5
    for site in ("alpha", "bravo"):  # the north: untouched, to the bit
        for name in ("site_unserved_energy", "site_grid_energy", "site_curtailment"):
            np.testing.assert_array_equal(hit[name].sel(site=site), base[name].sel(site=site))


def test_float64_matches_float32_without_uncertainty(toy, grid_backed_plan):
    runs = {
        dtype: planner.simulate(
            toy, grid_backed_plan, 1, uncertainty=Uncertainty.none(), dtype=dtype, progress=False
        )
        for dtype in ("float32", "float64")
    }
    assert runs["float64"].attrs["dtype"] == "float64"
    for name in UNITS:
        # atol: a quantity that is zero in float64 may be float32 rounding (~1e-6 MWh) in float32
        np.testing.assert_allclose(
            runs["float64"][name], runs["float32"][name], rtol=1e-5, atol=1e-3, err_msg=name
        )


def test_progress_bar_counts_futures(toy, grid_backed_plan, capsys):
    planner.simulate(toy, grid_backed_plan, 3, chunk_size=1, uncertainty=Uncertainty.none())
    assert "3/3" in capsys.readouterr().err


def test_bad_options_and_plans_are_refused(toy, grid_backed_plan):
    with pytest.raises(PolicyError, match="backend"):
        planner.simulate(toy, grid_backed_plan, backend="torch")
    with pytest.raises(PolicyError, match="n_futures"):
        planner.simulate(toy, grid_backed_plan, n_futures=0)
    with pytest.raises(PlanError, match="battery_energy"):
        planner.simulate(toy, grid_backed_plan.drop_vars("battery_energy"), progress=False)
    lopsided = grid_backed_plan.copy()
    lopsided["share"] = lopsided["share"] * 0.5
    with pytest.raises(PlanError, match="sums to"):
        planner.simulate(toy, lopsided, progress=False)
    reduced = toy.assign(weight=("time", np.full(toy.sizes["time"], 2.0)))
    with pytest.raises(PlanError, match="full scenario"):
        planner.simulate(reduced, grid_backed_plan, progress=False)


MEMORY_SCRIPT = """
import resource, sys
import numpy as np, pandas as pd, xarray as xr
import planner
from planner.contracts.plan import plan_from_capacities
from planner.mc import Uncertainty
toy = planner.load_scenario("toy")
weeks = 13
series = [n for n in toy.data_vars if "time" in toy[n].dims]
long = xr.concat([toy[series]] * weeks, dim="time", data_vars="all").assign_coords(
    time=pd.date_range("2030-01-01", periods=168 * weeks, freq="h"))
scn = xr.merge([toy.drop_vars(series).drop_dims("time"), long], combine_attrs="override")
plan = plan_from_capacities(scn, it_capacity=[14, 6, 11], gen_capacity=[[30, 10], [10, 10], [20, 5]],
    share=[[0.7, 0.3, 0], [0, 0.2, 0.8]], battery_power=2, battery_energy=8, grid_capacity=5)
peak = []
for n in (100, 1000):
    planner.simulate(scn, plan, n, chunk_size=50, progress=False, backend=sys.argv[1])
    peak.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
print(peak[0], peak[1])
"""


@pytest.mark.parametrize("backend", ["jax"])
def test_peak_memory_is_bounded_by_the_chunk(backend):
    """100 -> 1000 futures of 2184 h at chunk 50: peak RSS grows by < 16 MB.

    Holding hourly flows for every future would grow it by 900 futures x 3 sites x
    2184 h x 4 B = 24 MB per hourly variable.
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, backend],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    small, large = (int(v) for v in done.stdout.split())
    assert (large - small) / 1024 < 16, (small, large)  # ru_maxrss is in KiB
