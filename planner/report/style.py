"""Shared look of every figure: colours by technology, number formats, atomic PNG saving.

Figures are built on `matplotlib.figure.Figure` with the Agg canvas, never
through pyplot's global state, so reports can be drawn in worker processes.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")  # no display; before anything imports pyplot

from matplotlib.figure import Figure  # noqa: E402

from planner.io import atomic_write  # noqa: E402

SOURCE_COLOURS = {
    "solar": "#f2b701",
    "wind_onshore": "#3a9ad9",
    "wind_offshore": "#1f4e9c",
    "grid": "#8c8c8c",
    "battery": "#9b59b6",
    "unserved": "#d62728",
    "curtailment": "#f7dc6f",
    "export": "#27ae60",
}
BACKHAUL_COLOURS = {
    "fibre": "#2ca02c",
    "microwave": "#ff7f0e",
    "5g": "#e377c2",
    "6g": "#17becf",
}
FALLBACK = ["#7f7f7f", "#bcbd22", "#8c564b", "#aec7e8", "#98df8a"]
RISK_COLOUR = "#d62728"


def colour(name: str, table: dict[str, str], i: int = 0) -> str:
    """The colour of a technology, or a stable fallback for names we do not know."""
    return table.get(name, FALLBACK[i % len(FALLBACK)])


def label(name: str) -> str:
    """`wind_onshore` -> `Wind onshore`, `5g` -> `5G`."""
    special = {"5g": "5G", "6g": "6G", "it": "IT", "co2": "CO2"}
    if name.lower() in special:
        return special[name.lower()]
    if name.startswith("gen_"):  # cost components per generator type
        return label(name[4:])
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def new_figure(width: float, height: float, layout: str | None = "constrained") -> Figure:
    """A figure on the Agg canvas (no pyplot state)."""
    return Figure(figsize=(width, height), layout=layout)


def save(fig: Figure, path: str | os.PathLike, dpi: int) -> Path:
    """Write `fig` as PNG atomically."""
    return atomic_write(
        path,
        lambda tmp: fig.savefig(tmp, format="png", dpi=dpi, facecolor="white"),
        overwrite=True,
    )


def fmt_number(x: float) -> str:
    """The report's one plain-number format, never an exponent: 471,200 / 4,753 / 12.3 / 0.82.

    Three significant figures below 100 (at least the units digit above it), thousands
    separated by commas; `n/a` for NaN. Units are the caller's: scale first (GWh, bn JPY).
    """
    if x is None or not np.isfinite(x):
        return "n/a"
    a = abs(x)
    if a >= 100 or a == 0:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    if a >= 0.001:
        return f"{x:.3g}"
    return "< 0.001" if x > 0 else "> -0.001"


def fmt_percent(fraction: float) -> str:
    """A score or share (0..1) as the tables show it: 81.6%."""
    return "n/a" if fraction is None or not np.isfinite(fraction) else f"{fraction:.1%}"


def fmt_money(jpy: float) -> str:
    """JPY -> '12.3 bn JPY' / '450 M JPY'."""
    a = abs(jpy)
    if a >= 1e12:
        return f"{jpy / 1e12:,.2f} trn JPY"
    if a >= 1e9:
        return f"{jpy / 1e9:,.1f} bn JPY"
    if a >= 1e6:
        return f"{jpy / 1e6:,.0f} M JPY"
    return f"{jpy:,.0f} JPY"


def fmt_energy(mwh: float) -> str:
    """MWh -> '1.2 TWh' / '35 GWh' / '12 MWh'."""
    a = abs(mwh)
    if a >= 1e6:
        return f"{mwh / 1e6:,.2f} TWh"
    if a >= 1e3:
        return f"{mwh / 1e3:,.1f} GWh"
    return f"{mwh:,.1f} MWh"
