#!/bin/sh
# Start-up time of our ovs-appctl against the real one (median of N runs):
#   bench/appctl-startup.sh [N]
# Target: bin/ovs-appctl --version under 80 ms wall time.
set -eu
cd "$(dirname "$0")/.."
N=${1:-20}
node bench/median-time.mjs "$N" bin/ovs-appctl --version
if [ -x /usr/bin/ovs-appctl ]; then node bench/median-time.mjs "$N" /usr/bin/ovs-appctl --version; fi
