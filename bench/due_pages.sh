#!/usr/bin/env bash
# Time from a page falling due to the call that carries it: the part of paging nobody sees
# in chat. Through `incident-bot serve` (release build) on the real clock and a Web API stub
# that takes DELAY_MS per call: COUNT P1 incidents are declared at once with a policy whose P1
# reaches the team lead 20 s after the on-call (instead of 30 min); each team-lead page is due
# at its incident's declaration second + 20 s, and the lag is its arrival at the stub minus
# that. All the pages go to one person, so they also queue behind each other in that
# person's lane: the report gives the first page's lag (the scheduler and delivery) and the
# spread (one lane sending COUNT pages).
# Usage: bench/due_pages.sh [COUNT] [DELAY_MS]  (defaults 100 and 5). Loopback only; bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100}
delay=${2:-5}
swift build -c release --product incident-bot >/dev/null 2>&1
bot=.build/release/incident-bot
work=$(mktemp -d)
secret=bench-signing-secret
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; [[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
api=38191
port=38190

sed 's/levels: { L1: 0m, L2: 30m, L3: 1h }/levels: { L1: 0m, L2: 20s, L3: 1h }/' config/policy.yaml > "$work/policy.yaml"
grep -q "L2: 20s" "$work/policy.yaml" || { echo "bench: the P1 matrix line was not found in config/policy.yaml" >&2; exit 1; }
python3 bench/slack_fake_api.py $api "$delay" "$work/calls.log" & pids+=($!)
source bench/serve_on_stub.sh
serve_on_stub $port $api "$work/policy.yaml"

python3 bench/signed_commands.py "http://127.0.0.1:$port/slack/events" "$secret" 4 /incident "declare B%d --sev P1" "$count" >/dev/null
for _ in $(seq 900); do
    [[ $(grep -c "paged as team lead" "$work/calls.log" || true) -ge $count ]] && break
    sleep 0.1
done
python3 - "$work/bench.sqlite" "$work/calls.log" "$count" <<'PY'
import re, sqlite3, statistics, sys
db, log, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
declared = dict(sqlite3.connect(db).execute("SELECT incident, at FROM timeline WHERE kind = 'declared'"))
lags = []
for line in open(log, encoding="utf-8", errors="replace"):
    m = re.match(r"(\S+) chat\.postMessage .*INC-(\d+) .*paged as team lead", line)
    if m and int(m.group(2)) in declared:
        lags.append(float(m.group(1)) - (declared[int(m.group(2))] + 20))
if len(lags) < count:
    sys.exit(f"bench: only {len(lags)} of {count} team-lead pages reached the stub")
lags.sort()
print(f"{count} pages due within {max(declared.values()) - min(declared.values()) + 1} s; "
      f"lag from due to the stub: first {lags[0]:.3f} s, median {statistics.median(lags):.3f} s, "
      f"p99 {lags[int(0.99 * (len(lags) - 1))]:.3f} s, last {lags[-1]:.3f} s")
PY
