"""A Scenario as a folder of CSV files (tidy long format), read and written.

Layout:

- `<dim>.csv` for each of site, area, node, gen, backhaul, time: the first
  column is the coordinate (row order is the coordinate order), the other
  columns are the variables with exactly that one dim;
- `<dim1>__<dim2>[__<dim3>].csv` for multi-dim variables, e.g. `site__time.csv`
  with columns `site,time,pue`: one row per coordinate combination;
- `scalars.csv` (optional): columns `name,value`, one row per dimensionless variable;
- `units.json` (optional): variable -> units, for a variable not in the
  contract's units (e.g. `{"grid_price": "JPY/kWh"}`); without it every variable
  is in the contract's units;
- `attrs.json` (optional): dataset attributes.

Labels are text as written (`03` stays `03` in every file). Times are ISO 8601
local times (JST for the Japan data), e.g. `2030-01-01T05:00`. Every problem
of the folder (a misspelled column, a cell that is not a number, a duplicated
or missing row, a label the `<dim>.csv` file does not define) is collected and
raised in one `ScenarioError` naming the file, the line, the column and the value.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from planner.contracts.table import MAX_LISTED
from planner.errors import ScenarioError
from planner.scenario.schema import BY_NAME, DIMS, SCHEMA

OPTIONAL_FILES = ("scalars.csv", "units.json", "attrs.json")
# dims of optional variables (e.g. `day` of time reduction's day_cluster): a file if present
OPTIONAL_DIMS = tuple(dict.fromkeys(d for v in SCHEMA for d in v.dims if d not in DIMS))
LABEL_RULES = ("area_label",)  # variables whose values are labels, read as text


def _file_stem(dims: tuple[str, ...]) -> str:
    return "__".join(dims)


def write_csv_folder(ds: xr.Dataset, folder: Path) -> None:
    """Write `ds` into an existing empty folder in the CSV layout above."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in ds.data_vars:
        dims = BY_NAME[name].dims if name in BY_NAME else ds[name].dims
        groups.setdefault(tuple(dims), []).append(name)
    scalars = groups.pop((), [])
    pd.DataFrame({"name": scalars, "value": [ds[n].item() for n in scalars]}).to_csv(
        folder / "scalars.csv", index=False
    )
    for dim in (*DIMS, *(d for d in OPTIONAL_DIMS if d in ds.dims)):
        names = groups.pop((dim,), [])
        frame = pd.DataFrame({dim: _labels_out(ds[dim].values)})  # positions if no labels
        for n in names:
            frame[n] = ds[n].transpose(dim).values
        frame.to_csv(folder / f"{dim}.csv", index=False)
    for dims, names in groups.items():
        frame = ds[names].transpose(*dims).to_dataframe()[names].reset_index()
        if "time" in frame:
            frame["time"] = _labels_out(frame["time"].values)
        frame.to_csv(folder / f"{_file_stem(dims)}.csv", index=False)
    units = {n: str(ds[n].attrs["units"]) for n in ds.data_vars if "units" in ds[n].attrs}
    (folder / "units.json").write_text(json.dumps(units, indent=2) + "\n")
    attrs = {k: _json_attr_out(v) for k, v in ds.attrs.items()}  # '{"low": 0.7}' -> {"low": 0.7}
    (folder / "attrs.json").write_text(json.dumps(attrs, indent=2, default=str) + "\n")


def _json_attr_out(value):
    """An attr holding JSON text (NetCDF attrs are strings) as the JSON it holds, once."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _json_attr_in(value):
    """attrs.json's tables and lists back to JSON text, as NetCDF attrs hold them."""
    return json.dumps(value) if isinstance(value, dict | list) else value


def _labels_out(values: np.ndarray) -> np.ndarray:
    if np.issubdtype(values.dtype, np.datetime64):
        return pd.DatetimeIndex(values).strftime("%Y-%m-%dT%H:%M").to_numpy()
    return values


