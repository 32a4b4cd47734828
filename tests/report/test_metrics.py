"""Risk targets in the summary (per year, as RiskTargets checks them) and the watt-bit cost split."""

import pytest

import planner
from planner.report import ReportOptions
from planner.report.experiments import POWER_PREFIXES, backhaul_cost, power_cost
from planner.report.metrics import check_targets


def test_targets_compare_a_week_scaled_to_a_year(study):
    """The toy's 168 h: 20 MWh unserved at p95 is 20 x 8760 / 168 = 1,042.9 MWh/yr, over 1,000."""
    _, _, _, risk = study
    risk = risk.copy(deep=True)
    risk.attrs["annual_scale"] = 8760 / 168
    risk["summary"].loc[{"metric": "unserved_energy", "stat": "p95"}] = 20.0
    risk["summary"].loc[{"metric": "cfe_score", "stat": "p5"}] = 0.81
    out = check_targets(risk, ReportOptions(max_unserved_p95=1000.0, min_cfe_p5=0.8))
    unserved = out["unserved_energy_p95_MWh"]
    assert unserved["value"] == pytest.approx(1042.857, abs=1e-3)
    assert unserved["target_max"] == 1000.0 and unserved["met"] is False
    # a score is not a total: not scaled
    assert out["cfe_score_p5"] == {"value": pytest.approx(0.81), "target_min": 0.8, "met": True}
    # 19 MWh a week is 990.7 MWh/yr: met
    risk["summary"].loc[{"metric": "unserved_energy", "stat": "p95"}] = 19.0
    assert check_targets(risk, ReportOptions())["unserved_energy_p95_MWh"]["met"] is True


def test_a_target_on_a_metric_the_risk_lacks_is_left_out(study):
    _, _, _, risk = study  # the hand-made Risk has no unmet_demand
    out = check_targets(risk, ReportOptions(max_unmet_demand_p95=10.0))
    assert set(out) == {"unserved_energy_p95_MWh"}


# what a toy plan's cost components are in the watt-bit split (every one named here)
POWER = {
    "gen_solar",
    "gen_wind_onshore",
    "ppa_solar",
    "ppa_wind_onshore",
    "ppa_wheeling",
    "battery",
    "backup",
    "grid_connection",
    "grid_wheeling",
    "grid_energy",
    "grid_energy_charge",
    "carbon",
    "export_revenue",
}
BACKHAUL = {"backhaul", "backhaul_latency"}
NEITHER = {"sites", "it", "unserved", "target_shortfall"}


def test_every_cost_component_of_a_toy_plan_is_power_backhaul_or_neither(toy):
    plan = planner.plan(planner.reduce_time(toy, n_days=2), policy={"cfe_target": 0.7})
    components = [str(c) for c in plan["cost"].component.values]
    assert set(components) == POWER | BACKHAUL | NEITHER  # a new component: classify it here
    # one JPY per component, 2^i apart, so the sums say exactly which were counted
    run = {"cost_JPY_per_yr": {c: 2.0**i for i, c in enumerate(components)}}
    counted = round(power_cost(run) * 1e9)
    assert counted == round(sum(2.0**i for i, c in enumerate(components) if c in POWER))
    assert round(backhaul_cost(run) * 1e9) == round(
        sum(2.0**i for i, c in enumerate(components) if c in BACKHAUL)
    )
    assert not any(c.startswith(POWER_PREFIXES) for c in BACKHAUL | NEITHER)
