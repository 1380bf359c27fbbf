#!/usr/bin/env bash
# The SQLite writer's floor: what one thread needs to make Ripcord's rows for a 3-alert delivery
# durable, with no HTTP, parsing, planning or Swift (bench/floor/floor.py). Ripcord first stores a few
# deliveries of the intake load (bench/intake/delivery.lua) so the rows copied are exactly its own;
# then each mode runs RUNS times for SECONDS, and the medians are printed. Compare deliveries/s with
# the C ceiling of bench/intake/run.sh, which stores the raw body alone.
#   bench/floor/run.sh [RUNS=3] [SECONDS=6] [GROUP=30]
source "$(dirname "$0")/../lib.sh"
RUNS=${1:-3}; DURATION=${2:-6}; GROUP=${3:-30}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
BIN=$(ripcord_binary)
WORK=$(mktemp -d /tmp/ripcord-floor.XXXXXX)
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID" KILL; rm -rf "$WORK"' EXIT

port=$(free_port)
write_config "$WORK" "$port" "$(policy_yaml /bin/true)"
start_ripcord "$WORK"
wrk -t1 -c4 -d1s -s "$ROOT/bench/intake/delivery.lua" "http://127.0.0.1:$port/api/v1/alertmanager" -- unique "floor-$RANDOM" >/dev/null
sleep 1   # planning follows the 2xx
stop_pid "$SERVER_PID"; SERVER_PID=""
echo "source: $(sqlite3 "$WORK/data/ripcord.sqlite3" 'SELECT count(*) FROM deliveries') deliveries stored by $BIN"
echo "SQLite $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)'), group commits of $GROUP, WAL, synchronous=FULL, $(nproc) CPUs; uptime: $(uptime)"
for mode in full one-event intake-only; do
    for run in $(seq "$RUNS"); do
        wait_quiet 30
        python3 "$ROOT/bench/floor/floor.py" "$WORK/data/ripcord.sqlite3" "$WORK/floor.sqlite3" "$DURATION" "$GROUP" "$mode" | tee -a "$WORK/runs.txt"
    done
done
echo
echo "== medians of $RUNS runs"
for mode in full one-event intake-only; do
    awk -v m="$mode" '$1 == m {gsub(",", "", $3); print $3}' "$WORK/runs.txt" | sort -n \
        | awk -v m="$mode" '{v[NR] = $1} END {printf "  %-12s %8.0f deliveries/s\n", m, v[int((NR + 1) / 2)]}'
done
