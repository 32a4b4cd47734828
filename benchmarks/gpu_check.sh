#!/usr/bin/env bash
# The Monte Carlo on a GPU in one command: installs jax[cuda12] (the installed jax's version),
# then runs benchmarks/gpu_check.py: throughput (Japan 2030, 1e4 and 1e5 futures, float32),
# JAX vs NumPy agreement and bit identity across chunk sizes, into one JSON. Under 5 minutes.
#
#   benchmarks/gpu_check.sh [--skip-cuda-install] [--wheels DIR] [--quick] [--out FILE]
#
#   --skip-cuda-install  use the jax that is installed (a CPU machine, or a CUDA jax already there,
#                        e.g. jax[cuda13] on an image that ships it)
#   --wheels DIR         install from wheels in DIR only (a GPU node without a package index)
#   --quick              the toy at small sizes instead of Japan (the test suite's CPU smoke test)
#   --out FILE           the JSON (default benchmarks/results/gpu_check.json)
# PYTHON selects the interpreter (default: .venv/bin/python if present, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."

install=1 wheels="" quick="" out="benchmarks/results/gpu_check.json"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --skip-cuda-install) install=0 ;;
        --wheels) wheels="$2"; shift ;;
        --quick) quick="--quick" ;;
        --out) out="$2"; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "gpu_check.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

pip_install() {
    if [[ -n "$wheels" ]]; then
        "$PYTHON" -m pip install -q --no-index --find-links "$wheels" "$@"
    else
        "$PYTHON" -m pip install -q "$@"
    fi
}

started=$(date +%s)
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"  # this checkout's planner and benchmarks
if ! "$PYTHON" -c "import planner" 2>/dev/null; then
    echo "gpu_check: installing planner and its dependencies" >&2
    pip_install -e .
fi
if [[ $install -eq 1 ]]; then
    version=$("$PYTHON" -c "import jax; print(jax.__version__)")
    echo "gpu_check: installing jax[cuda12]==$version" >&2
    pip_install "jax[cuda12]==$version"
fi
"$PYTHON" -m benchmarks.gpu_check $quick --out "$out"
echo "gpu_check: $(( $(date +%s) - started )) s in all; results in $out" >&2
