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
source bench/synapse_venv.sh
swift build -c release --product incident-bot >/dev/null
"$venv/bin/python3" bench/matrix_bench.py --bot .build/release/incident-bot --commands "$commands"
