#!/usr/bin/env python3
"""Summarises a storage-fault run: timeline.py TIMELINE READY FAULT_NS CLEAR_NS
TIMELINE: "NS STATUS" per delivery answer (bench/crash/client.py --timeline); READY: "NS STATUS"
per GET /-/ready. Prints statuses before, during and after the fault, and how long after the fault
cleared the first delivery was stored again (Ripcord's recovery)."""
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                rows.append((int(parts[0]), parts[1]))
    return rows


def window(rows, lo, hi):
    counts = {}
    for t, status in rows:
        if lo <= t < hi:
            counts[status] = counts.get(status, 0) + 1
    return " ".join("%s=%d" % kv for kv in sorted(counts.items())) or "none"


timeline, ready = load(sys.argv[1]), load(sys.argv[2])
fault, clear = int(sys.argv[3]), int(sys.argv[4])
big = 1 << 62
print("   deliveries before the fault: %s | during: %s | after it cleared: %s"
      % (window(timeline, 0, fault), window(timeline, fault, clear), window(timeline, clear, big)))
print("   GET /-/ready   before the fault: %s | during: %s | after it cleared: %s"
      % (window(ready, 0, fault), window(ready, fault, clear), window(ready, clear, big)))
first_fail = next((t for t, s in timeline if t >= fault and s != "200"), None)
if first_fail:
    print("   first non-2xx %.2f s after the fault began" % ((first_fail - fault) / 1e9))
after = [t for t, s in timeline if t >= clear and s == "200"]
print("   first 2xx after the fault cleared: %s" % ("%.2f s later" % ((after[0] - clear) / 1e9) if after else "NEVER (no recovery)"))
bad = [s for t, s in timeline if s not in ("200", "503", "conn-error")]
if bad:
    print("   unexpected statuses: %s" % sorted(set(bad)))
sys.exit(0 if after and not bad else 1)
