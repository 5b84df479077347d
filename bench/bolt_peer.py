#!/usr/bin/env python3
"""The peer a bot author would pick instead: Bolt for Python (async, on aiohttp), with its own
signature check, acknowledging each slash command after one durable SQLite insert (WAL,
synchronous=FULL, as incident-bot's store). Its Web API client (auth.test, once) points at the
stub Web API. Usage: bolt_peer.py PORT DB API_PORT (SLACK_SIGNING_SECRET from the environment)."""
import os
import signal
import sqlite3
import sys

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

port, path, api = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, trigger_id TEXT UNIQUE, user TEXT, text TEXT)")

client = AsyncWebClient(token="xoxb-bench", base_url=f"http://127.0.0.1:{api}/api/")
app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])


@app.command("/note")
async def note(ack, command):
    db.execute("INSERT OR IGNORE INTO note (trigger_id, user, text) VALUES (?, ?, ?)",
               (command["trigger_id"], command["user_id"], command["text"]))
    await ack(f"Noted on {command['text'].split()[0]}.")


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
app.start(port=port, path="/slack/events")
