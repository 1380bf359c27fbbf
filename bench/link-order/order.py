#!/usr/bin/env python3
"""Writes lld's symbol ordering file from two callgrind profiles of the release binary.

Every function of the binary itself that ran goes to the front of .text, so that the code Ripcord
runs is not scattered over the whole binary (the kernel maps code 64 KB around each fault). Their
order is C3 (Ottoni and Maher, "Optimizing function placement for large-scale data-center
applications", CGO 2017; lld's --call-graph-ordering-file uses the same): functions that ran while
serving, hottest first, each appended to the cluster of its heaviest caller while the cluster stays
under a page, clusters by density (instructions per byte); then the functions that ran only at start
and idle. Functions without a symbol name (and valgrind's "(below main)") cannot be ordered.

  order.py BINARY START_PROFILE SERVING_PROFILE > Sources/ripcord/link-order.txt
BINARY is the binary profiled (its symbol table gives each function's size).
"""
import os, re, subprocess, sys
from collections import defaultdict

ENTRY = re.compile(r'^(ob|cob|fn|cfn)=\((\d+)\)(?: (.*))?$')
COST = re.compile(r'^[-+*0-9]\S*\s+(\d+)')
RECURSION = re.compile(r"'\d+$")   # callgrind names recursion levels name'2
CLUSTER_BYTES = 4096


def profile(path, binary):
    """({function: own instructions}, {(caller, callee): calls}) for the functions of `binary`,
    functions in the order callgrind first lists them."""
    objects, names, own, calls = {}, {}, {}, defaultdict(int)
    current_object = called_object = current = callee = None
    after_calls = False

    def mine(obj, number):
        name = RECURSION.sub("", names.get(number) or "")
        ok = obj and obj.endswith("/" + binary) and name and not name.startswith("0x") and " " not in name
        return name if ok else None

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = ENTRY.match(line)
            if m:
                key, number, name = m.groups()
                table = objects if key in ("ob", "cob") else names
                if name is not None:
                    table[number] = name
                if key == "ob":
                    current_object = objects.get(number)
                elif key == "cob":
                    called_object = objects.get(number)
                elif key == "fn":
                    current = mine(current_object, number)
                    if current:
                        own.setdefault(current, 0)
                else:
                    callee = mine(called_object or current_object, number)
                    called_object = None
                    if callee:
                        own.setdefault(callee, 0)
                after_calls = False
                continue
            if line.startswith("calls="):
                after_calls = True
                if current and callee and current != callee:
                    calls[(current, callee)] += int(line[6:].split()[0])
                continue
            c = COST.match(line)
            if c:
                if current and not after_calls:   # the line after calls= is the call's inclusive cost
                    own[current] += int(c.group(1))
                after_calls = False
    return own, calls


def sizes(binary_path):
    result = {}
    out = subprocess.run(["nm", "-S", "--defined-only", binary_path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            result.setdefault(parts[3], int(parts[1], 16))
    return result


def c3(weight, calls, size):
    """The functions of `weight` in C3 order."""
    heaviest_caller = {}
    for (caller, callee), count in calls.items():
        if caller in weight and callee in weight and count > heaviest_caller.get(callee, ("", 0))[1]:
            heaviest_caller[callee] = (caller, count)
    cluster_of = {f: [f] for f in weight}
    bytes_of = {f: max(size.get(f, 16), 1) for f in weight}
    for f in sorted(weight, key=lambda f: (-weight[f], f)):
        caller = heaviest_caller.get(f, (None, 0))[0]
        if caller is None:
            continue
        into, mine = cluster_of[caller], cluster_of[f]
        if into is mine or into[0] == f:
            continue
        if bytes_of[into[0]] + bytes_of[mine[0]] > CLUSTER_BYTES:
            continue
        head = into[0]
        bytes_of[head] += bytes_of[mine[0]]
        into.extend(mine)
        for g in mine:
            cluster_of[g] = into
    heads = {id(c): c for c in cluster_of.values()}.values()
    density = lambda c: sum(weight[g] for g in c) / sum(max(size.get(g, 16), 1) for g in c)
    return [g for c in sorted(heads, key=lambda c: (-density(c), c[0])) for g in c]


binary_path, start, serving = sys.argv[1:4]
binary = os.path.basename(binary_path)
at_start, _ = profile(start, binary)
hot, calls = profile(serving, binary)
if len(at_start) < 1000 or len(hot) < 1000:
    sys.exit("order.py: %d and %d functions; were these profiles of %s?" % (len(at_start), len(hot), binary))
order = c3(hot, calls, sizes(binary_path))
start_only = [f for f in at_start if f not in hot]
sys.stdout.write("".join(f + "\n" for f in order + start_only))
print("order.py: %d functions serving requests, %d more at start and idle" % (len(order), len(start_only)),
      file=sys.stderr)
