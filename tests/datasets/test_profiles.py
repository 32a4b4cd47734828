"""Profile generators: hand-checkable properties of each building block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.scenario import profiles


def test_ar1_is_unit_variance_with_the_asked_persistence():
    x = profiles.ar1(np.random.default_rng(0), 20000, 0.8, 4)
    assert x.shape == (4, 20000)
    assert x.var(axis=1) == pytest.approx(np.ones(4), abs=0.1)
    lag1 = np.mean([np.corrcoef(row[:-1], row[1:])[0, 1] for row in x])
    assert lag1 == pytest.approx(0.8, abs=0.03)


def test_correlated_factor_shares_the_regional_part():
    region = np.array(["a", "a", "b"])
    z = profiles.correlated_factor(
        np.random.default_rng(1), 20000, region, (0.0, 0.0, 0.0), (0.4, 0.4, 0.2)
    )
    c = np.corrcoef(z)
    assert c[0, 1] == pytest.approx(0.8, abs=0.05)  # national + regional
    assert c[0, 2] == pytest.approx(0.4, abs=0.05)  # national only


def test_power_curve_points():
    v = np.array([0.0, 2.9, 3.0, 12.5, 20.0, 25.0])
    np.testing.assert_allclose(profiles.power_curve(v), [0, 0, 0, 1, 1, 0])
    half = profiles.power_curve(np.array([(0.5 * (12.5**3 - 27) + 27) ** (1 / 3)]))
    assert half[0] == pytest.approx(0.5)


def test_pue_from_temperature():
    t = np.array([-5.0, 18.0, 26.5, 35.0])
    np.testing.assert_allclose(profiles.pue_from_temperature(t), [1.15, 1.15, 1.275, 1.40])


def test_wind_cf_hits_target():
    z = profiles.ar1(np.random.default_rng(2), 8760, 0.95)[0]
    cf, scale = profiles.wind_cf(z, np.ones(8760), 0.3)
    assert cf.mean() == pytest.approx(0.3, abs=1e-4)
    assert 4.0 < scale < 12.0


def test_match_days_keeps_weekday_and_season():
    observed = pd.date_range("2024-04-01", "2024-11-30", freq="D")
    target = pd.date_range("2030-01-01", periods=365, freq="D")
    picks = profiles.match_days(observed, target, np.random.default_rng(3))
    assert (picks.day_of_week == target.day_of_week).all()
    summer = (target.month >= 5) & (target.month <= 10)
    gap = np.abs(picks.day_of_year - target.day_of_year)
    assert gap[summer].max() <= 3
