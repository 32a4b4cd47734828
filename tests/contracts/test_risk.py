"""validate_risk: one test per rule, on the real Risk of `planner.simulate` on the toy."""

import numpy as np
import pytest

import planner
from planner.contracts.risk import BY_NAME, RISK_SCHEMA, SITE_SCHEMA, STATS, validate_risk


def problems_of(risk) -> list[str]:
    with pytest.raises(planner.RiskError) as err:
        validate_risk(risk)
    return err.value.problems


def test_the_real_risk_of_simulate_passes_and_gets_the_schema_attrs(real_risk):
    out = planner.validate_risk(real_risk)
    for var in (*RISK_SCHEMA, *SITE_SCHEMA):
        assert out[var.name].attrs == {"units": var.units, "description": var.description}
    assert list(out["stat"].values) == list(STATS) == ["mean", "p5", "p50", "p95", "cvar95"]


def test_a_missing_required_metric_is_named_and_an_optional_one_is_not(risk):
    assert problems_of(risk.drop_vars("emissions")) == [
        "emissions: missing (required, dims (future), units tCO2)"
    ]
    validate_risk(risk.drop_vars(["demand_energy", "site_demand_energy", "site_emissions"]))


def test_wrong_dims_of_a_metric_or_its_site_form_are_refused(risk):
    risk["grid_energy"] = risk["site_grid_energy"]
    risk["site_curtailment"] = risk["curtailment"]
    assert problems_of(risk) == [
        "grid_energy: has dims (future, site), the contract says (future)",
        "site_curtailment: has dims (future), the contract says (future, site)",
    ]


def test_nan_is_refused_except_in_the_ratios_of_futures_that_served_nothing(risk):
    risk["re_share"][0] = np.nan
    risk["site_cfe_score"][1, 2] = np.nan
    validate_risk(risk)
    risk["unserved_energy"][2] = np.nan
    (problem,) = problems_of(risk)
    assert problem.startswith("unserved_energy[future=2] = nan: NaN is not allowed")


def test_a_negative_energy_is_refused_but_float32_rounding_is_not(risk):
    risk["curtailment"][0] = -1e-4  # what float32 sums over a year can leave of a zero
    validate_risk(risk)
    risk["site_unserved_energy"][3, 1] = -5.0
    (problem,) = problems_of(risk)
    assert problem.startswith("site_unserved_energy[future=3, site=bravo] = -5.0: must be >= 0")


def test_a_score_above_one_is_refused(risk):
    risk["cfe_score"][1] = 1.5
    (problem,) = problems_of(risk)
    assert problem == "cfe_score[future=1] = 1.5: must lie in [0, 1] (units 1)"


def test_summary_is_required(risk):
    assert problems_of(risk.drop_vars("summary"))[0].startswith("summary: missing (required")


def test_summary_stat_labels_must_be_the_contract_stats(risk):
    bad = risk.assign_coords(stat=["mean", "p5", "p50", "p95", "cvar99"])
    assert problems_of(bad) == [
        "summary: stat labels ['mean', 'p5', 'p50', 'p95', 'cvar99'], "
        "the contract says ['mean', 'p5', 'p50', 'p95', 'cvar95']"
    ]


def test_summary_rows_must_be_known_metrics_and_cover_every_metric(risk):
    labels = [str(m) for m in risk["metric"].values]
    labels[labels.index("emissions")] = "carbon"
    problems = problems_of(risk.assign_coords(metric=labels))
    assert problems == [
        "summary: metric 'carbon' is not a Risk metric",
        "summary: no row for metric 'emissions'",
    ]


def test_summary_worse_must_be_the_schema_direction(risk):
    worse = [str(w) for w in risk["worse"].values]
    i = [str(m) for m in risk["metric"].values].index("re_share")
    assert worse[i] == "low" == BY_NAME["re_share"].worse
    worse[i] = "high"
    assert problems_of(risk.assign_coords(worse=("metric", worse))) == [
        "summary: worse[metric=re_share] = 'high', the contract says 'low'"
    ]


def test_summary_nan_only_in_rows_of_metrics_that_may_be_nan(risk):
    risk["summary"].loc[{"metric": "cfe_score"}] = np.nan
    validate_risk(risk)
    risk["summary"].loc[{"metric": "energy_cost", "stat": "p95"}] = np.nan
    (problem,) = problems_of(risk)
    assert problem.startswith("summary[metric=energy_cost] has NaN: not allowed")


def test_n_futures_attr_must_match_the_future_dim(risk):
    risk.attrs["n_futures"] = 9
    (problem,) = problems_of(risk)
    assert problem == "attrs n_futures = 9: must equal the size of `future` (8)"


def test_every_problem_is_listed_in_one_risk_error(risk):
    risk["battery_cycles"][0] = -2.0
    with pytest.raises(planner.RiskError) as err:
        validate_risk(risk.drop_vars("loss_of_load_hours").assign_attrs(n_futures=1))
    assert len(err.value.problems) == 3
    assert str(err.value).startswith("3 problems in risk:")
    assert isinstance(err.value, planner.PlanError)
    with pytest.raises(planner.RiskError, match="must be an xarray.Dataset"):
        validate_risk(risk["summary"])
