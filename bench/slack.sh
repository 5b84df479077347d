#!/usr/bin/env bash
# Signed slash commands per second through `incident-bot serve` (release build), and their
# ack latency (p50/p99) under wrk: verification, decoding, the engine's decision and its
# fully synced SQLite commit are all in the path. Each request is `/note INC-1 ...` from the
# lobby: one transaction with a timeline entry and a seen id. The Web API is a stub that
# answers ok (bench/slack_fake_api.py), so delivery runs too but never waits on Slack.
# Usage: bench/slack.sh [SECONDS] [CONNECTIONS]  (defaults 15 and 16). Needs wrk
# (apt-get install wrk). BENCH_STORE=postgres runs the bot on a private PostgreSQL cluster
# (bench/postgres.sh) instead of SQLite. BENCH_CEILING=1 first measures the same listener
# without the engine and the store, as a ceiling for the run: `GET /healthz` (NIO and
# Hummingbird alone), then a well-formed slash command signed with the wrong secret (the body
# read, the timestamp and HMAC checks, answered 401 before anything is decided;
# bench/http_ceiling.lua), each for SECONDS. BENCH_BOT=PATH runs that binary instead of building
# one (to compare two builds, one run after the other). BENCH_PAGERS=1 also configures mail,
# texts, calls and PagerDuty (nothing is paged; their delivery loops run beside Slack's). Each
# run ends with the CPU the bot, the Web API stub each spent a request (with BENCH_CEILING=1,
# wrk's too): they share the cores. BENCH_SLACK_LATENCY_MS=N has the stub take N ms to answer
# each call, as Slack's own Web API does. The default, 0, answers at once: delivery then posts
# the notes as fast as the cores allow and takes a share of them the whole run, which Slack's
# latency (and its limit of about one post a second a channel) would not let it.

set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
connections=${2:-16}
threads=2
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
if [[ -n ${BENCH_BOT:-} ]]; then bot=$BENCH_BOT; else
    swift build -c release --product incident-bot >/dev/null
    bot=.build/release/incident-bot
fi
work=$(mktemp -d)
secret=bench-signing-secret
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; stop_postgres; rm -rf "$work"' EXIT
source bench/postgres.sh
if [[ ${BENCH_STORE:-sqlite} == postgres ]]; then start_postgres 38082; database=$database_url; fi

python3 bench/slack_fake_api.py 38081 "${BENCH_SLACK_LATENCY_MS:-0}" & stubpid=$!; pids+=($stubpid)
source bench/serve_on_stub.sh
admin_port=38084
if [[ ${BENCH_PAGERS:-0} == 1 ]]; then
    # Mail, texts, calls and PagerDuty configured as a team would have them (their providers
    # at addresses nothing answers: a note pages nobody), so their delivery loops run too.
    extra_yaml=$(cat <<'YAML'
paging:
  pagerduty:
    enabled: true
    events_url: http://127.0.0.1:38089/v2/enqueue
  twilio:
    enabled: true
    account_sid: AC0123456789abcdef0123456789abcdef
    from: "+15550100000"
    api_url: http://127.0.0.1:38089
    sms: true
    voice: true
  email:
    enabled: true
    host: 127.0.0.1
    port: 38025
    security: none
    from: incident-bot@example.org
YAML
)
    extra_env="TWILIO_AUTH_TOKEN=bench-twilio-auth-token-0123456789 PAGERDUTY_WEBHOOK_SECRET=bench-pagerduty-webhook-secret"
fi
serve_on_stub 38080 38081

# CPU time (user and system, all threads) of process PID so far, in ticks, from /proc.
ticks_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# `cpu_line WHO TICKS REQUESTS`: WHO's CPU across the run, in µs a request.
cpu_line() {
    python3 -c "import sys; t, n = int(sys.argv[2]) / int(sys.argv[3]), int(sys.argv[4]); print(f'{sys.argv[1]} CPU: {t:.1f} s, {1e6 * t / max(n, 1):.0f} µs a request')" \
        "$1" "$2" "$(getconf CLK_TCK)" "$3"
}
# `measured_wrk OUT ARGS...`: runs wrk with ARGS, its report in OUT, its own CPU in
# OUT.cpu (seconds, user and system), and the bot's in OUT.bot (ticks).
measured_wrk() {
    local out=$1 before; shift
    before=$(ticks_of "$botpid")
    { TIMEFORMAT='%U %S'; time wrk "$@" > "$out"; } 2> "$out.time"
    echo $(( $(ticks_of "$botpid") - before )) > "$out.bot"
    awk '{print $1 + $2}' "$out.time" > "$out.cpu"
}
# `requests_in OUT`: how many requests wrk's report OUT says it sent.
requests_in() { grep -oE '[0-9]+ requests in' "$1" | cut -d' ' -f1; }

