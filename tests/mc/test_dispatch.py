"""Hand-computed dispatch of the toy with every driver off (NumPy reference, hourly trace)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner
from planner.datasets.toy import solar_shape
from planner.mc import Uncertainty, dispatch_trace
from planner.mc.dispatch import active, interval_bits

from .conftest import SHARE, STRESSED, make_plan, solar_plan

HOURS = 168
HOUR_OF_DAY = np.arange(HOURS) % 24


def trace(scenario, plan, uncertainty=None, n_futures=1, seed=0):
    """Hourly flows {name: (F, T, S)} of futures 0..n-1, as `simulate` draws them."""
    uncertainty = uncertainty or Uncertainty.none()
    runs = [dispatch_trace(scenario, plan, i, seed, uncertainty) for i in range(n_futures)]
    return {name: np.stack([run[name].values for run in runs]) for name in runs[0].data_vars}


@pytest.fixture
def solar_only(toy):
    """alpha: 30 MW solar, IT = city_a's 10 MW, nothing else; charlie: grid only, all training."""
    return solar_plan(toy, alpha_grid=0.0)


def test_hand_computed_dispatch(toy, solar_only):
    flows = trace(toy, solar_only)
    alpha, charlie = 0, 2
    # alpha: load 1.2 x 10 = 12 MW against 30 x 0.8 x solar shape; no battery, no grid
    renewables = 24.0 * solar_shape(np.arange(HOURS))
    np.testing.assert_allclose(flows["renewables"][0, :, alpha], renewables, atol=1e-12)
    np.testing.assert_allclose(flows["load"][0, :, alpha], 12.0)
    short = np.maximum(12.0 - renewables, 0.0)
    np.testing.assert_allclose(flows["unserved"][0, :, alpha], short, atol=1e-9)
    np.testing.assert_allclose(flows["curtailment"][0, :, alpha], np.maximum(renewables - 12, 0))
    # sin(pi (h - 6) / 12) >= 1/2 exactly from 08:00 to 16:00: unserved only outside
    served_hours = (HOUR_OF_DAY >= 8) & (HOUR_OF_DAY <= 16)
    assert np.all(flows["unserved"][0, served_hours, alpha] < 1e-9)
    assert np.all(flows["unserved"][0, ~served_hours, alpha] > 1.0)
    assert (flows["unserved"][0, :, alpha] > 1e-3).sum() == 15 * 7
    # charlie: 5 MW inference, 6 MW room for 6 MW of training (144 MWh a day): flat 11 MW IT,
    # load 1.25 x 11 = 13.75 MW from the grid every hour, nothing unserved
    np.testing.assert_allclose(flows["training"][0, :, charlie], 6.0)
    np.testing.assert_allclose(flows["grid_import"][0, :, charlie], 13.75)
    assert np.all(flows["unserved"][0, :, charlie] == 0.0)
    # bravo holds nothing
    assert np.all(flows["load"][0, :, 1] == 0.0)


def test_energy_balance_closes_every_hour(toy, grid_backed_plan):
    unc = Uncertainty.only("weather", "site_outages", site_outages={"failure_rate_per_year": 300})
    f = trace(toy, grid_backed_plan, unc, n_futures=4)
    supply = f["renewables"] + f["discharge"] + f["grid_import"] + f["backup"] + f["unserved"]
    use = f["load"] + f["charge"] + f["export"] + f["curtailment"]
    np.testing.assert_allclose(supply, use, atol=1e-9)
    assert f["up"].min() == 0.0  # outages did happen
    assert np.all(f["soc"] >= 0) and np.all(f["soc"] <= 8.0 + 1e-12)


