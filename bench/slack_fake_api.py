#!/usr/bin/env python3
"""A minimal stand-in for Slack's Web API for benchmarks: answers every method ok, with a
fresh channel id for conversations.create/open. Not the test fake (that one checks every
call); this one only keeps the outbox from retrying while the endpoint is measured."""
import itertools
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ids = itertools.count(1)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        n = next(ids)
        body = json.dumps({"ok": True, "channel": {"id": "C%08d" % n, "name": "c%d" % n}, "ts": "1.%06d" % n}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
