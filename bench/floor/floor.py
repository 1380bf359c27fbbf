"""The SQLite writer's floor for Ripcord's rows: how many deliveries per second one thread can make
durable when it writes exactly the rows Ripcord writes for a 3-alert delivery, with C-speed client
code (Python's C SQLite binding, prepared statements cached) and no HTTP, parsing or planning.

Rows per delivery (copied from a delivery Ripcord stored, so sizes and schema are Ripcord's): the
delivery with its raw body and a fresh body_sha256, 3 alert rows, the `delivery.received` audit
event, 3 decisions and their 3 audit events (each SHA-256 chained to the one before), and the
planned mark. Group commits of G deliveries, WAL, synchronous=FULL, like Ripcord's writer.

  floor.py SOURCE_DB TARGET_DB SECONDS G [full|one-event|intake-only]
    full         every row above (Ripcord's contract)
    one-event    one audit event per delivery instead of one per decision (4 -> 2)
    intake-only  the delivery, its alerts and its received event (no decisions)
Prints deliveries/s, and CPU and wall time per delivery; the Python work alone (copying rows,
canonical JSON, SHA-256) is measured separately and printed, so it can be subtracted.
"""
import hashlib, json, os, sqlite3, sys, time


def main():
    source, target, seconds, group = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    mode = sys.argv[5] if len(sys.argv) > 5 else "full"
    s = sqlite3.connect(source)
    schema = [r[0] for r in s.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]
    delivery = s.execute("SELECT * FROM deliveries WHERE planned_at IS NOT NULL AND alert_count = 3 "
                         "ORDER BY id LIMIT 1").fetchone()
    if delivery is None:
        sys.exit("floor.py: the source database holds no planned 3-alert delivery")
    columns = [r[1] for r in s.execute("PRAGMA table_info(deliveries)")]
    planned, sha = columns.index("planned_at"), columns.index("body_sha256")
    alerts = s.execute("SELECT * FROM delivery_alerts WHERE delivery_id = ? ORDER BY position", (delivery[0],)).fetchall()
    decisions = s.execute("SELECT * FROM decisions WHERE delivery_id = ? ORDER BY id", (delivery[0],)).fetchall()
    events = s.execute("SELECT * FROM audit_events WHERE delivery_id = ? ORDER BY id", (delivery[0],)).fetchall()
    event_columns = [r[1] for r in s.execute("PRAGMA table_info(audit_events)")]
    ev_delivery, ev_prev, ev_hash = (event_columns.index(c) for c in ("delivery_id", "prev_hash", "hash"))
    dec_delivery = [r[1] for r in s.execute("PRAGMA table_info(decisions)")].index("delivery_id")
    if mode == "one-event":
        events = events[:2]
    elif mode == "intake-only":
        events, decisions = events[:1], []

    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(target + suffix):
            os.remove(target + suffix)
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    for sql in schema:
        db.execute(sql)

    def placeholders(row):
        return ",".join("?" * len(row))

    insert_delivery = f"INSERT INTO deliveries VALUES ({placeholders(delivery)})"
    insert_alert = f"INSERT INTO delivery_alerts VALUES ({placeholders(alerts[0])})"
    insert_decision = f"INSERT INTO decisions VALUES ({placeholders(decisions[0])})" if decisions else None
    insert_event = f"INSERT INTO audit_events VALUES ({placeholders(events[0])})"
    mark_planned = "UPDATE deliveries SET planned_at = ? WHERE id = ?"

    def run(execute, seconds):
        previous, n = "0" * 64, 0
        start, cpu = time.perf_counter(), time.process_time()
        deadline = start + seconds
        while time.perf_counter() < deadline:
            execute("BEGIN IMMEDIATE")
            for _ in range(group):
                n += 1
                row = list(delivery)
                row[0], row[planned] = n, None
                row[sha] = hashlib.sha256(b"%d" % n + os.urandom(8)).hexdigest()
                execute(insert_delivery, row)
                for alert in alerts:
                    row = list(alert)
                    row[0] = n
                    execute(insert_alert, row)
                for index, event in enumerate(events):
                    if index > 0 and index - 1 < len(decisions):
                        row = list(decisions[index - 1])
                        row[0], row[dec_delivery] = None, n
                        execute(insert_decision, row)
                    if mode == "one-event" and index == 1:
                        for extra in decisions[1:]:
                            row = list(extra)
                            row[0], row[dec_delivery] = None, n
                            execute(insert_decision, row)
                    row = list(event)
                    row[0], row[ev_delivery] = None, n
                    content = json.dumps(row[1:ev_prev], separators=(",", ":"))
                    digest = hashlib.sha256((previous + content).encode()).hexdigest()
                    row[ev_prev], row[ev_hash], previous = previous, digest, digest
                    execute(insert_event, row)
                if decisions:
                    execute(mark_planned, ("2026-01-01T00:00:00.000Z", n))
            execute("COMMIT")
        return n, time.perf_counter() - start, time.process_time() - cpu

    n, wall, cpu = run(lambda *args: None, min(seconds, 3))
    python_us = cpu * 1e6 / n
    n, wall, cpu = run(db.execute, seconds)
    print(f"{mode:12s} G={group:<4d} {n / wall:8,.0f} deliveries/s   CPU {cpu * 1e6 / n:4.0f} us/delivery "
          f"(Python alone {python_us:.0f})   wall {wall * 1e6 / n:4.0f} us/delivery   ({n} in {wall:.1f} s)")


main()
