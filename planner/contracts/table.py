"""The row type of every dataset contract (Scenario, Plan, Risk) and what a table drives.

A contract is a tuple of `Var` rows. From it come the attrs (`apply_attrs`), the
README tables (`markdown_table`) and the value checks the validators share
(`check_values`, `check_dims`, `where`), so a new variable is one new row.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

MAX_LISTED = 3  # offending coordinates shown per problem

# rule -> the text shown to the user (README and error messages)
RULES: dict[str, str] = {
    "nonneg": "must be >= 0",
    "positive": "must be > 0",
    "fraction": "must lie in [0, 1]",
    "efficiency": "must lie in (0, 1]",
    "pue": "must be >= 1 (a PUE below 1 would mean IT load makes power)",
    "rate": "must lie in [0, 1)",
    "latitude": "must lie in [-90, 90]",
    "longitude": "must lie in [-180, 180]",
    "area_label": "must name an area in the `area` coordinate",
    "as_metric": "as the metric's",
    "any": "",
}
WORSE = ("high", "low")


@dataclass(frozen=True)
class Var:
    """One dataset variable: its dims, units, value rule and meaning.

    `required`: a validator reports it missing (else it is checked only when present).
    `worse`: for a risk metric, the bad direction ("high" or "low") that CVaR averages.
    `nan_when`: when NaN is allowed (empty: never), e.g. "nothing was served".
    """

    name: str
    dims: tuple[str, ...]
    units: str
    rule: str  # one of RULES
    description: str
    required: bool = True
    worse: str | None = None
    nan_when: str = ""

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"{self.name}: unknown rule {self.rule!r}, expected one of {RULES}")
        if self.worse not in (None, *WORSE):
            raise ValueError(f"{self.name}: worse must be one of {WORSE}, got {self.worse!r}")

    @property
    def rule_text(self) -> str:
        """The rule as the README shows it, with when NaN is allowed."""
        text = RULES[self.rule] or "-"
        return f"{text}; NaN where {self.nan_when}" if self.nan_when else text


def apply_attrs(ds: xr.Dataset, schema: Iterable[Var]) -> xr.Dataset:
    """A copy of `ds` with the `units` and `description` attrs of every schema variable in it."""
    ds = ds.copy()
    for var in schema:
        if var.name in ds:
            ds[var.name].attrs.update(units=var.units, description=var.description)
    return ds


def unit_mismatches(ds: xr.Dataset, schema: Iterable[Var]) -> list[str]:
    """A problem per schema variable of `ds` whose `units` attr is not the contract's.

    Setting the contract's attrs over these would relabel the numbers (kW read as MW);
    `planner.contracts.units.check_units` converts what converts exactly.
    """
    return [
        f"{v.name}: units {ds[v.name].attrs['units']!r}, the contract says {v.units!r} "
        "(rule: values in the contract's units)"
        for v in schema
        if v.name in ds and ds[v.name].attrs.get("units", v.units) != v.units
    ]


def markdown_table(schema: Iterable[Var]) -> str:
    """The schema as a Markdown table (for README and docs); a `worse` column if any row has one."""
    schema = tuple(schema)
    worse = any(v.worse for v in schema)
    head = "| variable | dims | units | rule |" + (" worse |" if worse else "") + " meaning |"
    rows = [head, "|---|---|---|---|" + ("---|" if worse else "") + "---|"]
    for v in schema:
        dims = ", ".join(v.dims) or "-"
        opt = "" if v.required else " (optional)"
        extra = f" {v.worse or '-'} |" if worse else ""
        rows.append(
            f"| `{v.name}`{opt} | {dims} | {v.units} | {v.rule_text} |{extra} {v.description} |"
        )
    return "\n".join(rows)


def dims_text(dims) -> str:
    """Dims as a user reads them: `(site, time)` or `() scalar`."""
    return "(" + ", ".join(dims) + ")" if dims else "() scalar"


def label(value) -> str:
    """A coordinate label as text (datetimes to the minute)."""
    if isinstance(value, np.datetime64):
        return str(pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M"))
    return str(value)


def where(da: xr.DataArray, mask: np.ndarray) -> str:
    """Text naming the first offending coordinates and values of `da` under `mask`."""
    idx = np.argwhere(mask)
    values = np.asarray(da.values)
    parts = []
    for pos in idx[:MAX_LISTED]:
        coord = ", ".join(
            f"{d}={label(da[d].values[i]) if d in da.coords else i}"
            for d, i in zip(da.dims, pos, strict=True)
        )
        value = values[tuple(pos)]
        value = value.item() if hasattr(value, "item") else value
        parts.append(f"[{coord}] = {value!r}" if coord else f"= {value!r}")
    more = f" and {len(idx) - MAX_LISTED} more" if len(idx) > MAX_LISTED else ""
    return "; ".join(parts) + more


def missing_text(var: Var) -> str:
    """The problem of a required variable that is absent."""
    return f"{var.name}: missing (required, dims {dims_text(var.dims)}, units {var.units})"


def check_dims(var: Var, da: xr.DataArray) -> list[str]:
    """[] if `da` has the schema's dims in any order, else the one problem."""
    if set(da.dims) == set(var.dims):
        return []
    return [f"{var.name}: has dims {dims_text(da.dims)}, the contract says {dims_text(var.dims)}"]


def check_values(var: Var, da: xr.DataArray, tolerance: float = 0.0) -> list[str]:
    """NaN, infinity and rule problems of `da`; a closed bound may be missed by `tolerance`."""
    if var.rule in ("area_label", "as_metric"):
        return []
    values = np.asarray(da.values)
    if not np.issubdtype(values.dtype, np.number):
        return [f"{var.name}: values must be numbers, got dtype {values.dtype}"]
    values = values.astype(float)
    nan = np.isnan(values)
    problems = []
    if nan.any() and not var.nan_when:
        problems.append(
            f"{var.name}{where(da, nan)}: NaN is not allowed (rule: every value must be a number)"
        )
    inf = np.isinf(values)
    if inf.any():
        problems.append(
            f"{var.name}{where(da, inf)}: infinity is not allowed (rule: every value must be "
            "a finite number)"
        )
        values = np.where(inf, np.nan, values)  # one problem per value
    low, high = values + tolerance, values - tolerance
    with np.errstate(invalid="ignore"):
        bad = {
            "nonneg": low < 0,
            "positive": values <= 0,  # open bounds take no tolerance
            "fraction": (low < 0) | (high > 1),
            "efficiency": (values <= 0) | (high > 1),
            "pue": low < 1,
            "rate": (low < 0) | (values >= 1),
            "latitude": np.abs(values) - tolerance > 90,
            "longitude": np.abs(values) - tolerance > 180,
            "any": np.zeros_like(values, dtype=bool),
        }[var.rule]
    if bad.any():
        problems.append(f"{var.name}{where(da, bad)}: {RULES[var.rule]} (units {var.units})")
    return problems


def whole_number(name: str, value, low: int, high: int | None, error: type[Exception]) -> int:
    """`value` as an int in [low, high); `error` naming `name` for a fraction (2.5), text or bool.

    A fraction is refused, never truncated: `n_futures=2.5` is a typo, not a request for 2.
    """
    whole = isinstance(value, numbers.Integral) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer()
    )
    if isinstance(value, bool) or not whole:
        raise error(f"{name}={value!r} must be a whole number")
    if value < low or (high is not None and value >= high):
        bound = f"lie in [{low}, {high})" if high is not None else f"be >= {low}"
        raise error(f"{name}={value!r} must {bound}")
    return int(value)
