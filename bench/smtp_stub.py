#!/usr/bin/env python3
"""An SMTP server for the paging bench (aiosmtpd, run with the Python that has it): each mail
accepted is appended to CALL_LOG as `<unix seconds> smtp <its decoded body on one line>`.

smtp_stub.py PORT CALL_LOG"""
import base64
import email
import sys
import threading
import time

from aiosmtpd.controller import Controller

log = open(sys.argv[2], "a", buffering=1)


class Keep:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content)
        body = base64.b64decode(message.get_payload()).decode("utf-8", "replace")
        log.write("%.6f smtp %s\n" % (time.time(), body.replace("\n", " ")))
        return "250 OK"


Controller(Keep(), hostname="127.0.0.1", port=int(sys.argv[1])).start()
threading.Event().wait()
