#!/usr/bin/env python3
"""Sends signed slash commands to `incident-bot serve` over keep-alive connections, as Slack
would (HMAC-SHA256 over v0:timestamp:body, the slack_sdk algorithm), and prints when the last
answer arrived. Used by bench/flood.sh and bench/shutdown.sh.

bench/signed_commands.py URL SECRET CONNECTIONS COMMAND TEXT_TEMPLATE COUNT
  each request is COMMAND with TEXT_TEMPLATE % i as its text, from U0ERIN005 in C0LOBBY01."""
import hashlib
import hmac
import http.client
import sys
import threading
import time
from urllib.parse import urlencode, urlparse

url, secret, connections, command, template, count = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
target = urlparse(url)
failures = []


def send(indexes):
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    for i in indexes:
        body = urlencode({"command": command, "text": template % i if "%" in template else template,
                          "user_id": "U0ERIN005", "channel_id": "C0LOBBY01", "team_id": "T0TEAM001",
                          "trigger_id": "bench.%s.%d.%d" % (command.strip("/"), i, time.time_ns())})
        ts = str(int(time.time()))
        sig = "v0=" + hmac.new(secret, ("v0:%s:%s" % (ts, body)).encode(), hashlib.sha256).hexdigest()
        conn.request("POST", target.path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
        answer = conn.getresponse()
        text = answer.read()
        if answer.status != 200:
            failures.append((answer.status, text[:80]))
    conn.close()


threads = [threading.Thread(target=send, args=(range(k, count, connections),)) for k in range(connections)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("%.3f" % time.time())
if failures:
    print("failures: %d, first %r" % (len(failures), failures[0]), file=sys.stderr)
    sys.exit(1)
