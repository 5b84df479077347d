#!/usr/bin/env bash
# Commands per second and command-to-reply latency of `incident-bot serve` (release build)
# through a real Synapse homeserver, from 1 and from 10 responders (bench/matrix_bench.py
# says what each run does). Synapse is the version the tests install, from the same venv
# (.build/test-tools/synapse, created here when missing).
# Usage: bench/matrix.sh [COMMANDS]  (commands per run, default 200). BENCH_KEEP=1 keeps the
# logs and databases.
set -euo pipefail
cd "$(dirname "$0")/.."
commands=${1:-200}
version=$(sed -n 's/.*static let version = "\([0-9.]*\)".*/\1/p' Tests/MatrixSynapse/Synapse.swift)
[ -n "$version" ] || { echo "bench: cannot read the Synapse version from Tests/MatrixSynapse/Synapse.swift" >&2; exit 1; }
venv=.build/test-tools/synapse
check="import importlib.metadata as m; assert m.version('matrix-synapse') == '$version'"
if ! "$venv/bin/python3" -c "$check" 2>/dev/null; then
    echo "bench: installing matrix-synapse==$version into $venv" >&2
    python3 -m venv --clear "$venv"
    "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "matrix-synapse==$version"
    "$venv/bin/python3" -c "$check"
fi
swift build -c release --product incident-bot >/dev/null
"$venv/bin/python3" bench/matrix_bench.py --bot .build/release/incident-bot --commands "$commands"
