#!/usr/bin/env python3
"""Writes N signed slash-command requests (unique trigger ids, signed now with slack_sdk's
algorithm via hmac) as a Lua table for wrk: bench/slack_requests.py N SECRET OUT.lua"""
import hashlib
import hmac
import sys
import time
from urllib.parse import urlencode

n, secret, out = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]
ts = str(int(time.time()))


def lua(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Lua caps one function at 65,536 constants, so the table is built in chunks, each
# returned by a function of its own.
chunk = 10000
with open(out, "w") as f:
    f.write("local requests = {}\n")
    for start in range(0, n, chunk):
        f.write("for _, r in ipairs((function() return {\n")
        for i in range(start, min(n, start + chunk)):
            body = urlencode({"command": "/note", "text": "INC-1 bench finding %d" % i, "user_id": "U0ALICE01",
                              "channel_id": "C0LOBBY01", "trigger_id": "bench.%d" % i, "team_id": "T0TEAM001"})
            sig = "v0=" + hmac.new(secret, ("v0:%s:%s" % (ts, body)).encode(), hashlib.sha256).hexdigest()
            f.write("{%s,%s},\n" % (lua(body), lua(sig)))
        f.write("} end)()) do requests[#requests + 1] = r end\n")
    f.write("return requests, %s\n" % lua(ts))
