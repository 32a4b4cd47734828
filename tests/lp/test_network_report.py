"""planner.report.network on the hand-solved edge case: the table and the figure."""

from __future__ import annotations

import pytest

import planner
from planner.report.network import achieved, backhaul_table, latency_figure, links
from tests.lp.test_network import edge_case


@pytest.fixture(scope="module")
def solved():
    ds = edge_case(planner.validate(planner.load_scenario("toy")))
    return ds, planner.plan(ds)


def test_table_names_class_and_technology_of_each_link(solved):
    ds, plan = solved
    text = backhaul_table(ds, plan)
    # realtime: 20 % by 5G to alpha, 10 MW x 2 Gbps/MW x 2 x 0.2 = 8 Gbps, 10 km, 0.55 ms
    assert "| city_a | realtime | alpha | 5G | 20.0% | 8.00 | 10.0 | 0.55 | 0.8 |" in text
    # standard: 80 % by fibre to charlie, 16 Gbps, 800 km, 1 + 0.005 x 800 = 5 ms
    assert "| city_a | standard | charlie | Fibre | 80.0% | 16.0 | 800 | 5.00 | 10.0 |" in text
    assert len(text.strip().splitlines()) == 4  # header, rule and the two links


def test_gbps_add_up_to_the_built_backhaul_and_every_class_is_within_budget(solved):
    ds, plan = solved
    table = links(ds, plan)
    assert table["gbps"].sum() == pytest.approx(float(plan["backhaul_capacity"].sum()))
    done = achieved(ds, plan)
    assert (done["worst_ms"] <= done["budget_ms"] + 1e-9).all()
    assert done.set_index("latency_class")["share"].to_dict() == pytest.approx(
        {"realtime": 0.2, "standard": 0.8}
    )


def test_a_plan_without_link_share_is_one_class_by_capacity(solved):
    ds, plan = solved
    old = plan.drop_vars(["link_share", "class_share"])
    table = links(ds.drop_vars(["class_demand_share"]), old)
    assert set(table["latency_class"]) == {"all"}
    assert table["share"].sum() == pytest.approx(1.0)


def test_latency_figure_is_written(solved, tmp_path):
    ds, plan = solved
    path = latency_figure(ds, plan, tmp_path / "latency.png", dpi=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
