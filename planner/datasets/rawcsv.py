"""Shared helpers of the raw-file readers (TSO, JEPX, JMA): decoding, labels, numbers, errors."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import numpy as np

from planner.errors import PlannerError

# Cells that mean "no value" in the Japanese files (full-width dash, JMA's "--", blanks)
MISSING = {"", "-", "--", "－", "―", "—", "×", "///", "#"}
# JMA appends a quality mark to a value: ")" quasi-normal, "]" incomplete, "*" estimated
_QUALITY_MARK = re.compile(r"[\)\]\*#]+$")


class DataError(PlannerError, ValueError):
    """A raw data file cannot be read: the message names the file, the row and the column."""


def decode(path: Path) -> str:
    """The text of a raw file: UTF-8 (with or without BOM) first, then cp932 (Shift_JIS)."""
    data = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(f"{path}: neither UTF-8 nor cp932 (Shift_JIS) text")


def read_rows(path: Path) -> list[list[str]]:
    """Every CSV row of a raw file as stripped strings (row i of the list is line i + 1)."""
    text = decode(path)
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def normalise(label: str) -> str:
    """A header label in half-width form without spaces (NFKC: （ＬＮＧ） -> (LNG), ｋW -> kW)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", label))


def number(cell: str, path: Path, row: int, column: str) -> float:
    """A cell as a float (NaN for a no-value mark); DataError naming file, row and column."""
    text = _QUALITY_MARK.sub("", cell.replace(",", "").strip())
    if text in MISSING:
        return np.nan
    try:
        return float(text)
    except ValueError:
        raise DataError(
            f"{path}: row {row}, column {column!r}: cannot read {cell!r} as a number"
        ) from None


__all__ = ["DataError", "MISSING", "decode", "normalise", "number", "read_rows"]
