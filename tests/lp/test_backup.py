"""Backup gensets in the LP: sized by backup_coverage, paid as site capital, never dispatched."""

from __future__ import annotations

import numpy as np
import pytest

import planner
from planner.errors import PolicyError
from planner.scenario.defaults import BACKUP_DEFAULTS
from tests.lp.conftest import crf


@pytest.fixture
def one_site(toy):
    ds = toy.isel(site=[0])  # alpha, north: PUE 1.2, grid only
    ds["gen_potential"][:] = 0.0
    return ds


def test_backup_covers_it_times_peak_pue_and_costs_its_annuity_by_hand(one_site):
    plan = planner.plan(one_site, policy={"backup_coverage": 0.5})
    # IT 10 + 5 inference + 6 training = 21 MW; PUE 1.2 in every hour; half of it covered.
    backup = 0.5 * 1.2 * 21.0
    assert float(plan["backup_power"].sel(site="alpha")) == pytest.approx(backup, rel=1e-6)
    annual = backup * (1.0e8 * crf(0.05, 20) + 2.0e6)  # toy: capex 1e8 JPY/MW, 20 yr, fom 2e6
    assert float(plan["cost"].sel(component="backup")) == pytest.approx(annual, rel=1e-6)
    capital = float(plan["capital_cost"].sel(component="backup"))
    assert capital == pytest.approx(backup * 1.0e8, rel=1e-6)


def test_backup_changes_nothing_but_its_own_cost(one_site):
    """Emergency only: no dispatch, so the rest of the plan and its costs stay as without it."""
    off = planner.plan(one_site, policy={"backup_coverage": 0.0})
    on = planner.plan(one_site, policy={"backup_coverage": 1.0})
    assert float(off["backup_power"].sum()) == 0.0
    assert "backup" not in off["component"].values
    np.testing.assert_allclose(on["grid_import"], off["grid_import"], rtol=1e-6)
    np.testing.assert_allclose(on["it_capacity"], off["it_capacity"], rtol=1e-6)
    extra = on.attrs["objective"] - off.attrs["objective"]
    assert extra == pytest.approx(float(on["cost"].sel(component="backup")), rel=1e-6)
    assert float(on["backup_power"][0]) == pytest.approx(1.2 * 21.0, rel=1e-6)


def test_backup_capital_gets_the_area_subsidy(one_site):
    plan = planner.plan(one_site, policy={"backup_coverage": 1.0, "subsidy": {"north": 0.25}})
    backup = 1.2 * 21.0
    capital = float(plan["capital_cost"].sel(component="backup"))
    assert capital == pytest.approx(0.75 * backup * 1.0e8, rel=1e-6)
    annual = backup * (0.75 * 1.0e8 * crf(0.05, 20) + 2.0e6)  # O&M is not subsidised
    assert float(plan["cost"].sel(component="backup")) == pytest.approx(annual, rel=1e-6)


def test_peak_pue_sizes_backup_when_pue_varies(one_site):
    ds = one_site.copy(deep=True)
    ds["pue"][:] = 1.2
    ds["pue"][0, 30] = 1.5  # one hot hour
    plan = planner.plan(ds, policy={"backup_coverage": 1.0})
    it = float(plan["it_capacity"][0])
    assert float(plan["backup_power"][0]) == pytest.approx(1.5 * it, rel=1e-6)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_bad_coverage_is_a_policy_error_naming_the_field(bad):
    with pytest.raises(PolicyError, match="backup_coverage"):
        planner.Policy(backup_coverage=bad)


def test_a_scenario_without_backup_data_gets_the_documented_defaults(one_site):
    old = one_site.drop_vars(list(BACKUP_DEFAULTS))
    ds = planner.validate(old)
    for name, value in BACKUP_DEFAULTS.items():
        assert float(ds[name]) == value
        assert ds[name].attrs["units"]
    plan = planner.plan(old, policy={"backup_coverage": 1.0})
    backup = 1.2 * 21.0
    annual = backup * (
        BACKUP_DEFAULTS["backup_capex"] * crf(0.05, BACKUP_DEFAULTS["backup_lifetime"])
        + BACKUP_DEFAULTS["backup_fom"]
    )
    assert float(plan["cost"].sel(component="backup")) == pytest.approx(annual, rel=1e-6)
