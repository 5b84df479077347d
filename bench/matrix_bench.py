"""Commands per second and command-to-reply latency of `incident-bot serve` through a real
Synapse homeserver. Run by bench/matrix.sh with the Synapse test venv's Python (stdlib only).

Setup: Synapse on 127.0.0.1 from the tests' config templates (Tests/MatrixSynapse/config,
rate limits raised so the limiter is not what is measured), the bot registered and started
with its access token, a P3 incident declared from a lobby, and RESPONDERS users joined to the
incident room. Each command is `!note bench-rNN-NNNNNN` typed in the incident room; its reply
is the bot's `📝 Note from ...: bench-rNN-NNNNNN` notice there, seen by an observer's /sync.
Latency is from just before the responder's PUT /send to the moment the observer's /sync
hands back the reply: the homeserver, the bot's /sync, its SQLite commit, its delivery and
the homeserver again are all in it.

Runs:
  Synapse alone  one responder types plain text (`echo TOKEN`, not a command) and waits until
         the observer sees it: the homeserver's own round trip, for comparison;
  paced  each responder types its next command once it has seen the reply to the last (how
         people type), for 1 and for 10 responders;
  burst  each of 10 responders sends its commands without waiting, as fast as Synapse takes
         them; commands/s is from the first send to the last reply.

At the end every command must have exactly one reply and one note in the database, or the
run fails.
"""

import argparse
import datetime
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(REPO, "Tests", "MatrixSynapse", "config")
TOKEN = re.compile(r"bench-r\d+-\d+")


def fail(message):
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(1)


class Homeserver:
    def __init__(self, url):
        self.url = url

    def call(self, method, path, token=None, body=None, query=None, timeout=60):
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path}: HTTP {error.code} {error.read()[:200]!r}") from None

    def register(self, localpart, secret):
        path = "/_synapse/admin/v1/register"
        nonce = self.call("GET", path)["nonce"]
        password = uuid.uuid4().hex
        message = "\0".join([nonce, localpart, password, "notadmin"]).encode()
        mac = hmac.new(secret.encode(), message, hashlib.sha1).hexdigest()
        answer = self.call("POST", path, body={"nonce": nonce, "username": localpart, "password": password,
                                              "mac": mac, "admin": False})
        return answer["user_id"], answer["access_token"]


