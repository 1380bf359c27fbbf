#!/usr/bin/env bash
# Durable intake: POST /api/v1/alertmanager under `wrk -t2 -c32` (3-alert Alertmanager body), every
# 200 durable on disk (WAL, synchronous=FULL, group commit), against the C ceiling in
# bench/baseline/ (libmicrohttpd + SQLite WAL FULL + group commit, raw body only), run alternately
# A B A B on fresh databases. Release build. Prints each run, then medians and Ripcord/ceiling ratios,
# for unique bodies (the main figure) and identical bodies (duplicates), for each CPU placement:
#   split   ripcord (or the ceiling) on CPU 0, wrk on CPU 1   (taskset)
#   shared  no pinning: server and wrk share both CPUs
# Also RSS: idle after start, and VmHWM after the load.
#   bench/intake/run.sh [RUNS=3] [SECONDS=10] [PLACEMENTS="split shared"] [MODES="unique identical"]
# $RIPCORD_BIN pins a prebuilt ripcord. Targets: >= 50% of the ceiling's req/s, p50 <= 2 ms,
# p99 <= 2x the ceiling's; RSS <= 30 MB idle, <= 100 MB under load.
source "$(dirname "$0")/../lib.sh"
RUNS=${1:-3}; DURATION=${2:-10}; PLACEMENTS=${3:-split shared}; MODES=${4:-unique identical}
CONNECTIONS=${CONNECTIONS:-32}; THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || PLACEMENTS=shared

BIN=$(ripcord_binary)
WORK=$(mktemp -d /tmp/ripcord-intake.XXXXXX)
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && stop_pid "$SERVER_PID" KILL; rm -rf "$WORK"' EXIT
cc -O2 -o "$WORK/baseline" "$ROOT/bench/baseline/baseline.c" -lmicrohttpd -lsqlite3 -lpthread
LUA="$ROOT/bench/intake/delivery.lua"
RESULTS="$WORK/results.tsv"
NONCE=$(date +%s)

echo "ripcord: $BIN"
echo "load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, 3-alert Alertmanager body (bench/intake/delivery.lua), after a 2 s warm-up; runs $RUNS; $(nproc) CPUs"
echo "uptime at start: $(uptime)"
echo

run_one() {   # run_one SERVER(ripcord|ceiling) PLACEMENT MODE RUN
    local server=$1 placement=$2 mode=$3 run=$4 dir="$WORK/$1-$2-$3-$4" port server_cpus="" wrk_prefix=""
    mkdir -p "$dir"
    port=$(free_port)
    if [ "$placement" = split ]; then server_cpus=0; wrk_prefix="taskset -c 1"; fi
    wait_quiet 90
    if [ "$server" = ripcord ]; then
        write_config "$dir" "$port" "$(policy_yaml /bin/true)"
        start_ripcord "$dir" "$server_cpus"
        url="http://127.0.0.1:$port/api/v1/alertmanager"
    else
        if [ -n "$server_cpus" ]; then
            taskset -c "$server_cpus" "$WORK/baseline" "$port" "$dir/ceiling.sqlite3" 2>"$dir/serve.log" &
        else
            "$WORK/baseline" "$port" "$dir/ceiling.sqlite3" 2>"$dir/serve.log" &
        fi
        SERVER_PID=$!
        wait_http "http://127.0.0.1:$port/-/healthy"
        url="http://127.0.0.1:$port/api/v1/alertmanager"
    fi
    sleep 2
    local idle; idle=$(rss_kb "$SERVER_PID")
    $wrk_prefix wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s "$LUA" "$url" -- "$mode" "$NONCE-warm-$server-$placement-$run" >/dev/null
    $wrk_prefix wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency -s "$LUA" "$url" \
        -- "$mode" "$NONCE-$server-$placement-$run" >"$dir/wrk.txt"
    local hwm; hwm=$(hwm_kb "$SERVER_PID")
    stop_pid "$SERVER_PID"; SERVER_PID=""
    local s; s=$(wrk_summary "$dir/wrk.txt")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$placement" "$mode" "$server" "$run" "$s" "$idle" "$hwm" "$QUIET_NOTE" \
        | tr ' ' '\t' >>"$RESULTS.raw"
    read -r rps p50 p75 p90 p99 non errors <<<"$s"
    printf '  %-7s %-9s %-7s run %d: %8.0f req/s  p50 %7.2f  p75 %7.2f  p90 %7.2f  p99 %7.2f ms  non-2xx %s  sock-err %s  RSS idle %5.1f MB, HWM %5.1f MB  (%s)\n' \
        "$placement" "$mode" "$server" "$run" "$rps" "$p50" "$p75" "$p90" "$p99" "$non" "$errors" \
        "$(echo "$idle" | awk '{print $1/1024}')" "$(echo "$hwm" | awk '{print $1/1024}')" "$QUIET_NOTE"
}

for placement in $PLACEMENTS; do
    for mode in $MODES; do
        echo "== placement $placement, $mode bodies"
        for run in $(seq "$RUNS"); do
            run_one ripcord "$placement" "$mode" "$run"
            run_one ceiling "$placement" "$mode" "$run"
        done
    done
done

echo
echo "== medians of $RUNS runs (latency in ms; RSS in MB)"
# Columns of results.raw: placement mode server run rps p50 p75 p90 p99 non2xx errors idle_kb hwm_kb
col() { awk -F'\t' -v p="$1" -v m="$2" -v s="$3" -v c="$4" '$1 == p && $2 == m && $3 == s {print $c}' "$RESULTS.raw" | median; }
for placement in $PLACEMENTS; do
    for mode in $MODES; do
        for server in ripcord ceiling; do
            printf '%-7s %-9s %-7s  %8.0f req/s  p50 %6.2f  p75 %6.2f  p90 %6.2f  p99 %6.2f  non-2xx %s  RSS idle %.1f  HWM %.1f\n' \
                "$placement" "$mode" "$server" "$(col "$placement" "$mode" "$server" 5)" "$(col "$placement" "$mode" "$server" 6)" \
                "$(col "$placement" "$mode" "$server" 7)" "$(col "$placement" "$mode" "$server" 8)" "$(col "$placement" "$mode" "$server" 9)" \
                "$(col "$placement" "$mode" "$server" 10)" "$(col "$placement" "$mode" "$server" 12 | awk '{print $1/1024}')" \
                "$(col "$placement" "$mode" "$server" 13 | awk '{print $1/1024}')"
        done
        rr=$(col "$placement" "$mode" ripcord 5); cr=$(col "$placement" "$mode" ceiling 5)
        r50=$(col "$placement" "$mode" ripcord 6)
        r99=$(col "$placement" "$mode" ripcord 9); c99=$(col "$placement" "$mode" ceiling 9)
        awk -v rr="$rr" -v cr="$cr" -v r99="$r99" -v c99="$c99" -v r50="$r50" -v p="$placement" -v m="$mode" 'BEGIN {
            t = rr / cr; l = r99 / c99
            a = (t >= 0.5) ? "met" : "NOT met"; b = (l <= 2) ? "met" : "NOT met"; c = (r50 <= 2) ? "met" : "NOT met"
            printf "%-7s %-9s ripcord/ceiling: throughput %.2f (target >= 0.50: %s), p99 %.2fx (target <= 2: %s), p50 %.2f ms (target <= 2: %s)\n\n", p, m, t, a, l, b, r50, c }'
    done
done
echo "uptime at end: $(uptime)"
