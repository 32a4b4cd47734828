"""Atomic, non-clobbering output: write to a temporary sibling, then rename.

An interrupted write never leaves a half file that looks whole, and nothing a
user made is overwritten unless they said so.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

import xarray as xr

from planner.errors import OutputExistsError


def _check_target(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} already exists; pass overwrite=True to replace it")


def _fresh_sibling(path: Path, make: Callable[[Path], None]) -> Path:
    """A new hidden sibling `.<name>.<random>.tmp` made by `make` (which fails if it exists).

    Made with the mode a plain `open`/`mkdir` gives (0666/0777 less the umask), not
    tempfile's 0600/0700, so results are as readable as the run log next to them.
    """
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            make(tmp)
            return tmp
        except FileExistsError:
            continue


def _new_file(tmp: Path) -> None:
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


def atomic_write(
    path: str | os.PathLike, write: Callable[[Path], None], overwrite: bool = False
) -> Path:
    """Call `write(tmp_path)` then rename the temporary file onto `path`."""
    path = Path(path)
    _check_target(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = _fresh_sibling(path, _new_file)
    try:
        write(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def atomic_write_dir(
    path: str | os.PathLike, write: Callable[[Path], None], overwrite: bool = False
) -> Path:
    """Call `write(tmp_dir)` to fill a fresh folder, then rename it onto `path`."""
    path = Path(path)
    _check_target(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _fresh_sibling(path, lambda p: p.mkdir(mode=0o777))
    try:
        write(tmp)
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a Dataset to NetCDF atomically; attrs must be strings, numbers or lists of them."""
    return atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"), overwrite=overwrite)


def write_text(text: str, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write a text file atomically."""
    return atomic_write(
        path, lambda tmp: tmp.write_text(text, encoding="utf-8"), overwrite=overwrite
    )


def write_json(obj, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write JSON atomically (indented, keys in insertion order)."""
    return write_text(json.dumps(obj, indent=2, default=float) + "\n", path, overwrite=overwrite)
