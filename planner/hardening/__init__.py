"""`planner.harden`: re-plan until the Monte Carlo's risk targets hold, checked on held-out futures.

    plan, history = planner.harden(scn, policy, {"max_unserved_p95": 1000}, n_futures=500)

loop.py holds the loop and its levers, stress.py what a failing future looked
like (its causes and worst days), history.py the per-iteration record, report.py
its tables and figures (and the reliability frontier's).
"""

from planner.hardening.loop import HardenResult, harden, harden_run

__all__ = ["HardenResult", "harden", "harden_run"]
