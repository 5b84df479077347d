#!/usr/bin/env python3
"""Torture of replicas: two `incident-bot serve` processes on one PostgreSQL database take
signed slash commands from several clients (each sent to either replica, as a load balancer
would) while this script, at random moments, kills one with SIGKILL (and starts it again) or
pauses one with SIGSTOP for up to twice the takeover time (then SIGCONT), the leader as often
as the standby. At the end: every command answered 200 is stored exactly once, no command is
stored twice, every outbox item delivered reached the Slack stub exactly once (by the outbox
key in its message metadata; a paused leader that wakes after its lease must send nothing),
nothing is left pending or failed, and there is one incident channel. Loopback only.

Started by bench/torture_replicas.sh, which starts the PostgreSQL cluster:
bench/torture_replicas.py BOT REPO DATABASE_URL PG_PORT WORK [SECONDS [CLIENTS [MIN_FAULTS]]]"""
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

from torture_checks import NoteClients, config, send, verify

bot_binary, repo, database_url, pg_port, work = sys.argv[1:6]
seconds = float(sys.argv[6]) if len(sys.argv) > 6 else 120
clients = int(sys.argv[7]) if len(sys.argv) > 7 else 4
min_faults = int(sys.argv[8]) if len(sys.argv) > 8 else 30
takeover = 3.0
secret = b"torture-signing-secret"
api_port = 38381
bot_ports, admin_ports = [38382, 38383], [38384, 38385]
random.seed(int(os.environ.get("TORTURE_SEED", "20261201")))

for n in (0, 1):
    with open(os.path.join(work, "replica-%d.yaml" % n), "w") as f:
        f.write(config(repo, bot_ports[n], "127.0.0.1:%d" % admin_ports[n],
                       database=f"database:\n  url: {database_url}\n  takeover: {int(takeover)}s\n"))
stub = subprocess.Popen([sys.executable, os.path.join(repo, "bench", "slack_state_stub.py"), str(api_port)])
logs = [open(os.path.join(work, "replica-%d.log" % n), "a") for n in (0, 1)]
environment = dict(os.environ, SLACK_BOT_TOKEN="xoxb-torture", SLACK_SIGNING_SECRET=secret.decode(),
                   SLACK_API_URL=f"http://127.0.0.1:{api_port}")


def sql(query):
    """Rows of a query on the bench database, fields split on the unit separator."""
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", pg_port, "-U", "postgres", "-d", "bench", "-At", "-F", "\x1f",
                          "-c", query], check=True, capture_output=True, text=True).stdout
    return [line.split("\x1f") for line in out.splitlines() if line]


def get(port, path, timeout=1.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path)
    answer = conn.getresponse()
    return answer.status, answer.read().decode("utf-8", "replace")


def start(n):
    process = subprocess.Popen([bot_binary, "serve", "--config", os.path.join(work, "replica-%d.yaml" % n)],
                               stdout=logs[n], stderr=logs[n], env=environment)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if get(bot_ports[n], "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.05)
    raise SystemExit("torture: replica %d did not come up; see %s" % (n, os.path.join(work, "replica-%d.log" % n)))


def role(n):
    try:
        status, text = get(admin_ports[n], "/readyz")
        return next((line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("role: ")), None)
    except (OSError, http.client.HTTPException):
        return None


replicas = [start(0), start(1)]
status, text = send(bot_ports[0], secret, "/incident", "declare Torture target --sev P1", "torture.declare")
assert status == 200 and "INC-1" in text, (status, text)

clients_sending = NoteClients(clients, lambda: random.choice(bot_ports), secret)
faults = Counter()
end = time.time() + seconds
while time.time() < end or sum(faults.values()) < min_faults:
    time.sleep(random.uniform(0.3, 2.0))
    leader = next((n for n in (0, 1) if role(n) == "leader"), None)
    n = leader if leader is not None and random.random() < 0.5 else random.choice((0, 1))
    who = "leader" if n == leader else "standby"
    if random.random() < 0.6:
        replicas[n].send_signal(signal.SIGKILL)
        replicas[n].wait()
        time.sleep(random.uniform(0, 1.0))
        replicas[n] = start(n)
        faults["killed " + who] += 1
    else:
        replicas[n].send_signal(signal.SIGSTOP)
        paused = random.uniform(0.5, 2 * takeover)
        time.sleep(paused)
        replicas[n].send_signal(signal.SIGCONT)
        faults[("paused %s past its lease" if paused > takeover else "paused %s within its lease") % who] += 1
clients_sending.stop()
sent, acknowledged = clients_sending.sent, clients_sending.acknowledged

# Let the replicas finish what the faults left (a standby takes over within `takeover`), then
# stop both cleanly.
deadline = time.time() + 300
while time.time() < deadline:
    if int(sql("SELECT count(*) FROM outbox WHERE state = 'pending'")[0][0]) == 0:
        break
    time.sleep(0.5)
for process in replicas:
    process.send_signal(signal.SIGTERM)
for process in replicas:
    process.wait()

stored = Counter(text for (text,) in sql("SELECT text FROM timeline WHERE incident = 1 AND kind = 'note'"))
outbox = [tuple(row) for row in sql("SELECT key, state, job FROM outbox WHERE platform = 'slack'")]
conn = http.client.HTTPConnection("127.0.0.1", api_port, timeout=10)
conn.request("GET", "/dump")
dump = json.loads(conn.getresponse().read())
stub.terminate()
print("faults: %d in %.0f s (%s), %d clients" % (sum(faults.values()), seconds,
                                                 ", ".join("%s %d" % (k, v) for k, v in sorted(faults.items())), clients))
ok = verify(stored, outbox, dump, sent, acknowledged) and sum(faults.values()) >= min_faults
print("torture: " + ("PASS" if ok else "FAIL (logs in %s)" % work))
sys.exit(0 if ok else 1)
