"""What the Slack torture benches share (bench/torture_slack.py, bench/torture_replicas.py):
a signed slash command, and the end checks over what was stored, what the outbox holds and
what the Slack stub received."""
import hashlib
import hmac
import http.client
import time
from collections import Counter
from urllib.parse import urlencode


def send(port, secret, command, text, trigger):
    """Posts a slash command signed as Slack signs; returns (status, body)."""
    body = urlencode({"command": command, "text": text, "user_id": "U0ALICE01", "channel_id": "C0LOBBY01",
                      "team_id": "T0TEAM001", "trigger_id": trigger})
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(secret, ("v0:%s:%s" % (ts, body)).encode(), hashlib.sha256).hexdigest()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("POST", "/slack/events", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
    answer = conn.getresponse()
    return answer.status, answer.read().decode("utf-8", "replace")


def verify(stored, outbox, dump, sent, acknowledged):
    """Prints the counts and returns whether every acknowledged note is stored once, every
    delivered post or page reached the stub once, nothing is pending or failed, and there is one
    incident channel. `stored` counts note texts; `outbox` is (key, state, job) rows."""
    posted = Counter((p["metadata"] or {}).get("event_payload", {}).get("key") for p in dump["posts"])
    posts_expected = [key for key, state, job in outbox
                      if state == "delivered" and ('"post"' in job or '"page"' in job or '"directMessage"' in job)]
    failed = [key for key, state, _ in outbox if state == "failed"]
    pending = [key for key, state, _ in outbox if state == "pending"]
    missing_notes = [n for n in acknowledged if stored[n] == 0]
    doubled_notes = [n for n, c in stored.items() if c > 1]
    missing_posts = [k for k in posts_expected if posted[k] == 0]
    doubled_posts = [k for k, c in posted.items() if k and c > 1]
    pages = [key for key, state, job in outbox if '"page"' in job]
    incident_channels = [c for c in dump["channels"] if c["name"].startswith("incident-")]
    print("notes sent: %d, answered 200: %d, stored: %d (acknowledged but missing: %d, stored twice: %d)"
          % (len(sent), len(acknowledged), sum(stored.values()), len(missing_notes), len(doubled_notes)))
    print("outbox items delivered to the stub: %d posts and pages (missing: %d, posted twice: %d), failed: %d, pending: %d"
          % (len(posts_expected), len(missing_posts), len(doubled_posts), len(failed), len(pending)))
    print("pages: %d, incident channels: %d" % (len(pages), len(incident_channels)))
    for key in doubled_posts[:5]:
        print("  posted twice: %s" % key)
    return not missing_notes and not doubled_notes and not missing_posts and not doubled_posts and not pending \
        and not failed and len(incident_channels) == 1
