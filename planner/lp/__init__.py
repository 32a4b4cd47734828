"""The planning LP (PuLP; HiGHS or CBC): one module per block, `plan` returns the Plan."""

from planner.lp.model import PlanWarning, build_model, plan
from planner.lp.policy_options import Policy
from planner.lp.results import dispatch_metrics

__all__ = ["Policy", "PlanWarning", "build_model", "dispatch_metrics", "plan"]
