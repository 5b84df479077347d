#!/usr/bin/env bash
# Scheduler lag with many open incidents: COUNT P2 incidents (each with an IC, so no ladder
# pages) are declared by the console on a manual clock set so that all their first
# overdue-update nudges fall due DUE_IN seconds from now, at the same second; then
# `incident-bot serve` (Slack on the stub Web API) runs on that database past the due time, and
# its own /metrics tell how late each nudge fired (incident_bot_scheduler_lag_seconds: fire time
# minus due time, on the live clock).
# Usage: bench/scheduler_lag.sh [COUNT] [DUE_IN] [SEVERITY]  (defaults 10000, 90 and P2).
# A P2's nudges wait for working hours (Mon–Fri 09:00–17:00 in the shipped policy): outside
# them give P1 (its updates every 30 min, around the clock).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
due_in=${2:-90}
severity=${3:-P2}
case $severity in
    P0) cadence=900 ;;
    P1) cadence=1800 ;;
    P2) cadence=7200 ;;
    *) echo "bench: SEVERITY is P0, P1 or P2 (a P3 has no update cadence)" >&2; exit 1 ;;
esac
swift build -c release --product incident-bot >/dev/null
bot=$PWD/.build/release/incident-bot
work=$(mktemp -d)
secret=bench-signing-secret
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# Declared one update cadence (a P2's 2 h) before now + DUE_IN: the first nudge is due then.
start=$(date -u -d "@$(( $(date +%s) + due_in - cadence ))" +%Y-%m-%dT%H:%M:%SZ)
sed "s/^commands_per_minute: .*/commands_per_minute: 1000000/; s|^policy: .*|policy: $PWD/config/policy.yaml|" \
    config/incident-bot.yaml > "$work/console.yaml"
{
    for i in $(seq 1 "$count"); do echo "carol: /incident declare Lag incident $i --sev $severity --ic @carol"; done
    echo ":quit"
} > "$work/declare.txt"
"$bot" console --config "$work/console.yaml" --clock manual --start "$start" --db "$work/bench.sqlite" < "$work/declare.txt" > /dev/null
due=$(sqlite3 "$work/bench.sqlite" "select min(next_due), max(next_due), count(*) from incident where phase <> 'closed'")
echo "open incidents: ${due##*|}; all due at $(date -u -d "@${due%%|*}" +%H:%M:%S) (now $(date -u +%H:%M:%S))"

admin_port=38392
python3 bench/slack_fake_api.py 38391 & pids+=($!)
source bench/serve_on_stub.sh
serve_on_stub 38390 38391
wait_until=$(( ${due%%|*} + 20 ))
while [ "$(date +%s)" -lt "$wait_until" ]; do sleep 1; done
curl -sf "http://127.0.0.1:$admin_port/metrics" > "$work/metrics.txt" || { echo "bench: no /metrics"; tail "$work/bot.log"; exit 1; }
python3 - "$work/metrics.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def value(name):
    m = re.search(r"^" + re.escape(name) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0
count = value("incident_bot_scheduler_lag_seconds_count")
total = value("incident_bot_scheduler_lag_seconds_sum")
buckets = [(float(le) if le != "+Inf" else float("inf"), float(v))
           for le, v in re.findall(r'^incident_bot_scheduler_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$', text, re.M)]
print(f"nudges fired: {count:.0f}, mean lag {total / count if count else 0:.3f} s")
for le, v in sorted(buckets):
    print(f"  lag <= {le:g} s: {v:.0f}")
PY
