"""Reader of the TSOs' area supply-demand files (エリア需給実績): hourly MW per area and fuel.

Reads the OCCTO-standard 30-minute monthly files (`eria_jukyu_YYYYMM_AA.csv`) and the older
hourly formats of each utility (Hokkaido, Tohoku, Chubu, Hokuriku, Kansai, Chugoku, Shikoku,
Kyushu, TEPCO's 万kWh file). Columns are found by name, never by position; 30-minute slots are
averaged to the hour; every value is an average power in MW over the hour beginning at `time`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planner.datasets.rawcsv import MISSING, DataError, normalise, read_rows

AREAS = (
    "hokkaido",
    "tohoku",
    "tokyo",
    "chubu",
    "hokuriku",
    "kansai",
    "chugoku",
    "shikoku",
    "kyushu",
    "okinawa",
)
# OCCTO area code (the AA of eria_jukyu_YYYYMM_AA.csv)
AREA_CODE = {f"{i + 1:02d}": area for i, area in enumerate(AREAS)}
VARIABLES = {
    "demand": "area demand (sent-out)",
    "nuclear": "nuclear output",
    "thermal": "thermal output, all fuels (the sum of lng, coal, oil, thermal_other where split)",
    "lng": "thermal output, LNG",
    "coal": "thermal output, coal",
    "oil": "thermal output, oil",
    "thermal_other": "thermal output, other fuels",
    "hydro": "hydro output (excluding pumped storage)",
    "geothermal": "geothermal output",
    "biomass": "biomass output",
    "solar": "solar output, net of curtailment, excluding behind-the-meter self-consumption",
    "solar_curtailment": "solar output curtailed by the TSO",
    "wind": "wind output, net of curtailment",
    "wind_curtailment": "wind output curtailed by the TSO",
    "pumped_storage": "pumped-storage output (negative when pumping)",
    "battery": "grid battery output (negative when charging)",
    "interconnector": "net import over the interconnectors",
    "other": "other supply",
    "total": "total supply",
}
_SUB_LABELS = {"実績": "", "抑制量": "_curtailment", "制御量": "_curtailment"}
_SUB_LABELS["出力制御量"] = "_curtailment"
_DATE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$|^(\d{4})(\d{2})(\d{2})$")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::\d{2})?時?$")


def _strip_units(label: str) -> str:
    label = re.sub(r"〔[^〕]*〕|\[[^\]]*\]|\((?:MWh|MW|万kWh|万kW)\)", "", normalise(label))
    return label.replace("MWh", "")


def variable_of(label: str) -> str | None:
    """The dataset variable of a (leaf) column label, or None for a column we do not read."""
    name = _strip_units(label)
    suffix = ""
    for sub, tail in sorted(_SUB_LABELS.items(), key=lambda kv: -len(kv[0])):
        for form in (f"({sub})", sub):  # 太陽光(実績), 太陽光発電実績, 太陽光出力制御量
            if name.endswith(form) and name != form:
                name, suffix = name[: -len(form)], tail
                break
        else:
            continue
        break
    fuels = {"LNG": "lng", "石炭": "coal", "石油": "oil", "その他": "thermal_other"}
    if name.startswith("火力"):
        rest = name[2:].strip("()")
        if rest in ("", "等"):
            return "thermal" + suffix
        return fuels.get(rest, None) if not suffix else "thermal_curtailment"
    table = {
        "原子力": "nuclear",
        "水力": "hydro",
        "地熱": "geothermal",
        "バイオマス": "biomass",
        "太陽光": "solar",
        "太陽光発電": "solar",
        "風力": "wind",
        "風力発電": "wind",
        "揚水": "pumped_storage",
        "揚水等": "pumped_storage",
        "蓄電池": "battery",
        "連系線": "interconnector",
        "連系線潮流": "interconnector",
        "その他": "other",
        "合計": "total",
        "供給力合計": "total",
    }
    if name.endswith("需要") or name == "需要":
        return "demand" if not suffix else None
    base = table.get(name)
    return None if base is None else base + suffix


def _is_date(cell: str) -> bool:
    return bool(_DATE.match(cell.split(" ")[0]))


def _header(rows: list[list[str]], path: Path) -> tuple[int, int]:
    """(index of the row holding DATE/月日, index of the first data row)."""
    heads = ("DATE", "DATE_TIME", "月日")
    h = next((i for i, r in enumerate(rows) if r and normalise(r[0]).upper() in heads), None)
    if h is None:
        raise DataError(f"{path}: no header row starting with DATE, DATE_TIME or 月日")
    for r in range(h + 1, len(rows)):
        if any(_is_date(c) for c in rows[r][:1]):
            return h, r
    raise DataError(f"{path}: header at row {h + 1} but no dated data row after it")


def _labels(rows: list[list[str]], h: int, start: int) -> list[str]:
    """One label per column from the header block (rows h-1 .. start-1).

    The leaf is the lowest non-empty header cell; a leaf such as 実績 or 抑制量 takes its
    parent from the cells above it or, where those are blank, from the nearest one to the left.
    """
    block = rows[max(h - 1, 0) : start]
    width = max(len(r) for r in block)
    grid = [r + [""] * (width - len(r)) for r in block]
    labels = []
    for j in range(width):
        # a cell that is only a unit (Hokuriku's second header row of MWh) is no label
        cells = [grid[i][j] for i in range(len(grid)) if _strip_units(grid[i][j])]
        leaf = cells[-1] if cells else ""
        if normalise(_strip_units(leaf)) in _SUB_LABELS:
            parents = [c for c in cells[:-1] if variable_of(c)]
            if not parents:  # a spanning label sits in a column to the left
                for i in range(len(grid) - 1, -1, -1):
                    left = [grid[i][k] for k in range(j - 1, -1, -1) if grid[i][k]]
                    if left and variable_of(left[0]) and i < len(grid) - 1:
                        parents = [left[0]]
                        break
            leaf = (parents[-1] if parents else "") + normalise(_strip_units(leaf))
        labels.append(leaf)
    return labels


def _unit_factor(rows: list[list[str]], start: int, path: Path) -> float:
    text = normalise(" ".join(c for r in rows[:start] for c in r))
    if "万kW" in text:
        return 10.0  # 万kW or 万kWh an hour = 10 MW
    if "MW" in text:
        return 1.0
    raise DataError(f"{path}: no unit (MW, MWh, 万kW, 万kWh) in the header rows 1-{start}")


def _timestamps(date: pd.Series, time: pd.Series, path: Path, first_row: int) -> pd.DatetimeIndex:
    """Slot-beginning timestamps: dates forward-filled (Hokkaido), end labels shifted back."""
    if time is None:  # DATE_TIME in one column
        stamp = date.str.split(" ", n=1)
        date, time = stamp.str[0], stamp.str[1].fillna("")
    date = date.replace("", np.nan).ffill()
    minutes = []
    for i, t in enumerate(time):
        m = _TIME.match(normalise(t).replace("時", "時"))
        if not m:
            raise DataError(f"{path}: row {first_row + i}, column 'TIME': cannot read {t!r}")
        minutes.append(int(m.group(1)) * 60 + int(m.group(2) or 0))
    minutes = np.asarray(minutes)
    days = []
    for i, d in enumerate(date):
        m = _DATE.match(str(d))
        if not m:
            raise DataError(f"{path}: row {first_row + i}, column 'DATE': cannot read {d!r}")
        g = [x for x in m.groups() if x is not None]
        days.append(f"{g[0]}-{int(g[1]):02d}-{int(g[2]):02d}")
    step = np.diff(np.unique(minutes)).min() if len(np.unique(minutes)) > 1 else 60
    if minutes.min() > 0:  # labelled by slot end (Kyushu: 0:30 .. 24:00)
        minutes = minutes - step
    return pd.DatetimeIndex(pd.to_datetime(days)) + pd.to_timedelta(minutes, unit="min")


def area_of(path: Path, rows: list[list[str]]) -> str:
    """The area of a file: OCCTO code in the name, else the folder name, else the header."""
    m = re.search(r"eria_jukyu_\d{6}_(\d{2})", path.name)
    if m and m.group(1) in AREA_CODE:
        return AREA_CODE[m.group(1)]
    for part in reversed(path.parts[:-1]):
        if part.lower() in AREAS:
            return part.lower()
    head = normalise(" ".join(c for r in rows[:10] for c in r))
    if "東京エリア" in head:
        return "tokyo"
    raise DataError(f"{path}: cannot tell the area from the name, folder or header; pass area=")


def read_file(path: Path) -> pd.DataFrame:
    """One area file as an hourly frame (time x variable, MW)."""
    path = Path(path)
    rows = read_rows(path)
    h, start = _header(rows, path)
    labels = _labels(rows, h, start)
    factor = _unit_factor(rows, start, path)
    width = len(labels)
    body = pd.DataFrame([r + [""] * (width - len(r)) for r in rows[start:]]).iloc[:, :width]
    body.columns = range(width)
    line = pd.Series(np.arange(start + 1, start + 1 + len(body)))
    columns = {j: variable_of(lab) for j, lab in enumerate(labels)}
    columns = {j: v for j, v in columns.items() if v is not None}
    if "demand" not in columns.values():
        raise DataError(f"{path}: no demand column (エリア需要) among {labels}")
    values = body[list(columns)].map(lambda c: c.replace(",", ""))
    empty = values.isin(MISSING)
    footer = body[0].map(normalise).str.startswith("合計")  # Shikoku's annual total row
    keep = ~empty.all(axis=1) & ~footer  # padding rows (blank month ends, Shikoku's 2024)
    values, body, line, empty = values[keep], body[keep], line[keep.to_numpy()], empty[keep]
    numbers = values.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() & ~empty
    if bad.any().any():
        i, j = np.argwhere(bad.to_numpy())[0]
        col = bad.columns[j]
        raise DataError(
            f"{path}: row {line.iloc[i]}, column {labels[col]!r}: "
            f"cannot read {values.iloc[i, j]!r} as a number"
        )
    one_column = normalise(labels[0]).upper() == "DATE_TIME"
    stamps = _timestamps(
        body[0].reset_index(drop=True),
        None if one_column else body[1].reset_index(drop=True),
        path,
        start + 1,
    )
    frame = numbers.set_axis([columns[j] for j in numbers.columns], axis=1) * factor
    frame = frame.T.groupby(level=0).sum(min_count=1).T  # a label read twice is summed
    frame.index = stamps
    hourly = frame.groupby(frame.index.floor("h")).mean()
    hourly.index.name = "time"
    return hourly


def _expand(paths: Iterable[Path] | Path) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.suffix.lower() in (".csv", ".txt"))
        else:
            out.append(p)
    return out


def read_area_balance(paths: Iterable[Path] | Path, area: str | None = None) -> xr.Dataset:
    """Hourly area balances (area, time) in MW from TSO files or folders of them.

    `area` forces the area of every file; otherwise it is taken from the OCCTO code in the
    name, the folder name (`.../kyushu/...`) or the header. A timestamp read twice for an area
    (overlapping files) keeps the later file's value. Fuel splits (lng, coal, oil,
    thermal_other) are NaN where a format gives thermal only; `thermal` is always the total.
    """
    frames: dict[str, list[pd.DataFrame]] = {}
    files = _expand(paths)
    if not files:
        raise DataError(f"no .csv or .txt files in {paths}")
    for path in files:
        rows = read_rows(path)
        frames.setdefault(area or area_of(path, rows), []).append(read_file(path))
    per_area = {}
    for name, parts in frames.items():
        df = pd.concat(parts)
        df = df[~df.index.duplicated(keep="last")].sort_index()
        split = [c for c in ("lng", "coal", "oil", "thermal_other") if c in df]
        if split:
            summed = df[split].sum(axis=1, min_count=1)
            df["thermal"] = df["thermal"].fillna(summed) if "thermal" in df else summed
        per_area[name] = df
    order = [a for a in AREAS if a in per_area] + sorted(set(per_area) - set(AREAS))
    ds = xr.concat(
        [xr.Dataset.from_dataframe(per_area[a]) for a in order], dim="area", join="outer"
    ).assign_coords(area=order)
    for name in ds.data_vars:
        ds[name].attrs = {"units": "MW", "description": VARIABLES.get(name, name)}
    ds.attrs["description"] = "hourly average power per TSO area (hour-beginning, JST)"
    return ds[[v for v in VARIABLES if v in ds] + [v for v in ds.data_vars if v not in VARIABLES]]


__all__ = ["AREAS", "VARIABLES", "area_of", "read_area_balance", "read_file", "variable_of"]
