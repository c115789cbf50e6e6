#!/bin/sh
# ovsdb-server throughput, ours against the real one in the same run:
#   bench/ovsdb-server.sh [-n N] [-r ROUNDS] [-w WINDOW]
# Runs the lab's bench-ovsdb.py (echo, single-row inserts and updates,
# pipelined and one at a time, with a monitor attached, and the initial
# monitor snapshot) once against our server (bin/) and once against the
# real /usr/sbin/ovsdb-server per round, alternating which goes first, and
# prints ours, real and ours/real per phase (median of the rounds).
# Target: ratio >= 1.0 in every phase.  The machine is usually shared: only
# the ratio of one run means anything, never the absolute figures.
#
# With WARM=1 each server first serves one whole unmeasured pass of the
# same phases (the lab script's --keep, then --remote): the figures are then
# those of a server that has been running for a while (for ours, code the
# JIT has compiled), not of a fresh process.
#
# Environment: LAB (folder holding bench-ovsdb.py; default ../shared/lab
# next to the project, else /work/shared/lab), OURS_BIN (default bin/),
# REF_BIN (a folder with another ovsdb-server/ovsdb-tool to compare with;
# default: the system's), KEEP (folder to keep the JSON results in).
set -eu
cd "$(dirname "$0")/.."
root=$PWD
N=5000 ROUNDS=1 WINDOW=100
while getopts n:r:w: opt; do
  case $opt in
    n) N=$OPTARG ;;
    r) ROUNDS=$OPTARG ;;
    w) WINDOW=$OPTARG ;;
    *) echo "usage: $0 [-n N] [-r ROUNDS] [-w WINDOW]" >&2; exit 2 ;;
  esac
done
if [ -z "${LAB:-}" ]; then
  for d in "$root/../shared/lab" /work/shared/lab; do
    [ -f "$d/bench-ovsdb.py" ] && LAB=$d && break
  done
fi
if [ -z "${LAB:-}" ] || [ ! -f "$LAB/bench-ovsdb.py" ]; then
  echo "ovsdb-server.sh: the lab's bench-ovsdb.py was not found (set LAB=folder); skipped" >&2
  exit 0
fi
if [ -z "${REF_BIN:-}" ] && [ ! -x /usr/sbin/ovsdb-server ]; then
  echo "ovsdb-server.sh: the real ovsdb-server (/usr/sbin/ovsdb-server) is not installed; skipped" >&2
  exit 0
fi
OURS_BIN=${OURS_BIN:-$root/bin}
[ -f "$root/dist/ovsdb-server.cjs" ] || { echo "ovsdb-server.sh: run npm run build first" >&2; exit 1; }
out=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/ovsdb-bench.XXXXXX")}
mkdir -p "$out"
export PA_TMP="$out"

run() { # run SIDE ROUND
  if [ "$1" = ours ]; then bin=$OURS_BIN; else bin=${REF_BIN:-}; fi
  echo "--- round $2: $1" >&2
  if [ -z "${WARM:-}" ]; then
    BIN_DIR=$bin python3 "$LAB/bench-ovsdb.py" -n "$N" -w "$WINDOW" --json "$out/$1-$2.json" >&2
    return
  fi
  srv=$out/pa-ovsdb-bench
  BIN_DIR=$bin python3 "$LAB/bench-ovsdb.py" -n "$N" -w "$WINDOW" --keep >/dev/null
  python3 "$LAB/bench-ovsdb.py" -n "$N" -w "$WINDOW" --remote "unix:$srv/db.sock" \
    --json "$out/$1-$2.json" >&2 || true
  pid=$(cat "$srv/ovsdb-server.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && grep -q "$srv" "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid"
    while [ -d "/proc/$pid" ]; do sleep 0.1; done
  fi
}
r=1
while [ "$r" -le "$ROUNDS" ]; do
  if [ $((r % 2)) -eq 1 ]; then run ours $r; run real $r; else run real $r; run ours $r; fi
  r=$((r + 1))
done

node - "$out" "$ROUNDS" <<'EOF'
const fs = require('node:fs');
const [dir, rounds] = process.argv.slice(2);
const rates = { ours: new Map(), real: new Map() };
const phases = [];
for (const side of ['ours', 'real']) {
  for (let r = 1; r <= Number(rounds); r++) {
    const res = JSON.parse(fs.readFileSync(`${dir}/${side}-${r}.json`, 'utf8'));
    if (res.errors.length) console.log(`${side} round ${r}: ERRORS ${JSON.stringify(res.errors)}`);
    let last = '';
    for (const x of res.results) {
      const phase = x.phase.trim() === 'monitor' ? `${last}/monitor` : x.phase;
      if (x.phase.trim() !== 'monitor') last = x.phase;
      if (!phases.includes(phase)) phases.push(phase);
      if (!rates[side].has(phase)) rates[side].set(phase, []);
      rates[side].get(phase).push(x.ops_per_s ?? 0);
    }
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
console.log(`${'phase'.padEnd(20)} ${'ours/s'.padStart(9)} ${'real/s'.padStart(9)}  ratio`);
for (const p of phases) {
  const o = median(rates.ours.get(p) ?? [0]), t = median(rates.real.get(p) ?? [0]);
  console.log(`${p.padEnd(20)} ${String(o).padStart(9)} ${String(t).padStart(9)}  ${t ? (o / t).toFixed(2) : '-'}`);
}
EOF
[ -n "${KEEP:-}" ] || rm -rf "$out"
