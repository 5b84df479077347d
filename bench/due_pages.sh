#!/usr/bin/env bash
# Time from a page falling due to the call that carries it: the part of paging nobody sees
# in chat. Through `incident-bot serve` (release build) on the real clock and a Web API stub
# that takes DELAY_MS per call: COUNT P1 incidents are declared at once with a policy whose P1
# reaches the team lead a minute after the on-call (instead of 30 min; the policy allows no
# less); each team-lead page is due at its incident's declaration second + 60 s, and the lag is its arrival at the stub minus
# that. All the pages go to one person, so they also queue behind each other in that
# person's lane: the report gives the first page's lag (the scheduler and delivery) and the
# spread (one lane sending COUNT pages).
# METHOD picks how the team lead (bob) is reached: slack (the Web API stub), pagerduty or sms
# (bench/provider_stub.py as PagerDuty's Events API or Twilio), or email (an aiosmtpd server,
# bench/smtp_stub.py); for the last three bob's roster entry has only that method.
# Usage: bench/due_pages.sh [COUNT] [DELAY_MS] [METHOD]  (defaults 100, 5, slack). Loopback
# only; bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100}
delay=${2:-5}
method=${3:-slack}
swift build -c release --product incident-bot >/dev/null 2>&1
bot=.build/release/incident-bot
work=$(mktemp -d)
secret=bench-signing-secret
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; [[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT
api=38191
port=38190
provider=38192
calls="$work/calls.log"

sed 's/levels: { L1: 0m, L2: 30m, L3: 1h }/levels: { L1: 0m, L2: 1m, L3: 1h }/' config/policy.yaml > "$work/policy.yaml"
grep -q "L2: 1m," "$work/policy.yaml" || { echo "bench: the P1 matrix line was not found in config/policy.yaml" >&2; exit 1; }
python3 bench/slack_fake_api.py $api "$delay" "$work/slack.log" & pids+=($!)
roster=$PWD/config/roster.example.yaml
extra_yaml=""
extra_env=""
if [[ $method != slack ]]; then
    case $method in
        pagerduty) address="pagerduty: PAGERDUTY_KEY_BOB"
                   extra_yaml=$'paging:\n  pagerduty:\n    enabled: true'
                   extra_env="PAGERDUTY_KEY_BOB=0123456789abcdef0123456789abcdef PAGERDUTY_EVENTS_URL=http://127.0.0.1:$provider/v2/enqueue"
                   python3 bench/provider_stub.py $provider "$calls" & pids+=($!) ;;
        sms)       address='phone: "+15550100002"'
                   extra_yaml=$'paging:\n  twilio:\n    enabled: true\n    account_sid: AC00000000000000000000000000000000\n    from: "+15550100000"\n    voice: false'
                   extra_env="TWILIO_AUTH_TOKEN=bench TWILIO_API_URL=http://127.0.0.1:$provider"
                   python3 bench/provider_stub.py $provider "$calls" & pids+=($!) ;;
        email)     address="email: bob@example.org"
                   extra_yaml=$'paging:\n  email:\n    enabled: true\n    host: 127.0.0.1\n    port: '$provider$'\n    security: none\n    from: bot@example.org'
                   smtp_python=.build/test-tools/aiosmtpd/bin/python3
                   if ! "$smtp_python" -c "import aiosmtpd" 2>/dev/null; then
                       python3 -m venv --clear .build/test-tools/aiosmtpd && "$smtp_python" -m pip install --quiet aiosmtpd==1.4.6
                   fi
                   "$smtp_python" bench/smtp_stub.py $provider "$calls" & pids+=($!)
                   for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$provider) 2>/dev/null && break; sleep 0.1; done ;;
        *) echo "bench: METHOD is slack, pagerduty, sms or email, not $method" >&2; exit 1 ;;
    esac
    # Bob, the team lead, is reached by that method alone.
    python3 - "$roster" "$work/roster.yaml" "$address" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
bob = re.search(r"  bob:\n(    .*\n)+", text).group(0)
open(sys.argv[2], "w").write(text.replace(bob, "  bob:\n    name: Bob Lindqvist\n    " + sys.argv[3] + "\n"))
PY
    roster=$work/roster.yaml
else
    calls="$work/slack.log"
fi
source bench/serve_on_stub.sh
serve_on_stub $port $api "$work/policy.yaml" "$roster"

python3 bench/signed_commands.py "http://127.0.0.1:$port/slack/events" "$secret" 4 /incident "declare B%d --sev P1" "$count" >/dev/null
for _ in $(seq 1300); do
    [[ $(grep -cE "paged( as |\+as\+)team( |\+)lead|\"role\":\"team lead\"" "$calls" || true) -ge $count ]] && break
    sleep 0.1
done
python3 - "$work/bench.sqlite" "$calls" "$count" "$method" <<'PY'
import re, sqlite3, statistics, sys
db, log, count, method = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
declared = dict(sqlite3.connect(db).execute("SELECT incident, at FROM timeline WHERE kind = 'declared'"))
lags = []
for line in open(log, encoding="utf-8", errors="replace"):
    m = re.match(r"(\S+) .*?INC-(\d+)", line)
    if m and re.search(r'paged( as |\+as\+)team( |\+)lead|"role":"team lead"', line) and int(m.group(2)) in declared:
        lags.append(float(m.group(1)) - (declared[int(m.group(2))] + 60))
if len(lags) < count:
    sys.exit(f"bench: only {len(lags)} of {count} team-lead pages reached the stub")
lags.sort()
print(f"{method}: {count} pages due within {max(declared.values()) - min(declared.values()) + 1} s; "
      f"lag from due to the stub: first {lags[0]:.3f} s, median {statistics.median(lags):.3f} s, "
      f"p99 {lags[int(0.99 * (len(lags) - 1))]:.3f} s, last {lags[-1]:.3f} s")
PY
