"""Reader of JEPX day-ahead results (`spot_summary_YYYY.csv`): hourly area prices in JPY/MWh."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planner.datasets.rawcsv import DataError, normalise, read_rows

# JEPX area-price column (NFKC, without the unit) -> TSO area; Okinawa has no JEPX price
AREA_COLUMN = {
    "エリアプライス北海道": "hokkaido",
    "エリアプライス東北": "tohoku",
    "エリアプライス東京": "tokyo",
    "エリアプライス中部": "chubu",
    "エリアプライス北陸": "hokuriku",
    "エリアプライス関西": "kansai",
    "エリアプライス中国": "chugoku",
    "エリアプライス四国": "shikoku",
    "エリアプライス九州": "kyushu",
}
SYSTEM = "システムプライス"


def _label(cell: str) -> str:
    return normalise(cell).split("(")[0]


def _read_one(path: Path) -> pd.DataFrame:
    rows = read_rows(path)
    if not rows:
        raise DataError(f"{path}: empty file")
    labels = [_label(c) for c in rows[0]]
    need = {"受渡日": None, "時刻コード": None, SYSTEM: None} | dict.fromkeys(AREA_COLUMN)
    where = {}
    for name in need:
        if name not in labels:
            raise DataError(f"{path}: row 1: no column {name!r} (JEPX spot_summary format)")
        where[name] = labels.index(name)
    body = [r for r in rows[1:] if any(r)]
    frame = pd.DataFrame({n: [r[j] if j < len(r) else "" for r in body] for n, j in where.items()})
    date = pd.to_datetime(frame["受渡日"], format="mixed", errors="coerce")
    slot = pd.to_numeric(frame["時刻コード"], errors="coerce")
    bad_slot = slot.isna() | (slot < 1) | (slot > 50)
    values = frame.drop(columns=["受渡日", "時刻コード"]).apply(pd.to_numeric, errors="coerce")
    for column, bad in [("受渡日", date.isna()), ("時刻コード", bad_slot)] + [
        (c, values[c].isna()) for c in values
    ]:
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            cell = frame[column].iloc[i]
            raise DataError(f"{path}: row {i + 2}, column {column!r}: cannot read {cell!r}")
    stamp = date + pd.to_timedelta((slot - 1) * 30, unit="min")
    prices = values.set_axis(["system"] + [AREA_COLUMN[c] for c in values.columns[1:]], axis=1)
    prices.index = pd.DatetimeIndex(stamp)
    return prices * 1000.0  # JPY/kWh -> JPY/MWh


def read_spot(paths: Iterable[Path] | Path) -> xr.Dataset:
    """Hourly JEPX spot prices: `price` (area, time) and `system_price` (time), JPY/MWh.

    30-minute results are averaged to the hour (hour-beginning JST); `paths` are files or
    folders of `spot_summary_*.csv`.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(p.glob("spot_summary_*.csv")) if p.is_dir() else [p]
    if not files:
        raise DataError(f"no spot_summary_*.csv in {paths}")
    frame = pd.concat([_read_one(f) for f in files])
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    hourly = frame.groupby(frame.index.floor("h")).mean()
    hourly.index.name = "time"
    areas = list(AREA_COLUMN.values())
    price = xr.DataArray(hourly[areas].to_numpy().T, dims=("area", "time"))
    ds = xr.Dataset(
        {
            "price": price.assign_attrs(units="JPY/MWh", description="JEPX day-ahead area price"),
            "system_price": xr.DataArray(hourly["system"].to_numpy(), dims="time").assign_attrs(
                units="JPY/MWh", description="JEPX day-ahead system price"
            ),
        },
        coords={"area": areas, "time": hourly.index},
    )
    ds.attrs["description"] = "JEPX day-ahead spot results, hourly means of 30-minute slots"
    return ds


__all__ = ["AREA_COLUMN", "read_spot"]
