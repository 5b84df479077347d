#!/usr/bin/env bash
# Benchmarks of the engine with the SQLite store, through the real incident-bot binary:
#   1. commands per second: a console drill of N declarations and N status updates on a
#      manual clock, timed whole by hyperfine (each command is one fully synced SQLite
#      transaction, then delivered through the console transport to /dev/null);
#   2. the scheduler's CPU while idle with 10,000 open incidents: the live console left
#      running for IDLE_SECONDS with nothing due, measured by /usr/bin/time -v.
# Usage: bench/engine.sh [N] [IDLE_SECONDS]   (defaults 2000 and 60). Needs hyperfine and time
# (apt-get install hyperfine time); builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
idle=${2:-60}
for tool in hyperfine /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install hyperfine time)" >&2; exit 1; }
done
swift build -c release --product incident-bot >/dev/null
bot=.build/release/incident-bot
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The shipped config, with the per-person limit raised: the drill is one person typing
# thousands of commands, which the default 30 a minute would mostly ignore.
sed "s/^commands_per_minute: .*/commands_per_minute: 1000000/; s|^policy: .*|policy: $PWD/config/policy.yaml|" \
    config/incident-bot.yaml > "$work/bench.yaml"
grep -q "commands_per_minute: 1000000" "$work/bench.yaml" || { echo "bench: cannot raise commands_per_minute" >&2; exit 1; }

# 1. Commands per second. The drill is a file on standard input, so the console decides its
#    lines in batches (group commit), as a burst of events arriving together.
{
    for i in $(seq 1 "$n"); do echo "carol: /incident declare Bench outage $i --sev P2 --ic @carol"; done
    for i in $(seq 1 "$n"); do echo "carol: /update INC-$i still looking status: investigating"; done
    echo ":quit"
} > "$work/drill.txt"
hyperfine --warmup 1 --runs 5 --prepare "rm -f $work/b.sqlite*" \
    "$bot console --config $work/bench.yaml --clock manual --start 2026-11-24T10:00:00Z --db $work/b.sqlite < $work/drill.txt > /dev/null" \
    --export-json "$work/commands.json" | tee "$work/commands.txt"
mean=$(python3 -c "import json,sys; print(json.load(open('$work/commands.json'))['results'][0]['mean'])")
python3 -c "print(f'commands per second: {2*$n/$mean:.0f} ({2*$n} commands in {$mean:.2f} s, mean of 5 runs)')"

# 2. Idle scheduler with 10,000 open incidents, declared at the real time so nothing is due
#    for two hours (P2 with an IC: no ladder climbs, the first nudge is 2 h away).
start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
    for i in $(seq 1 10000); do echo "carol: /incident declare Idle incident $i --sev P2 --ic @carol"; done
    echo ":quit"
} > "$work/idle.txt"
"$bot" console --config "$work/bench.yaml" --clock manual --start "$start" --db "$work/idle.sqlite" < "$work/idle.txt" > /dev/null
echo "open incidents: $(sqlite3 "$work/idle.sqlite" "select count(*) from incident where phase <> 'closed'")"
( sleep "$idle"; echo ":quit" ) | /usr/bin/time -v "$bot" console --config "$work/bench.yaml" --db "$work/idle.sqlite" > /dev/null 2> "$work/idle-time.txt"
grep -E "User time|System time|Percent of CPU|Elapsed|Maximum resident" "$work/idle-time.txt"
