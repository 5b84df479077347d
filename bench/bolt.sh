#!/usr/bin/env bash
# The same signed slash commands as bench/slack.sh, sent by wrk to the peer: Bolt for Python
# (PyPI slack-bolt, async on aiohttp, its own signature check) acknowledging each after one
# durable SQLite insert (bench/bolt_peer.py), its Web API client on the stub Web API
# (bench/slack_fake_api.py). Installs slack-bolt and aiohttp into
# .build/bolt-venv the first time.
# Usage: bench/bolt.sh [SECONDS] [CONNECTIONS]  (defaults 15 and 16). Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
connections=${2:-16}
threads=2
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
venv=.build/bolt-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import slack_bolt, aiohttp" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "slack-bolt==1.30.0" "aiohttp==3.14.5" || { echo "bench: cannot install slack-bolt from PyPI" >&2; exit 1; }
fi
work=$(mktemp -d)
secret=bench-signing-secret
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
python3 bench/slack_fake_api.py 38091 & pids+=($!)
SLACK_SIGNING_SECRET=$secret "$venv/bin/python" bench/bolt_peer.py 38090 "$work/bolt.sqlite" 38091 2>"$work/bolt.log" & pids+=($!)
for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w "%{http_code}" -X POST http://127.0.0.1:38090/slack/events || true)
    [ "$code" != "000" ] && break
    sleep 0.1
done
# Distinct requests for 16,000 a second (wrk repeats them past that; a repeat is a duplicate,
# answered but not stored again, so the count of notes below shows whether any was sent).
python3 bench/slack_requests.py $((seconds * 16000)) "$secret" "$work/requests.lua"
BENCH_REQUESTS="$work/requests.lua" BENCH_THREADS=$threads \
    wrk -t$threads -c"$connections" -d"${seconds}s" --latency -s bench/slack.lua http://127.0.0.1:38090 | tee "$work/wrk.txt"
python3 - "$work/bolt.sqlite" "$work/wrk.txt" <<'PY'
import re, sqlite3, sys
notes = sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM note").fetchone()[0]
sent = int(re.search(r"(\d+) requests in", open(sys.argv[2]).read()).group(1))
print(f"notes stored by Bolt: {notes} of {sent} requests answered")
PY
