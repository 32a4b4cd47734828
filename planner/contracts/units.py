"""Units as data: read a variable's `attrs["units"]`, convert what converts, name what does not.

A unit is a product of tokens over a product of tokens, written as the contracts
write them: `JPY/MW/yr`, `tCO2/MWh`, `JPY/Gbps/km`, `1`. Each known token is a
scale of one base token (`kW` is 1e-3 `MW`), so two units convert exactly when
their base tokens agree, by the ratio of the scales. Nothing else is guessed: a
currency other than JPY (`USD`) or an unknown token converts only to itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import xarray as xr

# token -> (base token, scale): 1 token = scale x base; base None: dimensionless
TOKENS: dict[str, tuple[str | None, float]] = {
    # dimensionless (the contracts write 1 for fractions, - for ratios and labels)
    "1": (None, 1.0),
    "-": (None, 1.0),
    "dimensionless": (None, 1.0),
    "%": (None, 0.01),
    "percent": (None, 0.01),
    # power and energy
    "W": ("MW", 1e-6),
    "kW": ("MW", 1e-3),
    "MW": ("MW", 1.0),
    "GW": ("MW", 1e3),
    "Wh": ("MWh", 1e-6),
    "kWh": ("MWh", 1e-3),
    "MWh": ("MWh", 1.0),
    "GWh": ("MWh", 1e3),
    "TWh": ("MWh", 1e6),
    # emissions
    "gCO2": ("tCO2", 1e-6),
    "kgCO2": ("tCO2", 1e-3),
    "tCO2": ("tCO2", 1.0),
    "ktCO2": ("tCO2", 1e3),
    "MtCO2": ("tCO2", 1e6),
    # money: JPY only (an exchange rate is a modelling choice, not a unit conversion)
    "JPY": ("JPY", 1.0),
    "yen": ("JPY", 1.0),
    # distance, data rate, latency, durations, angles
    "m": ("km", 1e-3),
    "km": ("km", 1.0),
    "Mbps": ("Gbps", 1e-3),
    "Gbps": ("Gbps", 1.0),
    "Tbps": ("Gbps", 1e3),
    "us": ("ms", 1e-3),
    "ms": ("ms", 1.0),
    "s": ("ms", 1e3),
    "h": ("h", 1.0),
    "hour": ("h", 1.0),
    "hours": ("h", 1.0),
    "yr": ("yr", 1.0),
    "year": ("yr", 1.0),
    "years": ("yr", 1.0),
    "degree": ("degree", 1.0),
    "degrees": ("degree", 1.0),
    "deg": ("degree", 1.0),
    "degrees_north": ("degree", 1.0),  # CF conventions
    "degrees_east": ("degree", 1.0),
}
_PRODUCT = re.compile(r"[*·. ]+")


def _parse(unit: str) -> tuple[dict[str, int], float] | None:
    """Base token -> power and the scale of `unit`, or None if a token is unknown."""
    powers: dict[str, int] = {}
    scale = 1.0
    parts = [p.strip() for p in unit.strip().split("/")]
    if not parts[0] and len(parts) == 1:
        return {}, 1.0  # "" reads as dimensionless
    for i, part in enumerate(parts):
        sign = 1 if i == 0 else -1
        for token in filter(None, _PRODUCT.split(part)):
            if token not in TOKENS:
                return None
            base, factor = TOKENS[token]
            scale *= factor**sign
            if base is not None:
                powers[base] = powers.get(base, 0) + sign
    return {b: p for b, p in powers.items() if p}, scale


def conversion(given: str, expected: str) -> float | None:
    """The factor f with value in `expected` = f x value in `given`; None if none is exact.

    E.g. conversion("JPY/kWh", "JPY/MWh") == 1000.0, conversion("USD/kW", "JPY/MW") is None.
    """
    if given == expected:
        return 1.0
    a, b = _parse(given), _parse(expected)
    if a is None or b is None or a[0] != b[0]:
        return None
    return a[1] / b[1]


def check_units(
    ds: xr.Dataset, schema: Iterable, source: str = ""
) -> tuple[xr.Dataset, list[str], list[str]]:
    """`ds` with every schema variable in its contract units, the problems and the notes.

    A variable without a `units` attr is taken to be in the contract's units. One
    with units that convert exactly is scaled, its attrs set to the contract's
    units and `units_converted_from`; a note says so. The rest are problems naming
    the variable, the given and the expected unit. `source` prefixes each line.
    """
    out = ds.copy()
    problems: list[str] = []
    notes: list[str] = []
    where = f"{source}: " if source else ""
    for var in schema:
        if var.name not in ds:
            continue
        da = ds[var.name]
        given = da.attrs.get("units")
        if given is None or given == var.units:
            continue
        if not isinstance(given, str):
            problems.append(
                f"{where}{var.name}: units attr {given!r} is not text (rule: units as a string, "
                f"the contract says {var.units!r})"
            )
            continue
        factor = conversion(given, var.units)
        if factor is None:
            problems.append(
                f"{where}{var.name}: units {given!r}, the contract says {var.units!r} (rule: the "
                "contract's units or ones that convert to them exactly, e.g. kW, kWh, %; no "
                "currency other than JPY)"
            )
            continue
        if factor != 1.0 and not np.issubdtype(da.dtype, np.number):
            continue  # not numbers: the value checks report the dtype
        converted = da * factor if factor != 1.0 else da.copy()
        converted.attrs = {**da.attrs, "units": var.units, "units_converted_from": given}
        out[var.name] = converted
        notes.append(
            f"{where}{var.name}: converted from {given} to {var.units} (values x {factor:g})"
        )
    return out, problems, notes
