"""Markdown pieces every section of the benchmark report uses: numbers, tables, images, notes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

# A column: its header, and the record's key of its cells or how to compute them from the record
Column = tuple[str, str | Callable[[dict], Any]]


def fmt(x, digits: int = 3) -> str:
    """A table cell: floats to `digits` significant digits, None and NaN as '-'."""
    if x is None:
        return "-"
    if isinstance(x, float):
        if x != x:
            return "-"
        return f"{x:.{digits}g}"
    return str(x)


def table(header: list[str], rows: Iterable[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def records_table(columns: Sequence[Column], records: Iterable[dict]) -> str:
    """A table with a row per record and a column per (header, key or reader)."""
    rows = ([read(r) if callable(read) else r.get(read) for _, read in columns] for r in records)
    return table([h for h, _ in columns], rows)


def mib(b) -> str:
    return "-" if b is None else f"{b / 2**20:.0f}"


def img(path: Path | None, report: Path, alt: str) -> str:
    """An image line for a figure (nothing when no figure was drawn), linked relative to the report."""
    if path is None:
        return ""
    return f"\n![{alt}]({path.relative_to(report.parent).as_posix()})\n"


def not_measured(title: str, res: dict) -> str:
    """A section of a suite that recorded nothing: its title and the suite's notes."""
    return f"## {title}\n\nNot measured: " + " ".join(res["notes"]) + "\n"


def skipped(res: dict) -> str:
    """The cases a suite did not run, and its notes."""
    text = ""
    if res.get("skipped"):
        text += (
            "\nNot run (time caps and budget):\n\n"
            + "\n".join(f"- {s['case']}: {s['reason']}" for s in res["skipped"])
            + "\n"
        )
    if res.get("notes"):
        text += "\nNotes:\n\n" + "\n".join(f"- {n}" for n in res["notes"]) + "\n"
    return text