if [[ ${BENCH_CEILING:-0} == 1 ]]; then
    # For each: the rate, the latency, and what the bot and wrk each spent a request.
    ceiling() {
        measured_wrk "$work/ceiling.txt" "$@"
        grep -E "Requests/sec|50%|99%|Non-2xx" "$work/ceiling.txt"
        local n; n=$(requests_in "$work/ceiling.txt")
        cpu_line bot "$(cat "$work/ceiling.txt.bot")" "$n"
        python3 -c "import sys; print(f'wrk CPU: {1e6 * float(sys.argv[1]) / int(sys.argv[2]):.0f} µs a request')" "$(cat "$work/ceiling.txt.cpu")" "$n"
    }
    echo "== ceiling: GET /healthz"
    ceiling -t$threads -c"$connections" -d"${seconds}s" --latency http://127.0.0.1:38080/healthz
    echo "== ceiling: POST /slack/events, wrong signature (401)"
    BENCH_TIMESTAMP=$(date +%s) ceiling -t$threads -c"$connections" -d"${seconds}s" --latency -s bench/http_ceiling.lua \
        http://127.0.0.1:38080
    echo "== signed /note commands, decided and committed"
fi

# INC-1, for the notes to land on.
python3 - "$secret" <<'PY'
import hashlib, hmac, sys, time, urllib.request
from urllib.parse import urlencode
body = urlencode({"command": "/incident", "text": "declare Bench target --sev P3", "user_id": "U0ALICE01",
                  "channel_id": "C0LOBBY01", "trigger_id": "bench.declare", "team_id": "T0TEAM001"})
ts = str(int(time.time()))
sig = "v0=" + hmac.new(sys.argv[1].encode(), ("v0:%s:%s" % (ts, body)).encode(), hashlib.sha256).hexdigest()
req = urllib.request.Request("http://127.0.0.1:38080/slack/events", body.encode(), {
    "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
print(urllib.request.urlopen(req).read().decode()[:80])
PY

# More signed requests than the run can send, so none repeats.
# Distinct requests for 16,000 a second (wrk repeats them past that; a repeat is a duplicate,
# answered but not stored again, so the count of notes below shows whether any was sent).
python3 bench/slack_requests.py $((seconds * 16000)) "$secret" "$work/requests.lua"
stub_before=$(ticks_of "$stubpid")
log_before=$(wc -l < "$work/bot.log")
BENCH_REQUESTS="$work/requests.lua" BENCH_THREADS=$threads \
    measured_wrk "$work/wrk.txt" -t$threads -c"$connections" -d"${seconds}s" --latency -s bench/slack.lua http://127.0.0.1:38080
stub_ticks=$(( $(ticks_of "$stubpid") - stub_before ))
cat "$work/wrk.txt"
# Refusals of the signed run (the ceiling's wrong signatures are logged before it).
tail -n +"$((log_before + 1))" "$work/bot.log" > "$work/run.log"
grep -q "refused" "$work/run.log" && { echo "bench: the bot refused requests:"; grep refused "$work/run.log" | head -3; } || true
# Every accepted request is a note on INC-1 (a refusal would still answer 200, so count them).
count="SELECT count(*) FROM timeline WHERE incident = 1 AND kind = 'note'"
if [[ -n "${database_url:-}" ]]; then
    notes=$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -d bench -Atc "$count")
else
    notes=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$work/bench.sqlite" "$count")
fi
sent=$(requests_in "$work/wrk.txt")
echo "notes on INC-1: $notes of $sent requests answered"
# Where the cores went: the bot, and the Web API stub its deliveries call (one chat.postMessage
# a note). wrk's own here would count its loading of the pre-signed requests; the ceiling runs
# show what it spends a request.
cpu_line bot "$(cat "$work/wrk.txt.bot")" "$sent"
cpu_line "Web API stub" "$stub_ticks" "$sent"
# Group commit as the bot saw it (its /metrics): commands decided per transaction, and how long
# each write transaction took from asking for the single writer, the wait included (delivery's
# records among them).
curl -sf "http://127.0.0.1:$admin_port/metrics" | python3 -c '
import sys
v = {}
for line in sys.stdin:
    if line.startswith("#") or not line.strip(): continue
    name, value = line.rsplit(" ", 1)
    v[name] = float(value)
events, writes = "incident_bot_events_per_transaction", "incident_bot_store_write_seconds"
mean = lambda family, scale: scale * v[family + "_sum"] / max(v[family + "_count"], 1)
print("command transactions: %d, %.1f commands each; write transactions: %d, %.2f ms each, waiting included" % (
    v[events + "_count"], mean(events, 1), v[writes + "_count"], mean(writes, 1000)))'
