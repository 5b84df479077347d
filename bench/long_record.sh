#!/usr/bin/env bash
# A long incident's record in chat: through `incident-bot serve` (release build) on the Web API
# stub, a P3 gets COUNT signed `/note`s of about 3,900 characters each (1,300 make a timeline
# of about 5 MB), then `/incident postmortem INC-1` is asked three times, one after the other,
# and each answer's time is reported (Slack shows its person an error past 3 s).
# Usage: bench/long_record.sh [COUNT]  (default 1300). BENCH_BOT=PATH runs that binary instead
# of building. Loopback only; bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1300}
if [[ -n ${BENCH_BOT:-} ]]; then bot=$BENCH_BOT; else
    swift build -c release --product incident-bot >/dev/null 2>&1
    bot=.build/release/incident-bot
fi
work=$(mktemp -d)
secret=bench-signing-secret
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; [[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
api=38191
port=38190

python3 bench/slack_fake_api.py $api 0 "$work/calls.log" & pids+=($!)
source bench/serve_on_stub.sh
serve_on_stub $port $api
send() { python3 bench/signed_commands.py "http://127.0.0.1:$port/slack/events" "$secret" "$@"; }

send 1 /incident "declare Search is slow --sev P3" 1 >/dev/null
note="INC-1 note %d $(printf 'a log line & its context %.0s' $(seq 150))"
send 4 /note "$note" "$count" >/dev/null
entries=$(python3 -c "import sqlite3,sys; print(*sqlite3.connect(sys.argv[1]).execute('SELECT count(*), sum(length(text)) FROM timeline WHERE incident = 1').fetchone())" "$work/bench.sqlite")
printf 'INC-1 timeline: %s entries, %s characters\n' ${entries}
for n in 1 2 3; do
    start=$(date +%s.%N)
    done=$(send 1 /incident "postmortem INC-1" 1)
    printf '/incident postmortem INC-1, answer %d: %.3f s\n' "$n" "$(echo "$done - $start" | bc)"
done