def read_csv_folder(folder: Path) -> xr.Dataset:
    """Read a Scenario from a folder in the CSV layout above (raises `ScenarioError`)."""
    missing = [f"{d}.csv" for d in DIMS if not (folder / f"{d}.csv").is_file()]
    if missing:
        raise ScenarioError(
            f"CSV folder {folder}: missing files {missing} (rule: one <dim>.csv per dimension)"
        )
    problems: list[str] = []
    coords: dict[str, pd.Index] = {}
    data: dict[str, tuple] = {}
    origin: dict[str, str] = {}  # variable -> the file that gave it
    optional = [d for d in OPTIONAL_DIMS if (folder / f"{d}.csv").is_file()]
    for dim in (*DIMS, *optional):
        frame = _read_table(folder / f"{dim}.csv", (dim,), problems, first=True)
        if frame is None:
            continue
        labels = _coordinate(folder / f"{dim}.csv", frame, dim, problems)
        if labels is not None:
            coords[dim] = labels
        for col in frame.columns.drop(dim):
            _add(data, origin, problems, col, f"{dim}.csv", ((dim,), frame[col].to_numpy()))
    if problems:  # the other files are read against these labels
        raise ScenarioError(problems)
    for name, value in _read_scalars(folder / "scalars.csv", problems).items():
        _add(data, origin, problems, name, "scalars.csv", ((), value))
    for path in sorted(folder.glob("*.csv")):
        if path.name in OPTIONAL_FILES or path.stem in (*DIMS, *optional):
            continue
        dims = tuple(path.stem.split("__"))
        unlabelled = [d for d in dims if d not in coords]
        if len(dims) < 2 or unlabelled or len(set(dims)) < len(dims):
            problems.append(
                f"{path.name}: not a file of the layout (rule: <dim>.csv, scalars.csv or "
                f"<dim1>__<dim2>[__<dim3>].csv of distinct dims with labels in their "
                f"<dim>.csv, from {list(coords)})"
            )
            continue
        for name, da in _read_multi(path, dims, coords, problems).items():
            _add(data, origin, problems, name, path.name, da)
    units = _read_json(folder / "units.json", problems)
    attrs = {k: _json_attr_in(v) for k, v in _read_json(folder / "attrs.json", problems).items()}
    if not problems:  # else a variable of an unreadable file would be "unknown" too
        problems += _unit_problems(units, data)
    if problems:
        raise ScenarioError(problems)
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    for name, unit in units.items():
        ds[name].attrs["units"] = unit
    return ds


def _add(data, origin, problems, name: str, file: str, value) -> None:
    if name in data:
        problems.append(
            f"{file}: variable {name!r} is given in {origin[name]} too (rule: one file per variable)"
        )
        return
    data[name], origin[name] = value, file


def _read_table(
    path: Path,
    labels: tuple[str, ...],
    problems: list[str],
    first: bool = False,
    strict: bool = False,
) -> pd.DataFrame | None:
    """Labels as text (so `03` stays `03`), the other columns as numbers; None if unusable.

    `labels`: the coordinate columns the file must have (`first`: as its first column).
    A column that is not a contract variable and holds only text stays text unless `strict`.
    """
    try:
        with path.open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), [])
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        problems.append(f"{path.name}: the file is empty (rule: a header row, then the rows)")
        return None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: not a readable CSV file ({exc})")
        return None
    columns = list(frame.columns)
    if first and columns[:1] != list(labels):
        problems.append(
            f"{path.name}: first column is {columns[0]!r}, expected {labels[0]!r} (rule: the "
            f"first column of <dim>.csv holds the {labels[0]} labels)"
        )
        return None
    lacking = [c for c in labels if c not in columns]
    if lacking:
        problems.append(
            f"{path.name}: no column {lacking} (rule: a column per dim of the file name "
            f"{list(labels)}; columns found {columns})"
        )
        return None
    dup = sorted({c for c in header if header.count(c) > 1})
    if dup:
        problems.append(f"{path.name}: repeated columns {dup} (rule: each column once)")
        return None
    for col in columns:
        if col in labels:
            continue
        values = _numbers(path, frame, col, problems, strict)
        if values is not None:
            frame[col] = values
    return frame


def _numbers(path: Path, frame: pd.DataFrame, col: str, problems: list[str], strict: bool):
    """The column as numbers (an empty cell as NaN), text for a label column, None if bad."""
    var = BY_NAME.get(col)
    if var is not None and var.rule in LABEL_RULES:
        return frame[col].to_numpy(dtype=object)
    text = frame[col].str.strip()
    values = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = values.isna() & (text != "") & ~text.str.lower().isin(("nan", "na"))
    if not bad.any():
        return values.to_numpy()
    if var is None and bad.all() and not strict:  # not a contract variable: the user's text
        return frame[col].to_numpy(dtype=object)
    lines = [f"line {i + 2} = {frame[col].iloc[i]!r}" for i in np.flatnonzero(bad)[:MAX_LISTED]]
    more = f" and {int(bad.sum()) - MAX_LISTED} more" if bad.sum() > MAX_LISTED else ""
    problems.append(
        f"{path.name}: column {col!r} {'; '.join(lines)}{more}: not a number "
        "(rule: numbers, an empty cell for a missing value)"
    )
    return None


