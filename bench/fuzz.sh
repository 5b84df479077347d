#!/usr/bin/env bash
# Mutation fuzzing of every door that reads outside input (DoorFuzzTests): the command parser,
# the Slack request decoder, the Matrix event reader and the config loaders, ITERATIONS
# mutants each (default 1,000,000), seeded so a failure repeats. Any trap fails the run.
# Usage: bench/fuzz.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-1000000}
swift build --build-tests >/dev/null 2>&1
start=$(date +%s)
INCIDENT_FUZZ_ITERATIONS=$iterations swift test --skip-build --filter DoorFuzzTests 2>&1 | grep -E "passed|failed|error|✘"
echo "fuzz: $iterations inputs per door in $(( $(date +%s) - start )) s"
