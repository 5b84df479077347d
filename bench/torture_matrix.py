#!/usr/bin/env python3
"""Torture on Matrix: `incident-bot serve` against a real Synapse that this script kills with
SIGKILL at random moments and starts again, while responders type `!note` commands in the
incident room (each re-sent with the same transaction id until Synapse takes it, as a client
does). At the end every note Synapse took is stored once by the bot and posted once in the
room: nothing lost, nothing repeated. Run with the Python that has matrix-synapse
(bench/torture_matrix.sh sets it up). Loopback only, bounded in time.

torture_matrix.py --bot BOT [--seconds 90] [--restarts 10] [--responders 4]"""
import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matrix_bench as mb  # noqa: E402  (the same Synapse set-up as the Matrix bench)


def restart(work, port_url):
    output = open(os.path.join(work, "synapse.out"), "a")
    process = subprocess.Popen([sys.executable, "-m", "synapse.app.homeserver", "--config-path",
                                os.path.join(work, "homeserver.yaml")], stdout=output, stderr=output)
    server = mb.Homeserver(port_url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            server.call("GET", "/_matrix/client/versions", timeout=2)
            return process
        except Exception:
            time.sleep(0.2)
    mb.fail("Synapse did not come back within 120 s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bot", required=True)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--restarts", type=int, default=10)
    parser.add_argument("--responders", type=int, default=4)
    args = parser.parse_args()
    random.seed(20261130)
    work = tempfile.mkdtemp(prefix="incident-bot-matrix-torture.")
    synapse, server, secret = mb.start_synapse(work)
    bot = None
    try:
        bot_user, bot_token = server.register("incident-bot", secret)
        people = {p: server.register(p, secret) for p in ["alice", "bob", "carol", "erin", "frank", "grace"]}
        responders = [server.register(f"responder{n:02d}", secret) for n in range(1, args.responders + 1)]
        with open(os.path.join(mb.REPO, "config", "roster.example.yaml")) as f:
            roster = f.read().replace(':example.org"', ':localhost"')
        with open(os.path.join(work, "roster.yaml"), "w") as f:
            f.write(roster)
        with open(os.path.join(work, "incident-bot.yaml"), "w") as f:
            f.write(f"policy: {mb.REPO}/config/policy.yaml\nroster: roster.yaml\nlog_level: warning\n"
                    f"commands_per_minute: 1000000\ndelivery:\n  retry_base: 1s\n  retry_ceiling: 4s\n"
                    f"matrix:\n  enabled: true\n  homeserver: {server.url}\n  sync_timeout: 5s\n")
        log = open(os.path.join(work, "bot.log"), "w")
        bot = subprocess.Popen([args.bot, "serve", "--config", os.path.join(work, "incident-bot.yaml"),
                                "--db", os.path.join(work, "bot.sqlite")], stdout=log, stderr=log,
                               env=dict(os.environ, MATRIX_ACCESS_TOKEN=bot_token))
        alice = people["alice"][1]
        room = mb.declare_target(server, bot_user, alice, bot, "Torture target", responders)

        taken, stop, lock = [], threading.Event(), threading.Lock()

        def respond(number, token):
            n = 0
            while not stop.is_set():
                n += 1
                note = f"torture-r{number:02d}-{n:05d}"
                path = "/_matrix/client/v3/rooms/%s/send/m.room.message/%s" % (urllib.parse.quote(room, safe=""), note)
                while not stop.is_set():
                    try:
                        server.call("PUT", path, token, body={"msgtype": "m.text", "body": "!note " + note}, timeout=5)
                        with lock:
                            taken.append(note)
                        break
                    except Exception:
                        time.sleep(0.3)  # Synapse is down: send it again, same transaction id
                time.sleep(random.uniform(0.1, 0.4))

        threads = [threading.Thread(target=respond, args=(n, token)) for n, (_, token) in enumerate(responders, 1)]
        for t in threads:
            t.start()
        restarts, end = 0, time.monotonic() + args.seconds
        while time.monotonic() < end or restarts < args.restarts:
            time.sleep(random.uniform(1, max(1.5, args.seconds / args.restarts - 5)))
            synapse.send_signal(signal.SIGKILL)
            synapse.wait()
            time.sleep(random.uniform(0, 2))
            synapse = restart(work, server.url)
            restarts += 1
        stop.set()
        for t in threads:
            t.join()

        database = os.path.join(work, "bot.sqlite")

        def settled():
            db = sqlite3.connect(database)
            notes = db.execute("SELECT count(*) FROM timeline WHERE incident = 1 AND kind = 'note'").fetchone()[0]
            pending = db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
            return notes >= len(taken) and pending == 0
        mb.wait_until("the bot catches up", settled, bot, seconds=240)
        time.sleep(3)
        stored = Counter(t for (t,) in sqlite3.connect(database).execute(
            "SELECT text FROM timeline WHERE incident = 1 AND kind = 'note'"))
        posted = Counter()
        since = None
        while True:
            query = {"dir": "b", "limit": "1000"}
            if since:
                query["from"] = since
            page = server.call("GET", f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/messages", alice, query=query)
            for event in page.get("chunk", []):
                body = event.get("content", {}).get("body", "")
                if event.get("sender") == bot_user:
                    for word in body.split():
                        if word.startswith("torture-r"):
                            posted[word.strip(".,")] += 1
            if not page.get("chunk") or page.get("end") in (None, since):
                break
            since = page["end"]
        missing = [n for n in taken if stored[n] == 0]
        doubled = [n for n, c in stored.items() if c > 1]
        missing_posts = [n for n in taken if posted[n] == 0]
        doubled_posts = [n for n, c in posted.items() if c > 1]
        print(f"Synapse restarts: {restarts} in {args.seconds:.0f} s, {args.responders} responders")
        print(f"notes taken by Synapse: {len(taken)}, stored: {sum(stored.values())} (missing {len(missing)}, twice {len(doubled)}), "
              f"posted by the bot: {sum(posted.values())} (missing {len(missing_posts)}, twice {len(doubled_posts)})")
        ok = not (missing or doubled or missing_posts or doubled_posts) and restarts >= args.restarts
        print("torture: " + ("PASS" if ok else f"FAIL (work folder kept: {work})"))
        return 0 if ok else 1
    finally:
        for child in (bot, synapse):
            if child and child.poll() is None:
                child.terminate()
                try:
                    child.wait(20)
                except subprocess.TimeoutExpired:
                    child.kill()


if __name__ == "__main__":
    sys.exit(main())
