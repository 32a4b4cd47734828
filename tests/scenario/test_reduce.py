"""Time reduction: weights cover the year, extreme days are kept, means are the year's, days in order."""

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import planner
from planner import ScenarioError
from planner.lp.periods import time_structure
from planner.scenario.reduce import ReductionWarning, distribution_days, kmedoids


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
    assert mean_deviation(scn, red) <= 0.005  # every series of every site, node and area
    assert len(red["day_cluster"]) == 365


def series_of(ds):
    return [n for n in ds.data_vars if "time" in ds[n].dims and n not in ("weight", "period")]


def mean_deviation(full, red) -> float:
    """Largest relative gap between a series' weighted mean on the reduced days and the year's."""
    worst = 0.0
    w = red["weight"]
    for name in series_of(full):
        year = full[name].mean("time")
        days = (red[name] * w).sum("time") / w.sum()
        gap = np.abs(days - year) / np.maximum(np.abs(year), 1e-9)
        worst = max(worst, float(gap.where(np.abs(year) > 1e-9, 0.0).max()))
    return worst


def test_rescaled_days_match_every_yearly_mean_and_stay_in_bounds(year):
    raw = planner.reduce_time(year, n_days=6, representation="medoid", rescale=False)
    red = planner.reduce_time(year, n_days=6, representation="medoid")
    assert mean_deviation(year, raw) > 0.01  # medoids alone are biased on this year
    assert mean_deviation(year, red) <= 0.005
    assert max(json.loads(red.attrs["rescale_deviation"]).values()) <= 0.005
    # Scaled within each series' own range: cf in [0, 1], PUE >= 1, nothing above the year's peak.
    for name in series_of(year):
        assert (red[name] >= year[name].min("time") - 1e-12).all(), name
        assert (red[name] <= year[name].max("time") + 1e-12).all(), name
    assert float(red["cf"].min()) >= 0.0 and float(red["cf"].max()) <= 1.0
    assert float(red["pue"].min()) >= 1.0
    # Extreme days are kept exactly as they were (tsam leaves its extreme periods unscaled).
    for day in json.loads(red.attrs["extreme_days"]).values():
        for name in series_of(year):
            np.testing.assert_array_equal(red[name].sel(time=day), year[name].sel(time=day))
    # The same days are chosen with or without rescaling; only their values move.
    np.testing.assert_array_equal(red["time"], raw["time"])
    np.testing.assert_array_equal(red["day_cluster"], raw["day_cluster"])


def test_distribution_days_hand_solved():
    """Two days in one cluster, one on its own: the cluster gets its members' distribution.

    Day 0 is 10 MW at 12:00, day 1 is 4 MW at 12:00 and 2 MW at 13:00, else 0. Sorted,
    their 48 values are 45 zeros, 2, 4, 10; blocks of two average to 22 zeros, 1 and 7.
    The members' mean profile is highest at 12:00 (7), then 13:00 (1): 7 goes to 12:00,
    1 to 13:00. The sum, 16 MWh over two days, is the members' (10 + 4 + 2).
    """
    x = np.zeros((3, 24))
    x[0, 12], x[1, 12], x[1, 13], x[2] = 10.0, 4.0, 2.0, 5.0
    time = pd.date_range("2030-01-01", periods=72, freq="h")
    full = xr.Dataset({"x": ("time", x.ravel())}, coords={"time": time})
    reduced = full.isel(time=np.r_[0:24, 48:72])  # periods: day 0 (days 0, 1), day 2 (itself)
    out = distribution_days(full, reduced, np.array([0, 0, 1]), np.array([False, False]))
    rep = out["x"].values[:24]
    expected = np.zeros(24)
    expected[12], expected[13] = 7.0, 1.0
    np.testing.assert_array_equal(rep, expected)
    np.testing.assert_array_equal(out["x"].values[24:], x[2])  # a period of one day is as it was
    assert 2 * rep.sum() == x[:2].sum()


