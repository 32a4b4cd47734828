"""One benchmark case in a subprocess: `python -m <module> '<spec json>'`, killed after a timeout.

A case runs apart so that an overrun can be killed, XLA flags can differ per
case, and peak RSS is the case's own. The child prints one line
`<marker> <result json>`; anything else it prints is ignored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_case(
    module: str, spec: dict, marker: str, timeout: float, env: dict
) -> tuple[dict | None, str]:
    """(the child's result, "") or (None, why there is none: "killed" or its stderr's last lines)."""
    env = dict(env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), str(ROOT)) if p)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", module, json.dumps(spec)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return None, "killed"
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith(marker + " ")]
    if not line:
        return None, " | ".join((proc.stderr or "").strip().splitlines()[-3:])[:300]
    return json.loads(line[-1][len(marker) + 1 :]), ""
