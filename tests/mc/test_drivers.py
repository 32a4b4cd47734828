"""Driver statistics with a fixed seed (moment and KS checks) and the Uncertainty model."""

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from planner import PolicyError
from planner.mc import Uncertainty, kernel
from planner.mc.drivers import driver_params

YEAR = 8760
AREAS = ["north", "south"]
N_FUTURES = 2000


def sample(unc, n_hours=YEAR, n_nodes=3, n_sites=4, link_km=(100.0, 900.0)):
    params, sizes = driver_params(unc, n_hours, AREAS, n_nodes, n_sites, np.asarray(link_km))
    params = type(params)(
        *(p.astype(np.float32) if np.issubdtype(p.dtype, np.floating) else p for p in params)
    )
    ids = np.arange(N_FUTURES, dtype=np.int32)
    futures = kernel.sample_chunk(np.uint32(11), ids, params, sizes)
    return type(futures)(*(np.asarray(a) for a in futures)), sizes


@pytest.fixture(scope="module")
def futures():
    unc = Uncertainty(
        grid_stress={"rate_per_year": 5.0},
        site_outages={"failure_rate_per_year": 20.0, "mean_repair_hours": 24.0},
        disasters={"earthquake_rate_per_year": 0.5, "typhoon_rate_per_year": 2.0},
        backhaul_cuts={"rate_per_year": 1.0, "rate_per_1000km_year": 2.0},
    )
    return sample(unc)


def test_demand_growth_is_lognormal_mean_one_and_correlated(futures):
    growth = futures[0].growth  # (F, node + training)
    log_node = np.log(growth[:, 0].astype(np.float64))
    sigma = 0.15
    assert stats.kstest(log_node, "norm", args=(-(sigma**2) / 2, sigma)).pvalue > 0.01
    assert abs(growth[:, :3].mean() - 1.0) < 3 * sigma / np.sqrt(N_FUTURES)
    assert np.log(growth[:, 3]).std() == pytest.approx(0.3, rel=0.05)
    corr = np.corrcoef(np.log(growth[:, :3]).T)[np.triu_indices(3, 1)]
    np.testing.assert_allclose(corr, 0.6, atol=0.05)


def test_weather_days_stay_in_season_and_cover_the_window(futures):
    f, sizes = futures
    offset = (f.day_source - np.arange(sizes.n_days) + 182) % 365 - 182
    assert offset.min() == -15 and offset.max() == 15
    counts = np.bincount((offset + 15).ravel(), minlength=31)
    assert stats.chisquare(counts).pvalue > 0.001
    noise = f.weather_noise
    assert noise.min() >= 0.0
    assert noise.mean() == pytest.approx(1.0, abs=0.002)
    assert noise.std() == pytest.approx(0.1, rel=0.02)


def test_event_counts_are_poisson(futures):
    f, _ = futures
    stress = (f.stress_start < YEAR).sum(axis=2).ravel()  # events per area-year, rate 5
    assert stress.mean() == pytest.approx(5.0, rel=0.03)
    assert stress.var() == pytest.approx(5.0, rel=0.1)
    length = (f.stress_end - f.stress_start)[f.stress_start < YEAR - 12]
    assert length.min() == 3 and length.max() == 12
    quakes_and_typhoons = (f.disaster_start < YEAR).sum(axis=2).mean()
    assert quakes_and_typhoons == pytest.approx(2.5, rel=0.05)
    cuts = (f.cut_start < YEAR).sum(axis=2).mean(axis=0)  # per link: 1 + 2 x km / 1000
    np.testing.assert_allclose(cuts, [1.2, 2.8], rtol=0.06)


def test_site_outages_spend_the_markov_share_of_time_down(futures):
    f, _ = futures
    start, end = f.outage_start, f.outage_end
    assert np.all(np.diff(start, axis=-1) >= 0)  # spells follow one another
    # hours down = length of the union of [start, end) (whole-hour rounding may overlap spells)
    before = np.concatenate(
        [np.zeros_like(end[..., :1]), np.maximum.accumulate(end, -1)[..., :-1]], -1
    )
    down_hours = np.maximum(end - np.maximum(start, before), 0)
    lam, mu = 20.0 / YEAR, 1.0 / 24.0
    # continuous-time chain: down lam / (lam + mu); rounding spells up to whole hours adds
    # half an hour to each of the ~lam x (up time) spells a year
    down = lam / (lam + mu)
    expected = down + 0.5 * 20 * (1 - down) / YEAR
    assert down_hours.sum(axis=-1).mean() / YEAR == pytest.approx(expected, rel=0.05)


def test_switching_a_driver_off_leaves_the_others_unchanged():
    on, _ = sample(Uncertainty())
    off, sizes = sample(
        Uncertainty(grid_shocks={"enabled": False}, site_outages={"enabled": False})
    )
    np.testing.assert_array_equal(on.growth, off.growth)
    np.testing.assert_array_equal(on.day_source, off.day_source)
    assert np.all(off.price_shock == 1.0) and np.all(off.co2_shock == 1.0)
    assert sizes.k_outage == 0 and off.outage_start.shape[-1] == 0


def test_uncertainty_none_is_deterministic():
    f, sizes = sample(Uncertainty.none(), n_hours=168)
    assert np.all(f.growth == 1.0) and np.all(f.weather_noise == 1.0)
    np.testing.assert_array_equal(f.day_source, np.broadcast_to(np.arange(7), (N_FUTURES, 7)))
    assert (sizes.k_stress, sizes.k_outage, sizes.k_quake, sizes.k_typhoon, sizes.k_cut) == (0,) * 5


