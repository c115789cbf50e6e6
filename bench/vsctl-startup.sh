#!/bin/bash
# vsctl-startup.sh: start-up time of our ovs-vsctl against the real one.
#
# Starts one ovsdb-server (the system's, or $OVSDB_SERVER) on a fresh
# Open_vSwitch database with two bridges, then times N (default 20) runs of
# `ovs-vsctl list-br` with each client, alternating them, and prints the
# median wall time of each and the ratio ours/real, and for reference the time
# of an empty Node.js process and of our bundle run without its code cache
# (node dist/ovs-vsctl.bundle.cjs, what a start costs when the cache is stale).
# Env: N, OURS (default bin/ovs-vsctl here), REAL (default /usr/bin/ovs-vsctl),
#      OVSDB_SERVER, OVSDB_TOOL, SCHEMA.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-20}
OURS=${OURS:-$here/bin/ovs-vsctl}
REAL=${REAL:-$(PATH=$PATH:/usr/bin command -v ovs-vsctl || echo /usr/bin/ovs-vsctl)}
OVSDB_SERVER=${OVSDB_SERVER:-$(PATH=$PATH:/usr/sbin command -v ovsdb-server)}
OVSDB_TOOL=${OVSDB_TOOL:-$(command -v ovsdb-tool)}
SCHEMA=${SCHEMA:-$here/schemas/vswitch.ovsschema}
[ -f "$SCHEMA" ] || SCHEMA=/usr/share/openvswitch/vswitch.ovsschema

dir=$(mktemp -d "${TMPDIR:-/tmp}/vsctl-bench.XXXXXX")
cleanup() {
    [ -s "$dir/ovsdb-server.pid" ] && kill "$(cat "$dir/ovsdb-server.pid")" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir
unset NODE_EXTRA_CA_CERTS

"$OVSDB_TOOL" create "$dir/conf.db" "$SCHEMA"
"$OVSDB_SERVER" "$dir/conf.db" --remote=punix:"$dir/db.sock" --pidfile="$dir/ovsdb-server.pid" \
    --log-file="$dir/ovsdb-server.log" --no-chdir --detach 2>/dev/null
db=unix:$dir/db.sock
"$REAL" --db="$db" --no-wait init -- add-br br0 -- add-br br1 -- add-port br0 p1

# ms: wall time of one run in milliseconds (fractional).
ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
}

# One warm-up run each (page cache), then alternate.
"$OURS" --db="$db" list-br >/dev/null
"$REAL" --db="$db" list-br >/dev/null
BUNDLE=$here/dist/ovs-vsctl.bundle.cjs
ours=() real=() node=() bare=()
for _ in $(seq "$N"); do
    ours+=("$(ms "$OURS" --db="$db" list-br)")
    real+=("$(ms "$REAL" --db="$db" list-br)")
    node+=("$(ms node -e 0)")
    if [ -f "$BUNDLE" ]; then bare+=("$(ms node "$BUNDLE" --db="$db" list-br)"); fi
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mo=$(median "${ours[@]}")
mr=$(median "${real[@]}")
mn=$(median "${node[@]}")
mb=0
if [ "${#bare[@]}" -gt 0 ]; then mb=$(median "${bare[@]}"); fi
awk -v o="$mo" -v r="$mr" -v e="$mn" -v b="$mb" -v n="$N" 'BEGIN {
    printf "ovs-vsctl list-br, median of %d runs:\n", n
    printf "  ours: %8.1f ms\n  real: %8.1f ms\n  ratio ours/real: %.1f\n", o / 1000, r / 1000, (r > 0 ? o / r : 0)
    printf "  (node -e 0 alone: %.1f ms; ours minus that: %.1f ms)\n", e / 1000, (o - e) / 1000
    if (b > 0) printf "  (ours without the code cache: %.1f ms)\n", b / 1000
}'
