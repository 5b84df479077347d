#!/usr/bin/env bash
# Kill -9 torture of `incident-bot serve` on Slack (bench/torture_slack.py): clients send
# signed slash commands while the bot is killed at random moments at least MIN_KILLS times and
# restarted; then every acknowledged command must be stored once and every outbox item posted
# once (by the outbox key in its Slack message metadata). Exits non-zero on any loss or repeat.
# Usage: bench/torture.sh [SECONDS] [CLIENTS] [MIN_KILLS]  (defaults 60, 4, 20). Loopback only.
# BENCH_SLACK_LATENCY_MS=N has the Web API stub take N ms to post (and post for a caller killed
# meanwhile), as Slack does when slow: a kill then leaves posts still landing as the bot restarts.
# BENCH_BOT=PATH runs that binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n ${BENCH_BOT:-} ]]; then bot=$BENCH_BOT; else
    swift build -c release --product incident-bot >/dev/null 2>&1
    bot=.build/release/incident-bot
fi
exec python3 bench/torture_slack.py "$bot" "$PWD" "${1:-60}" "${2:-4}" "${3:-20}"
