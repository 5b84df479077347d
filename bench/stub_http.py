"""The HTTP server the benches' Web API stubs run on (bench/slack_fake_api.py,
bench/slack_state_stub.py): threaded, loopback only, and quiet, both per request and about
a client killed mid-request, which is what the torture benches do on purpose."""
from http.server import ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client killed mid-request (the bench's point) is not news


def serve(port, handler):
    """Serves `handler` on 127.0.0.1:`port` until killed."""
    handler.log_message = lambda self, *args: None
    QuietServer(("127.0.0.1", port), handler).serve_forever()
