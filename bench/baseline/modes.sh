#!/usr/bin/env bash
# What the request path's design costs, measured on the C ceiling alone (no Swift involved):
# the same server answering from a parked (suspended) connection, or waiting on its worker thread
# as Ripcord's handler does, with 2 worker threads (Ripcord's default: one per core, at least 2)
# or 8 or 32. Same load as bench/intake (wrk -t2 -c32, unique 3-alert bodies), medians of RUNS.
#   bench/baseline/modes.sh [RUNS=3] [SECONDS=10]
source "$(dirname "$0")/../lib.sh"
RUNS=${1:-3}; DURATION=${2:-10}
WORK=$(mktemp -d /tmp/ripcord-modes.XXXXXX)
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID" KILL; rm -rf "$WORK"' EXIT
cc -O2 -o "$WORK/baseline" "$ROOT/bench/baseline/baseline.c" -lmicrohttpd -lsqlite3 -lpthread
LUA="$ROOT/bench/intake/delivery.lua"
echo "uptime: $(uptime)"
for mode in "--threads 2" "--threads 2 --blocking" "--threads 8 --blocking" "--threads 32 --blocking"; do
    for run in $(seq "$RUNS"); do
        wait_quiet 60
        port=$(free_port); rm -f "$WORK"/db*
        # shellcheck disable=SC2086
        "$WORK/baseline" "$port" "$WORK/db.sqlite3" $mode 2>/dev/null & SERVER_PID=$!
        wait_http "http://127.0.0.1:$port/-/healthy"
        wrk -t2 -c32 -d2s -s "$LUA" "http://127.0.0.1:$port/" -- unique "w$run" >/dev/null
        wrk -t2 -c32 -d"${DURATION}s" --latency -s "$LUA" "http://127.0.0.1:$port/" -- unique "m$run" >"$WORK/wrk.txt"
        stop_pid "$SERVER_PID"; SERVER_PID=""
        echo "$mode|$(wrk_summary "$WORK/wrk.txt")" >>"$WORK/results"
    done
    rows=$(grep -F -- "$mode|" "$WORK/results" | cut -d'|' -f2)
    printf '%-24s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (medians of %d)\n' "$mode" \
        "$(echo "$rows" | awk '{print $1}' | median)" "$(echo "$rows" | awk '{print $2}' | median)" \
        "$(echo "$rows" | awk '{print $5}' | median)" "$RUNS"
done
