#!/usr/bin/env python3
"""Load client for scripts/crash-test and scripts/storage-faults (loopback only, bounded).

Posts webhook deliveries from CLIENTS threads until --seconds pass, --max requests were sent, or
the server has been unreachable for --give-up seconds. Bodies are unique (a per-request sequence in
the groupKey) except that every --dup-every'th request repeats an earlier body byte for byte (an
HA replica). Services cycle through --services (a comma list): alerts for services with an active
deployment plan rollbacks.

Every acknowledgement is appended, flushed, to --acked as "DELIVERY_ID SHA256 STATUS DUPLICATE" the
moment the 2xx arrives, so a kill -9 of the client itself loses nothing it had acknowledged.
Other statuses are counted in --status-log ("STATUS COUNT" per line at exit).
"""
import argparse, hashlib, http.client, json, os, sys, threading, time
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import webhook  # bench/webhook.py


def body(service, tag):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    alerts = [webhook.alert(service, "%s-pod-%d" % (service, k), now, {"summary": "5xx above 5%"},
                            "http://prometheus.example:9090/graph") for k in range(3)]
    return webhook.notification(service, alerts, '{}:{alertname="HighErrorRate", service="%s", seq="%s"}' % (service, tag), {})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--acked", required=True)
    ap.add_argument("--status-log", required=True)
    ap.add_argument("--services", default="svc-a")
    ap.add_argument("--tag", default=str(os.getpid()))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--max", type=int, default=100000)
    ap.add_argument("--give-up", type=float, default=2.0)
    ap.add_argument("--dup-every", type=int, default=5)
    ap.add_argument("--timeline", help='append "WALLCLOCK_NS STATUS" for every answer (or conn-error)')
    a = ap.parse_args()
    services = a.services.split(",")
    end = time.monotonic() + a.seconds
    lock = threading.Lock()
    state = {"n": 0, "unreachable_since": None, "statuses": {}}
    sent_bodies = []
    out = open(a.acked, "a", buffering=1)
    timeline = open(a.timeline, "a", buffering=1) if a.timeline else None

    def next_body():
        with lock:
            if state["n"] >= a.max:
                return None
            n = state["n"]; state["n"] += 1
            if a.dup_every and n % a.dup_every == a.dup_every - 1 and sent_bodies:
                return sent_bodies[(n * 7919) % len(sent_bodies)]
        b = body(services[n % len(services)], "%s-%d" % (a.tag, n))
        with lock:
            sent_bodies.append(b)
        return b

    def worker():
        conn = None
        while time.monotonic() < end:
            with lock:
                since = state["unreachable_since"]
            if since is not None and time.monotonic() - since > a.give_up:
                break
            b = next_body()
            if b is None:
                break
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
                conn.request("POST", "/api/v1/alertmanager", b,
                             {"Authorization": "Bearer " + a.token, "Content-Type": "application/json"})
                r = conn.getresponse(); text = r.read()
                with lock:
                    state["unreachable_since"] = None
                    state["statuses"][r.status] = state["statuses"].get(r.status, 0) + 1
                    if timeline:
                        timeline.write("%d %d\n" % (time.time_ns(), r.status))
                if r.status // 100 == 2:
                    answer = json.loads(text)
                    line = "%d %s %d %s\n" % (answer["delivery_id"], hashlib.sha256(b).hexdigest(), r.status,
                                               "dup" if answer.get("duplicate") else "new")
                    with lock:
                        out.write(line)
                elif r.status >= 500:
                    time.sleep(0.05)   # Alertmanager backs off before retrying a 5xx
            except (OSError, http.client.HTTPException):
                with lock:
                    if state["unreachable_since"] is None:
                        state["unreachable_since"] = time.monotonic()
                    state["statuses"]["conn-error"] = state["statuses"].get("conn-error", 0) + 1
                    if timeline:
                        timeline.write("%d conn-error\n" % time.time_ns())
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(a.clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    out.close()
    if timeline:
        timeline.close()
    with open(a.status_log, "a") as f:
        for status, count in sorted(state["statuses"].items(), key=lambda kv: str(kv[0])):
            f.write("%s %d\n" % (status, count))


if __name__ == "__main__":
    main()
