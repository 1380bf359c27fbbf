# Shared by the benchmark and reliability scripts (bench/*/run.sh, scripts/crash-test, scripts/soak,
# scripts/hostile, scripts/storage-faults): build, configure, start and measure `ripcord serve`.
# Everything listens on 127.0.0.1; every process started here is stopped by the EXIT trap.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LC_ALL=C

# $RIPCORD_BIN pins a prebuilt binary (e.g. to measure one build while the tree changes); otherwise
# the release build in the scripts' own scratch path, built as scripts/run and the Dockerfile build
# what ships (Swift runtime linked statically), so RSS figures are the shipped binary's.
ripcord_binary() {
    if [ -n "${RIPCORD_BIN:-}" ]; then echo "$RIPCORD_BIN"; return; fi
    (cd "$ROOT" && swift build -c release --static-swift-stdlib --scratch-path "$ROOT/.build-proof" --product ripcord >&2)
    echo "$ROOT/.build-proof/release/ripcord"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

BENCH_TOKEN="bench-alertmanager-token-0123456789"
BENCH_DEPLOYER_TOKEN="bench-deployer-token-0123456789"
BENCH_READER_TOKEN="bench-reader-token-0123456789"
export RIPCORD_BENCH_TOKEN="$BENCH_TOKEN"

# write_config DIR PORT [EXTRA_YAML]: a config with alertmanager, deployer and reader credentials
# (token files), the database at DIR/data/ripcord.sqlite3, plus EXTRA_YAML (executors, policies...).
# $LIMITS_YAML (lines under `limits:`) is added when set.
write_config() {
    local dir=$1 port=$2 extra=${3:-}
    mkdir -p "$dir/secrets"
    echo "$BENCH_TOKEN" >"$dir/secrets/alertmanager.token"
    echo "$BENCH_DEPLOYER_TOKEN" >"$dir/secrets/deployer.token"
    echo "$BENCH_READER_TOKEN" >"$dir/secrets/reader.token"
    {
        echo "listen: 127.0.0.1:$port"
        echo "database: data/ripcord.sqlite3"
        echo "limits:"
        echo "  max_body_bytes: 1048576"
        [ -n "${LIMITS_YAML:-}" ] && printf '%s\n' "$LIMITS_YAML"
        echo "auth:"
        echo "  credentials:"
        echo "    - {name: alertmanager, role: alertmanager, token_file: secrets/alertmanager.token}"
        echo "    - {name: ci, role: deployer, token_file: secrets/deployer.token}"
        echo "    - {name: oncall, role: reader, token_file: secrets/reader.token}"
        printf '%s\n' "$extra"
    } >"$dir/ripcord.yml"
}

# The policy every load script uses: one command executor, one policy on the captures' labels.
# Intake load carries no deployments, so each alert is decided `no_active_deployment`.
policy_yaml() {   # policy_yaml PROGRAM [concurrency] [max_rollbacks] [resume_interrupted]
    cat <<YML
executors:
  - name: rollback-script
    kind: command
    command: ["$1"]
    timeout: 30s
    kill_grace: 1s
policies:
  - name: slo-burn
    match: ['severity="critical"']
    deployment: {service: service, namespace: namespace}
    for: 0s
    delay: 0s
    cancel_on_resolve: true
    actions: [rollback-script]
    retries: 0
    cooldown: 0s
    resume_interrupted: ${4:-true}
deployments:
  default_soak: 24h
YML
}

# start_ripcord DIR [taskset-cpus]: starts `ripcord serve` in DIR in the background; sets SERVER_PID.
start_ripcord() {
    local dir=$1 cpus=${2:-}
    local port; port=$(sed -n 's/^listen: 127.0.0.1:\([0-9]*\)$/\1/p' "$dir/ripcord.yml")
    if [ -n "$cpus" ]; then
        taskset -c "$cpus" "$BIN" serve --config "$dir/ripcord.yml" --log-level warning 2>>"$dir/serve.log" &
    else
        "$BIN" serve --config "$dir/ripcord.yml" --log-level warning 2>>"$dir/serve.log" &
    fi
    SERVER_PID=$!
    wait_http "http://127.0.0.1:$port/-/healthy" || { echo "ripcord did not start; log:" >&2; tail -20 "$dir/serve.log" >&2; return 1; }
}

wait_http() {   # wait_http URL: up to 10 s
    for _ in $(seq 200); do
        curl -sf -o /dev/null --max-time 1 "$1" && return 0
        sleep 0.05
    done
    return 1
}

stop_pid() {    # stop_pid PID [SIGNAL]: signal, then wait (bounded: SIGKILL after 15 s)
    local pid=$1 sig=${2:-TERM}
    kill -"$sig" "$pid" 2>/dev/null || return 0
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
fd_count() { ls "/proc/$1/fd" | wc -l; }

# Converts wrk's "12.34ms" / "850.00us" / "1.20s" to milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

# wrk_summary FILE: "RPS P50 P75 P90 P99 NON2XX ERRORS" (milliseconds) from `wrk --latency` output.
wrk_summary() {
    local f=$1 rps p50 p75 p90 p99 non errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$f")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
    p75=$(to_ms "$(awk '$1 == "75%" {print $2}' "$f")")
    p90=$(to_ms "$(awk '$1 == "90%" {print $2}' "$f")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
    non=$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$f"); non=${non:-0}
    errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$f"); errors=${errors:-0}
    echo "$rps $p50 $p75 $p90 $p99 $non $errors"
}

median() { sort -g | awk '{a[NR] = $1} END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# CPU busy share of the whole machine over 1 s (all processes: ours and everyone else's).
machine_busy_percent() {
    local a b
    a=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / {print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
    echo "$a $b" | awk '{ d = $4 - $2; v = 0; if (d > 0) v = 100 * ($3 - $1) / d; printf "%d", v }'
}

# wait_quiet [MAX_SECONDS]: waits (bounded) until other work on the machine uses under 25% of the
# CPUs, so a measurement is not someone else's compile. Prints what it saw.
wait_quiet() {   # $BENCH_QUIET_WAIT overrides MAX_SECONDS (0: do not wait)
    local max=${BENCH_QUIET_WAIT:-${1:-120}} waited=0 busy
    while :; do
        busy=$(machine_busy_percent)
        if [ "$busy" -lt 25 ] || [ "$waited" -ge "$max" ]; then break; fi
        sleep 4; waited=$((waited + 5))
    done
    QUIET_NOTE="machine ${busy}% busy before the run (waited ${waited}s)"
}
