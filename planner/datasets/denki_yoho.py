"""Reader for the TSOs' daily でんき予報 (electricity forecast) files.

One file per area and day, e.g. `juyo/tok/2023/20230101_power_usage.csv` (UTF-8
or cp932). Among several blocks (peak supply, forecasts, tomorrow's outlook) two
are data: the hourly block headed `DATE,TIME,当日実績(万kW),...` and the
5-minute block headed `DATE,TIME,当日実績(５分間隔値)(万kW),太陽光発電実績(...)`. Values
are in 万kW (x10 = MW). Hourly demand is the hourly block's actual; solar is the
5-minute block averaged to the hour (hour-beginning labels, as the files use).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planner.datasets.rawcsv import DataError, normalise, number, read_rows

MAN_KW = 10.0  # 1 万kW = 10 MW
AREAS = {"tok": "tokyo", "oki": "okinawa"}  # folder names of the files -> grid areas
_HOURLY = "当日実績(万kW)"
_FIVE_MIN = "当日実績(5分間隔値)(万kW)"
_SOLAR = "太陽光発電実績"  # (５分間隔値)(万kW) in Tokyo's files, (5分間値)(万kW) in Okinawa's


def _block(rows: list[list[str]], first_label: str, path: Path) -> tuple[int, list[str]]:
    """(row index of the header whose third cell is `first_label`, its labels)."""
    for i, row in enumerate(rows):
        labels = [normalise(c) for c in row]
        if len(labels) > 2 and labels[0] == "DATE" and labels[2] == normalise(first_label):
            return i, labels
    raise DataError(f"{path}: no block headed DATE,TIME,{first_label}")


def _values(rows, start: int, labels: list[str], column: str, path: Path) -> pd.Series:
    """One column of a block as MW, indexed by time, read until the first non-dated row."""
    j = next((k for k, label in enumerate(labels) if label.startswith(normalise(column))), None)
    if j is None:
        raise DataError(f"{path}: row {start + 1}: no column {column!r} among {labels}")
    times, values = [], []
    for i in range(start + 1, len(rows)):
        row = rows[i]
        if len(row) <= j or not row[0][:1].isdigit():
            break
        try:
            times.append(pd.Timestamp(f"{row[0]} {row[1]}"))
        except ValueError:
            raise DataError(f"{path}: row {i + 1}, column 'TIME': cannot read {row[1]!r}") from None
        values.append(number(row[j], path, i + 1, column) * MAN_KW)
    if not times:
        raise DataError(f"{path}: row {start + 2}: the {column} block has no dated rows")
    return pd.Series(values, index=pd.DatetimeIndex(times))


def read_file(path: Path | str) -> pd.DataFrame:
    """One day's hourly `demand` and `solar` (MW) from a でんき予報 file."""
    path = Path(path)
    rows = read_rows(path)
    h, hourly = _block(rows, _HOURLY, path)
    demand = _values(rows, h, hourly, _HOURLY, path)
    f, five = _block(rows, _FIVE_MIN, path)
    solar = _values(rows, f, five, _SOLAR, path)
    solar = solar.resample("1h").mean()
    if len(demand) != 24:
        raise DataError(f"{path}: row {h + 2}: {len(demand)} hourly rows, expected 24")
    return pd.DataFrame({"demand": demand, "solar": solar.reindex(demand.index)})


def read_daily(paths: Iterable[Path | str] | Path | str, area: str | None = None) -> xr.Dataset:
    """Hourly `demand` and `solar` (MW), dims (area, time), from daily でんき予報 files.

    `paths`: files or folders (searched for `*.csv`); the area is named by `area=`
    or by a folder `tok`/`oki` above each file.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(p.rglob("*.csv")) if p.is_dir() else [p]
    if not files:
        raise DataError(f"no .csv files in {list(paths)}")
    by_area: dict[str, list[pd.DataFrame]] = {}
    for path in files:
        name = area or next((AREAS[part] for part in path.parts if part in AREAS), None)
        if name is None:
            raise DataError(f"{path}: cannot tell the area from the folders; pass area=")
        by_area.setdefault(name, []).append(read_file(path))
    frames = {a: pd.concat(f).sort_index() for a, f in by_area.items()}
    time = pd.DatetimeIndex(sorted(set().union(*(f.index for f in frames.values()))))
    data = {
        var: (
            ("area", "time"),
            np.stack([frames[a][var].reindex(time).to_numpy(float) for a in frames]),
            {"units": "MW"},
        )
        for var in ("demand", "solar")
    }
    return xr.Dataset(data, coords={"area": list(frames), "time": time})
