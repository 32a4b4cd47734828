"""The harden report pieces: iterations table and figure, the frontier's marginal costs by hand."""

import pytest

from planner.hardening.report import draw_frontier, frontier_points, frontier_table


def _run(limit_unserved, reached_unserved, cost, cfe_limit=0.69, cfe=0.70, accepted=True):
    return {
        "harden": {
            "targets": {"max_unserved_p95": limit_unserved, "min_cfe_p5": cfe_limit},
            "accepted": accepted,
            "objective_JPY_per_yr": cost,
            "final_value": {"max_unserved_p95": reached_unserved, "min_cfe_p5": cfe},
            "iterations": [{}, {}],
            "verdict": "",
        }
    }


def test_the_frontier_prices_each_step_of_unserved_energy_avoided():
    runs = [
        _run(1e5, 80_000.0, 10e9),
        _run(1e3, 900.0, 10.5e9),  # 79,100 MWh/yr avoided for 0.5 bn: 6,321 JPY/MWh
        _run(1e2, 50.0, 11.0e9, accepted=False),  # 850 MWh/yr avoided for 0.5 bn: 588,235
        {"risk": {}},  # a run without harden is left out
    ]
    assert len(frontier_points(runs)) == 3
    text = "\n".join(frontier_table(runs))
    assert f"{0.5e9 / 79_100:,.0f}" in text and f"{0.5e9 / 850:,.0f}" in text
    assert "**no**" in text  # the run that missed its target says so
    assert "Cost of reliability: min_cfe_p5" not in text  # not swept: one limit only
    assert "(min_cfe_p5 = 69.0%)" in text  # the other target, held fixed along the frontier
    assert draw_frontier(runs) is not None


def test_cfe_steps_are_priced_per_point():
    runs = [
        _run(1e3, 0.0, 10e9, cfe_limit=0.69, cfe=0.70),
        _run(1e3, 0.0, 12e9, cfe_limit=0.79, cfe=0.80),  # 10 points for 2 bn: 200 M JPY per point
    ]
    text = "\n".join(frontier_table(runs))
    assert text.splitlines()[-1].endswith("| 80.0% | 200 |")  # the tighter run: 2 bn / 10 points
    assert draw_frontier([runs[0]]) is None  # nothing swept


@pytest.fixture(scope="module")
def history():
    import planner

    scn = planner.validate(planner.load_scenario("toy"))
    red = planner.reduce_time(scn, n_days=3)
    _, hist = planner.harden(
        scn,
        {"cfe_target": 0.7, "reserve_margin": 0.0},
        {"max_unmet_demand_p95": 100.0},
        n_futures=32,
        max_iterations=2,
        reduced=red,
    )
    return hist


def test_the_iterations_table_has_a_row_per_plan_and_the_verdict(history, tmp_path):
    from planner.hardening.report import iterations_table, write_harden_report

    lines = iterations_table(history)
    rows = [line for line in lines if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == history.sizes["iteration"]
    assert "✗" in rows[0]  # the first plan misses
    assert any(line.startswith("**Verdict.**") for line in lines)
    summary = write_harden_report(tmp_path, history)
    assert (tmp_path / "figures" / "harden_iterations.png").stat().st_size > 0
    assert "harden_iterations.png" in (tmp_path / "harden.md").read_text()
    assert summary["iterations"][0]["value"]["max_unmet_demand_p95"] > 100.0
    assert summary["accepted"] == bool(history.attrs["accepted"])
