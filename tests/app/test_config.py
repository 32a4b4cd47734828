"""Every config group composes through Hydra's compose API and validates."""

from enum import Enum
from typing import Literal

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf
from omegaconf.errors import ConfigAttributeError, ValidationError
from pydantic import BaseModel, Field

from planner.app import CONFIG_DIR, PlannerConfig, dataclass_from_model, settings_from_config
from planner.config import RunSettings, load_settings
from planner.errors import ConfigError

GROUPS = ["scenario", "demand", "siting", "policy", "time", "solver", "montecarlo", "report"]


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


@pytest.fixture(scope="module")
def hydra_ctx():
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        yield


def _settings(*overrides: str):
    return settings_from_config(compose("config", overrides=list(overrides)))


def test_default_is_the_japan_study(hydra_ctx):
    s = _settings()
    assert s.scenario.name == "japan_2030"
    assert s.time.n_days == 12 and s.time.extreme_days
    assert s.montecarlo.n_futures == 1000
    assert s.experiment.name == ""


@pytest.mark.parametrize(
    ("group", "option"), [(g, o) for g in GROUPS for o in _options(g)], ids=lambda x: str(x)
)
def test_every_group_option_composes_and_validates(hydra_ctx, group, option):
    cfg = compose("config", overrides=[f"{group}={option}"])
    s = settings_from_config(cfg)
    section = getattr(s, group)
    if hasattr(section, "name") and group != "solver":
        assert section.name == option
    if group == "demand":
        assert section.level == option


def test_toy_scenario_brings_its_own_time_default(hydra_ctx):
    assert _settings("scenario=toy").time.n_days == 3
    assert _settings("scenario=toy", "time=rep6").time.n_days == 6  # the command line wins


def test_policies_map_to_library_targets(hydra_ctx):
    assert _settings("policy=annual_re100").policy.to_policy()["re_share"] == 1.0
    for level in (80, 90, 95, 100):
        assert _settings(f"policy=cfe_{level}").policy.to_policy()["cfe_target"] == level / 100
    none = _settings("policy=none").policy.to_policy()
    assert "re_share" not in none and "cfe_target" not in none


@pytest.mark.parametrize(
    ("experiment", "swept", "values"),
    [
        ("cfe_premium", "policy", "annual_re100,cfe_80,cfe_90,cfe_95,cfe_100"),
        ("watt_bit", "siting", "near_power,near_demand,anywhere"),
        ("demand_uncertainty", "demand", "low,base,high"),
    ],
)
def test_experiments_set_their_sweep(hydra_ctx, experiment, swept, values):
    cfg = compose("config", overrides=[f"experiment={experiment}"], return_hydra_config=True)
    assert cfg.hydra.sweeper.params[swept] == values
    s = settings_from_config(cfg)
    assert s.experiment.name == experiment and s.experiment.question.endswith("?")
    for value in values.split(","):
        compose("config", overrides=[f"experiment={experiment}", f"{swept}={value}"])


def test_uncertainty_switches(hydra_ctx):
    s = _settings("montecarlo.uncertainty.disasters.enabled=false")
    assert not s.montecarlo.uncertainty.disasters.enabled
    assert s.montecarlo.uncertainty.weather.enabled
    det = _settings("montecarlo=deterministic").montecarlo
    assert det.n_futures == 1
    assert not any(getattr(det.uncertainty, d).enabled for d in type(det.uncertainty).model_fields)


def test_siting_subsidy_joins_the_policy(hydra_ctx):
    s = _settings("siting=near_power", "+policy.subsidy.kyushu=0.2")
    assert s.siting.areas is None
    assert s.policy.to_policy(s.siting)["subsidy"] == {
        "hokkaido": 0.5,
        "tohoku": 0.5,
        "kyushu": 0.2,  # the policy's own value wins
    }
    assert _settings("siting=near_demand").siting.areas == ["tokyo", "chubu", "kansai"]


