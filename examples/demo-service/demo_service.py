#!/usr/bin/env python3
"""A tiny HTTP service whose error ratio can be switched, for trying Ripcord (docker-compose) and for
Ripcord's end-to-end test. Python 3 standard library only.

It counts every request it answers in the Prometheus counter `http_requests_total{code="..."}` and,
so that there is traffic without a load generator, also simulates `--simulate-rps` requests a second
that it counts the same way. A share of the requests (`--error-ratio`, changed at run time) is
answered 500; the share is exact over time (an accumulator, not a coin flip), so alerts are
predictable.

Endpoints:
  GET  /                     a request: 200, or 500 for the current share of requests
  GET  /metrics              Prometheus text format: http_requests_total{code}, demo_error_ratio
  GET  /error-ratio          the current error ratio as JSON: {"error_ratio": 0.0}
  POST /error-ratio?ratio=R  set it (0 <= R <= 1); the body may carry R instead of the query
  GET  /-/healthy            200 while the process runs

Examples:
  python3 demo_service.py --listen 127.0.0.1:8080
  curl -X POST 'http://127.0.0.1:8080/error-ratio?ratio=0.5'   # half the requests fail
  curl -X POST 'http://127.0.0.1:8080/error-ratio?ratio=0'     # healthy again
"""
import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Counters:
    """Request counts by status code and the error ratio, shared by every thread."""

    def __init__(self, error_ratio):
        self.lock = threading.Lock()
        self.codes = {"200": 0, "500": 0}
        self.error_ratio = error_ratio
        self.owed = 0.0  # errors owed so far: each request adds the ratio; at 1 the request fails

    def request(self, count=1):
        """Counts `count` requests; returns the code of the last one."""
        code = "200"
        with self.lock:
            for _ in range(count):
                self.owed += self.error_ratio
                if self.owed >= 1.0:
                    self.owed -= 1.0
                    code = "500"
                else:
                    code = "200"
                self.codes[code] += 1
        return code

    def set_ratio(self, ratio):
        with self.lock:
            self.error_ratio = ratio
            self.owed = 0.0

    def exposition(self):
        with self.lock:
            codes = dict(self.codes)
            ratio = self.error_ratio
        lines = ["# HELP http_requests_total Requests answered, by HTTP status code.",
                 "# TYPE http_requests_total counter"]
        lines += [f'http_requests_total{{code="{code}"}} {count}' for code, count in sorted(codes.items())]
        lines += ["# HELP demo_error_ratio The share of requests currently answered 500.",
                  "# TYPE demo_error_ratio gauge", f"demo_error_ratio {ratio}"]
        return "\n".join(lines) + "\n"


def parse_ratio(text):
    try:
        ratio = float(text)
    except (TypeError, ValueError):
        return None
    return ratio if 0.0 <= ratio <= 1.0 else None


def make_handler(counters, quiet):
    class Handler(BaseHTTPRequestHandler):
        server_version = "demo-service/1"

        def send(self, status, body, content_type="application/json"):
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/metrics":
                self.send(200, counters.exposition(), "text/plain; version=0.0.4; charset=utf-8")
            elif path == "/error-ratio":
                self.send(200, json.dumps({"error_ratio": counters.error_ratio}) + "\n")
            elif path == "/-/healthy":
                self.send(200, "ok\n", "text/plain")
            elif path == "/":
                code = counters.request()
                self.send(int(code), json.dumps({"status": int(code)}) + "\n")
            else:
                self.send(404, json.dumps({"error": "not_found"}) + "\n")

        def do_POST(self):
            url = urlsplit(self.path)
            if url.path != "/error-ratio":
                self.send(404, json.dumps({"error": "not_found"}) + "\n")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace").strip() if length else ""
            given = parse_qs(url.query).get("ratio", [body])[0]
            ratio = parse_ratio(given)
            if ratio is None:
                self.send(400, json.dumps({"error": "bad_request",
                                           "message": f"ratio '{given}' is not a number from 0 to 1"}) + "\n")
                return
            counters.set_ratio(ratio)
            print(f"error ratio set to {ratio}", file=sys.stderr, flush=True)
            self.send(200, json.dumps({"error_ratio": ratio}) + "\n")

        def log_message(self, format, *args):
            if not quiet:
                super().log_message(format, *args)

    return Handler


def simulate(counters, rps, stop):
    """Counts `rps` requests a second, in ten batches, until `stop` is set."""
    if rps <= 0:
        return
    per_tick, carry = rps / 10.0, 0.0
    while not stop.wait(0.1):
        carry += per_tick
        whole = int(carry)
        carry -= whole
        if whole:
            counters.request(whole)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default="127.0.0.1:8080", help="HOST:PORT to listen on (default 127.0.0.1:8080)")
    parser.add_argument("--error-ratio", type=float, default=0.0, help="share of requests answered 500 at start (0-1)")
    parser.add_argument("--simulate-rps", type=float, default=20.0,
                        help="simulated requests a second, counted like real ones (default 20; 0 for none)")
    parser.add_argument("--quiet", action="store_true", help="do not log each HTTP request")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    if parse_ratio(args.error_ratio) is None:
        parser.error("--error-ratio must be a number from 0 to 1")

    counters = Counters(args.error_ratio)
    server = ThreadingHTTPServer((host or "0.0.0.0", int(port)), make_handler(counters, args.quiet))
    server.daemon_threads = True
    stop = threading.Event()
    threading.Thread(target=simulate, args=(counters, args.simulate_rps, stop), daemon=True).start()

    def shut_down(signum, frame):
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    print(f"demo service listening on {server.server_address[0]}:{server.server_address[1]}", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
