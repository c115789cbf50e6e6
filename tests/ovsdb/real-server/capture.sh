#!/bin/sh
# Records what the real ovsdb-server (Open vSwitch 3.1) answers to a scenario,
# for real-server.test.ts: capture.sh SCHEMA SCENARIO > EXPECTED.jsonl
# Runs a private server in a temporary directory, stopped by its pidfile.
set -e
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
ovsdb-tool create "$dir/db" "$1" >/dev/null
ovsdb-server "$dir/db" --remote=punix:"$dir/sock" --pidfile="$dir/pid" --detach --no-chdir \
    --log-file="$dir/log" --unixctl="$dir/ctl" 2>/dev/null
python3 "$here/capture.py" "$dir/sock" "$2" | python3 "$here/normalize.py"
kill "$(cat "$dir/pid")"
rm -rf "$dir"