def _labels(
    path: Path, frame: pd.DataFrame, dim: str, problems: list[str], as_time: bool | None = None
) -> pd.Index | None:
    """The dim's column as labels: datetimes for time (`as_time`), else text as written."""
    as_time = dim == "time" if as_time is None else as_time
    text = frame[dim].str.strip() if as_time else frame[dim]
    empty = np.flatnonzero((text == "").to_numpy())
    if empty.size:
        problems.append(f"{path.name}: column {dim!r} line {empty[0] + 2} is empty (rule: a label)")
        return None
    if not as_time:
        return pd.Index(text.to_numpy(dtype=object), name=dim)
    times = pd.to_datetime(text, format="ISO8601", errors="coerce")
    bad = np.flatnonzero(times.isna().to_numpy())
    if bad.size:
        problems.append(
            f"{path.name}: column 'time' line {bad[0] + 2} = {text.iloc[bad[0]]!r}: not a time "
            "(rule: ISO 8601, e.g. 2030-01-01T05:00)"
        )
        return None
    return pd.Index(times, name=dim)


def _coordinate(path: Path, frame: pd.DataFrame, dim: str, problems: list[str]) -> pd.Index | None:
    """The labels of `<dim>.csv`; None for an optional dim written as positions 0, 1, ..."""
    as_time = None
    if dim in OPTIONAL_DIMS:
        text = frame[dim].str.strip()
        if text.tolist() == [str(i) for i in range(len(text))]:
            return None  # the dim had no labels: positions
        as_time = bool(pd.to_datetime(text, format="ISO8601", errors="coerce").notna().all())
    labels = _labels(path, frame, dim, problems, as_time)
    if labels is None:
        return pd.Index([], name=dim)
    if labels.has_duplicates:
        dup = [str(x) for x in labels[labels.duplicated()].unique()[:MAX_LISTED]]
        problems.append(f"{path.name}: repeated {dim} labels {dup} (rule: one row per {dim})")
    return labels


def _read_scalars(path: Path, problems: list[str]) -> dict[str, float]:
    if not path.is_file():
        return {}
    before = len(problems)
    frame = _read_table(path, ("name",), problems, strict=True)
    if frame is not None and list(frame.columns) != ["name", "value"]:
        problems.append(f"{path.name}: columns {list(frame.columns)}, expected ['name', 'value']")
    if frame is None or len(problems) > before:
        return {}
    names = frame["name"]
    if names.duplicated().any():
        dup = sorted(set(names[names.duplicated()]))[:MAX_LISTED]
        problems.append(f"{path.name}: repeated names {dup} (rule: one row per variable)")
        return {}
    return {str(n): float(v) for n, v in zip(names, frame["value"], strict=True)}


def _read_multi(
    path: Path, dims: tuple[str, ...], coords: dict[str, pd.Index], problems: list[str]
) -> dict[str, tuple]:
    """The variables of a `<dim1>__<dim2>.csv` file, each on the full grid of `coords`."""
    frame = _read_table(path, dims, problems)
    if frame is None:
        return {}
    before = len(problems)
    index = {d: _labels(path, frame, d, problems) for d in dims}
    if len(problems) > before:
        return {}
    for dim, labels in index.items():
        unknown = ~labels.isin(coords[dim])
        if unknown.any():
            first = [str(x) for x in pd.unique(labels[unknown])[:MAX_LISTED]]
            problems.append(
                f"{path.name}: {dim} {first} not in {dim}.csv (rule: every label is defined "
                f"there), first at line {int(np.argmax(unknown)) + 2}"
            )
    if len(problems) > before:
        return {}
    rows = pd.MultiIndex.from_arrays(list(index.values()), names=list(dims))
    if rows.has_duplicates:
        i = int(np.argmax(rows.duplicated()))
        problems.append(
            f"{path.name}: line {i + 2} repeats ({', '.join(map(str, rows[i]))}) for "
            f"({', '.join(dims)}) (rule: one row per combination)"
        )
        return {}
    full = pd.MultiIndex.from_product([coords[d] for d in dims], names=list(dims))
    if len(rows) < len(full):
        absent = full[~full.isin(rows)]
        first = ", ".join(map(str, absent[0]))
        problems.append(
            f"{path.name}: {len(absent)} ({', '.join(dims)}) combinations have no row, e.g. "
            f"({first}) (rule: one row per combination of the labels in {', '.join(dims)}.csv)"
        )
        return {}
    values = frame.drop(columns=list(dims)).set_index(rows).reindex(full)
    shape = tuple(len(coords[d]) for d in dims)
    return {str(c): (dims, values[c].to_numpy().reshape(shape)) for c in values.columns}


def _read_json(path: Path, problems: list[str]) -> dict:
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: not valid JSON ({exc})")
        return {}
    if not isinstance(value, dict):
        problems.append(f"{path.name}: must hold one JSON object, got {type(value).__name__}")
        return {}
    return value


def _unit_problems(units: dict, data: dict) -> list[str]:
    problems = []
    for name, unit in units.items():
        if name not in data:
            problems.append(f"units.json: {name!r} is not a variable of the folder")
        elif not isinstance(unit, str):
            problems.append(f"units.json: {name} = {unit!r} (rule: units as text, e.g. 'JPY/MWh')")
    return problems
