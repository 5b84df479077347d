"""What the Slack torture benches share (bench/torture_slack.py, bench/torture_replicas.py):
the bot's config, a signed slash command, the clients that send notes through the faults, and the end checks over what was stored, what the outbox holds and
what the Slack stub received."""
import hashlib
import hmac
import http.client
import random
import threading
import time
from collections import Counter
from urllib.parse import urlencode


def send(port, secret, command, text, trigger, timeout=5):
    """Posts a slash command signed as Slack signs; returns (status, body). Gives up (raises
    TimeoutError) after `timeout` seconds."""
    body = urlencode({"command": command, "text": text, "user_id": "U0ALICE01", "channel_id": "C0LOBBY01",
                      "team_id": "T0TEAM001", "trigger_id": trigger})
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(secret, ("v0:%s:%s" % (ts, body)).encode(), hashlib.sha256).hexdigest()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", "/slack/events", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                 "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
    answer = conn.getresponse()
    return answer.status, answer.read().decode("utf-8", "replace")


def config(repo, http_port, admin_listen, database=""):
    """The bot's config for a torture run: the shipped policy and example roster, Slack on
    `http_port`, no per-person limit (the clients are bots by design), quick retries;
    `database` is the YAML of a `database:` section, or nothing for the default SQLite."""
    return f"""policy: {repo}/config/policy.yaml
roster: {repo}/config/roster.example.yaml
log_level: warning
commands_per_minute: 1000000   # the clients are bots by design here
broadcast:
  slack: C0BROADCAST
{database}delivery:
  retry_base: 1s
  retry_ceiling: 2s
admin:
  listen: {admin_listen}
http:
  listen: 127.0.0.1:{http_port}
slack:
  enabled: true
  allowed_teams: [T0TEAM001]
"""


class NoteClients:
    """`count` clients, each sending `/note INC-1 torture note c<k>-<n>` to `port()` every 20 to
    60 ms until stopped. A note is sent before it is tried; it is acknowledged on a 200 "Noted"
    answer. A refused connection or a cut-off answer (the bot down or paused) leaves the note
    neither acknowledged nor known lost: it may or may not have been stored."""

    def __init__(self, count, port, secret):
        self.sent, self.acknowledged = [], []
        self._stop = threading.Event()
        self._record = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(k, port, secret)) for k in range(count)]
        for t in self._threads:
            t.start()

    def _run(self, k, port, secret):
        n = 0
        while not self._stop.is_set():
            n += 1
            note = "torture note c%d-%d" % (k, n)
            with self._record:
                self.sent.append(note)
            try:
                status, text = send(port(), secret, "/note", "INC-1 " + note, "torture.%d.%d" % (k, n))
                if status == 200 and "Noted" in text:
                    with self._record:
                        self.acknowledged.append(note)
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
            time.sleep(random.uniform(0.02, 0.06))

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join()


def verify(stored, outbox, dump, sent, acknowledged):
    """Prints the counts and returns whether every acknowledged note is stored once, every
    delivered post or page reached the stub once, nothing is pending or failed, and there is one
    incident channel. `stored` counts note texts; `outbox` is (key, state, job) rows."""
    # A post's metadata carries its send key, `OUTBOX-KEY/<32 hex digits>` (SendIdentity): counted
    # by the outbox key in front of it. Counted whole, every delivered post read as missing.
    def outbox_key(send_key):
        return send_key.rsplit("/", 1)[0] if send_key and "@" in send_key else send_key
    posted = Counter(outbox_key((p["metadata"] or {}).get("event_payload", {}).get("key")) for p in dump["posts"])
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
