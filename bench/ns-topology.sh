#!/bin/bash
# ns-topology.sh: the lab's datapath topology with our (or the real) daemons, left
# running for interactive measurement.  `up` builds it, `down` removes it.
#   NS_A[ovtq-a1 10.76.0.1] <-veth-> ovtq-a0 [NS_SW: ovs-vswitchd] ovtq-b0 <-veth-> [ovtq-b1 10.76.0.2]NS_B
# Env: ONLY=tcp|udp (measure), BIN_DIR (default: this project's bin/; REAL=1 for the system's OVS),
#      TSO=1 (other_config:userspace-tso-enable=true), TX_OFF=1 (senders' tx offload off),
#      DIR (run directory, default /tmp/ovtq).
# Then e.g.: ip netns exec ovtq-a ping 10.76.0.2; source $DIR/env.sh; ovs-appctl dpif/show
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
DIR=${DIR:-/tmp/ovtq}
NS_A=ovtq-a NS_B=ovtq-b NS_SW=ovtq-sw
if [ "${REAL:-0}" = 1 ]; then B=/usr/bin; SB=/usr/sbin; else B=${BIN_DIR:-$HERE/bin}; SB=$B; fi
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

down() {
    for p in ovs-vswitchd ovsdb-server; do
        [ -s "$DIR/$p.pid" ] && kill "$(cat "$DIR/$p.pid")" 2>/dev/null
    done
    sleep 0.5
    for ns in $NS_A $NS_B $NS_SW; do ip netns del $ns 2>/dev/null; done
    rm -rf "$DIR"
}

up() {
    down
    mkdir -p "$DIR"
    export OVS_RUNDIR=$DIR OVS_LOGDIR=$DIR OVS_DBDIR=$DIR OVS_SYSCONFDIR=$DIR
    for ns in $NS_A $NS_B $NS_SW; do ip netns add $ns; nsx $ns ip link set lo up; done
    ip link add ovtq-a1 netns $NS_A type veth peer name ovtq-a0 netns $NS_SW
    ip link add ovtq-b1 netns $NS_B type veth peer name ovtq-b0 netns $NS_SW
    nsx $NS_SW ip link set ovtq-a0 up; nsx $NS_SW ip link set ovtq-b0 up
    nsx $NS_A ip addr add 10.76.0.1/24 dev ovtq-a1; nsx $NS_A ip link set ovtq-a1 up
    nsx $NS_B ip addr add 10.76.0.2/24 dev ovtq-b1; nsx $NS_B ip link set ovtq-b1 up
    if [ "${TX_OFF:-0}" = 1 ]; then
        nsx $NS_A ethtool -K ovtq-a1 tx off >/dev/null; nsx $NS_B ethtool -K ovtq-b1 tx off >/dev/null
    fi
    local schema=$HERE/schemas/vswitch.ovsschema
    [ "${REAL:-0}" = 1 ] && schema=/usr/share/openvswitch/vswitch.ovsschema
    "$B/ovsdb-tool" create "$DIR/conf.db" "$schema"
    "$SB/ovsdb-server" "$DIR/conf.db" --remote=punix:"$DIR/db.sock" --pidfile="$DIR/ovsdb-server.pid" \
        --log-file="$DIR/ovsdb-server.log" --no-chdir --detach
    "$B/ovs-vsctl" --db=unix:$DIR/db.sock --no-wait init
    [ "${TSO:-0}" = 1 ] && "$B/ovs-vsctl" --db=unix:$DIR/db.sock --no-wait set Open_vSwitch . other_config:userspace-tso-enable=true
    nsx $NS_SW ${VSWITCHD_PREFIX:-} "$SB/ovs-vswitchd" unix:$DIR/db.sock --pidfile="$DIR/ovs-vswitchd.pid" \
        --log-file="$DIR/ovs-vswitchd.log" --no-chdir --detach --disable-system
    "$B/ovs-vsctl" --db=unix:$DIR/db.sock --timeout=30 add-br ovtqbr -- set Bridge ovtqbr datapath_type=netdev \
        -- add-port ovtqbr ovtq-a0 -- add-port ovtqbr ovtq-b0
    cat > "$DIR/env.sh" <<EOT
export OVS_RUNDIR=$DIR OVS_LOGDIR=$DIR OVS_DBDIR=$DIR OVS_SYSCONFDIR=$DIR PATH=$B:$SB:\$PATH
EOT
}

# cpu_ms: CPU time (user+system, all threads) ovs-vswitchd has used, in ms.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$(cat "$DIR/ovs-vswitchd.pid")/stat"; }
# rx_pkts: packets the switch forwarded (sent on its two ports).
rx_pkts() { nsx $NS_SW cat /sys/class/net/ovtq-a0/statistics/tx_packets /sys/class/net/ovtq-b0/statistics/tx_packets | awk '{s+=$1} END {print s}'; }
# run_counted CMD...: runs CMD, then prints the switch's CPU µs per packet it forwarded.
per_pkt() { awk -v c0="$1" -v c1="$2" -v p0="$3" -v p1="$4" 'BEGIN{printf "%.2f", (c1-c0)*1000/(p1-p0>0?p1-p0:1)}'; }

# measure: ping, TCP and 64-byte UDP (SECS each), and the switch's CPU per packet, one line.
measure() {
    local secs=${SECS:-3} ping tcp udp c0 c1 p0 p1 c2 p2
    nsx $NS_A ping -c 3 -i 0.2 -q 10.76.0.2 >/dev/null
    ping=$(nsx $NS_A ping -c 5 -i 0.2 -q 10.76.0.2 | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
    nsx $NS_B iperf3 -s -B 10.76.0.2 -p 5298 -D -I "$DIR/iperf.pid"; sleep 0.3
    c0=$(cpu_ms); p0=$(rx_pkts)
    [ "${ONLY:-}" = udp ] && tcp=- || tcp=$(nsx $NS_A iperf3 -c 10.76.0.2 -p 5298 -t "$secs" -J | python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))')
    c1=$(cpu_ms); p1=$(rx_pkts)
    [ "${ONLY:-}" = tcp ] && udp=- || udp=$(nsx $NS_A iperf3 -c 10.76.0.2 -p 5298 -t "$secs" -u -l 64 -b 0 -J | python3 -c '
import json,sys
s = json.load(sys.stdin)["end"]["sum"]; print("%.1f kpps loss %.1f%%" % ((s["packets"] - s["lost_packets"]) / s["seconds"] / 1e3, s["lost_percent"]))')
    c2=$(cpu_ms); p2=$(rx_pkts)
    kill "$(cat "$DIR/iperf.pid")" 2>/dev/null
    echo "ping ${ping}ms  TCP ${tcp} Gbit/s ($(per_pkt $c0 $c1 $p0 $p1) us/pkt, $((c1-c0)) ms cpu)  UDP64 ${udp} ($(per_pkt $c1 $c2 $p1 $p2) us/pkt, $((c2-c1)) ms cpu)"
}

case "${1:-}" in
up) up ;;
down) down ;;
measure) measure ;;
*) echo "usage: $0 up|measure|down" >&2; exit 2 ;;
esac
