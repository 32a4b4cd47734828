"""Hydra entry points: `planner` runs one study, `planner-compare DIR` compares a multirun.

The only module that imports Hydra and OmegaConf. It generates the structured
configs from the pydantic models of `planner.config` (the one schema), composes
the config, turns it into `RunSettings` and calls `planner.study.run_study`
with Hydra's run folder.
"""

from __future__ import annotations

import logging
import os
import sys
import types
from collections.abc import Sequence
from dataclasses import field, is_dataclass, make_dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import MISSING, DictConfig, OmegaConf
from pydantic import BaseModel

from planner.config import PolicySettings, RunSettings, load_settings
from planner.errors import OutputExistsError, PlannerError
from planner.mc.devices import configure_devices
from planner.study import check_fresh, run_study

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
log = logging.getLogger("planner")


# ---- structured configs, generated from planner.config ------------------------------------


def _register(cls: type) -> type:
    """Make a generated class importable as `planner.app.<name>` (pickling to sweep workers)."""
    if cls.__name__ in globals():
        raise TypeError(f"two generated config classes named {cls.__name__}")
    cls.__module__, cls.__qualname__ = __name__, cls.__name__
    globals()[cls.__name__] = cls
    return cls


def _hydra_type(ann: Any, name: str, unset: frozenset[type]) -> Any:
    """The OmegaConf type of a pydantic annotation: Literal -> Enum, model -> dataclass."""
    origin, args = get_origin(ann), get_args(ann)
    if origin is Annotated:  # ranges are pydantic's to check
        return _hydra_type(args[0], name, unset)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"{name}: {ann} is a union; OmegaConf 2.3 has only Optional")
        return _hydra_type(inner[0], name, unset) | None
    if origin is Literal:  # member names = values, so enum_to_str gives the value back
        if not all(isinstance(v, str) for v in args):
            raise TypeError(f"{name}: {ann} has choices that are not strings")
        return _register(Enum(name, {v: v for v in args}))
    if origin is list:
        return list[_hydra_type(args[0], name, unset)]
    if origin is dict:
        return dict[args[0], _hydra_type(args[1], name, unset)]
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return dataclass_from_model(ann, unset=unset)
    return ann


def dataclass_from_model(
    model: type[BaseModel], name: str | None = None, unset: frozenset[type] = frozenset()
) -> type:
    """A structured-config dataclass with the keys, types and defaults of a pydantic model.

    Nested models become nested dataclasses, `Literal` choices become Enums
    (OmegaConf 2.3 has no Literal), defaults and default factories are copied.
    In a model listed in `unset`, every key without a default factory defaults
    to None ("not set": `load_settings` drops it and the model's default applies).
    """
    name = name or model.__name__.removesuffix("Settings") + "Config"
    fields = []
    for key, info in model.model_fields.items():
        typ = _hydra_type(info.annotation, name.removesuffix("Config") + key.title(), unset)
        if is_dataclass(typ):
            default = info.get_default(call_default_factory=True)
            if default != type(default)():
                raise TypeError(f"{name}.{key}: a nested default must be its model's defaults")
            fields.append((key, typ, field(default_factory=typ)))
        elif info.default_factory is not None:
            fields.append((key, typ, field(default_factory=info.default_factory)))
        elif isinstance(info.default, list | dict):  # pydantic copies these; dataclasses must
            fields.append((key, typ, field(default_factory=lambda d=info.default: type(d)(d))))
        elif model in unset:
            fields.append((key, typ | None, field(default=None)))
        else:
            default = MISSING if info.is_required() else info.default
            fields.append((key, typ, field(default=default)))
    return _register(make_dataclass(name, fields))


# the policy yaml sets only its targets; planner.Policy holds the defaults of the rest
PlannerConfig = dataclass_from_model(RunSettings, "PlannerConfig", frozenset({PolicySettings}))


def register_configs() -> None:
    """Register the schema that `configs/config.yaml` extends (`planner_schema`)."""
    ConfigStore.instance().store(name="planner_schema", node=PlannerConfig)


register_configs()


def run_name(scenario: str) -> str:
    """The run-folder name of a scenario: `toy`, or a file's or folder's own name, never a path.

    `${run_name:${scenario.name}}` in `configs/config.yaml`: a CSV folder
    `/data/my_case/` runs in `outputs/my_case/...`, not in `outputs//data/my_case/...`.
    """
    name = Path(scenario.rstrip("/\\")).name
    return Path(name).stem if name.endswith(".nc") else name or "scenario"


OmegaConf.register_new_resolver("run_name", run_name, replace=True)
SWEEP_RUNS = "PLANNER_SWEEP_RUNS"


