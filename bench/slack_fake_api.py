#!/usr/bin/env python3
"""A minimal stand-in for Slack's Web API for benchmarks: answers every method ok, with a
fresh channel id for conversations.create/open. Not the test fake (that one checks every
call); this one only keeps the outbox from retrying while the endpoint is measured.

bench/slack_fake_api.py PORT [DELAY_MS [CALL_LOG]]: each call waits DELAY_MS first (Slack's
own latency; default 0), and with CALL_LOG each call is appended to that file as
`<unix seconds> <method> <first 60 characters of its text>`, for the flood bench."""
import itertools
import json
import sys
import threading
import time
from urllib.parse import parse_qs

from stub_http import FastHandler, serve

ids = itertools.count(1)
delay = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.0
log = open(sys.argv[3], "a", buffering=1) if len(sys.argv) > 3 else None
lock = threading.Lock()


class Handler(FastHandler):

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if delay:
            time.sleep(delay)
        n = next(ids)
        method = self.path.split("?")[0].rsplit("/", 1)[-1]
        if log:
            fields = parse_qs(raw.decode("utf-8", "replace"))
            text = (fields.get("text") or [""])[0].replace("\n", " ")[:60]
            with lock:
                log.write("%.3f %s %s\n" % (time.time(), method, text))
        body = json.dumps({"ok": True, "channel": {"id": "C%08d" % n, "name": "c%d" % n}, "ts": "1.%06d" % n,
                           "team_id": "T0TEAM001", "user_id": "UINCBOT01"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST


serve(int(sys.argv[1]), Handler)