def template(name, values):
    with open(os.path.join(TEMPLATES, name)) as file:
        text = file.read()
    for key, value in values.items():
        text = text.replace("{{%s}}" % key, value)
    if "{{" in text:
        fail(f"{name}: a placeholder has no value")
    return text


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_synapse(work):
    port = free_port()
    secret = uuid.uuid4().hex
    values = {"server_name": "localhost", "port": str(port), "dir": work, "shared_secret": secret,
              "macaroon_secret": uuid.uuid4().hex, "form_secret": uuid.uuid4().hex}
    config = os.path.join(work, "homeserver.yaml")
    with open(config, "w") as file:
        file.write(template("homeserver.yaml", values) + "\n" + template("rate-limits-raised.yaml", values))
    with open(os.path.join(work, "log.yaml"), "w") as file:
        file.write(template("log.yaml", values))
    subprocess.run([sys.executable, "-m", "synapse.app.homeserver", "--config-path", config, "--generate-keys"],
                   check=True, stdout=subprocess.DEVNULL)
    output = open(os.path.join(work, "synapse.out"), "w")
    process = subprocess.Popen([sys.executable, "-m", "synapse.app.homeserver", "--config-path", config],
                               stdout=output, stderr=output)
    server = Homeserver(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail("Synapse exited at start; see " + os.path.join(work, "homeserver.log"))
        try:
            server.call("GET", "/_matrix/client/versions", timeout=2)
            return process, server, secret
        except Exception:
            time.sleep(0.2)
    fail("Synapse did not answer within 120 s")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Observer(threading.Thread):
    """Long-polls /sync as a member of the incident room and records when each reply arrives."""

    def __init__(self, server, token, room, bot):
        super().__init__(daemon=True)
        self.server, self.token, self.room, self.bot = server, token, room, bot
        self.lock = threading.Condition()
        self.replies = {}          # bench token -> monotonic time its (first) reply was seen
        self.echoes = {}           # bench token of a plain message -> when the message was seen
        self.duplicates = 0
        self.error = None
        self.filter = json.dumps({
            "presence": {"types": []}, "account_data": {"types": []},
            "room": {"rooms": [room], "state": {"types": []}, "ephemeral": {"types": []},
                     "account_data": {"types": []},
                     "timeline": {"types": ["m.room.message"], "limit": 5000}},
        })
        self.since = self.server.call("GET", "/_matrix/client/v3/sync", token,
                                      query={"filter": self.filter, "timeout": "0"})["next_batch"]

    def run(self):
        try:
            self.follow()
        except BaseException as error:  # noqa: BLE001 -- handed to the waiting thread
            with self.lock:
                self.error = error
                self.lock.notify_all()

    def follow(self):
        while True:
            answer = self.server.call("GET", "/_matrix/client/v3/sync", self.token,
                                      query={"filter": self.filter, "timeout": "5000", "since": self.since})
            arrived = time.monotonic()
            self.since = answer["next_batch"]
            timeline = answer.get("rooms", {}).get("join", {}).get(self.room, {}).get("timeline", {})
            if timeline.get("limited"):
                raise RuntimeError("the observer's sync was cut short; raise its limit")
            with self.lock:
                for event in timeline.get("events", []):
                    body = event.get("content", {}).get("body", "")
                    found = TOKEN.search(body)
                    if not found:
                        continue
                    if event.get("sender") != self.bot:
                        if body.startswith("echo "):
                            self.echoes[found.group(0)] = arrived
                    elif found.group(0) in self.replies:
                        self.duplicates += 1
                    else:
                        self.replies[found.group(0)] = arrived
                self.lock.notify_all()

    def wait_for(self, tokens, seconds, echo=False):
        seen = self.echoes if echo else self.replies
        deadline = time.monotonic() + seconds
        with self.lock:
            while not all(token in seen for token in tokens):
                if self.error:
                    fail(f"the observer failed: {self.error}")
                left = deadline - time.monotonic()
                if left <= 0:
                    missing = [token for token in tokens if token not in seen]
                    fail(f"{len(missing)} commands got no reply within {seconds} s, e.g. {missing[:3]}")
                self.lock.wait(left)


class Responder:
    def __init__(self, number, server, user, token, room):
        self.number, self.server, self.user, self.token, self.room = number, server, user, token, room
        self.sent = {}             # bench token -> monotonic time just before its PUT
        self.count = 0

    def send(self, echo=False):
        """Types `!note TOKEN`, or with `echo` the plain text `echo TOKEN`, which the bot ignores."""
        self.count += 1
        token = f"bench-r{self.number:02d}-{self.count:06d}"
        path = "/_matrix/client/v3/rooms/%s/send/m.room.message/%s" % (
            urllib.parse.quote(self.room, safe=""), token)
        self.sent[token] = time.monotonic()
        self.server.call("PUT", path, self.token, body={"msgtype": "m.text", "body": ("echo " if echo else "!note ") + token})
        return token


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(name, responders, per_responder, observer, paced, pids, echo=False):
    cpu_before = {what: cpu_seconds(pid) for what, pid in pids.items()}
    sent = []
    errors = []

    def type_commands(responder):
        try:
            for _ in range(per_responder):
                token = responder.send(echo)
                sent.append(token)
                if paced:
                    observer.wait_for([token], 60, echo)
        except BaseException as error:  # noqa: BLE001 -- reported below
            errors.append(error)

    started = time.monotonic()
    threads = [threading.Thread(target=type_commands, args=(responder,)) for responder in responders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        fail(f"{name}: a responder failed: {errors[0]}")
    observer.wait_for(sent, 120, echo)
    seen = observer.echoes if echo else observer.replies
    sent_at = {token: at for responder in responders for token, at in responder.sent.items()}
    finished = max(seen[token] for token in sent)
    latencies = [(seen[token] - sent_at[token]) * 1000 for token in sent]
    elapsed = finished - started
    cpu = {what: cpu_seconds(pid) - cpu_before[what] for what, pid in pids.items()}
    return {
        "run": name, "responders": len(responders), "commands": len(sent), "seconds": elapsed,
        "per_second": len(sent) / elapsed,
        "p50": percentile(latencies, 0.50), "p90": percentile(latencies, 0.90),
        "p99": percentile(latencies, 0.99), "max": max(latencies),
        "bot_cpu_ms": cpu["bot"] * 1000 / len(sent), "synapse_cpu_ms": cpu["synapse"] * 1000 / len(sent),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bot", required=True, help="the incident-bot executable")
    parser.add_argument("--commands", type=int, default=200, help="commands per run (default 200)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="incident-bot-matrix-bench.")
    children = []
    try:
        synapse, server, secret = start_synapse(work)
        children.append(synapse)
        bot_user, bot_token = server.register("incident-bot", secret)
        people = {}
        for person in ["alice", "bob", "carol", "erin", "frank", "grace"]:
            people[person] = server.register(person, secret)
        responders_users = [server.register(f"responder{n:02d}", secret) for n in range(1, 11)]

        with open(os.path.join(REPO, "config", "roster.example.yaml")) as file:
            roster = file.read().replace(':example.org"', ':localhost"')
        with open(os.path.join(work, "roster.yaml"), "w") as file:
            file.write(roster)
        with open(os.path.join(work, "incident-bot.yaml"), "w") as file:
            file.write(f"policy: {REPO}/config/policy.yaml\nroster: roster.yaml\nlog_level: warning\ncommands_per_minute: 1000000\n"
                       f"matrix:\n  enabled: true\n  homeserver: {server.url}\n")
        log = open(os.path.join(work, "bot.log"), "w")
        environment = dict(os.environ, MATRIX_ACCESS_TOKEN=bot_token)
        bot = subprocess.Popen([args.bot, "serve", "--config", os.path.join(work, "incident-bot.yaml"),
                                "--db", os.path.join(work, "bot.sqlite")], stdout=log, stderr=log, env=environment)
        children.append(bot)

        # The lobby, the bot in it, and INC-1 declared with alice as its IC.
        alice = people["alice"][1]
        room = declare_target(server, bot_user, alice, bot, "Bench target", responders_users)

        observer = Observer(server, alice, room, bot_user)
        observer.start()
        responders = [Responder(n, server, user, token, room) for n, (user, token) in enumerate(responders_users, 1)]
        pids = {"bot": bot.pid, "synapse": synapse.pid}
        measure("warm-up", responders, 2, observer, True, pids)

        results = [
            measure("Synapse alone, paced", responders[:1], args.commands, observer, True, pids, echo=True),
            measure("paced, 1 responder", responders[:1], args.commands, observer, True, pids),
            measure("paced, 10 responders", responders, args.commands // 10, observer, True, pids),
            measure("burst, 10 responders", responders, args.commands // 10, observer, False, pids),
        ]
        sent = sum(responder.count for responder in responders) - args.commands  # the echoes are not commands
        time.sleep(1)  # a duplicate reply would arrive by now
        database = sqlite3.connect(os.path.join(work, "bot.sqlite"))
        notes = database.execute("SELECT count(*) FROM timeline WHERE incident = 1 AND kind = 'note'").fetchone()[0]
        if observer.duplicates or notes != sent:
            fail(f"{sent} commands typed, {notes} notes stored, {observer.duplicates} replies repeated")

        print(f"\n{'run':<22} {'commands':>8} {'cmd/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7}"
              f" {'bot CPU ms/cmd':>15} {'Synapse CPU ms/cmd':>19}")
        for r in results:
            print(f"{r['run']:<22} {r['commands']:>8} {r['per_second']:>7.1f} {r['p50']:>7.1f} {r['p90']:>7.1f}"
                  f" {r['p99']:>7.1f} {r['max']:>7.1f} {r['bot_cpu_ms']:>15.2f} {r['synapse_cpu_ms']:>19.2f}")
        print(f"\nall {sent} commands (warm-up included) answered once; {notes} notes on INC-1")
    finally:
        for child in reversed(children):
            child.terminate()
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
        if os.environ.get("BENCH_KEEP"):
            print(f"bench: logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def join(server, token, room):
    try:
        server.call("POST", f"/_matrix/client/v3/join/{urllib.parse.quote(room)}", token, body={})
        return True
    except RuntimeError:
        return False


def declare_target(server, bot_user, alice, bot, title, responders):
    """Alice opens a lobby with the bot, declares a P3 named `title` with herself as IC, and
    joins its room with every (user, token) in `responders`; returns the room id."""
    lobby = server.call("POST", "/_matrix/client/v3/createRoom", alice,
                        body={"preset": "private_chat", "invite": [bot_user]})["room_id"]
    wait_until("the bot joins the lobby", lambda: bot_user in server.call(
        "GET", f"/_matrix/client/v3/rooms/{urllib.parse.quote(lobby)}/joined_members", alice)["joined"], bot)
    server.call("PUT", f"/_matrix/client/v3/rooms/{urllib.parse.quote(lobby)}/send/m.room.message/declare", alice,
                body={"msgtype": "m.text", "body": f"!incident declare {title} --sev P3 --ic @alice"})
    slug = "-".join(title.lower().split())
    alias = "#incident-%s-%s:localhost" % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d"), slug)

    def resolved():
        try:
            return server.call("GET", "/_matrix/client/v3/directory/room/" + urllib.parse.quote(alias), alice)["room_id"]
        except RuntimeError:
            return None
    room = wait_until("the incident room exists", resolved, bot)
    wait_until("alice can join the incident room", lambda: join(server, alice, room), bot)
    for user, token in responders:
        server.call("POST", f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/invite", alice, body={"user_id": user})
        server.call("POST", f"/_matrix/client/v3/join/{urllib.parse.quote(room)}", token, body={})
    return room


def wait_until(what, probe, bot, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if bot.poll() is not None:
            fail(f"the bot exited ({bot.returncode}) before {what}")
        value = probe()
        if value:
            return value
        time.sleep(0.1)
    fail(f"timed out waiting until {what}")


if __name__ == "__main__":
    main()
