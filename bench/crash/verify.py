#!/usr/bin/env python3
"""Checks a Ripcord database against what a client was told (scripts/crash-test, scripts/storage-faults).

  verify.py DB ACKED [EXECUTOR_LOG]

ACKED holds "DELIVERY_ID SHA256 STATUS new|dup" per 2xx. Every acknowledged delivery must be in
the database with the same body hash (a duplicate's acknowledgement names the first delivery).
With EXECUTOR_LOG (bench/recorder lines): no rollback's executor started twice, no deployment has
two rollbacks, no rollback was claimed twice (run_count <= 1: the callers configure
resume_interrupted: false, so an interrupted rollback is never claimed again), and no executor ran
for a rollback the database does not have (its claim was not durable before the executor started).
Prints "acknowledged N, found N, lost 0" and exits 1 on any loss or double run.
"""
import sqlite3, sys


def main():
    db_path, acked_path = sys.argv[1], sys.argv[2]
    executor_log = sys.argv[3] if len(sys.argv) > 3 else None
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=30)
    stored = dict(db.execute("SELECT id, body_sha256 FROM deliveries").fetchall())
    acked, mismatched, lost, answers = {}, [], [], 0
    with open(acked_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue                    # a torn last line of a killed client: it was never complete
            acked[int(parts[0])] = parts[1]
            answers += 1
    for delivery_id, sha in sorted(acked.items()):
        if delivery_id not in stored:
            lost.append(delivery_id)
        elif stored[delivery_id] != sha:
            mismatched.append(delivery_id)
    found = len(acked) - len(lost)
    problems = []
    print("acknowledged %d, found %d, lost %d%s (deliveries; %d 2xx answers incl. duplicates)" % (len(acked), found, len(lost),
          (", body mismatch %d" % len(mismatched)) if mismatched else "", answers))
    if lost:
        problems.append("lost deliveries: %s" % lost[:20])
    if mismatched:
        problems.append("deliveries with another body: %s" % mismatched[:20])

    rollbacks = db.execute("SELECT id, deployment_id, status, run_count FROM rollbacks").fetchall()
    per_deployment = {}
    for (rid, dep, status, runs) in rollbacks:
        per_deployment.setdefault(dep, []).append(rid)
    doubled = {d: r for d, r in per_deployment.items() if len(r) > 1}
    if doubled:
        problems.append("deployments with two rollbacks: %s" % doubled)
    if executor_log:
        starts = {}
        with open(executor_log) as f:
            for line in f:
                parts = line.split()
                if parts and parts[0] == "start" and len(parts) >= 3:
                    rid = dict(p.split("=", 1) for p in parts[2:] if "=" in p).get("rollback")
                    starts[rid] = starts.get(rid, 0) + 1
        twice = {r: n for r, n in starts.items() if n > 1}
        statuses = {}
        for r in rollbacks:
            statuses[r[2]] = statuses.get(r[2], 0) + 1
        claimed_twice = {r[0]: r[3] for r in rollbacks if r[3] > 1}
        known = set(str(rb[0]) for rb in rollbacks)
        unknown = sorted(r for r in starts if r not in known)
        print("rollbacks %d %s, executor runs %d, rollbacks whose executor ran twice %d, claimed twice %d"
              % (len(rollbacks), statuses, sum(starts.values()), len(twice), len(claimed_twice)))
        if twice:
            problems.append("rollbacks run twice: %s" % twice)
        if claimed_twice:
            problems.append("rollbacks claimed more than once (id: run_count): %s" % claimed_twice)
        if unknown:
            problems.append("executor ran for rollbacks not in the database: %s" % unknown[:20])
    for p in problems:
        print("PROBLEM: " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