def test_distribution_days_keep_means_ranges_and_spread(year):
    """The default representation: every series' weighted mean is the year's (to rounding),
    each period within its members' range, and the year's duration curves closer than
    rescaled medoids get (the within-cluster spread is kept)."""
    red = planner.reduce_time(year, n_days=6)
    medoid = planner.reduce_time(year, n_days=6, representation="medoid")
    assert mean_deviation(year, red) <= 1e-9
    assert max(json.loads(red.attrs["rescale_deviation"]).values()) <= 1e-9
    np.testing.assert_array_equal(red["day_cluster"], medoid["day_cluster"])  # same clusters
    order = red["day_cluster"].values
    for p in range(len(np.unique(red["period"]))):
        days = np.flatnonzero(order == p)
        for name in ("cf", "pue", "inference_demand", "grid_cfe"):
            members = year[name].isel(time=(days[:, None] * 24 + np.arange(24)).ravel())
            rep = red[name].isel(time=slice(24 * p, 24 * p + 24))
            assert (rep >= members.min("time") - 1e-12).all(), (name, p)
            assert (rep <= members.max("time") + 1e-12).all(), (name, p)
    for day in json.loads(red.attrs["extreme_days"]).values():
        for name in series_of(year):
            np.testing.assert_array_equal(red[name].sel(time=day), year[name].sel(time=day))
    dist_error = json.loads(red.attrs["reduction_error"])
    medoid_error = json.loads(medoid.attrs["reduction_error"])
    for key in ("demand", "cf_solar", "cf_wind_onshore"):  # the toy's PUE is flat
        assert dist_error[key] < medoid_error[key], key


def test_unknown_representation_is_refused(toy):
    with pytest.raises(ScenarioError, match="representation='centroid'"):
        planner.reduce_time(toy, n_days=2, representation="centroid")


def test_day_cluster_orders_the_year_and_agrees_with_the_weights(year):
    red = planner.reduce_time(year, n_days=12)
    order = red["day_cluster"]
    assert order.dims == ("day",) and len(order) == 365
    assert (order["day"].values == year["time"].values[::24]).all()
    # Each period stands for as many days as its weight says, and every period for one at least.
    days_per_period = np.bincount(order.values, minlength=14)
    np.testing.assert_array_equal(days_per_period, red["weight"].values[::24])
    # A representative day (medoid) or an extreme day stands for itself.
    for p, day in enumerate(json.loads(red.attrs["period_days"])):
        assert int(order.sel(day=day)) == p
    extremes = json.loads(red.attrs["extreme_days"]).values()
    for day in extremes:
        assert (order == order.sel(day=day)).sum() == 1  # an extreme day is its own period


def test_day_cluster_survives_netcdf_and_validation(year, tmp_path):
    red = planner.reduce_time(year, n_days=4)
    path = tmp_path / "reduced.nc"
    red.to_netcdf(path)
    back = planner.validate(xr.open_dataset(path).load())
    np.testing.assert_array_equal(back["day_cluster"].values, red["day_cluster"].values)
    np.testing.assert_array_equal(back["day"].values, red["day"].values)
    assert back["day_cluster"].attrs["units"] == "-"
    xr.testing.assert_allclose(back["weight"], red["weight"])
    # The CSV layout too; the LP finds each period's own date (its home day) in either.
    planner.save_scenario(red, tmp_path / "csv")
    csv = planner.load_scenario(tmp_path / "csv")
    np.testing.assert_array_equal(csv["day_cluster"].values, red["day_cluster"].values)
    home = time_structure(red).home_day
    np.testing.assert_array_equal(time_structure(csv).home_day, home)
    np.testing.assert_array_equal(time_structure(back).home_day, home)
    # Home day: the first day of the run of days of its period that holds the period's own date.
    order = red["day_cluster"].values
    own = [int(np.flatnonzero(red["day"].values == np.datetime64(d))[0]) for d in days_of(red)]
    for p, (h, d) in enumerate(zip(home, own, strict=True)):
        assert (order[h : d + 1] == p).all() and (h == 0 or order[h - 1] != p)


def days_of(red):
    return json.loads(red.attrs["period_days"])


def test_alike_days_never_give_a_day_of_weight_0(toy):
    same = toy.copy()
    for name in series_of(toy):
        first_day = toy[name].isel(time=slice(0, 24)).values
        reps = toy.sizes["time"] // 24
        same[name] = (toy[name].dims, np.concatenate([first_day] * reps, axis=-1))
    with pytest.warns(ReductionWarning, match="1 representative days instead of n_days = 4"):
        red = planner.reduce_time(same, n_days=4, extreme_days=False)
    assert red.sizes["time"] == 24 and float(red["weight"].min()) == 7.0
    assert list(red["day_cluster"].values) == [0] * 7
    planner.validate(red)  # weight > 0 everywhere, as validate requires
    assert mean_deviation(same, red) <= 1e-12