def test_subsidy_added_on_the_command_line(hydra_ctx):
    s = _settings("+policy.subsidy.hokkaido=0.3")
    assert s.policy.to_policy()["subsidy"] == {"hokkaido": 0.3}


@pytest.mark.parametrize(
    "overrides",
    [
        ["montecarlo.n_future=10"],  # mistyped key
        ["montecarlo.n_futures=many"],  # wrong type
        ["solver.name=gurobi"],  # not a choice
        ["demand=medium"],  # no such option
        ["montecarlo.uncertainty.wether.enabled=false"],
    ],
)
def test_mistyped_key_or_type_fails_at_compose(hydra_ctx, overrides):
    with pytest.raises(ConfigCompositionException):
        compose("config", overrides=overrides)


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ("montecarlo.n_futures=0", "montecarlo.n_futures = 0", "[1, inf)"),
        ("policy.cfe_target=1.2", "policy.cfe_target = 1.2", "[0, 1]"),
        ("policy.re_share=-0.5", "policy.re_share = -0.5", "[0, 1]"),
        ("montecarlo.uncertainty.weather.noise_sigma=3", "weather.noise_sigma = 3.0", "[0, 1]"),
        ("solver.mip_gap=1.5", "solver.mip_gap = 1.5", "[0, 1)"),
        ("time.n_days=0", "time.n_days = 0", "[1, 366]"),
    ],
)
def test_out_of_range_value_names_key_value_and_range(hydra_ctx, override, key, allowed):
    with pytest.raises(ConfigError) as err:
        _settings(override)
    assert key in str(err.value) and allowed in str(err.value)


def test_negative_subsidy_share_is_rejected(hydra_ctx):
    with pytest.raises(ConfigError, match=r"subsidy\[tokyo\] = -0.1.*\[0, 1\]"):
        _settings("+policy.subsidy.tokyo=-0.1")


def test_every_problem_is_listed_at_once(hydra_ctx):
    with pytest.raises(ConfigError, match="2 problems") as err:
        _settings("montecarlo.n_futures=0", "policy.cfe_target=2")
    assert "n_futures" in str(err.value) and "cfe_target" in str(err.value)


def test_the_hydra_schema_has_the_settings_defaults():
    """One default per option: the generated structured config, validated, is RunSettings()."""
    plain = OmegaConf.to_container(OmegaConf.structured(PlannerConfig), enum_to_str=True)
    assert plain["report"]["max_unserved_p95"] == 1000.0
    assert load_settings(plain) == RunSettings()


class _Inner(BaseModel):
    colour: Literal["red", "blue"] | None = "red"
    sizes: list[int] = [1, 2]


class _Outer(BaseModel):
    mode: Literal["fast", "exact"] = "fast"
    inner: _Inner = _Inner()
    table: dict[str, float] = Field(default_factory=lambda: {"a": 0.5})
    limit: float | None = Field(default=None, ge=0.0)


def test_dataclass_from_model_maps_choices_nesting_and_defaults():
    cfg = OmegaConf.structured(dataclass_from_model(_Outer, "OuterTestConfig"))
    assert isinstance(cfg.mode, Enum) and {m.name for m in type(cfg.mode)} == {"fast", "exact"}
    assert cfg.inner.colour.name == "red" and list(cfg.inner.sizes) == [1, 2]
    assert dict(cfg.table) == {"a": 0.5} and cfg.limit is None
    cfg.mode = "exact"  # a choice by name, as on the command line
    with pytest.raises(ValidationError):
        cfg.mode = "slow"  # not a choice
    with pytest.raises(ValidationError):
        cfg.inner.sizes = ["x"]  # wrong type
    with pytest.raises(ConfigAttributeError):
        cfg.inner.shade = "x"  # unknown key
    assert _Outer.model_validate(OmegaConf.to_container(cfg, enum_to_str=True)).mode == "exact"


def test_dataclass_from_model_refuses_a_union():
    class Both(BaseModel):
        x: int | str = 0

    with pytest.raises(TypeError, match="union"):
        dataclass_from_model(Both, "BothTestConfig")
