#!/usr/bin/env bash
# Pages ahead of chatter, and how fast SIGTERM stops the bot with a backlog. Through
# `incident-bot serve` (release build) on a Web API stub that takes DELAY_MS per call (Slack's
# own latency): a P3 is declared, COUNT signed `/note` commands queue their room posts, then a
# P0 is declared; the time from the P0's answer to its first page reaching the stub is
# reported. Then SIGTERM with the backlog still queued, and the time to exit.
# Usage: bench/flood.sh [COUNT] [DELAY_MS]  (defaults 2500 and 20). Loopback only; bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-2500}
delay=${2:-20}
swift build -c release --product incident-bot >/dev/null 2>&1
bot=.build/release/incident-bot
work=$(mktemp -d)
secret=bench-signing-secret
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; [[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
api=38181
port=38180

python3 bench/slack_fake_api.py $api "$delay" "$work/calls.log" & pids+=($!)
source bench/serve_on_stub.sh
serve_on_stub $port $api
send() { python3 bench/signed_commands.py "http://127.0.0.1:$port/slack/events" "$secret" "$@"; }

send 1 /incident "declare Search is slow --sev P3" 1 >/dev/null
sleep 1
start=$(date +%s.%N)
send 4 /note "INC-1 flood note %d" "$count" >/dev/null
queued=$(date +%s.%N)
declared=$(send 1 /incident "declare Checkout down --sev P0" 1)
for _ in $(seq 600); do grep -q "chat.postMessage .*🔔 INC-2" "$work/calls.log" && break; sleep 0.1; done
page=$(grep -m1 "chat.postMessage .*🔔 INC-2" "$work/calls.log" | cut -d' ' -f1)
[[ -n "$page" ]] || { echo "bench: the P0's page never reached the stub" >&2; exit 1; }
notes_before=$(awk -v d="$declared" -v t="$page" '$1 >= d && $1 <= t && /chat.postMessage .*flood note/' "$work/calls.log" | wc -l)
pending=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM outbox WHERE state='pending'\").fetchone()[0])" "$work/bench.sqlite")
printf 'queued %d notes in %.1f s; P0 answered, its first page at the stub %.2f s later\n' \
    "$count" "$(echo "$queued - $start" | bc)" "$(echo "$page - $declared" | bc)"
printf 'flood notes posted between the P0 and its page: %d; still queued: %d\n' "$notes_before" "$pending"

term=$(date +%s.%N)
kill -TERM $botpid
wait $botpid || true
printf 'SIGTERM with %d items queued: exited after %.2f s\n' "$pending" "$(echo "$(date +%s.%N) - $term" | bc)"
