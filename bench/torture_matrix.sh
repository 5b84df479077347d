#!/usr/bin/env bash
# Kill -9 torture on Matrix (bench/torture_matrix.py): a real Synapse killed and restarted at
# random under the bot while responders type !note in the incident room; every note Synapse
# took must be stored once and posted once. Installs Synapse like bench/matrix.sh.
# Usage: bench/torture_matrix.sh [SECONDS] [RESTARTS] [RESPONDERS]  (defaults 90, 10, 4).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/synapse_venv.sh
swift build -c release --product incident-bot >/dev/null 2>&1
exec "$venv/bin/python3" bench/torture_matrix.py --bot .build/release/incident-bot \
    --seconds "${1:-90}" --restarts "${2:-10}" --responders "${3:-4}"
