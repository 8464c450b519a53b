"""Webhook fairness: does one organisation's slow receivers hold up another's deliveries?

Run by bench/run against a server that may deliver to 127.0.0.1 (OAUTH_APPS_OUTBOUND_ALLOW)
and trusts the test CA that signed --cert (OAUTH_APPS_OUTBOUND_CA_FILE):

1. five listeners that accept connections and never answer, not even the TLS handshake;
   organisation `fair-noisy` registers a webhook for each and makes a backlog of
   --backlog events (applications created, then renamed), each delivered to all five;
2. one https receiver that answers 204 at once; organisation `fair-quiet` registers a
   webhook for it and, while the backlog hangs, makes --changes changes, one every
   --every-ms;
3. each of fair-quiet's deliveries is measured from its event's time (the `timestamp` of
   the payload: taken in the write's transaction, before the commit) to its arrival.

Prints one line: `deliveries=N p50_ms=.. p99_ms=.. max_ms=.. noisy_attempts=..`.
Standard library only.
"""

import argparse
import json
import math
import socket
import ssl
import sys
import threading
import time
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--base", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--cert", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--backlog", type=int, default=100)
parser.add_argument("--changes", type=int, default=100)
parser.add_argument("--every-ms", type=int, default=50)
args = parser.parse_args()

NOISY, QUIET = "fair-noisy", "fair-quiet"


def call(method, path, body=None):
    request = urllib.request.Request(
        args.base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + args.token, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"null")


def hanging_listener():
    """A port that takes connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1024)
    held = []

    def accept():
        while True:
            connection, _ = server.accept()
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1]


arrivals = []  # (arrival time, event time, event type)
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        arrived = time.time()
        payload = json.loads(body)
        event = datetime.fromisoformat(payload["timestamp"].replace("Z", "+00:00")).timestamp()
        with lock:
            arrivals.append((arrived, event, payload["type"]))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def start_receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def application(org, name):
    created = call(
        "POST",
        "/api/oauth-applications",
        {"ownerOrgId": org, "name": name, "type": "web", "redirectUrls": ["https://app.example/cb"]},
    )
    return created["application"]["clientId"]


def rename(client_id, name):
    call("PATCH", "/api/oauth-applications/" + client_id, {"name": name})


def percentile(sorted_values, p):
    """The nearest-rank percentile."""
    index = min(len(sorted_values), max(1, math.ceil(p / 100 * len(sorted_values)))) - 1
    return sorted_values[index]


noisy_hooks = []
for _ in range(5):
    port = hanging_listener()
    hook = call("POST", "/api/webhooks", {"ownerOrgId": NOISY, "url": f"https://127.0.0.1:{port}/hook"})
    noisy_hooks.append(hook["id"])
quiet_port = start_receiver()
quiet_hook = call(
    "POST", "/api/webhooks", {"ownerOrgId": QUIET, "url": f"https://127.0.0.1:{quiet_port}/hook"}
)["id"]

# The backlog: a fifth of it creations, the rest renames of those applications.
created = max(1, args.backlog // 5)
noisy_apps = [application(NOISY, f"Noisy {i}") for i in range(created)]
for i in range(args.backlog - created):
    rename(noisy_apps[i % created], f"Noisy renamed {i}")

# Another organisation's changes while the backlog hangs, on a few applications.
quiet_apps = [application(QUIET, f"Quiet {i}") for i in range(5)]
for i in range(args.changes - len(quiet_apps)):
    time.sleep(args.every_ms / 1000)
    rename(quiet_apps[i % len(quiet_apps)], f"Quiet renamed {i}")

deadline = time.time() + 30
while time.time() < deadline:
    with lock:
        if len(arrivals) >= args.changes:
            break
    time.sleep(0.05)

with lock:
    waits = sorted((arrived - event) * 1000 for arrived, event, _ in arrivals)
missing = args.changes - len(waits)
attempts = 0
for hook in noisy_hooks:
    listed = call("GET", f"/api/webhooks/{hook}/deliveries?limit=100")
    attempts += sum(d["attempts"] for d in listed["items"])
if missing > 0 or not waits:
    print(f"deliveries={len(waits)} missing={missing}", file=sys.stderr)
    listed = call("GET", f"/api/webhooks/{quiet_hook}/deliveries?limit=100")
    for d in listed["items"]:
        if d["status"] != "delivered":
            print(json.dumps(d), file=sys.stderr)
    sys.exit(1)
print(
    f"deliveries={len(waits)} p50_ms={percentile(waits, 50):.0f} p99_ms={percentile(waits, 99):.0f} "
    f"max_ms={waits[-1]:.0f} noisy_attempts={attempts}"
)
