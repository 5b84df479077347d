#!/usr/bin/env bash
# A slash command sent while `incident-bot serve` stands still: the process is stopped
# (SIGSTOP, as a frozen container or a paused VM) for STOP seconds, a signed `/note` is sent
# to it meanwhile and given up by its client after Slack's 3 s, and the process is woken a
# second later. Slack has shown that person a failure, so the note must not be stored: they
# will type it again. Then a note sent to the running process must be. RUNS rounds on SQLite
# against the Web API stub; prints, for the given-up notes and the later ones, how many were
# stored. BENCH_BOT=PATH runs that binary instead of building the release one.
# Usage: bench/stalled_serve.sh [RUNS] [STOP]  (defaults 5, 4). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
stop=${2:-4}
if [[ -n ${BENCH_BOT:-} ]]; then bot=$BENCH_BOT; else
    swift build -c release --product incident-bot >/dev/null
    bot=.build/release/incident-bot
fi
work=$(mktemp -d)
secret=bench-signing-secret
pids=()
trap 'kill -CONT "${pids[@]}" 2>/dev/null; kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
python3 bench/slack_state_stub.py 38281 & pids+=($!)
source bench/serve_on_stub.sh
serve_on_stub 38280 38281
slash() {  # slash COMMAND TEXT TRIGGER: prints the answer's status, or "gave up" after Slack's 3 s
    python3 - "$secret" "$@" <<'PY'
import sys
sys.path.insert(0, "bench")
import torture_checks
secret, command, text, trigger = sys.argv[1:]
try:
    print(torture_checks.send(38280, secret.encode(), command, text, trigger, timeout=3)[0])
except TimeoutError:
    print("gave up")
PY
}
note() { slash /note "INC-1 $1" "$1"; }
slash /incident "declare Checkout down --sev P1" declare >/dev/null
sleep 1.5
given_up=0
for round in $(seq "$runs"); do
    kill -STOP "$botpid"
    answer=$(note "stalled-$round" & sleep "$stop"; kill -CONT "$botpid"; wait)
    [[ $answer == "gave up" ]] && given_up=$((given_up + 1))
    sleep 1.5
    note "after-$round" >/dev/null
done
sleep 1
stored() { sqlite3 "$work/bench.sqlite" "select count(*) from timeline where text like '$1%'"; }
echo "given up after 3 s: $given_up of $runs; of the notes sent while it stood still, stored: $(stored stalled-)"
echo "sent after each stall: $runs; stored: $(stored after-)"
