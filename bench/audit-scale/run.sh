#!/usr/bin/env bash
# Audit at scale: 1,000,000 audit events and 100,000 rollbacks; times a filtered page of 50 events
# from the API (at the server: curl's total time on loopback) and `rollback-history --since 7d
# --limit 50` start to last line, and prints the query plans. Figures are medians and p99 of RUNS.
#   bench/audit-scale/run.sh [events] [rollbacks] [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS=${1:-1000000}; ROLLBACKS=${2:-100000}; RUNS=${3:-200}
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
# Built as scripts/run builds it (same folder, same flags: switching flags would rebuild everything).
swift build -c release --product ripcord --static-swift-stdlib >/dev/null
BIN="$(swift build -c release --show-bin-path)/ripcord"
WORK=$(mktemp -d); trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
DB="$WORK/ripcord.sqlite3"
"$BIN" migrate --database "$DB" >/dev/null
python3 bench/audit-scale/seed.py "$DB" "$EVENTS" "$ROLLBACKS"
echo "reader-token-for-bench" > "$WORK/reader.token"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/ripcord.yml" <<YML
listen: 127.0.0.1:$PORT
database: ripcord.sqlite3
auth:
  credentials:
    - {name: bench, role: reader, token_file: reader.token}
YML
"$BIN" serve --config "$WORK/ripcord.yml" --log-level warning 2>"$WORK/serve.log" & SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/-/healthy" >/dev/null && break; sleep 0.1; done

measure() {  # name url
  for _ in $(seq "$RUNS"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H 'Authorization: Bearer reader-token-for-bench' "$2"
  done | sort -n | awk -v name="$1" '{a[NR]=$1} END {printf "%-48s median %.2f ms  p99 %.2f ms  (n=%d)\n", name, a[int(NR/2)+1]*1000, a[int(NR*0.99)]*1000, NR}'
}
BASE="http://127.0.0.1:$PORT/api/v1"
measure "GET /audit?limit=50 (no filter)" "$BASE/audit?limit=50"
measure "GET /audit?service=svc-042&limit=50" "$BASE/audit?service=svc-042&limit=50"
measure "GET /audit?service=svc-042&kind=decision&limit=50" "$BASE/audit?service=svc-042&kind=decision&limit=50"
measure "GET /audit?rollback=77777&limit=50" "$BASE/audit?rollback=77777&limit=50"
measure "GET /audit?since=7d&namespace=prod&limit=50" "$BASE/audit?since=7d&namespace=prod&limit=50"
measure "GET /audit?service=svc-042&until=20d (deep)" "$BASE/audit?service=svc-042&until=20d&limit=50"
measure "GET /rollbacks?since=7d&limit=50" "$BASE/rollbacks?since=7d&limit=50"
kill $SERVER; wait $SERVER 2>/dev/null || true

echo
hyperfine --warmup 3 --runs 30 -N --export-json "$WORK/h.json" \
  "$BIN rollback-history --db $DB --since 7d --limit 50" >/dev/null
python3 -c "import json,sys; r=json.load(open('$WORK/h.json'))['results'][0]; t=sorted(r['times']); print('rollback-history --since 7d --limit 50: median %.1f ms, max %.1f ms (n=%d)' % (r['median']*1000, t[-1]*1000, len(t)))"

echo; echo "query plans:"
for q in "SELECT * FROM audit_events WHERE id < 9e18 AND service = 'svc-042' ORDER BY id DESC LIMIT 50" \
         "SELECT * FROM audit_events WHERE id < 9e18 AND service = 'svc-042' AND kind = 'decision' ORDER BY id DESC LIMIT 50" \
         "SELECT * FROM audit_events WHERE id < 9e18 AND rollback_id = 77777 ORDER BY id DESC LIMIT 50" \
         "SELECT * FROM rollbacks r WHERE r.id < 9e18 AND r.created_at >= '2026-01-01' ORDER BY r.id DESC LIMIT 50"; do
  echo "  $q"; sqlite3 "$DB" "EXPLAIN QUERY PLAN $q" | sed 's/^/    /'
done
