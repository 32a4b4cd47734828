"""The dataset contracts: one schema table per dataset and its validator.

- `table`: the shared row type `Var`, the rule texts, attrs and README tables.
- `plan`: `PLAN_SCHEMA`, `validate_plan`, `plan_from_capacities`.
- `risk`: `RISK_SCHEMA`, `STATS`, `validate_risk`.

The Scenario's table is `planner.scenario.schema.SCHEMA` (same `Var` rows).
"""
