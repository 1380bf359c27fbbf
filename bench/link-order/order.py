#!/usr/bin/env python3
"""Writes lld's symbol ordering file from two callgrind profiles of the release binary: every
function of the binary itself that ran, those of the first profile (start and idle) first, then
those that only the second (requests, shutdown) ran, each in the order callgrind first lists them.
Functions without a symbol name (and valgrind's "(below main)") cannot be ordered. (Ordering the request path by instructions
instead, hottest first, kept 1.4 MB more resident at idle and was no faster: docs/proof.md.)

  order.py BINARY_NAME START_PROFILE REQUESTS_PROFILE > Sources/ripcord/link-order.txt
"""
import re, sys

ENTRY = re.compile(r'^(ob|cob|fn|cfn)=\((\d+)\)(?: (.*))?$')
RECURSION = re.compile(r"'\d+$")


def functions(path, binary):
    """Names of the functions of the object named `binary` in the profile, in order of appearance."""
    objects, names, found = {}, {}, {}
    current = called = None
    with open(path, errors="replace") as f:
        for line in f:
            m = ENTRY.match(line.rstrip("\n"))
            if not m:
                continue
            key, number, name = m.groups()
            table = objects if key in ("ob", "cob") else names
            if name is not None:
                table[number] = name
            if key == "ob":
                current = objects.get(number)
                continue
            if key == "cob":
                called = objects.get(number)
                continue
            obj = current if key == "fn" else (called or current)
            if key == "cfn":
                called = None
            fn = RECURSION.sub("", names.get(number) or "")   # callgrind names recursion levels name'2
            if obj and obj.endswith("/" + binary) and fn and not fn.startswith("0x") and " " not in fn:
                found.setdefault(fn, None)
    return list(found)


binary, start, requests = sys.argv[1:4]
first = functions(start, binary)
listed = set(first)
rest = [fn for fn in functions(requests, binary) if fn not in listed]
if len(first) < 1000:
    sys.exit("order.py: only %d functions in %s; was it a profile of %s?" % (len(first), start, binary))
sys.stdout.write("".join(fn + "\n" for fn in first + rest))
print("order.py: %d functions at start and idle, %d more serving requests" % (len(first), len(rest)),
      file=sys.stderr)
