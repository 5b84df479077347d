#!/usr/bin/env bash
# How long a long hostile command line costs against a plain one of the same length, through
# the real binary: a console drill of N `/note` lines of 7,990 characters, one made of words
# that each open a quote never closed (`"a "a "a ...`, the tokenizer's old worst case) and one
# of plain words, timed whole by hyperfine; the difference per line is the hostile line's cost.
# Usage: bench/parser.sh [N]  (default 300). Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }
swift build -c release --product incident-bot >/dev/null 2>&1
bot=.build/release/incident-bot
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/incident-bot.yaml" <<YAML
policy: $PWD/config/policy.yaml
roster: $PWD/config/roster.example.yaml
log_level: error
commands_per_minute: 1000000   # the bench measures parsing, not the per-person limit
YAML
python3 - "$work" "$n" <<'PY'
import sys
work, n = sys.argv[1], int(sys.argv[2])
for name, word in (("hostile", '"a '), ("plain", "ab ")):
    body = (word * (7990 // len(word))).strip()
    with open(f"{work}/{name}.txt", "w") as f:
        f.write("carol: /incident declare Parser bench --sev P3\n")
        for _ in range(n):
            f.write(f"[#incident-20261122-parser-bench] carol: /note {body}\n")
        f.write(":quit\n")
PY
run() { echo "$bot console --config $work/incident-bot.yaml --clock manual --start 2026-11-24T10:00:00Z --db $work/$1.sqlite < $work/$1.txt > /dev/null"; }
hyperfine --warmup 1 --runs 5 --prepare "rm -f $work/*.sqlite*" -n plain "$(run plain)" -n hostile "$(run hostile)" \
    --export-json "$work/parser.json"
python3 - "$work/parser.json" "$n" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
n = int(sys.argv[2])
print("per line: plain %.2f ms, hostile %.2f ms" % (results["plain"] / n * 1000, results["hostile"] / n * 1000))
PY
