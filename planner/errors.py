"""The planner's own exceptions: each names what a planner must fix."""

from __future__ import annotations


class PlannerError(Exception):
    """Base class of every error planner raises on purpose."""


class ScenarioError(PlannerError, ValueError):
    """A Scenario breaks the data contract; `problems` lists every broken rule."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        n = len(self.problems)
        head = "1 problem" if n == 1 else f"{n} problems"
        super().__init__(f"{head} in scenario:\n" + "\n".join(f"  - {p}" for p in self.problems))


class PolicyError(PlannerError, ValueError):
    """A policy or option value is outside what the model accepts."""


class SolverError(PlannerError, RuntimeError):
    """The solver failed or returned a status that is not a usable plan."""


class ConfigError(PlannerError, ValueError):
    """A composed configuration has a key, type or value that is not allowed."""
