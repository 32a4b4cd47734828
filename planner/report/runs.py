"""The finished runs of a multirun: their summaries, labels and a few accessors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from planner.errors import PlannerError

LABEL_KEYS = ("name", "level")  # a group's choice name stands for all its keys
# what the comparison reads of each run's summary.json
SUMMARY_KEYS = (
    "status",
    "sites_open",
    "capacity",
    "cost_JPY_per_yr",
    "cost_per_MWh_it_JPY",
    "risk",
    "settings",
)


def load_runs(multirun_dir: str | os.PathLike) -> tuple[list[dict[str, Any]], list[Path]]:
    """Summaries of the finished runs under `multirun_dir` (sorted by job number) and unfinished folders."""
    root = Path(multirun_dir)
    if not root.is_dir():
        raise PlannerError(
            f"{root}: not a folder (give the multirun folder that holds the run folders)"
        )
    runs, unfinished = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name == "comparison":
            continue
        summary = folder / "summary.json"
        if summary.is_file():
            data = read_summary(summary)
            data["_dir"] = folder.name
            runs.append(data)
        elif (folder / ".hydra").is_dir():
            unfinished.append(folder)
    runs.sort(key=lambda r: _job_number(r["_dir"]))
    if not runs:
        raise PlannerError(f"{root}: no finished runs (no run folder holds a summary.json)")
    return runs, unfinished


def read_summary(path: Path) -> dict[str, Any]:
    """A run's summary.json as a dict; PlannerError naming the file if it is not one."""
    rule = "rule: the summary.json a finished `planner` run writes; remove or rerun the run"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PlannerError(f"{path}: not valid JSON ({exc}; {rule})") from None
    if not isinstance(data, dict):
        raise PlannerError(f"{path}: holds a {type(data).__name__}, not an object ({rule})")
    missing = [k for k in SUMMARY_KEYS if k not in data]
    if missing:
        raise PlannerError(f"{path}: keys {missing} missing ({rule})")
    return data


def _job_number(name: str) -> tuple[int, str]:
    head = name.split("_", 1)[0]
    return (int(head), name) if head.isdigit() else (10**9, name)


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flat(v, key + "."))
        else:
            out[key] = json.dumps(v) if isinstance(v, list | dict) else v
    return out


def run_labels(runs: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """A short label per run from the settings that vary, and those setting keys."""
    flats = [_flat(r.get("settings", {})) for r in runs]
    keys = sorted({k for f in flats for k in f})
    varying = [k for k in keys if len({str(f.get(k)) for f in flats}) > 1]
    sections = {k.split(".")[0] for k in varying}
    chosen: list[str] = []
    for section in sorted(
        sections, key=lambda s: keys.index(next(k for k in keys if k.startswith(s + ".")))
    ):
        names = [f"{section}.{n}" for n in LABEL_KEYS if f"{section}.{n}" in varying]
        chosen += names or [k for k in varying if k.startswith(section + ".")]
    if not chosen:
        return [r["_dir"] for r in runs], []
    labels = [" / ".join(str(f.get(k)) for k in chosen) for f in flats]
    return labels, chosen


def common_section(runs: list[dict[str, Any]], section: str) -> dict[str, Any]:
    values = [r.get("settings", {}).get(section, {}) for r in runs]
    return values[0] if values and all(v == values[0] for v in values) else {}


def total_cost(r: dict[str, Any]) -> float:
    return float(sum(r["cost_JPY_per_yr"].values()))


def risk_value(r: dict[str, Any], metric: str, stat: str) -> float:
    return float(r.get("risk", {}).get(metric, {}).get(stat, float("nan")))


def unserved_share(r: dict[str, Any]) -> float:
    """Share of the facility energy the plan itself leaves unserved (the LP's modelled year)."""
    energy = r.get("energy_MWh_per_yr", {})
    supplied = sum(v for k, v in energy.items() if k not in ("it_load", "curtailment"))
    return energy.get("unserved", 0.0) / supplied if supplied > 0 else float("nan")
