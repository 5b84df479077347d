#!/usr/bin/env python3
"""PagerDuty's Events API and Twilio's REST API, as far as the paging bench needs them: every
event answered 202 and every text or call 201, each appended to CALL_LOG as
`<unix seconds> <path> <body on one line>`. Not the tests' fakes (those check every field).

bench/provider_stub.py PORT CALL_LOG"""
import json
import sys
import time

from stub_http import FastHandler, serve

log = open(sys.argv[2], "a", buffering=1)


class Handler(FastHandler):

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        log.write("%.6f %s %s\n" % (time.time(), self.path, raw.decode("utf-8", "replace").replace("\n", " ")))
        if self.path.endswith("/v2/enqueue"):
            status, body = 202, {"status": "success", "message": "Event processed"}
        else:
            status, body = 201, {"sid": "SM%d" % time.time_ns(), "status": "queued"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


serve(int(sys.argv[1]), Handler)
