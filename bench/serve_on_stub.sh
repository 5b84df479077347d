# Sourced by the Slack benches: starts `incident-bot serve` with Slack on 127.0.0.1:PORT against
# the stub Web API on 127.0.0.1:API, with POLICY and ROSTER (default: the example roster), and
# waits until it answers /healthz. Expects $bot, $work and $secret set and a `pids` array; sets
# $botpid. Optional: $extra_yaml is appended to the config, $extra_env (NAME=value words) is
# added to the bot's environment; $admin_port is the admin listener's port (default: any free one);
# $database is the database (default: $work/bench.sqlite; a postgres:// URL for PostgreSQL).
# Usage: serve_on_stub PORT API [POLICY [ROSTER]]
serve_on_stub() {
    local port=$1 api=$2 policy=${3:-$PWD/config/policy.yaml} roster=${4:-$PWD/config/roster.example.yaml}
    cat > "$work/incident-bot.yaml" <<YAML
policy: $policy
roster: $roster
log_level: warning
commands_per_minute: 1000000   # the benches measure throughput and paging, not the per-person limit
broadcast:
  slack: C0BROADCAST
admin:
  listen: 127.0.0.1:${admin_port:-0}
http:
  listen: 127.0.0.1:$port
slack:
  enabled: true
${extra_yaml:-}
YAML
    # shellcheck disable=SC2086  # extra_env is NAME=value words on purpose
    env ${extra_env:-} SLACK_BOT_TOKEN=xoxb-bench SLACK_SIGNING_SECRET=$secret SLACK_API_URL=http://127.0.0.1:$api \
        "$bot" serve --config "$work/incident-bot.yaml" --db "${database:-$work/bench.sqlite}" 2>"$work/bot.log" &
    botpid=$!
    pids+=($botpid)
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0; sleep 0.1; done
    echo "bench: incident-bot serve did not answer on port $port; its log:" >&2
    cat "$work/bot.log" >&2
    return 1
}
