"""The schema tables are the one source: README tables, what the LP writes, what mc.metrics makes."""

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import planner
from planner.contracts.plan import BY_NAME as PLAN_BY_NAME
from planner.contracts.plan import PLAN_SCHEMA
from planner.contracts.risk import RISK_SCHEMA, RISK_TABLE, SITE_PREFIX, STATS, SUMMARY
from planner.contracts.table import Var, check_values, markdown_table
from planner.lp import Policy, build_model
from planner.mc.dispatch import PER_FUTURE, State
from planner.mc.metrics import future_metrics, risk_dataset
from planner.scenario import SCHEMA

ROOT = Path(__file__).resolve().parents[2]


def readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"<!-- {marker}")
    return text[text.index("\n", start) + 1 : text.index(f"<!-- /{marker} -->")].strip()


def test_readme_plan_and_risk_tables_are_the_schemas():
    assert readme_block("plan-table") == markdown_table(PLAN_SCHEMA)
    assert readme_block("risk-table") == markdown_table(RISK_TABLE)
    assert "| worse |" in markdown_table(RISK_TABLE).splitlines()[0]


def test_every_variable_the_lp_writes_has_a_row_and_every_row_is_written(solved_plan):
    assert set(solved_plan.data_vars) == {v.name for v in PLAN_SCHEMA}
    for var in PLAN_SCHEMA:
        da = solved_plan[var.name]
        assert da.dims == var.dims, var.name
        assert da.attrs == {"units": var.units, "description": var.description}, var.name


def test_the_lp_blocks_carry_the_schema_dims_and_units(toy_scenario):
    m = build_model(toy_scenario, Policy())
    for name, block in m.blocks.items():
        if name in PLAN_BY_NAME:
            assert block.dims == PLAN_BY_NAME[name].dims, name
            assert block.units == PLAN_BY_NAME[name].units, name
    assert {"it_capacity", "share", "soc", "backhaul_capacity"} <= set(m.blocks)


def test_every_metric_mc_metrics_makes_has_a_row(toy_scenario):
    n_futures, n_sites = 4, toy_scenario.sizes["site"]
    rng = np.random.default_rng(0)
    state = State(
        **{
            field: rng.uniform(1.0, 2.0, n_futures if field in PER_FUTURE else (n_futures, n_sites))
            for field in State._fields
        }
    )
    metrics = future_metrics(state, np.ones(n_sites))
    assert list(metrics) == [v.name for v in RISK_SCHEMA]
    risk = risk_dataset(metrics, list(toy_scenario["site"].values), {"n_futures": n_futures})
    expected = {v.name for v in RISK_SCHEMA} | {SITE_PREFIX + v.name for v in RISK_SCHEMA}
    assert set(risk.data_vars) == expected | {SUMMARY.name}
    assert list(risk["worse"].values) == [v.worse for v in RISK_SCHEMA]
    assert list(risk["metric_units"].values) == [v.units for v in RISK_SCHEMA]
    assert list(risk["stat"].values) == list(STATS)


def test_every_risk_metric_has_a_worse_direction():
    assert all(v.worse in ("high", "low") for v in RISK_SCHEMA)
    assert {v.name for v in RISK_SCHEMA if v.worse == "low"} == {"re_share", "cfe_score"}


def test_the_three_contracts_share_one_row_type():
    assert all(isinstance(v, Var) for v in (*SCHEMA, *PLAN_SCHEMA, *RISK_TABLE))
    assert planner.scenario.schema.markdown_table() == markdown_table(SCHEMA)


def test_a_row_with_an_unknown_rule_or_direction_is_refused():
    with pytest.raises(ValueError, match="unknown rule"):
        Var("x", ("site",), "MW", "nonnegative", "typo in the rule")
    with pytest.raises(ValueError, match="worse"):
        Var("x", ("future",), "MWh", "nonneg", "typo in the direction", worse="up")


def test_a_tolerance_loosens_closed_bounds_only():
    values = xr.DataArray([-1e-7, 0.0, 1.0 + 1e-7], dims="x")
    assert check_values(Var("v", ("x",), "1", "fraction", ""), values, 1e-6) == []
    assert check_values(Var("v", ("x",), "1", "fraction", ""), values) != []
    (problem,) = check_values(Var("w", ("x",), "h", "positive", ""), values, 1e-6)
    assert problem == "w[x=0] = -1e-07; [x=1] = 0.0: must be > 0 (units h)"
