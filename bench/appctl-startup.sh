#!/bin/sh
# Start-up time of our ovs-appctl against the real one (median of N runs):
#   bench/appctl-startup.sh [N]
# Target: bin/ovs-appctl --version under 80 ms wall time.  An empty Node.js
# process is timed too: what is left above it is ours.
set -eu
cd "$(dirname "$0")/.."
N=${1:-20}
unset NODE_EXTRA_CA_CERTS
node bench/median-time.mjs "$N" bin/ovs-appctl --version
node bench/median-time.mjs "$N" node -e 0
if [ -x /usr/bin/ovs-appctl ]; then node bench/median-time.mjs "$N" /usr/bin/ovs-appctl --version; fi
