#!/usr/bin/env python3
"""Alert storm driver for bench/storm/run.sh (loopback only; bounded in count and time).

Records DEPLOYMENTS deployments through the API, then sends DELIVERIES webhook deliveries of
ALERTS firing alerts each (grouped by service as Alertmanager's `group_by: [alertname, service]`
would: each service's group is notified DELIVERIES/DEPLOYMENTS times as it grows), every delivery
sent HA_COPIES times byte-identically (an HA pair), from CLIENTS keep-alive connections. It records
each 2xx, waits for the rollbacks, and reads the recorder's log (executor start times, wall clock)
and the database to report: rollbacks (exactly one per deployment, none run twice), time from the
first delivery to the last executor start, and the time from each rollback's triggering delivery's
2xx to its executor start.
"""
import argparse, http.client, json, math, os, sqlite3, sys, threading, time
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import webhook  # bench/webhook.py


def rfc3339(ns):
    secs, frac = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(secs, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % frac


def percentile(values, p):   # nearest rank (round() rounds half to even, which overshot a rank)
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(p / 100.0 * len(values)) - 1))]


def body_for(service, round_, alerts, starts_ns):
    annotations = {"summary": "5xx rate above 5%% on %s" % service, "runbook_url": "https://runbooks.example/HighErrorRate"}
    items = [webhook.alert(service, "%s-%d-%d" % (service, round_, k), rfc3339(starts_ns + k * 1_000_000), annotations,
                           "http://prometheus.example:9090/graph?g0.expr=errors") for k in range(alerts)]
    return webhook.notification(service, items, '{}:{alertname="HighErrorRate", service="%s"}' % service,
                                {"runbook_url": "https://runbooks.example/HighErrorRate"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--recorder-log", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--deployer-token", required=True)
    ap.add_argument("--reader-token", required=True)
    ap.add_argument("--deployments", type=int, default=200)
    ap.add_argument("--deliveries", type=int, default=1000)
    ap.add_argument("--alerts", type=int, default=10)
    ap.add_argument("--ha-copies", type=int, default=2)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    deadline = time.monotonic() + a.timeout

    def connection():
        return http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)

    services = ["svc-%03d" % i for i in range(a.deployments)]
    c = connection()
    for i, service in enumerate(services):
        payload = json.dumps({"service": service, "namespace": "prod", "version": "2.0.%d" % i,
                              "previous_version": "1.9.%d" % i, "soak": "1h",
                              "idempotency_key": "storm-%s" % service}).encode()
        c.request("POST", "/api/v1/deployments", payload,
                  {"Authorization": "Bearer " + a.deployer_token, "Content-Type": "application/json"})
        r = c.getresponse(); text = r.read()
        if r.status not in (200, 201):
            sys.exit("recording deployment %s: %d %s" % (service, r.status, text[:200]))
    c.close()
    time.sleep(1.1)   # alerts start after the deployments (blame_preexisting: false)

    starts = time.time_ns() - 500_000_000
    rounds = max(1, a.deliveries // a.deployments)
    bodies = []                       # (service, body) in sending order: round-robin over services
    for r in range(rounds):
        for service in services:
            if len(bodies) < a.deliveries:
                bodies.append((service, body_for(service, r, a.alerts, starts + r * 10_000_000)))
    # Each delivery is sent HA_COPIES times; copy c of delivery i goes out right after delivery
    # i + 3c, as another replica's would, a few milliseconds later.
    order = []
    for i in range(len(bodies) + 3 * a.ha_copies):
        if i < len(bodies):
            order.append((i, 0))
        for copy in range(1, a.ha_copies):
            if 0 <= i - 3 * copy < len(bodies):
                order.append((i - 3 * copy, copy))

    results = []
    lock = threading.Lock()
    next_index = [0]

    def worker():
        conn = connection()
        while time.monotonic() < deadline:
            with lock:
                if next_index[0] >= len(order):
                    break
                i, copy = order[next_index[0]]; next_index[0] += 1
            service, body = bodies[i]
            sent = time.time_ns()
            try:
                conn.request("POST", "/api/v1/alertmanager", body,
                             {"Authorization": "Bearer " + a.token, "Content-Type": "application/json",
                              "User-Agent": "Alertmanager/0.25.0"})
                r = conn.getresponse(); text = r.read(); acked = time.time_ns()
                answer = json.loads(text) if r.status // 100 == 2 else {}
                with lock:
                    results.append((i, copy, service, sent, acked, r.status, answer.get("delivery_id"), answer.get("duplicate")))
            except Exception as error:   # a refused or reset connection counts as not acknowledged
                with lock:
                    results.append((i, copy, service, sent, None, 0, None, str(error)))
                conn.close(); conn = connection()
        conn.close()

    first_send = time.time_ns()
    threads = [threading.Thread(target=worker) for _ in range(a.clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    last_ack = max((r[4] for r in results if r[4]), default=first_send)

    # Wait (bounded) until every rollback has finished.
    db = sqlite3.connect("file:%s?mode=ro" % a.db, uri=True, timeout=10)
    expected = a.deployments
    while time.monotonic() < deadline:
        done = db.execute("SELECT count(*) FROM rollbacks WHERE status IN ('succeeded','failed','cancelled','interrupted')").fetchone()[0]
        total = db.execute("SELECT count(*) FROM rollbacks").fetchone()[0]
        unplanned = db.execute("SELECT count(*) FROM deliveries WHERE planned_at IS NULL").fetchone()[0] \
            if "planned_at" in [r[1] for r in db.execute("PRAGMA table_info(deliveries)")] else 0
        if total >= expected and done == total and unplanned == 0:
            break
        time.sleep(0.1)

    starts_by_rollback = {}
    with open(a.recorder_log) as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] == "start":
                fields = dict(p.split("=", 1) for p in parts[2:])
                starts_by_rollback.setdefault(fields["rollback"], []).append(int(parts[1]))

    acks_by_delivery = {}
    for (i, copy, service, sent, acked, status, delivery_id, duplicate) in results:
        if status // 100 == 2 and delivery_id is not None:
            acks_by_delivery[delivery_id] = min(acked, acks_by_delivery.get(delivery_id, acked))
    rollbacks = db.execute("SELECT id, deployment_id, status, run_count FROM rollbacks").fetchall()
    trigger = dict(db.execute("SELECT rollback_id, min(delivery_id) FROM decisions WHERE outcome = 'matched' "
                              "AND rollback_id IS NOT NULL GROUP BY rollback_id").fetchall())
    outcomes = dict(db.execute("SELECT outcome, count(*) FROM decisions GROUP BY outcome").fetchall())
    stored = db.execute("SELECT count(*) FROM deliveries").fetchone()[0]
    duplicates_stored = db.execute("SELECT count(*) FROM delivery_duplicates").fetchone()[0]

    lags = []
    for (rid, dep, status, runs) in rollbacks:
        started = starts_by_rollback.get(str(rid))
        delivery = trigger.get(rid)
        if started and delivery in acks_by_delivery:
            lags.append((min(started) - acks_by_delivery[delivery]) / 1e6)
    all_starts = [t for ts in starts_by_rollback.values() for t in ts]
    ok = [r for r in results if r[5] // 100 == 2]
    statuses = {}
    for r in results:
        statuses[r[5]] = statuses.get(r[5], 0) + 1

    print("requests sent %d (%d deliveries x %d copies), 2xx %d, statuses %s; sending took %.2f s (%.0f req/s)"
          % (len(results), len(bodies), a.ha_copies, len(ok), statuses, (last_ack - first_send) / 1e9,
             len(results) / max(1e-9, (last_ack - first_send) / 1e9)))
    print("stored deliveries %d, duplicate arrivals %d, alerts %d; decisions %s"
          % (stored, duplicates_stored, sum(a.alerts for _ in bodies), outcomes))
    by_status = {}
    for r in rollbacks:
        by_status[r[2]] = by_status.get(r[2], 0) + 1
    twice = sum(1 for ts in starts_by_rollback.values() if len(ts) > 1) + sum(1 for r in rollbacks if r[3] > 1)
    deployments_with_rollback = len(set(r[1] for r in rollbacks))
    print("rollbacks %d (%s) for %d deployments; executor runs %d; rollbacks run more than once: %d"
          % (len(rollbacks), by_status, deployments_with_rollback, len(all_starts), twice))
    if all_starts:
        print("first delivery sent -> last rollback's executor start: %.3f s (last 2xx at %.3f s)"
              % ((max(all_starts) - first_send) / 1e9, (last_ack - first_send) / 1e9))
    print("triggering delivery's 2xx -> executor start, ms (n=%d): p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  min %.1f"
          % (len(lags), percentile(lags, 50), percentile(lags, 90), percentile(lags, 99),
             max(lags) if lags else float("nan"), min(lags) if lags else float("nan")))
    exact = len(rollbacks) == expected and deployments_with_rollback == expected and twice == 0 \
        and len(all_starts) == expected and by_status.get("succeeded", 0) == expected
    print("RESULT exactly %d rollbacks, none twice: %s" % (expected, "yes" if exact else "NO"))
    sys.exit(0 if exact else 1)


if __name__ == "__main__":
    main()
