"""A webhook receiver written with the Standard Webhooks reference library.

Serves https on 127.0.0.1 (a port of its own, printed first on stdout), verifies every
request with standardwebhooks.Webhook and the secret read from --secret-file at each
request, answers 500 to the first --fail requests and 200 (or 400 when a request does not
verify) after that (each answer after --delay-ms), and appends one JSON line per request to --log:
{"verified", "error", "id", "answered", "payload"}.
"""

import argparse
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

parser = argparse.ArgumentParser()
parser.add_argument("--cert", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--secret-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--fail", type=int, default=0)
parser.add_argument("--delay-ms", type=int, default=0)
args = parser.parse_args()

lock = threading.Lock()
seen = {"requests": 0}


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the sender reuses its connection

    def log_message(self, *_):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry = {"id": headers.get("webhook-id"), "verified": False, "error": None}
        try:
            with open(args.secret_file) as f:
                secret = f.read().strip()
            entry["payload"] = Webhook(secret).verify(body, headers)
            entry["verified"] = True
        except Exception as e:  # the library's refusal, named in the log
            entry["error"] = type(e).__name__ + ": " + str(e)
        with lock:
            seen["requests"] += 1
            failing = seen["requests"] <= args.fail
            status = 400 if not entry["verified"] else (500 if failing else 200)
            entry["answered"] = status
            with open(args.log, "a") as log:
                log.write(json.dumps(entry) + "\n")
        if args.delay_ms:
            time.sleep(args.delay_ms / 1000)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(args.cert, args.key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
sys.stdout.flush()
server.serve_forever()