class LogFormatter(logging.Formatter):
    """`[12:34:56] message`, with the level before the message when it is not INFO.

    The one format of the run log, for Hydra's lines, ours and JAX's
    (configs/hydra/job_logging/planner.yaml and hydra_logging/planner.yaml).
    """

    def __init__(self) -> None:
        super().__init__(datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        level = "" if record.levelno == logging.INFO else f"{record.levelname}: "
        self._style._fmt = f"[%(asctime)s] {level}%(message)s"
        return super().format(record)  # how many runs a sweep launches, for "run i of n" in each


def settings_from_config(cfg: DictConfig) -> RunSettings:
    """Composed config -> validated `RunSettings` (raises `planner.ConfigError`)."""
    plain = {
        str(key): OmegaConf.to_container(cfg[key], resolve=True, enum_to_str=True)
        for key in cfg
        if key != "hydra"
    }
    return load_settings(plain)


def compose_settings(overrides: Sequence[str] = ()) -> RunSettings:
    """`configs/config.yaml` with `overrides` (Hydra's compose API), validated, without a run.

    E.g. `compose_settings(["scenario=toy", "montecarlo=quick"])`, for scripts and
    benchmarks. Hydra must not be initialised already (not inside a Hydra app).
    """
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return settings_from_config(compose("config", overrides=list(overrides)))


# ---- entry points ---------------------------------------------------------------------------


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(cfg: DictConfig) -> float | None:
    """`planner`: run one study (or, with -m, one job of a sweep)."""
    configure_devices()  # XLA flags, before anything starts JAX
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    if hydra_cfg.mode == RunMode.MULTIRUN:
        n_runs = os.environ.get(SWEEP_RUNS, "?")
        log.info(
            "Sweep run %d of %s: %s",
            hydra_cfg.job.num + 1,
            n_runs,
            " ".join(hydra_cfg.overrides.task) or "(defaults)",
        )
    try:
        result = run_study(settings_from_config(cfg), out_dir)
    except PlannerError as exc:
        log.error("%s: %s", type(exc).__name__, exc)
        log.error("Nothing complete was written to %s (no summary.json).", out_dir)
        if hydra_cfg.mode == RunMode.MULTIRUN:  # the sweep's other runs go on
            return None
        sys.exit(1)
    return result.summary["objective"]


class RefuseFinishedRun(Callback):
    """Hydra callback: stop before Hydra writes `.hydra/` into a folder that holds a run.

    Hydra saves `.hydra/config.yaml` in `run_job`, before the task (and before
    `on_job_start`); `on_run_start` and `on_multirun_start` come before it. A
    single run refuses a run folder holding any output; a sweep refuses a sweep
    folder holding any run's outputs (its job folders would be those runs' folders).
    """

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        _refuse([Path(str(config.hydra.run.dir))], "hydra.run.dir")

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        root = Path(str(config.hydra.sweep.dir))
        folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        _refuse(folders, "hydra.sweep.dir")


class CountSweepRuns(Callback):
    """Hydra callback: count a sweep's runs before they start, so each logs "run i of n"."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        os.environ[SWEEP_RUNS] = str(count_sweep_runs(config))  # job processes inherit it


def count_sweep_runs(config: DictConfig) -> int | str:
    """How many runs the basic sweeper makes: the product of the swept values' counts.

    Counts the command line's overrides and `hydra.sweeper.params` (an experiment's
    sweep), the command line winning for a key in both; "?" for a sweeper we cannot count.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = config.hydra.sweeper.get("params")
    params = OmegaConf.to_container(params, resolve=False) if params is not None else {}
    texts = {str(k): f"{k}={v}" for k, v in params.items()}
    for text in config.hydra.overrides.task:
        texts[text.split("=", 1)[0].lstrip("+~")] = text
    try:
        parsed = OverridesParser.create().parse_overrides(list(texts.values()))
    except Exception:  # noqa: BLE001 - a sweeper's own syntax: the count is only for the log
        return "?"
    n = 1
    for override in parsed:
        if override.is_sweep_override():
            n *= sum(1 for _ in override.sweep_string_iterator())
    return n


def _refuse(folders: list[Path], key: str) -> None:
    for folder in folders:
        try:
            check_fresh(folder, hint=f"{key}=...")
        except OutputExistsError as exc:  # logging is not set up yet: the message is the exit
            raise SystemExit(f"OutputExistsError: {exc}. Nothing was written.") from None


class CompareOnMultirunEnd(Callback):
    """Hydra callback: write the comparison report when a multirun ends."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from planner.report import compare_runs

        try:
            log.info("Comparison report: %s", compare_runs(Path(config.hydra.sweep.dir)))
        except PlannerError as exc:
            log.warning("No comparison report: %s", exc)


def compare_main(argv: list[str] | None = None) -> None:
    """`planner-compare MULTIRUN_DIR`: write a comparison report of the runs in the folder."""
    import argparse

    from planner.report import compare_runs

    parser = argparse.ArgumentParser(
        prog="planner-compare", description="Compare the runs of a `planner -m` sweep."
    )
    parser.add_argument("multirun_dir", type=Path, help="folder holding the sweep's run folders")
    args = parser.parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(LogFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    try:
        path = compare_runs(args.multirun_dir)
    except PlannerError as exc:
        log.error("%s: %s", type(exc).__name__, exc)
        sys.exit(1)
    print(path)


if __name__ == "__main__":
    main()
