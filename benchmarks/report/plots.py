"""What every figure of the benchmark report shares: the Agg backend, plain log ticks, saving."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import (  # noqa: E402
    FixedLocator,
    FuncFormatter,
    LogLocator,
    NullFormatter,
    NullLocator,
)

DPI = 150


def plain_log(ax, axis: str = "both") -> None:
    """Log axes labelled 1, 2, 5, 10, 20, ... (with thousands separators), not 2x10^1."""
    fmt = FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}")
    for name in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if name == "x" else ax.yaxis
        target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        target.set_major_formatter(fmt)
        target.set_minor_formatter(NullFormatter())


def plain_ticks(ax, values, axis: str = "x") -> None:
    """Ticks at the data values with plain labels (log axes otherwise print 2x10^0)."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(FixedLocator(sorted(set(values))))
    target.set_minor_locator(NullLocator())
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def save(fig, path: Path) -> Path:
    """Write `fig` as PNG at `path` (folders made) and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
