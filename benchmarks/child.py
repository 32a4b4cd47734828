"""One benchmark case in a subprocess: `python -m <module> '<spec json>'`, killed after a timeout.

A case runs apart so that an overrun can be killed, XLA flags can differ per
case, and peak RSS is the case's own. The child (`serve`) is an entry point:
it sets XLA's flags from its environment (`planner.mc.devices.configure_devices`)
before JAX starts, runs the case and prints one line `<marker> <result json>`;
anything else it prints is ignored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_case(
    module: str, spec: dict, marker: str, timeout: float, env: dict
) -> tuple[dict | None, str]:
    """(the child's result, "") or (None, why there is none: "killed" or its stderr's last lines).

    env: variables set for the child on top of this process's environment.
    """
    try:
        proc = subprocess.run(
            [sys.executable, "-m", module, json.dumps(spec)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_env(env),
        )
    except subprocess.TimeoutExpired:
        return None, "killed"
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith(marker + " ")]
    if not line:
        return None, " | ".join((proc.stderr or "").strip().splitlines()[-3:])[:300]
    return json.loads(line[-1][len(marker) + 1 :]), ""


def child_env(extra: dict | None = None) -> dict:
    """This process's environment plus `extra`, with the repository on PYTHONPATH."""
    env = os.environ | (extra or {})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), str(ROOT)) if p)
    return env


def failed(why: str, timeout: float) -> dict:
    """The record of a case that returned nothing (`why` from `run_case`)."""
    if why == "killed":
        return {"status": "killed", "error": f"killed after {timeout:.0f} s wall"}
    return {"status": "error", "error": why}


def serve(case: Callable[[dict], dict], marker: str) -> None:
    """In the child: set XLA's flags, run `case` on the spec in argv, print `<marker> <json>`."""
    from planner.mc.devices import configure_devices

    configure_devices()
    try:
        out = case(json.loads(sys.argv[1]))
    except Exception as err:  # reported to the parent, which records it
        out = {"status": "error", "error": f"{type(err).__name__}: {str(err)[:300]}"}
    print(f"{marker} {json.dumps(out)}", flush=True)
