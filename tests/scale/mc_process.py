"""One process of a multi-process Monte Carlo: `python -m tests.scale.mc_process ADDRESS N I DIR`.

Joins the JAX distributed runtime at ADDRESS as process I of N, runs `planner.simulate` on the toy
scenario with DIR/plan.nc and DIR/uncertainty.json, and writes DIR/risk_I.nc.
"""

import json
import sys
from pathlib import Path

import jax
import xarray as xr

import planner
from planner.io import write_netcdf
from planner.mc import configure_devices


def main(address: str, count: int, index: int, folder: Path) -> None:
    configure_devices()  # before JAX starts its backends, as any entry point does
    jax.distributed.initialize(coordinator_address=address, num_processes=count, process_id=index)
    options = json.loads((folder / "options.json").read_text())
    plan = xr.load_dataset(folder / "plan.nc")
    risk = planner.simulate(planner.load_scenario("toy"), plan, progress=False, **options)
    write_netcdf(risk, folder / f"risk_{index}.nc")
    jax.distributed.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