def test_kmedoids_on_identical_rows_returns_one_cluster():
    medoids, labels = kmedoids(np.ones((6, 3)), 4, seed=1)
    assert len(medoids) == 1 and (labels == 0).all()


# ---- stress days (planner.harden adds them where the Monte Carlo fails) ----------------------


def _toy_days(toy, days, factor=1.0):
    """The toy's own hours of `days`, inference demand times `factor`."""
    from planner.scenario.reduce import ADDED

    series = [n for n in toy.data_vars if "time" in toy[n].dims and n not in ADDED]
    part = xr.concat(
        [toy[series].isel(time=slice(24 * d, 24 * d + 24)) for d in days],
        dim="time",
        data_vars="all",
    )
    part["inference_demand"] = part["inference_demand"] * factor
    return part


def test_a_stress_day_takes_its_day_from_its_period_and_keeps_the_year(toy):
    from planner.scenario.reduce import add_stress_days, stress_free_days

    red = planner.reduce_time(toy, n_days=3)
    free = stress_free_days(red)
    cluster = red["day_cluster"].values
    labels = np.unique(red["period"].values)
    # a free day whose period stands for other days too: it must be appended, not replaced
    d = next(d for d in np.flatnonzero(free) if np.count_nonzero(cluster == cluster[d]) > 1)
    old = labels[cluster[d]]
    old_weight = float(red["weight"].values[red["period"].values == old][0])
    out = add_stress_days(red, _toy_days(toy, [d], 1.5), [d], ["by hand"])
    assert out.sizes["time"] == red.sizes["time"] + 24
    assert float(out["weight"].sum()) == float(red["weight"].sum())  # still the year's hours
    new_labels = np.unique(out["period"].values)
    new = new_labels[out["day_cluster"].values[d]]
    assert new not in labels
    assert np.all(out["weight"].values[out["period"].values == new] == 1.0)
    assert float(out["weight"].values[out["period"].values == old][0]) == old_weight - 1.0
    other = np.arange(len(cluster)) != d  # every other day keeps its period
    assert np.array_equal(new_labels[out["day_cluster"].values[other]], labels[cluster[other]])
    assert json.loads(out.attrs["stress_days"])[0]["source"] == "by hand"
    assert not stress_free_days(out)[d]  # a stress day is not replaced by the next one
    ts = time_structure(planner.validate(out))  # the LP's day order accepts it
    assert ts.home_day[list(new_labels).index(new)] == d


def test_the_lp_serves_a_stress_day_of_higher_demand(toy):
    """IT capacity is a hard limit of the LP: it must cover 1.5 x the stress day's peak."""
    from planner.scenario.reduce import add_stress_days, stress_free_days

    red = planner.reduce_time(toy, n_days=3)
    d = int(np.flatnonzero(stress_free_days(red))[-1])
    out = add_stress_days(red, _toy_days(toy, [d], 1.5), [d])
    plan = planner.plan(out, policy={"reserve_margin": 0.0})
    peak = 1.5 * float(
        toy["inference_demand"].isel(time=slice(24 * d, 24 * d + 24)).sum("node").max()
    )
    assert float(plan["it_capacity"].sum()) >= peak - 1e-6


def test_a_day_standing_alone_is_replaced_in_place_and_bad_days_are_refused(toy):
    from planner.scenario.reduce import add_stress_days, stress_free_days

    red = planner.reduce_time(toy, n_days=3)
    cluster = red["day_cluster"].values
    alone = [d for d in range(len(cluster)) if np.count_nonzero(cluster == cluster[d]) == 1]
    d = alone[0]
    out = add_stress_days(red, _toy_days(toy, [d], 2.0), [d])
    assert out.sizes["time"] == red.sizes["time"]
    hours = out["period"].values == np.unique(red["period"].values)[cluster[d]]
    np.testing.assert_allclose(
        out["inference_demand"].isel(time=hours).values,
        2.0 * toy["inference_demand"].isel(time=slice(24 * d, 24 * d + 24)).values,
    )
    taken = [d for d in range(len(cluster)) if not stress_free_days(out)[d]]
    with pytest.raises(ScenarioError, match=rf"day_index \[{taken[0]}\]"):
        add_stress_days(out, _toy_days(toy, [taken[0]]), [taken[0]])
    with pytest.raises(ScenarioError, match="24 hours per day"):
        add_stress_days(red, _toy_days(toy, [0]), [0, 1])
