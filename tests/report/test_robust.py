"""A robust run's report (harden's iterations, figure, verdict) and the reliability frontier."""

import json

import numpy as np
import pytest

import planner
from planner.config import load_settings
from planner.contracts.targets import RiskTargets
from planner.hardening.history import history_dataset, iteration_row
from planner.hardening.report import harden_summary
from planner.io import write_json
from planner.report import ReportOptions, compare_runs, summarize, write_report
from planner.study import report_options
from tests.report.conftest import make_risk


@pytest.fixture
def history(study):
    """Two hand-made iterations: the first misses the CFE target, the second holds it held out."""
    _, _, plan, _ = study
    targets = RiskTargets(max_unserved_p95=1000.0, min_cfe_p5=0.8)
    rows = []
    for it, (cfe_p5, change) in enumerate(((0.75, "first plan on 3 periods"), (0.85, "CFE +5"))):
        risk = make_risk(plan, n_futures=40, seed=it)
        risk["summary"].loc[{"metric": "cfe_score", "stat": "p5"}] = cfe_p5
        checks = targets.check(risk)
        held = risk if it == 1 else None
        p = plan.copy()
        p.attrs["objective"] = 6.82e9 * (1 + 0.1 * it)
        rows.append(
            iteration_row(
                it,
                p,
                risk,
                checks,
                held,
                targets.check(held) if held is not None else None,
                7 if held is not None else None,
                planner.Policy(cfe_target=0.7 + 0.05 * it),
                {},
                change,
                1.0,
            )
        )
    return history_dataset(rows, targets, 1, 40, 40, 0, 7)


def test_a_robust_run_report_has_the_iterations_figure_and_verdict(study, history, tmp_path):
    scenario, reduced, plan, risk = study
    options = ReportOptions(dpi=50, min_cfe_p5=0.8)
    summary = summarize(scenario, plan, risk, options)
    summary["harden"] = harden_summary(history)
    write_report(
        tmp_path, scenario, plan, risk, summary, reduced=reduced, options=options, history=history
    )
    text = (tmp_path / "report.md").read_text()
    section = text.split("## Hardening: plan, stress-test, re-plan")[1].split("## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 2
    assert "| 0 | 6.82 | +0.0% |" in rows[0] and "75.0% ✗" in rows[0]
    assert "| 1 | 7.50 | +10.0% |" in rows[1] and "85.0% ✓ | 85.0% ✓" in rows[1]
    assert "**Verdict.** Accepted at iteration 1" in section
    assert "figures/harden_iterations.png" in section
    assert (tmp_path / "figures" / "harden_iterations.png").stat().st_size > 0
    assert "| Hardening (planner.harden) | accepted after 2 iterations" in text
    page = (tmp_path / "report.html").read_text()
    assert "<h2>Hardening: plan, stress-test, re-plan</h2>" in page


def test_a_plain_run_has_no_hardening_section(study, tmp_path):
    scenario, reduced, plan, risk = study
    summary = summarize(scenario, plan, risk)
    text = write_report(tmp_path, scenario, plan, risk, summary, reduced=reduced).read_text()
    assert "Hardening" not in text
    assert not (tmp_path / "figures" / "harden_iterations.png").exists()


def _frontier_run(folder, study, cfe_limit, cfe_reached, cost, accepted=True):
    """A reliability_frontier run folder: summary.json with its settings and harden section."""
    scenario, _, plan, risk = study
    s = load_settings(
        {
            "scenario": {"name": "toy"},
            "report": {"min_cfe_p5": cfe_limit},
            "experiment": {"name": "reliability_frontier", "question": "What does it cost?"},
        }
    )
    summary = summarize(scenario, plan, risk, report_options(s))
    summary["settings"] = s.model_dump()
    summary["harden"] = {
        "targets": {"max_unserved_p95": 1000.0, "min_cfe_p5": cfe_limit},
        "accepted": accepted,
        "objective_JPY_per_yr": cost,
        "final_value": {"max_unserved_p95": 0.0, "min_cfe_p5": cfe_reached},
        "iterations": [{}, {}],
        "verdict": "",
    }
    write_json(summary, folder / "summary.json")


def test_the_comparison_of_a_frontier_prices_each_step(study, tmp_path):
    _frontier_run(tmp_path / "0", study, 0.65, 0.70, 6.0e9)
    _frontier_run(tmp_path / "1", study, 0.75, 0.76, 6.9e9)  # 6 points for 0.9 bn: 150 M per point
    _frontier_run(tmp_path / "2", study, 0.85, 0.80, 8.1e9, accepted=False)  # 4 for 1.2 bn: 300
    text = compare_runs(tmp_path, dpi=50).read_text()
    section = text.split("## Reliability frontier")[1].split("## Sites opened")[0]
    assert "### Cost of reliability: min_cfe_p5 (max_unserved_p95 = 1.0 GWh)" in section
    assert "| 75.0% | yes | 2 | 6.90 | 76.0% | 150 |" in section
    assert "| 85.0% | **no** | 2 | 8.10 | 80.0% | 300 |" in section
    assert "figures/frontier.png" in section
    assert (tmp_path / "comparison" / "figures" / "frontier.png").stat().st_size > 0
    assert "figures/experiment.png" not in text  # the study has no panels figure


def test_a_frontier_with_nothing_swept_says_so(study, tmp_path):
    _frontier_run(tmp_path / "0", study, 0.65, 0.70, 6.0e9)
    text = compare_runs(tmp_path, dpi=50).read_text()
    assert "no frontier" in text
    assert not (tmp_path / "comparison" / "figures" / "frontier.png").exists()


def test_harden_summary_round_trips_json(history):
    out = json.loads(json.dumps(harden_summary(history)))
    assert out["accepted"] and out["accepted_iteration"] == 1
    assert np.isclose(out["final_value"]["min_cfe_p5"], 0.85)
