"""Rewrite tests/app/data/*.summary.json from runs of this checkout: `python -m tests.app.regen_stored`.

For a change that moves the numbers on purpose (say so in the commit and in
test_same_numbers.py's docstring): each stored run is repeated exactly as the test
repeats it, the same keys taken out, and written in place of the old file.
"""

import json
import sys
import tempfile
from pathlib import Path

from tests.app.test_run import run_planner
from tests.app.test_same_numbers import DATA, RUNS, comparable, differences


def main() -> int:
    for name, args in sorted(RUNS.items()):
        with tempfile.TemporaryDirectory() as tmp:
            run_dir = Path(tmp) / "run"
            proc = run_planner(*args, f"hydra.run.dir={run_dir}", cwd=Path(tmp))
            if proc.returncode != 0:
                print(proc.stdout + proc.stderr, file=sys.stderr)
                return 1
            new = comparable(json.loads((run_dir / "summary.json").read_text()))
        path = DATA / f"{name}.summary.json"
        changed = differences(json.loads(path.read_text()), new)
        path.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
        print(f"{path.name}: {len(changed)} numbers changed", *changed[:5], sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
