#!/usr/bin/env bash
# How long replicas on PostgreSQL go without a leader when the leader is killed: two
# `incident-bot serve` replicas (release build) on a private PostgreSQL cluster against the stub
# Web API; KILLS times, the leader (by /readyz) is killed with SIGKILL and the time until the
# other says `role: leader` is taken, then the killed one is started again as the standby. The
# kill comes at a random moment up to 3 s after a replica began to lead.
# Prints each time and their min, median and max. Usage: bench/failover.sh [KILLS] [TAKEOVER]
# (defaults 10 and 10s, the config's default takeover).
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-10}
takeover=${2:-10s}
swift build -c release --product incident-bot >/dev/null
bot=.build/release/incident-bot
work=$(mktemp -d)
secret=bench-signing-secret
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; stop_postgres; rm -rf "$work"' EXIT
source bench/postgres.sh
start_postgres 38092
python3 bench/slack_fake_api.py 38091 & pids+=($!)

cat > "$work/incident-bot.yaml" <<YAML
policy: $PWD/config/policy.yaml
roster: $PWD/config/roster.example.yaml
log_level: info
broadcast:
  slack: C0BROADCAST
database:
  url: $database_url
  takeover: $takeover
http:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
slack:
  enabled: true
YAML

# Starts replica N; sets admin[N] to its admin port once it listens.
declare -A replica admin
start_replica() {
    local n=$1 log="$work/replica-$1.log"
    SLACK_BOT_TOKEN=xoxb-bench SLACK_SIGNING_SECRET=$secret SLACK_API_URL=http://127.0.0.1:38091 \
        "$bot" serve --config "$work/incident-bot.yaml" 2>"$log" &
    replica[$n]=$!
    pids+=($!)
    for _ in $(seq 100); do
        local port
        port=$(grep -oE 'address=127\.0\.0\.1:[0-9]+ \[IncidentApp\] admin listener' "$log" | grep -oE '[0-9]+ ' | head -n 1 || true)
        if [[ -n "$port" ]]; then admin[$n]=${port% }; return 0; fi
        sleep 0.1
    done
    echo "bench: replica $n did not start; its log:" >&2; cat "$log" >&2; return 1
}
role() { curl -s "http://127.0.0.1:${admin[$1]}/readyz" | sed -n 's/^role: //p'; }
now() { date +%s.%N; }

start_replica 0
start_replica 1
times=()
for k in $(seq "$kills"); do
    # Wait until one leads.
    leader=""
    for _ in $(seq 300); do
        for n in 0 1; do [[ "$(role $n)" == leader ]] && leader=$n; done
        [[ -n "$leader" ]] && break
        sleep 0.05
    done
    [[ -n "$leader" ]] || { echo "bench: no leader" >&2; exit 1; }
    other=$((1 - leader))
    # At a random point of the lease's renewal cycle (every takeover x 0.225).
    sleep "$(awk 'BEGIN { srand(); printf "%.2f", rand() * 3 }')"
    kill -9 "${replica[$leader]}"
    killed=$(now)
    wait "${replica[$leader]}" 2>/dev/null || true
    until [[ "$(role $other)" == leader ]]; do sleep 0.05; done
    took=$(echo "$(now) - $killed" | bc)
    times+=("$took")
    printf 'kill %2d: replica %d led again after %.2f s\n' "$k" "$other" "$took"
    start_replica "$leader"
done
printf '%s\n' "${times[@]}" | sort -n | awk -v takeover="$takeover" '
    { t[NR] = $1 } END { printf "takeover %s over %d kills: min %.2f s, median %.2f s, max %.2f s\n", takeover, NR, t[1], t[int((NR + 1) / 2)], t[NR] }'
