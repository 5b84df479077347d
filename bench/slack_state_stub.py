#!/usr/bin/env python3
"""A stateful stand-in for Slack's Web API for the torture bench: channels (with creator and
creation time), name_taken, posts with message metadata, conversations.history and .list, so
the bot's own duplicate checks run against it as against Slack. GET /dump answers every post
as JSON, for the bench to count by outbox key. Loopback only; not the test fake (that one, in
Swift, checks every call against Slack's OpenAPI spec).

With LATENCY_MS, each chat.postMessage takes that long before it is carried out, as Slack
does in a bad hour, and is carried out even when the caller is gone by then (killed mid-call):
the case where a restarted bot's look at the channel may not find a post that lands after it.

bench/slack_state_stub.py PORT [LATENCY_MS]"""
import itertools
import json
import sys
import threading
import time
from urllib.parse import parse_qs, urlparse

from stub_http import FastHandler, serve

BOT = "UINCBOT01"
lock = threading.Lock()
ids = itertools.count(1)
channels = {}   # id -> {name, creator, created, members, im}
posts = []      # {channel, ts, text, metadata}


def new_id(prefix):
    return "%s%08d" % (prefix, next(ids))


def handle(method, a):
    if method == "auth.test":
        return {"team_id": "T0TEAM001", "user_id": BOT, "user": "incident-bot", "team": "Bench"}
    if method == "users.info":
        return {"user": {"id": a.get("user"), "deleted": False}}
    if method == "conversations.create":
        name = a.get("name", "")
        if any(c["name"] == name for c in channels.values()):
            return {"ok": False, "error": "name_taken"}
        cid = new_id("C")
        channels[cid] = {"name": name, "creator": BOT, "created": int(time.time()), "members": {BOT}, "im": False}
        return {"channel": {"id": cid, "name": name}}
    if method == "conversations.list":
        found = [{"id": cid, "name": c["name"], "creator": c["creator"], "created": c["created"], "is_archived": False}
                 for cid, c in sorted(channels.items()) if not c["im"]]
        return {"channels": found, "response_metadata": {"next_cursor": ""}}
    if method == "conversations.open":
        user = a.get("users", "")
        for cid, c in channels.items():
            if c["im"] and user in c["members"]:
                return {"channel": {"id": cid}}
        cid = new_id("D")
        channels[cid] = {"name": "", "creator": BOT, "created": int(time.time()), "members": {BOT, user}, "im": True}
        return {"channel": {"id": cid}}
    channel = channels.get(a.get("channel", ""))
    if method == "conversations.join":
        if channel is None:
            channels[a["channel"]] = channel = {"name": a["channel"], "creator": "U0HUMAN01", "created": 0, "members": set(), "im": False}
        channel["members"].add(BOT)
        return {"channel": {"id": a["channel"]}}
    if channel is None:
        if method in ("chat.postMessage", "conversations.history", "conversations.setTopic", "conversations.invite"):
            # The broadcast channel exists before the bot: create it on first sight, bot outside.
            channels[a["channel"]] = channel = {"name": a["channel"], "creator": "U0HUMAN01", "created": 0, "members": set(), "im": False}
        else:
            return {"ok": False, "error": "channel_not_found"}
    if BOT not in channel["members"] and method in ("chat.postMessage", "conversations.history", "conversations.setTopic"):
        return {"ok": False, "error": "not_in_channel"}
    if method == "conversations.setTopic" or method == "conversations.invite":
        for user in a.get("users", "").split(","):
            if user:
                channel["members"].add(user)
        return {"channel": {"id": a["channel"]}}
    if method == "chat.postMessage":
        ts = "%d.%06d" % (time.time(), next(ids))
        metadata = json.loads(a["metadata"]) if "metadata" in a else None
        posts.append({"channel": a["channel"], "ts": ts, "text": a.get("text", ""), "metadata": metadata})
        return {"channel": a["channel"], "ts": ts}
    if method == "chat.postEphemeral":
        return {"message_ts": "1.0"}
    if method == "chat.update":
        return {"channel": a["channel"], "ts": a.get("ts")}
    if method == "conversations.history":
        limit = int(a.get("limit", "100"))
        mine = [p for p in posts if p["channel"] == a["channel"]][-limit:][::-1]
        with_metadata = a.get("include_all_metadata") in ("true", "1")
        return {"messages": [dict({"ts": p["ts"], "text": p["text"]}, **({"metadata": p["metadata"]} if with_metadata and p["metadata"] else {}))
                             for p in mine]}
    return {"ok": False, "error": "unknown_method"}


class Handler(FastHandler):

    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/dump":
            with lock:
                return self.answer({"posts": posts, "channels": [dict(c, id=cid, members=sorted(c["members"])) for cid, c in channels.items()]})
        self.do_POST(query=parse_qs(url.query))

    def do_POST(self, query=None):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        fields = query if query is not None else parse_qs(raw.decode("utf-8", "replace"))
        a = {k: v[0] for k, v in fields.items()}
        method = urlparse(self.path).path.rsplit("/", 1)[-1]
        if method == "chat.postMessage" and latency > 0:
            time.sleep(latency)
        with lock:
            body = handle(method, a)
        body.setdefault("ok", True)
        self.answer(body)

latency = (float(sys.argv[2]) if len(sys.argv) > 2 else 0.0) / 1000
serve(int(sys.argv[1]), Handler)
