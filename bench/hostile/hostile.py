#!/usr/bin/env python3
"""Hostile clients against a running ripcord (scripts/hostile; loopback only, bounded in time).

For --seconds:
  * --idle connections that send nothing, spread over source addresses 127.0.0.2.. (--idle-per-ip
    each), reopened when the server closes them (an attacker keeps the pressure on); the time each
    stays open before the server closes it is recorded (limits.connection_timeout);
  * --slow connections from 127.0.1.1 that send a valid POST's headers, then the body one byte per
    --slow-interval seconds; the time each stays open is recorded;
  * --slow-headers connections from 127.0.1.2 that send a request line, then one header byte per
    --slow-interval seconds, never finishing the headers;
  * --flood connections at once from 127.0.2.1 (one address over limits.max_connections_per_ip):
    how many the server keeps open;
  * from 127.0.0.1, GET /-/ready every 100 ms (latency, target < 100 ms) and a valid delivery every
    200 ms (status, target 200).
Prints a summary; exits 1 when a target is missed.
"""
import argparse, http.client, json, selectors, socket, sys, threading, time


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100.0 * len(values) + 0.5)) - 1))]


def connect_from(source, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    return s


def delivery(n):
    group = {"receiver": "rollback-webhook", "status": "firing", "alerts": [{
        "status": "firing", "labels": {"alertname": "HighErrorRate", "service": "hostile-probe", "namespace": "prod",
                                       "severity": "critical"},
        "annotations": {}, "startsAt": "2026-11-27T00:15:04.945209345Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example:9090/graph", "fingerprint": "%016x" % n}],
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://127.0.0.1:9093",
        "version": "4", "groupKey": "{}:{probe=\"%d\"}" % n, "truncatedAlerts": 0}
    return json.dumps(group).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--idle-per-ip", type=int, default=50)
    ap.add_argument("--slow", type=int, default=20)
    ap.add_argument("--slow-interval", type=float, default=1.0)
    ap.add_argument("--slow-headers", type=int, default=0)
    ap.add_argument("--flood", type=int, default=0)
    ap.add_argument("--ready-target-ms", type=float, default=100)
    a = ap.parse_args()
    port, end = a.port, time.monotonic() + a.seconds
    sel = selectors.DefaultSelector()
    opened = {}                 # socket -> (kind, opened_at, source)
    lifetimes = {"idle": [], "slow": [], "slowhdr": [], "flood": []}
    refused = {"idle": 0, "slow": 0, "slowhdr": 0, "flood": 0}
    lock = threading.Lock()

    def open_conn(kind, source):
        try:
            s = connect_from(source, port)
        except OSError:
            refused[kind] += 1
            return None
        opened[s] = (kind, time.monotonic(), source)
        sel.register(s, selectors.EVENT_READ)
        return s

    idle_sources = ["127.0.0.%d" % (2 + i // a.idle_per_ip) for i in range(a.idle)]
    for src in idle_sources:
        open_conn("idle", src)
    slow = []
    body = delivery(999999)
    head = ("POST /api/v1/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (a.token, len(body))).encode()
    for i in range(a.slow):
        s = open_conn("slow", "127.0.1.1")
        if s is not None:
            s.send(head)
            slow.append([s, 0])
    slow_headers = []
    for i in range(a.slow_headers):
        s = open_conn("slowhdr", "127.0.1.2")
        if s is not None:
            s.send(b"POST /api/v1/alertmanager HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow_headers.append([s, 0])
    for i in range(a.flood):
        open_conn("flood", "127.0.2.1")
    flood_open_after = None
    started = time.monotonic()

    ready_ms, ready_fail, deliveries = [], [], {}

    def prober():
        while time.monotonic() < end:
            t = time.monotonic()
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/-/ready"); r = c.getresponse(); r.read(); c.close()
                ms = (time.monotonic() - t) * 1000
                with lock:
                    ready_ms.append(ms)
                    if r.status != 200:
                        ready_fail.append(r.status)
            except OSError as error:
                with lock:
                    ready_fail.append(str(error)); ready_ms.append((time.monotonic() - t) * 1000)
            time.sleep(max(0, 0.1 - (time.monotonic() - t)))

    def sender():
        n = 0
        while time.monotonic() < end:
            t = time.monotonic(); n += 1
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("POST", "/api/v1/alertmanager", delivery(n),
                          {"Authorization": "Bearer " + a.token, "Content-Type": "application/json"})
                r = c.getresponse(); r.read(); c.close()
                status = r.status
            except OSError as error:
                status = type(error).__name__
            with lock:
                deliveries[status] = deliveries.get(status, 0) + 1
            time.sleep(max(0, 0.2 - (time.monotonic() - t)))

    threads = [threading.Thread(target=prober), threading.Thread(target=sender)]
    for t in threads: t.start()
    last_drip = time.monotonic()
    open_counts = []
    max_sent = [0]
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if data:
                continue        # a response (e.g. a slow body finished): keep reading until close
            kind, at, source = opened.pop(s)
            sel.unregister(s); s.close()
            lifetimes[kind].append(time.monotonic() - at)
            slow[:] = [x for x in slow if x[0] is not s]
            slow_headers[:] = [x for x in slow_headers if x[0] is not s]
            if kind == "idle" and time.monotonic() < end - 1:
                open_conn("idle", source)      # reconnect: keep the pressure on
        if flood_open_after is None and time.monotonic() - started > 1.0:
            flood_open_after = sum(1 for k, _, _ in opened.values() if k == "flood")
        if time.monotonic() - last_drip >= a.slow_interval:
            last_drip = time.monotonic()
            for entry in slow:
                s, sent = entry
                if sent < len(body) - 1:        # never the last byte: the request never completes
                    try:
                        s.send(body[sent:sent + 1]); entry[1] += 1
                        max_sent[0] = max(max_sent[0], entry[1])
                    except OSError:
                        pass
            for entry in slow_headers:
                try:
                    entry[0].send(b"a"); entry[1] += 1
                except OSError:
                    pass
            open_counts.append(len(opened))
    for t in threads: t.join()
    alive = {"idle": 0, "slow": 0, "slowhdr": 0, "flood": 0}
    for kind, at, _ in opened.values():
        alive[kind] += 1
    slow_bytes = max(max_sent[0], max((x[1] for x in slow), default=0))
    for s in list(opened):
        s.close()

    def life(kind):
        v = lifetimes[kind]
        return "closed by the server %d (after p50 %.1f s, max %.1f s)" % (len(v), percentile(v, 50), max(v)) if v else "closed by the server 0"

    print("idle connections: %d opened at start (%d per source address), %s, refused at connect %d, open at the end %d"
          % (a.idle, a.idle_per_ip, life("idle"), refused["idle"], alive["idle"]))
    print("slow-body connections (1 byte / %.1f s): %d, %s, open at the end %d (the longest-lived had sent %d of %d body bytes)"
          % (a.slow_interval, a.slow, life("slow"), alive["slow"], slow_bytes, len(body)))
    if a.slow_headers:
        print("slow-header connections (1 header byte / %.1f s, headers never end): %d, %s, open at the end %d"
              % (a.slow_interval, a.slow_headers, life("slowhdr"), alive["slowhdr"]))
    if a.flood:
        print("flood from one address: %d opened, %s open 1 s later, %d at the end"
              % (a.flood, flood_open_after, alive["flood"]))
    print("open hostile connections, sampled each second: min %d, max %d" % (min(open_counts, default=0), max(open_counts, default=0)))
    ok = sum(v for k, v in deliveries.items() if k == 200)
    total = sum(deliveries.values())
    print("GET /-/ready: %d probes, p50 %.1f ms, p99 %.1f ms, max %.1f ms, failures %d %s"
          % (len(ready_ms), percentile(ready_ms, 50), percentile(ready_ms, 99), max(ready_ms, default=0), len(ready_fail), ready_fail[:5]))
    print("valid deliveries meanwhile: %d of %d got 200 %s" % (ok, total, deliveries))
    good = ready_ms and max(ready_ms) < a.ready_target_ms and not ready_fail and total > 0 and ok == total
    print("RESULT ready < %.0f ms and every delivery 200: %s" % (a.ready_target_ms, "yes" if good else "NO"))
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