def test_risk_metrics_match_hand_calc(toy, solar_only):
    risk = planner.simulate(
        toy,
        solar_only,
        n_futures=1,
        uncertainty=Uncertainty.none(),
        dtype="float64",
        progress=False,
    )
    renewables = 24.0 * solar_shape(np.arange(HOURS))
    unserved = np.maximum(12.0 - renewables, 0.0).sum()
    grid = 13.75 * HOURS
    assert risk["unserved_energy"].item() == pytest.approx(unserved, rel=1e-12)
    assert risk["loss_of_load_hours"].item() == 15 * 7
    assert risk["grid_energy"].item() == pytest.approx(grid)
    assert risk["emissions"].item() == pytest.approx(grid * 0.45)
    assert risk["energy_cost"].item() == pytest.approx(grid * 14000.0)
    assert risk["curtailment"].item() == pytest.approx(np.maximum(renewables - 12, 0).sum())
    # scores on total load (served + unserved): alpha's 12 MW and charlie's 13.75 MW every hour
    total = (12.0 + 13.75) * HOURS
    assert risk["re_share"].item() == pytest.approx(1 - (grid + unserved) / total)
    assert risk["cfe_score"].item() == pytest.approx(1 - (grid * 0.8 + unserved) / total)
    alpha_re = risk["site_re_share"].sel(site="alpha").item()
    assert alpha_re == pytest.approx(1 - unserved / (12.0 * HOURS))
    assert risk["unmet_demand"].item() == 0.0 and risk["export_energy"].item() == 0.0
    assert np.isnan(risk["site_re_share"].sel(site="bravo").item())
    assert risk["battery_cycles"].item() == 0.0


def test_training_moves_to_sunny_hours(toy):
    """charlie: 40 MW solar, room for 35 MW of training: the day's 144 MWh moves into the sun."""
    plan = make_plan(
        toy,
        training_site="charlie",
        it_capacity=[10.0, 0.0, 40.0],
        gen_capacity=[[0.0, 0.0], [0.0, 0.0], [40.0, 0.0]],
        share=SHARE,
        grid_capacity=[20.0, 0.0, 60.0],
    )
    f = trace(toy, plan)
    training = f["training"][0, :, 2]
    np.testing.assert_allclose(training.reshape(7, 24).sum(axis=1), 144.0)
    # before sunrise an even pace of 144 / 24 = 6 MW; the sun then takes more than its share
    # and leaves the evening less than the flat 6 MW
    np.testing.assert_allclose(training[HOUR_OF_DAY < 6], 6.0)
    assert training[HOUR_OF_DAY == 12].min() > 6.0
    assert training[HOUR_OF_DAY >= 19].max() < 6.0
    assert f["unserved"][0, :, 2].max() == 0.0


def test_battery_reduces_night_unserved(toy, solar_only):
    without = planner.simulate(
        toy, solar_only, n_futures=1, uncertainty=Uncertainty.none(), progress=False
    )
    battery = solar_only.copy()
    battery["battery_power"] = battery["battery_power"] + [8.0, 0.0, 0.0]
    battery["battery_energy"] = battery["battery_energy"] + [40.0, 0.0, 0.0]
    with_battery = planner.simulate(
        toy, battery, n_futures=1, uncertainty=Uncertainty.none(), progress=False
    )
    night = without["site_unserved_energy"].sel(site="alpha").item()
    assert night > 0
    assert with_battery["site_unserved_energy"].sel(site="alpha").item() < night - 100
    assert with_battery["battery_cycles"].item() > 0


def test_cut_link_reroutes_to_the_nodes_other_site(toy):
    """city_a split over alpha and bravo; cutting links re-routes inference, losing none."""
    plan = make_plan(
        toy,
        it_capacity=[40.0, 40.0, 40.0],
        gen_capacity=0.0,
        share=[[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]],
        grid_capacity=[50.0, 50.0, 50.0],
    )
    unc = Uncertainty.only("backhaul_cuts", backhaul_cuts={"rate_per_year": 200})
    f = trace(toy, plan, unc, n_futures=8)
    inference, unserved = f["inference"], f["unserved"]
    both = inference[..., 0] + inference[..., 1]
    routed = both > 0
    np.testing.assert_allclose(both[routed], 10.0, atol=1e-9)
    assert (inference[..., 0] == 10.0).any() and (inference[..., 1] == 10.0).any()
    # both links cut: city_a's 10 MW is unroutable, unmet demand at its planned sites' pue
    # (the sites had power: nothing is unserved)
    unmet = f["unmet"]
    assert (~routed).any()
    np.testing.assert_allclose(unmet[..., 0][~routed], 5.0 * 1.2)
    np.testing.assert_allclose(unmet[..., 1][~routed], 5.0 * 1.3)
    assert np.all(unmet[..., :2][routed] == 0.0)
    # charlie is city_b's only site: a cut there leaves 5 MW unroutable, unmet at pue 1.25
    lost = inference[..., 2] == 0.0
    assert lost.any()
    np.testing.assert_allclose(unmet[..., 2][lost], 6.25)
    assert np.all(unserved == 0.0)


