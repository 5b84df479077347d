#!/usr/bin/env bash
# Kill -9 and SIGSTOP torture of two `incident-bot serve` replicas on one PostgreSQL database
# (bench/torture_replicas.py; a private cluster from bench/postgres.sh): exits non-zero on any
# command lost or stored twice, any post or page missing or sent twice. On failure the work
# folder (replica logs) is kept and named.
# Usage: bench/torture_replicas.sh [SECONDS] [CLIENTS] [MIN_FAULTS]  (defaults 120, 4, 30);
# TORTURE_SEED picks another sequence of faults. Needs psql and a PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product incident-bot >/dev/null 2>&1
work=$(mktemp -d)
pids=()
keep=0
trap 'stop_postgres; [[ $keep == 1 ]] || rm -rf "$work"' EXIT
source bench/postgres.sh
start_postgres 38380
python3 bench/torture_replicas.py "$PWD/.build/release/incident-bot" "$PWD" "$database_url" "$pg_port" "$work" \
    "${1:-120}" "${2:-4}" "${3:-30}" || { keep=1; exit 1; }