def test_uncertainty_rejects_unknown_and_out_of_range_values():
    with pytest.raises(ValidationError):
        Uncertainty(weather={"window": 3})
    with pytest.raises(ValidationError):
        Uncertainty(typhoons={})
    with pytest.raises(ValidationError):
        Uncertainty(site_outages={"failure_rate_per_year": -1})
    with pytest.raises(ValidationError):
        Uncertainty(grid_stress={"min_hours": 10, "max_hours": 2})
    with pytest.raises(ValueError):
        Uncertainty.only("volcanoes")
    with pytest.raises(PolicyError, match="okinawa"):
        driver_params(Uncertainty(disasters={"areas": ["okinawa"]}), 168, AREAS, 1, 1, np.zeros(1))


def test_uncertainty_round_trips_through_json():
    unc = Uncertainty.only("disasters", disasters={"areas": ["south"]})
    assert Uncertainty.model_validate_json(unc.to_json()) == unc
    assert not unc.weather.enabled and unc.disasters.enabled


# Real weather years ------------------------------------------------------------------------------


def _yearly_yield(futures, pool, n_days):
    """Annual renewable energy (MWh) of each future from a (rows, S) pool of hourly output."""
    rows = futures.day_source[:, :n_days, None] * 24 + np.arange(24)  # (F, day, 24)
    return pool.sum(axis=1)[rows].sum(axis=(1, 2))


def test_weather_years_draw_whole_years_and_widen_the_annual_yield():
    from planner.datasets import weather_years

    years = weather_years("japan_2030")
    n_years = years.sizes["year"]
    assert n_years >= 8
    # every site's potential built: the pool is the MW output of each weather year, stacked
    scenario = __import__("planner").load_scenario("japan_2030")
    potential = scenario["gen_potential"].transpose("site", "gen").values
    cf = years["cf"].transpose("year", "site", "gen", "time").values.astype(np.float64)
    pool = np.einsum("sg,ysgt->yts", potential, cf).reshape(n_years * YEAR, -1)
    one_year = pool[(n_years - 1) * YEAR :]  # the scenario's own year (FY2024) alone

    def run(unc, n):
        params, sizes = driver_params(unc, YEAR, AREAS, 3, 4, np.asarray([100.0]), n_years=n)
        params = type(params)(
            *(p.astype(np.float32) if np.issubdtype(p.dtype, np.floating) else p for p in params)
        )
        ids = np.arange(400, dtype=np.int32)
        f = kernel.sample_chunk(np.uint32(5), ids, params, sizes)
        return type(f)(*(np.asarray(a) for a in f)), sizes

    days_only, _ = run(Uncertainty.only("weather"), 1)
    real, sizes = run(Uncertainty.only("weather", weather={"years": True}), n_years)
    assert sizes.n_years == n_years
    year_of = real.day_source // 365
    assert (year_of == year_of[:, :1]).all()  # one whole year per future
    assert set(np.unique(year_of)) == set(range(n_years))  # every year drawn
    spread_days = _yearly_yield(days_only, one_year, 365).std()
    spread_years = _yearly_yield(real, pool, 365).std()
    # measured (seed 5, 400 futures): 2.20 TWh with real years, 1.12 TWh with days alone
    assert spread_years > 1.5 * spread_days  # real years: a dull year that happened
    # with years off, the draws are those of the day reshuffling, bit for bit
    again, _ = run(Uncertainty.only("weather", weather={"years": False}), n_years)
    np.testing.assert_array_equal(again.day_source, days_only.day_source)


def test_weather_years_through_prepare_jax_equals_numpy(toy, stressed):
    import xarray as xr

    from planner.mc.prepare import prepare
    from planner.mc.reference import dispatch_numpy
    from tests.mc.conftest import stressed_toy_plan

    plan = stressed_toy_plan(toy)
    cf = toy["cf"].transpose("site", "gen", "time")
    factor = xr.DataArray([1.0, 0.4, 1.6], dims="year")
    years = xr.Dataset(
        {
            "cf": np.minimum(cf * factor, 1.0).transpose("year", "site", "gen", "time"),
            "pue": (toy["pue"].transpose("site", "time") * (1 + 0.02 * factor)).transpose(
                "year", "site", "time"
            ),
        }
    )
    unc = Uncertainty(**{**stressed.model_dump(), "weather": {"years": True}})
    run = prepare(toy, plan, unc, "float32", weather_years=years)
    n = toy.sizes["time"]
    assert run.sizes.n_years == 3 and run.inputs.ren.shape[0] == 3 * n
    assert run.inputs.inference.shape[0] == n
    ids = np.arange(64, dtype=np.int32)
    futures = kernel.sample_chunk(np.uint32(3), ids, run.params, run.sizes)
    year_of = np.asarray(futures.day_source) // (n // 24)
    assert set(np.unique(year_of)) == {0, 1, 2}
    jax_state = kernel.dispatch_chunk(run.inputs, futures, run.pattern)
    np_state = dispatch_numpy(run.inputs, futures)
    for name in jax_state._fields:
        expected = np.asarray(getattr(np_state, name))
        np.testing.assert_allclose(
            np.asarray(getattr(jax_state, name)),
            expected,
            rtol=1e-4,
            # net energy cost is a difference of two sums: its error scales with theirs
            atol=1e-3 + 1e-7 * float(np.abs(expected).max(initial=0.0)),
            err_msg=name,
        )
    # a dull year (renewables x 0.4) needs more grid than a bright one (x 1.6)
    grid = np.asarray(jax_state.grid).sum(axis=1)
    assert grid[year_of[:, 0] == 1].mean() > grid[year_of[:, 0] == 2].mean()
    with pytest.raises(PolicyError, match="no weather years for scenario 'toy'"):
        prepare(toy, plan, unc, "float64")
