"""The HTTP server the benches' Web API stubs run on (bench/slack_fake_api.py,
bench/slack_state_stub.py, bench/provider_stub.py), and their request handler's base: threaded, loopback only, and quiet, both per request and about
a client killed mid-request, which is what the torture benches do on purpose."""
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FastHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, answers sent at once."""
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and delayed ACKs hold
        # every answer 40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client killed mid-request (the bench's point) is not news


def serve(port, handler):
    """Serves `handler` on 127.0.0.1:`port` until killed."""
    handler.log_message = lambda self, *args: None
    QuietServer(("127.0.0.1", port), handler).serve_forever()
