"""The planner's own exceptions: each names what a planner must fix."""

from __future__ import annotations


class PlannerError(Exception):
    """Base class of every error planner raises on purpose."""


class _ProblemsError(PlannerError, ValueError):
    """A dataset breaks its contract; `problems` lists every broken rule, one line each."""

    subject = "dataset"

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        n = len(self.problems)
        head = "1 problem" if n == 1 else f"{n} problems"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head} in {self.subject}:\n{lines}")

    def __reduce__(self):  # pickle (e.g. from a launcher's worker) rebuilds from the list
        return type(self), (self.problems,)


class ScenarioError(_ProblemsError):
    """A Scenario breaks the data contract; `problems` lists every broken rule."""

    subject = "scenario"


class PlanError(_ProblemsError):
    """A Plan breaks the Plan contract or cannot run in the Monte Carlo; `problems` lists all."""

    subject = "plan"


class RiskError(PlanError):
    """A Risk dataset breaks the Risk contract; `problems` lists every broken rule."""

    subject = "risk"


class PolicyError(PlannerError, ValueError):
    """A policy or option value is outside what the model accepts."""


class SolverError(PlannerError, RuntimeError):
    """The solver failed or returned a status that is not a usable plan."""


class ConfigError(PlannerError, ValueError):
    """A composed configuration has a key, type or value that is not allowed."""


class UncertaintyError(PlannerError, ValueError):
    """An uncertainty setting (a driver's key or value) is not one the Monte Carlo accepts."""


class OutputExistsError(PlannerError, FileExistsError):
    """An output would replace a file or a finished run; planner never overwrites one unasked."""


class ScenarioWarning(UserWarning):
    """A Scenario was accepted after a change a planner should know of (e.g. a unit converted)."""
