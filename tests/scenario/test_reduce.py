"""Time reduction: weights cover the year, extreme days are kept, the error is reported."""

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import planner
from planner import ScenarioError
from planner.scenario.reduce import kmedoids


@pytest.fixture(scope="module")
def year():
    """The toy stretched to a full 8760-h year with seasons, random weather and a demand spike."""
    toy = planner.load_scenario("toy")
    rng = np.random.default_rng(7)
    time = pd.date_range("2030-01-01", periods=8760, freq="h")
    reps = int(np.ceil(8760 / 168))
    series = [n for n in toy.data_vars if "time" in toy[n].dims]
    ds = xr.concat([toy[series].drop_vars("time")] * reps, dim="time", data_vars="all")
    ds = ds.isel(time=slice(0, 8760)).assign_coords(time=time)
    ds = xr.merge([toy.drop_vars(series).drop_dims("time"), ds], combine_attrs="override")
    day = np.arange(8760) // 24
    season = 1 + 0.3 * np.sin(2 * np.pi * day / 365)
    clouds = np.repeat(rng.uniform(0.2, 1.0, 365), 24)
    ds["cf"] = ds["cf"] * xr.DataArray(clouds, dims="time")
    ds["inference_demand"] = ds["inference_demand"] * xr.DataArray(season, dims="time")
    ds["inference_demand"][dict(time=slice(200 * 24 + 10, 200 * 24 + 14))] *= (
        2.0  # a heat-wave spike
    )
    return planner.validate(ds)


def test_weights_sum_to_the_year_and_periods_are_days(year):
    red = planner.reduce_time(year, n_days=12)
    assert float(red["weight"].sum()) == 8760.0
    assert red.sizes["time"] == 24 * 14  # 12 representative + 2 extreme days
    periods, counts = np.unique(red["period"].values, return_counts=True)
    assert list(counts) == [24] * 14 and list(periods) == list(range(14))
    assert red["weight"].attrs["units"] == "h"


def test_extreme_days_are_kept_with_weight_one(year):
    red = planner.reduce_time(year, n_days=12)
    extremes = json.loads(red.attrs["extreme_days"])
    assert extremes["peak_demand"] == "2030-07-20"  # day 200 holds the spike
    daily_re = (year["cf"] * year["gen_potential"]).sum(("site", "gen")).resample(time="1D").sum()
    assert extremes["min_renewable"] == str(daily_re.idxmin().dt.date.item())
    for day in extremes.values():
        hours = red.sel(time=day)
        assert hours.sizes["time"] == 24 and (hours["weight"] == 1).all()
    assert float(red["inference_demand"].sum("node").max()) == float(
        year["inference_demand"].sum("node").max()
    )


def test_reduction_error_reported_and_falls_with_more_days(year):
    coarse = json.loads(planner.reduce_time(year, n_days=4).attrs["reduction_error"])
    fine = json.loads(planner.reduce_time(year, n_days=40).attrs["reduction_error"])
    assert set(coarse) >= {"demand", "price", "cf_solar", "cf_wind_onshore"}
    assert all(np.isfinite(v) and v >= 0 for v in coarse.values())
    assert fine["cf_solar"] < coarse["cf_solar"]
    assert fine["demand"] < coarse["demand"]


def test_reduction_is_deterministic(year):
    a = planner.reduce_time(year, n_days=8)
    b = planner.reduce_time(year, n_days=8)
    xr.testing.assert_identical(a, b)


def test_more_days_than_the_year_keeps_every_day(toy):
    red = planner.reduce_time(toy, n_days=50, extreme_days=False)
    assert red.sizes["time"] == 168 and (red["weight"] == 1).all()


def test_bad_requests(toy):
    with pytest.raises(ScenarioError, match="already reduced"):
        planner.reduce_time(planner.reduce_time(toy, n_days=2))
    with pytest.raises(ScenarioError, match="unknown"):
        planner.reduce_time(toy, extreme_days=["coldest"])
    with pytest.raises(ScenarioError, match="whole number of days"):
        planner.reduce_time(toy.isel(time=slice(0, 30)))


def test_kmedoids_finds_obvious_clusters():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.1, (20, 2)), rng.normal(5, 0.1, (10, 2))])
    medoids, labels = kmedoids(x, 2, seed=3)
    assert sorted(np.bincount(labels)) == [10, 20]
    assert len(set(labels[:20])) == 1 and len(set(labels[20:])) == 1
    assert set(medoids) <= set(range(30))


def test_japan_year_reduces_to_twelve_days_plus_extremes():
    scn = planner.load_scenario("japan_2030")
    red = planner.reduce_time(scn, n_days=12)
    assert float(red["weight"].sum()) == 8760.0
    assert red.sizes["time"] == 24 * 14
    extremes = json.loads(red.attrs["extreme_days"])
    peak_hour = scn["inference_demand"].sum("node") + scn["training_demand"]
    assert float(peak_hour.max()) == pytest.approx(
        float((red["inference_demand"].sum("node") + red["training_demand"]).max())
    )
    assert set(extremes) == {"peak_demand", "min_renewable"}
    assert all(v < 0.25 for v in json.loads(red.attrs["reduction_error"]).values())
