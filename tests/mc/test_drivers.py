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
