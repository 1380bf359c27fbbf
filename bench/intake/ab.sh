#!/usr/bin/env bash
# Two (or more) ripcord builds against each other: alternating 10 s `wrk -t2 -c32` runs of the intake
# load (unique 3-alert bodies unless MODE=identical), fresh database each, no CPU pinning. Prints per
# run req/s, p50 and p99, and the CPU time per request of the whole process and of its busiest
# thread (the SQLite writer), read from /proc/PID/task/*/stat: a figure the machine's speed moves
# less than req/s, for comparing builds on a shared machine.
#   bench/intake/ab.sh ROUNDS BINARY_A BINARY_B [...]
source "$(dirname "$0")/../lib.sh"
ROUNDS=${1:?rounds}; shift
[ "$#" -ge 2 ] || { echo "usage: bench/intake/ab.sh ROUNDS BINARY_A BINARY_B [...]" >&2; exit 2; }
MODE=${MODE:-unique}
LUA="$ROOT/bench/intake/delivery.lua"
WORK=$(mktemp -d /tmp/ripcord-ab.XXXXXX)
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID" KILL; rm -rf "$WORK"' EXIT
thread_ticks() { for t in /proc/"$1"/task/*; do echo "$(basename "$t") $(awk '{print $14+$15}' "$t/stat")"; done | sort; }
for round in $(seq "$ROUNDS"); do
    for BIN in "$@"; do
        dir="$WORK/$round-$(basename "$BIN")"; mkdir -p "$dir"
        port=$(free_port)
        write_config "$dir" "$port" "$(policy_yaml /bin/true)"
        wait_quiet 60
        start_ripcord "$dir"
        url="http://127.0.0.1:$port/api/v1/alertmanager"
        wrk -t2 -c32 -d2s -s "$LUA" "$url" -- "$MODE" "ab-warm-$round-$RANDOM" >/dev/null
        thread_ticks "$SERVER_PID" >"$dir/t0"
        wrk -t2 -c32 -d10s --latency -s "$LUA" "$url" -- "$MODE" "ab-$round-$RANDOM$RANDOM" >"$dir/wrk.txt"
        thread_ticks "$SERVER_PID" >"$dir/t1"
        requests=$(awk '/requests in/ {print $1}' "$dir/wrk.txt")
        ticks=$(getconf CLK_TCK)
        cpu=$(join "$dir/t0" "$dir/t1" | awk -v r="$requests" -v hz="$ticks" \
            '{d = $3 - $2; s += d; if (d > m) m = d} END {printf "CPU/request %.0f us, busiest thread %.0f us", s * 1e6 / hz / r, m * 1e6 / hz / r}')
        read -r rps p50 _ _ p99 non _ <<<"$(wrk_summary "$dir/wrk.txt")"
        printf 'round %d  %-28s %8.0f req/s  p50 %6.2f  p99 %6.2f ms  non-2xx %s  %s  (%s)\n' \
            "$round" "$(basename "$BIN")" "$rps" "$p50" "$p99" "$non" "$cpu" "$QUIET_NOTE"
        stop_pid "$SERVER_PID"; SERVER_PID=""
    done
done