@given(
    st.lists(st.tuples(st.integers(-5, 110), st.integers(0, 40)), min_size=0, max_size=4),
    st.integers(1, 100),
)
@settings(max_examples=60, deadline=None)
def test_event_bits_match_the_intervals(events, n_hours):
    """The per-chunk hour bits say 'active' exactly where some [start, end) covers the hour."""
    start = np.array([[[max(s, 0) for s, _ in events]]], dtype=np.int32).reshape(1, 1, -1)
    end = np.minimum(
        start + np.array([d for _, d in events], dtype=np.int32).reshape(1, 1, -1), n_hours
    )
    bits = interval_bits(start, end, n_hours, np)
    for t in range(n_hours):
        naive = np.any((start <= t) & (t < end), axis=-1)
        np.testing.assert_array_equal(active(bits, np.int32(t), np), naive)


capacity = st.floats(0.0, 60.0)


@given(
    it=st.lists(capacity, min_size=3, max_size=3),
    gen=st.lists(capacity, min_size=6, max_size=6),
    battery=st.lists(st.floats(0.0, 20.0), min_size=3, max_size=3),
    hours=st.floats(0.5, 8.0),
    grid=st.lists(capacity, min_size=3, max_size=3),
    future=st.integers(0, 50),
)
@settings(max_examples=15, deadline=None)
def test_dispatch_invariants_hold_for_any_plan(toy, it, gen, battery, hours, grid, future):
    """Any plan, a random stressed future: balance closes, nothing negative, battery in bounds."""
    plan = make_plan(
        toy,
        it_capacity=it,
        gen_capacity=np.reshape(gen, (3, 2)),
        share=[[0.6, 0.4, 0.0], [0.0, 0.3, 0.7]],
        battery_power=battery,
        battery_energy=np.multiply(battery, hours),
        grid_capacity=grid,
    )
    f = dispatch_trace(toy, plan, future, seed=1, uncertainty=Uncertainty(**STRESSED))
    supply = f["renewables"] + f["discharge"] + f["grid_import"] + f["backup"] + f["unserved"]
    use = f["load"] + f["charge"] + f["export"] + f["curtailment"]
    np.testing.assert_allclose(supply, use, atol=1e-9)
    # a site never imports and exports in one hour
    assert not np.any((f["export"] > 0) & (f["grid_import"] > 0))
    for name in f.data_vars:
        assert f[name].min() >= -1e-12, name
    assert np.all(f["soc"] <= np.multiply(battery, hours) + 1e-9)
    assert np.all(f["charge"] <= np.asarray(battery) + 1e-12)
    assert np.all(f["grid_import"] <= np.asarray(grid) + 1e-12)
    it_load = f["inference"] + f["training"]
    assert np.all(it_load <= np.asarray(it) + 1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dispatch_trace_is_the_future_simulate_drew_in_its_dtype(toy, solar_only, dtype):
    """JAX's uniforms differ by dtype: the trace of future i must be future i of that run."""
    drivers = Uncertainty(demand_growth={"sigma": 0.3}, **STRESSED)
    risk = planner.simulate(
        toy, solar_only, n_futures=6, seed=3, uncertainty=drivers, backend="numpy", dtype=dtype
    )
    for i in range(6):
        f = dispatch_trace(toy, solar_only, i, seed=3, uncertainty=drivers, dtype=dtype)
        np.testing.assert_allclose(
            float(f["grid_import"].sum()), float(risk["grid_energy"][i]), rtol=1e-4, atol=1e-3
        )
