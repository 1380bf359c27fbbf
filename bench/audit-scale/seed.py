#!/usr/bin/env python3
"""Seeds a migrated Ripcord database with N audit events and M rollbacks spread over 30 days.

The events' hashes are placeholders (this measures reads, not `audit verify`).
Usage: seed.py DB [events=1000000] [rollbacks=100000]
"""
import random
import sqlite3
import sys
from datetime import datetime, timedelta, timezone

db_path = sys.argv[1]
events = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
rollbacks = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
random.seed(42)
now = datetime.now(timezone.utc)
start = now - timedelta(days=30)
services = [f"svc-{i:03d}" for i in range(200)]
namespaces = ["prod", "staging", "canary"]
kinds = ["delivery.received", "delivery.duplicate", "decision", "rollback.pending", "rollback.running",
         "rollback.attempt", "rollback.succeeded", "deployment.recorded", "deployment.stable", "auth.failure"]
statuses = ["succeeded"] * 8 + ["failed", "cancelled"]


def stamp(fraction):
    return (start + timedelta(seconds=fraction * 30 * 86400)).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


db = sqlite3.connect(db_path)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=OFF")
with db:
    rows = []
    for i in range(1, rollbacks + 1):
        at = stamp(i / rollbacks)
        service = random.choice(services)
        namespace = random.choice(namespaces)
        rows.append((i, service, namespace, f"1.{i}.0", f"1.{i - 1}.0", at, at, at))
    db.executemany("""INSERT INTO deployments (id, service, namespace, version, previous_version, strategy, soak_seconds,
                      state, deployed_at, soak_ends_at, updated_at, recorded_by)
                      VALUES (?, ?, ?, ?, ?, 'rolling', 1800, 'rolled_back', ?, ?, ?, 'ci')""", rows)
    db.executemany("""INSERT INTO rollbacks (id, deployment_id, policy, service, namespace, status, actions, executor,
                      created_at, not_before, started_at, finished_at, updated_at, run_count, reason)
                      VALUES (?, ?, 'slo-burn', ?, ?, ?, '["rollback-script"]', 'rollback-script', ?, ?, ?, ?, ?, 1, 'seeded')""",
                   [(r[0], r[0], r[1], r[2], random.choice(statuses), r[5], r[5], r[5], r[5], r[5]) for r in rows])
    db.executemany("""INSERT INTO rollback_triggers (rollback_id, fingerprint, starts_at, alertname, delivery_id, status, added_at)
                      VALUES (?, ?, ?, 'HighErrorRate', 1, 'firing', ?)""",
                   [(r[0], f"{r[0]:016x}", r[5], r[5]) for r in rows])
    batch = []
    for i in range(1, events + 1):
        service = random.choice(services)
        rollback = random.randint(1, rollbacks) if random.random() < 0.4 else None
        batch.append((i, stamp(i / events), random.choice(kinds), service, random.choice(namespaces), rollback, rollback,
                      "engine", f"seeded event {i}", "{}", "0" * 64, f"{i:064x}"))
        if len(batch) == 50_000:
            db.executemany("""INSERT INTO audit_events (id, at, kind, service, namespace, deployment_id, rollback_id, actor,
                              summary, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", batch)
            batch = []
    if batch:
        db.executemany("""INSERT INTO audit_events (id, at, kind, service, namespace, deployment_id, rollback_id, actor,
                          summary, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", batch)
db.execute("ANALYZE")
db.close()
print(f"seeded {events} audit events and {rollbacks} rollbacks into {db_path}")
