#!/usr/bin/env python3
"""Extracts Slack's Web API method list (HTTP verb, argument names, types, required) from
Slack's OpenAPI spec into Tests/SlackFake/slack-web-methods.json, the data the fake Slack
checks every call against.

    python3 scripts/extract-slack-methods.py ../shared/specs/slack-api-specs/web-api/slack_web_openapi_v2_without_examples.json

The 2021 snapshot lacks apps.connections.open (Socket Mode) and the message-metadata arguments
(chat.postMessage metadata, conversations.history include_all_metadata, 2022); they are added
from Slack's pages and marked as such.
"""
import json
import sys

spec = json.load(open(sys.argv[1]))
methods = {}
for path, verbs in sorted(spec["paths"].items()):
    for verb, op in verbs.items():
        params = {}
        for p in op.get("parameters", []):
            if p["name"] == "token":
                continue  # sent as the Authorization header
            params[p["name"]] = {"type": p.get("type", "string"), "required": bool(p.get("required", False))}
        methods[path.lstrip("/")] = {"verb": verb.upper(), "arguments": params}
methods.setdefault("apps.connections.open", {
    "verb": "POST", "arguments": {}, "token": "app",
    "source": "https://docs.slack.dev/reference/methods/apps.connections.open (not in the 2021 OpenAPI snapshot)",
})
# Arguments Slack added after the snapshot (message metadata, 2022), from the method pages.
later = "https://docs.slack.dev/messaging/message-metadata (not in the 2021 OpenAPI snapshot)"
methods["chat.postMessage"]["arguments"]["metadata"] = {"type": "string", "required": False, "source": later}
methods["conversations.history"]["arguments"]["include_all_metadata"] = {"type": "boolean", "required": False, "source": later}
out = {
    "source": "slackapi/slack-api-specs web-api/slack_web_openapi_v2.json, snapshot bc08db4 (info.version %s)"
              % spec["info"]["version"],
    "methods": methods,
}
json.dump(out, open("Tests/SlackFake/slack-web-methods.json", "w"), indent=1, sort_keys=True)
print("%d methods" % len(methods))
