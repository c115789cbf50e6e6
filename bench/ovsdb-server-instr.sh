#!/bin/sh
# Instructions executed by ovsdb-server (ours or the real one) for a fixed
# piece of the lab's benchmark, counted by valgrind (cachegrind, no cache
# simulation): unlike wall or CPU time, the count barely depends on how
# loaded the machine is, so small changes can be compared.
#   bench/ovsdb-server-instr.sh [ours|real|FILE.cjs] [N] [PHASES]
# PHASES: comma-separated from echo, insert-pipe, insert-seq, monitor,
# update-pipe, update-seq (default "insert-pipe,insert-seq"), each N
# requests (default 1000); "none" measures start-up alone.  Prints the
# millions of instructions from start to exit (all threads: JIT compiler
# and GC helpers included).  Slow: ~20 s per 1000 requests for ours.
# Needs valgrind and the lab's bench-ovsdb.py (LAB=folder).
set -eu
cd "$(dirname "$0")/.."
root=$PWD
which=${1:-ours} n=${2:-1000} phases=${3:-insert-pipe,insert-seq}
if [ -z "${LAB:-}" ]; then
  for d in "$root/../shared/lab" /work/shared/lab; do
    [ -f "$d/bench-ovsdb.py" ] && LAB=$d && break
  done
fi
[ -n "${LAB:-}" ] && [ -f "$LAB/bench-ovsdb.py" ] || { echo "ovsdb-server-instr.sh: bench-ovsdb.py not found (LAB=folder); skipped" >&2; exit 0; }
command -v valgrind >/dev/null || { echo "ovsdb-server-instr.sh: valgrind not installed; skipped" >&2; exit 0; }
case $which in
  real) srv=/usr/sbin/ovsdb-server tool=/usr/bin/ovsdb-tool ;;
  ours) srv="node $root/dist/ovsdb-server.cjs" tool=$root/bin/ovsdb-tool ;;
  *) srv="node $which" tool=$root/bin/ovsdb-tool ;;
esac
d=$(mktemp -d "${TMPDIR:-/tmp}/ovsdb-instr.XXXXXX")
export OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d LAB
unset NODE_EXTRA_CA_CERTS
python3 - "$d" <<'EOF'
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("b", os.path.join(os.environ["LAB"], "bench-ovsdb.py"))
b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)
json.dump(b.SCHEMA, open(os.path.join(sys.argv[1], "bench.ovsschema"), "w"))
EOF
$tool create "$d/bench.db" "$d/bench.ovsschema"
# shellcheck disable=SC2086
valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file \
  --cachegrind-out-file=/dev/null $srv "$d/bench.db" --remote="punix:$d/db.sock" \
  --pidfile="$d/pid" --no-chdir >"$d/valgrind.log" 2>&1 &
i=0
while [ ! -S "$d/db.sock" ] || [ ! -s "$d/pid" ]; do
  i=$((i + 1)); [ $i -lt 600 ] || { echo "server did not start" >&2; cat "$d/valgrind.log" >&2; exit 1; }
  sleep 0.2
done
if [ "$phases" != none ]; then
  python3 - "$d/db.sock" "$n" "$phases" <<'EOF'
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("b", os.path.join(os.environ["LAB"], "bench-ovsdb.py"))
b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b)
sock, n, phases = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
c = b.Client(sock)
uuids = []
def keep(r):
    e = b.txn_check("uuid")(r)
    if e is None: uuids.append(r["result"][0]["uuid"][1])
    return e
def inserts(tag):
    return [b.encode(i, "transact", [b.DB, {"op": "insert", "table": "T",
            "row": {"name": "%s%d" % (tag, i), "n": i, "s": "x"}}]) for i in range(n)]
def updates(delta):
    return [b.encode(i, "transact", [b.DB, {"op": "update", "table": "T",
            "where": [["_uuid", "==", ["uuid", u]]], "row": {"n": i + delta}}])
            for i, u in enumerate(uuids[:n])]
for k, ph in enumerate(phases):
    if ph == "echo": c.run([b.encode(i, "echo", ["pa", i]) for i in range(n)], 1, b.echo_check)
    elif ph == "insert-pipe": c.run(inserts("p%d-" % k), 100, keep)
    elif ph == "insert-seq": c.run(inserts("s%d-" % k), 1, keep)
    elif ph == "monitor": c.start_monitor(["name", "n", "s"])
    elif ph in ("update-pipe", "update-seq"):
        c.mon_rows, c.mon_target, c.mon_done_at = 0, None, None
        c.run(updates(10**7 * (k + 1)), 100 if ph == "update-pipe" else 1, b.txn_check("count"))
        if c.mon: c.wait_monitor(n)
    else: sys.exit("unknown phase " + ph)
if c.errors: sys.exit("errors: %r" % c.errors[:3])
EOF
fi
kill "$(cat "$d/pid")"
wait
ir=$(sed -n 's/.*I *refs: *//p' "$d/valgrind.log" | tr -d ,)
echo "$which $phases n=$n: $(awk -v x="$ir" 'BEGIN { printf "%.1f", x / 1e6 }') M instructions"
rm -rf "$d"
