"""RiskTargets: checked values, per-year comparison, not-measurable metrics."""

import math

import numpy as np
import pytest
import xarray as xr

from planner import PolicyError
from planner.contracts.risk import STATS
from planner.contracts.targets import RiskTargets, all_hold


def _risk(values: dict[str, dict[str, float]], annual_scale: float = 1.0) -> xr.Dataset:
    metrics = list(values)
    table = [[values[m].get(s, 0.0) for s in STATS] for m in metrics]
    return xr.Dataset(
        {"summary": (("metric", "stat"), np.array(table))},
        coords={"metric": metrics, "stat": list(STATS)},
        attrs={"annual_scale": annual_scale},
    )


def test_energies_are_compared_per_year_and_shortfalls_are_the_gap():
    # a one-week horizon: 20 MWh in the week is 20 x 8760 / 168 = 1,042.86 MWh/yr
    risk = _risk(
        {"unserved_energy": {"p95": 20.0}, "cfe_score": {"p5": 0.655}, "re_share": {"p5": 0.9}},
        annual_scale=8760 / 168,
    )
    targets = RiskTargets(max_unserved_p95=1000.0, min_cfe_p5=0.69, min_re_share_p5=0.8)
    unserved, cfe, re = targets.check(risk)
    assert unserved.value == pytest.approx(20 * 8760 / 168)
    assert unserved.holds is False and unserved.shortfall == pytest.approx(20 * 8760 / 168 - 1000)
    assert cfe.holds is False and cfe.shortfall == pytest.approx(0.69 - 0.655)
    assert re.holds is True and re.shortfall == 0.0
    assert "short by" in cfe.text() and not all_hold([unserved, cfe, re])
    assert all_hold([re])


def test_a_metric_the_risk_lacks_is_not_measurable_not_met():
    risk = _risk({"unserved_energy": {"p95": 0.0}})
    (check,) = RiskTargets(max_unmet_demand_p95=10.0).check(risk)
    assert check.holds is None and math.isnan(check.value)
    assert "unmet_demand" in check.text() and "not measurable" in check.text()
    assert all_hold([check])  # it cannot block a plan, but it is said
    assert RiskTargets().check(risk) == []  # every target off


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("max_unserved_p95", -1.0, "greater than or equal to 0"),
        ("min_cfe_p5", 1.2, "less than or equal to 1"),
        ("min_re_share_p5", float("nan"), "finite"),
        ("max_unserved", 5.0, "unknown target"),
    ],
)
def test_bad_targets_name_field_value_and_rule(field, value, rule):
    with pytest.raises(PolicyError) as err:
        RiskTargets(**{field: value})
    assert field in str(err.value) and repr(value) in str(err.value) and rule in str(err.value)
