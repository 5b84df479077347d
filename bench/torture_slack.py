#!/usr/bin/env python3
"""Torture: `incident-bot serve` with Slack takes signed slash commands from several clients
while this script kills it with SIGKILL at random moments and starts it again. At the end:
every command answered 200 is stored exactly once, no command is stored twice, and every
outbox item reached the Slack stub exactly once (counted by the outbox key each post carries
in its message metadata): no page missing, none doubled. Loopback only, bounded in time.

bench/torture_slack.py BOT_BINARY REPO [SECONDS [CLIENTS [MIN_KILLS]]]"""
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter

from torture_checks import NoteClients, config, send, verify

bot_binary, repo = sys.argv[1], sys.argv[2]
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60
clients = int(sys.argv[4]) if len(sys.argv) > 4 else 4
min_kills = int(sys.argv[5]) if len(sys.argv) > 5 else 20
secret = b"torture-signing-secret"
bot_port, api_port = 38280, 38281
work = tempfile.mkdtemp(prefix="incident-bot-torture-")
database = os.path.join(work, "bot.sqlite")
random.seed(20261130)

with open(os.path.join(work, "incident-bot.yaml"), "w") as f:
    f.write(config(repo, bot_port, "127.0.0.1:0"))
# BENCH_SLACK_LATENCY_MS: Slack takes this long to post, and posts for a caller killed meanwhile.
stub = subprocess.Popen([sys.executable, os.path.join(repo, "bench", "slack_state_stub.py"), str(api_port),
                         os.environ.get("BENCH_SLACK_LATENCY_MS", "0")])
log = open(os.path.join(work, "bot.log"), "a")
environment = dict(os.environ, SLACK_BOT_TOKEN="xoxb-torture", SLACK_SIGNING_SECRET=secret.decode(),
                   SLACK_API_URL=f"http://127.0.0.1:{api_port}")


def start_bot():
    process = subprocess.Popen([bot_binary, "serve", "--config", os.path.join(work, "incident-bot.yaml"), "--db", database],
                               stdout=log, stderr=log, env=environment)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", bot_port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.05)
    raise SystemExit("torture: the bot did not come up; see " + os.path.join(work, "bot.log"))


bot = start_bot()
status, text = send(bot_port, secret, "/incident", "declare Torture target --sev P1", "torture.declare")
assert status == 200 and "INC-1" in text, (status, text)

clients_sending = NoteClients(clients, lambda: bot_port, secret)
kills = 0
end = time.time() + seconds
while time.time() < end or kills < min_kills:
    time.sleep(random.uniform(0.5, max(0.6, seconds / (min_kills * 1.5))))
    bot.send_signal(signal.SIGKILL)
    bot.wait()
    kills += 1
    bot = start_bot()
clients_sending.stop()
sent, acknowledged = clients_sending.sent, clients_sending.acknowledged

# Let delivery finish what the kills left, then stop cleanly.
deadline = time.time() + 300
while time.time() < deadline:
    pending = sqlite3.connect(database).execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    if pending == 0:
        break
    time.sleep(0.5)
bot.send_signal(signal.SIGTERM)
bot.wait()

db = sqlite3.connect(database)
stored = Counter(t for (t,) in db.execute("SELECT text FROM timeline WHERE incident = 1 AND kind = 'note'"))
outbox = db.execute("SELECT key, state, job FROM outbox JOIN outbox_job USING (id) WHERE platform = 'slack'").fetchall()
conn = http.client.HTTPConnection("127.0.0.1", api_port, timeout=10)
conn.request("GET", "/dump")
dump = json.loads(conn.getresponse().read())
stub.terminate()
print("kills: %d in %.0f s, %d clients" % (kills, seconds, clients))
ok = verify(stored, outbox, dump, sent, acknowledged) and kills >= min_kills
print("torture: " + ("PASS" if ok else "FAIL (work folder kept: %s)" % work))
sys.exit(0 if ok else 1)
