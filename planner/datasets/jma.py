"""Reader of JMA hourly observations (過去の気象データ CSV): temperature and global radiation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planner.datasets.rawcsv import DataError, normalise, number, read_rows

COLUMNS = {"temperature": "気温(℃)", "global_radiation": "全天日射量(MJ/㎡)"}


def read_hourly(path: Path) -> xr.Dataset:
    """Hourly `temperature` (degC) and `global_radiation` (W/m2, hourly mean) of one station.

    JMA's column 時 is the hour ending 1-24; the result is indexed by the hour beginning (JST).
    Radiation is given in MJ/m2 per hour (x 1e6 / 3600 -> W/m2); stations without a
    pyranometer read NaN. Quality marks ( `)` `]` ) are dropped, no-value marks read NaN.
    """
    path = Path(path)
    rows = read_rows(path)
    if len(rows) < 3:
        raise DataError(f"{path}: fewer than 3 rows (two header lines and data expected)")
    labels = [normalise(c) for c in rows[0]]
    where = {}
    for name, label in ({"date": "date", "hour": "時"} | COLUMNS).items():
        if normalise(label) not in labels:
            raise DataError(f"{path}: row 1: no column {label!r}")
        where[name] = labels.index(normalise(label))
    stamps, values = [], {name: [] for name in COLUMNS}
    for i, row in enumerate(rows[2:], start=3):
        if not any(row) or row[where["hour"]] == "時":  # blank or a repeated header line
            continue
        try:
            day = pd.Timestamp(row[where["date"]])
            hour = int(row[where["hour"]])
        except (ValueError, IndexError):
            raise DataError(
                f"{path}: row {i}, column 'date'/'時': cannot read "
                f"{row[where['date']]!r} {row[where['hour']]!r}"
            ) from None
        if not 1 <= hour <= 24:
            raise DataError(f"{path}: row {i}, column '時': hour {hour} outside 1-24")
        stamps.append(day + pd.Timedelta(hours=hour - 1))
        for name in COLUMNS:
            cell = row[where[name]] if where[name] < len(row) else ""
            values[name].append(number(cell, path, i, rows[0][where[name]]))
    time = pd.DatetimeIndex(stamps, name="time")
    keep = ~time.duplicated(keep="last")
    radiation = np.asarray(values["global_radiation"])[keep] * 1e6 / 3600.0
    ds = xr.Dataset(
        {
            "temperature": ("time", np.asarray(values["temperature"])[keep]),
            "global_radiation": ("time", radiation),
        },
        coords={"time": time[keep]},
    ).sortby("time")
    ds["temperature"].attrs = {"units": "degC", "description": "air temperature, JMA hourly"}
    ds["global_radiation"].attrs = {
        "units": "W/m2",
        "description": "global horizontal irradiance, hourly mean (JMA 全天日射量)",
    }
    ds.attrs = {"station": path.stem, "source": "出典：気象庁ホームページ (processed)"}
    return ds


__all__ = ["read_hourly"]
