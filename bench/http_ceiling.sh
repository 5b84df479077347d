#!/usr/bin/env bash
# How fast the bot's HTTP door is without the engine and the store, on the same listener and
# process `incident-bot serve` runs (release build), as a ceiling for bench/slack.sh:
#   1. GET /healthz: NIO and Hummingbird alone;
#   2. POST /slack/events with a well-formed slash command body signed with the wrong secret:
#      the body read, the timestamp and HMAC checks, answered 401 before anything is decided.
# Then the full path (bench/slack.sh's signed /note commands, each decided and committed) is
# what the engine and its durable commit add. Usage: bench/http_ceiling.sh [SECONDS]
# [CONNECTIONS] (defaults 10 and 16). Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-16}
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
swift build -c release --product incident-bot >/dev/null
bot=.build/release/incident-bot
work=$(mktemp -d)
secret=bench-signing-secret
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
python3 bench/slack_fake_api.py 38101 & pids+=($!)
source bench/serve_on_stub.sh
serve_on_stub 38100 38101

echo "== GET /healthz"
wrk -t2 -c"$connections" -d"${seconds}s" --latency http://127.0.0.1:38100/healthz | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "== POST /slack/events, wrong signature (401)"
BENCH_TIMESTAMP=$(date +%s) wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/http_ceiling.lua \
    http://127.0.0.1:38100 | grep -E "Requests/sec|50%|99%|Non-2xx"
notes=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" \
    "$work/bench.sqlite" "SELECT count(*) FROM timeline WHERE kind = 'note'")
echo "notes stored by the refused requests: $notes (must be 0)"
