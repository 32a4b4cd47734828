"""A finished run's folder is refused before Hydra writes anything into it (run and sweep)."""

from pathlib import Path

import pytest

from tests.app.test_run import run_planner


def finished_run(folder: Path) -> dict[Path, bytes]:
    """A folder as a finished run leaves it (what matters here: summary.json and .hydra/)."""
    (folder / ".hydra").mkdir(parents=True)
    files = {
        folder / "summary.json": b'{"objective": 1.0}\n',
        folder / ".hydra" / "config.yaml": b"scenario:\n  name: japan_2030\n",
        folder / ".hydra" / "overrides.yaml": b"[]\n",
        folder / "planner.log": b"[12:00:00] Done\n",
    }
    for path, data in files.items():
        path.write_bytes(data)
    return files


def test_a_rerun_into_a_finished_run_fails_before_hydra_rewrites_its_config(tmp_path):
    """Hydra rewrote .hydra/config.yaml, then the run failed: the folder described another run."""
    run_dir = tmp_path / "run"
    before = finished_run(run_dir)
    proc = run_planner("scenario=toy", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert f"OutputExistsError: {run_dir / 'summary.json'} already exists" in out
    assert "hydra.run.dir=" in out and "Traceback" not in out
    for path, data in before.items():
        assert path.read_bytes() == data, path  # byte-identical, the run log too
    assert sorted(p.name for p in run_dir.rglob("*")) == sorted(
        [".hydra", "config.yaml", "overrides.yaml", "planner.log", "summary.json"]
    )


@pytest.mark.slow
def test_a_stopped_run_with_any_output_is_refused_too(tmp_path):
    run_dir, output = tmp_path / "run", "scenario.nc"  # killed after its first output
    (run_dir / ".hydra").mkdir(parents=True)
    (run_dir / ".hydra" / "config.yaml").write_text("old\n")
    (run_dir / output).write_text("x")
    proc = run_planner("scenario=toy", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert proc.returncode == 1 and f"{output} already exists" in proc.stderr
    assert (run_dir / ".hydra" / "config.yaml").read_text() == "old\n"


@pytest.mark.slow
def test_a_sweep_into_a_folder_holding_a_finished_run_is_refused(tmp_path):
    sweep_dir = tmp_path / "sweep"
    before = finished_run(sweep_dir / "0_policy=cfe_90")
    proc = run_planner(
        "-m", "scenario=toy", "policy=cfe_90,cfe_70", f"hydra.sweep.dir={sweep_dir}", cwd=tmp_path
    )
    assert proc.returncode == 1
    assert "OutputExistsError" in proc.stderr and "hydra.sweep.dir=" in proc.stderr
    for path, data in before.items():
        assert path.read_bytes() == data, path
    assert [p.name for p in sweep_dir.iterdir()] == ["0_policy=cfe_90"]  # no job started
