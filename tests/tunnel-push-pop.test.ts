/* Native (userspace) tunnels in a running ovs-vswitchd of ours with dummy
 * ports, set up as OVS's tunnel-push-pop.at does: an underlay bridge br0
 * (port p0, address 1.1.2.88/24, a route to 1.1.2.0/24) and an overlay
 * bridge int-br with vxlan, gre and geneve ports.  Checked:
 *  - dpif/show, tnl/ports/show, ovs/route/show and tnl/neigh/show texts;
 *  - an ARP request for the remote end goes out of p0 on a neighbour miss,
 *    and an ARP reply on p0 fills the neighbour cache;
 *  - ofproto/trace with datapath flows prints OVS's tnl_push(...) and
 *    tnl_pop(...) actions;
 *  - a GRE packet received on p0 is decapsulated, matched on tun_id and
 *    in_port of the tunnel, and delivered inner-only;
 *  - output to the vxlan port leaves p0 as the encapsulated bytes (outer
 *    headers checked field by field, inner packet intact). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Sandbox, ROOT } from './helpers/sandbox.js';

function ok(sb: Sandbox, program: string, args: string[]): string {
  const r = sb.run(program, args);
  assert.equal(r.status, 0, `${program} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const appctl = (sb: Sandbox, ...args: string[]): string => ok(sb, 'ovs-appctl', args);

/** Packets of a pcap file (classic format, any link type) as hex strings. */
function pcapPackets(file: string): string[] {
  let b: Uint8Array;
  try { b = readFileSync(file); } catch { return []; }
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = dv.getUint32(0, true) === 0xa1b2c3d4;
  const out: string[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const n = dv.getUint32(o + 8, le);
    out.push(Buffer.from(b.subarray(o + 16, o + 16 + n)).toString('hex'));
    o += 16 + n;
  }
  return out;
}

async function until(fn: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return fn();
}

const GRE_PKT = 'aa55aa550000001b213cab6408004500007e79464000402fba550101025c0101025820006558000001c8'
  + 'fe71d883724fbeb6f4e1494a080045000054ba200000400184861e0000011e00000200004227e75400030af3195500000000f265010000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637';
const INNER = GRE_PKT.slice(42 * 2);

test('vxlan/gre/geneve ports: push and pop as OVS tunnel-push-pop.at', { timeout: 90000 }, async () => {
  const sb = new Sandbox('ovs-ts-tnl-');
  try {
    const db = join(sb.dir, 'conf.db');
    assert.equal(sb.run('ovsdb-tool', ['create', db, join(ROOT, 'schemas', 'vswitch.ovsschema')]).status, 0);
    sb.startDaemon('ovsdb-server', [db, `--remote=punix:${join(sb.dir, 'db.sock')}`]);
    ok(sb, 'ovs-vsctl', ['--no-wait', 'init']);
    sb.startDaemon('ovs-vswitchd', ['--enable-dummy=override', '--disable-system', '--disable-system-route']);
    ok(sb, 'ovs-vsctl', ['add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=dummy',
      'other-config:hwaddr=aa:55:aa:55:00:00', '--', 'add-port', 'br0', 'p0', '--', 'set', 'Interface', 'p0',
      'type=dummy', 'ofport_request=1', `options:pcap=${join(sb.dir, 'p0.pcap')}`]);
    ok(sb, 'ovs-vsctl', ['add-br', 'int-br', '--', 'set', 'bridge', 'int-br', 'datapath_type=dummy']);
    ok(sb, 'ovs-vsctl', ['add-port', 'int-br', 't2', '--', 'set', 'Interface', 't2', 'type=vxlan',
      'options:remote_ip=1.1.2.92', 'options:key=123', 'ofport_request=2',
      '--', 'add-port', 'int-br', 't1', '--', 'set', 'Interface', 't1', 'type=gre',
      'options:remote_ip=1.1.2.92', 'options:key=456', 'ofport_request=3',
      '--', 'add-port', 'int-br', 't4', '--', 'set', 'Interface', 't4', 'type=geneve',
      'options:remote_ip=flow', 'options:key=123', 'ofport_request=5']);
    ok(sb, 'ovs-vsctl', ['add-port', 'int-br', 'p1', '--', 'set', 'Interface', 'p1', 'type=dummy', 'ofport_request=10',
      `options:pcap=${join(sb.dir, 'p1.pcap')}`]);
    assert.equal(appctl(sb, 'dpif/show'), `dummy@ovs-dummy: hit:0 missed:0
  br0:
    br0 65534/100: (dummy-internal)
    p0 1/1: (dummy)
  int-br:
    int-br 65534/2: (dummy-internal)
    p1 10/4: (dummy)
    t1 3/3: (gre: key=456, remote_ip=1.1.2.92)
    t2 2/4789: (vxlan: key=123, remote_ip=1.1.2.92)
    t4 5/6081: (geneve: key=123, remote_ip=flow)
`);
    assert.equal(appctl(sb, 'netdev-dummy/ip4addr', 'br0', '1.1.2.88/24'), 'OK\n');
    assert.equal(appctl(sb, 'ovs/route/add', '1.1.2.92/24', 'br0'), 'OK\n');
    assert.match(appctl(sb, 'ovs/route/show'), /^User: 1\.1\.2\.0\/24 dev br0 SRC 1\.1\.2\.88$/m);
    assert.deepEqual(appctl(sb, 'tnl/ports/show').split('\n').sort(), ['', 'Listening ports:',
      'genev_sys_6081 (6081) ref_cnt=1', 'gre_sys (3) ref_cnt=1', 'vxlan_sys_4789 (4789) ref_cnt=1']);
    ok(sb, 'ovs-ofctl', ['add-flow', 'br0', 'action=normal']);

    // Neighbour miss: an ARP request for 1.1.2.92 leaves p0.
    ok(sb, 'ovs-ofctl', ['add-flow', 'int-br', 'in_port=LOCAL,action=2']);
    appctl(sb, 'netdev-dummy/receive', 'int-br', 'in_port(2),eth(src=aa:55:aa:55:00:00,dst=f8:bc:12:ff:ff:ff),eth_type(0x0800),ipv4(src=1.1.3.92,dst=1.1.3.88,proto=1,tos=0,ttl=64,frag=no),icmp(type=0,code=0)');
    const arp = 'ffffffffffffaa55aa55000008060001080006040001aa55aa550000010102580000000000000101025c';
    assert.ok(await until(() => pcapPackets(join(sb.dir, 'p0.pcap')).includes(arp)), 'ARP request on p0');

    // ARP reply snooped into the neighbour cache.
    appctl(sb, 'netdev-dummy/receive', 'p0', 'recirc_id(0),in_port(1),eth(src=f8:bc:12:44:34:b6,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=1.1.2.92,tip=1.1.2.88,op=2,sha=f8:bc:12:44:34:b6,tha=00:00:00:00:00:00)');
    assert.match(appctl(sb, 'tnl/neigh/show'), /^1\.1\.2\.92 {38}f8:bc:12:44:34:b6   br0$/m);

    // Traces with datapath flows.
    const tail = (s: string) => s.trimEnd().split('\n').pop();
    assert.equal(tail(appctl(sb, 'ofproto/trace', 'ovs-dummy', 'in_port(1),eth(src=f8:bc:12:44:34:b6,dst=aa:55:aa:55:00:00),eth_type(0x0800),ipv4(src=1.1.2.92,dst=1.1.2.88,proto=17,tos=0,ttl=64,frag=no),udp(src=51283,dst=4789)')),
      'Datapath actions: tnl_pop(4789)');
    assert.equal(tail(appctl(sb, 'ofproto/trace', 'ovs-dummy', 'in_port(1),eth(src=f8:bc:12:44:34:b6,dst=aa:55:aa:55:00:00),eth_type(0x0800),ipv4(src=1.1.2.92,dst=1.1.2.88,proto=47,tos=0,ttl=64,frag=no)')),
      'Datapath actions: tnl_pop(3)');
    assert.equal(tail(appctl(sb, 'ofproto/trace', 'ovs-dummy', 'in_port(2),eth(src=f8:bc:12:44:34:b6,dst=aa:55:aa:55:00:00),eth_type(0x0800),ipv4(src=1.1.3.88,dst=1.1.3.112,proto=47,tos=0,ttl=64,frag=no)')),
      'Datapath actions: tnl_push(tnl_port(4789),header(size=50,type=4,eth(dst=f8:bc:12:44:34:b6,src=aa:55:aa:55:00:00,dl_type=0x0800),ipv4(src=1.1.2.88,dst=1.1.2.92,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x7b)),out_port(100)),1');
    ok(sb, 'ovs-ofctl', ['mod-flows', 'int-br', 'in_port=LOCAL,action=3']);
    appctl(sb, 'revalidator/wait');
    assert.equal(tail(appctl(sb, 'ofproto/trace', 'ovs-dummy', 'in_port(2),eth(src=f8:bc:12:44:34:b6,dst=aa:55:aa:55:00:00),eth_type(0x0800),ipv4(src=1.1.3.88,dst=1.1.3.112,proto=47,tos=0,ttl=64,frag=no)')),
      'Datapath actions: tnl_push(tnl_port(3),header(size=42,type=3,eth(dst=f8:bc:12:44:34:b6,src=aa:55:aa:55:00:00,dl_type=0x0800),ipv4(src=1.1.2.88,dst=1.1.2.92,proto=47,tos=0,ttl=64,frag=0x4000),gre((flags=0x2000,proto=0x6558),key=0x1c8)),out_port(100)),1');

    // Decapsulation: the GRE packet of tunnel-push-pop.at, matched on tun_id and the tunnel's port.
    ok(sb, 'ovs-ofctl', ['add-flow', 'int-br', 'tun_id=0x1c8,in_port=3,actions=10']);
    for (let i = 0; i < 3; i++) appctl(sb, 'netdev-dummy/receive', 'p0', GRE_PKT);
    assert.ok(await until(() => pcapPackets(join(sb.dir, 'p1.pcap')).filter((p) => p === INNER).length === 3),
      `decapsulated packets on p1: ${pcapPackets(join(sb.dir, 'p1.pcap')).join('\n')}`);
    appctl(sb, 'revalidator/wait');
    assert.match(ok(sb, 'ovs-ofctl', ['dump-ports', 'int-br', '3']), /port  3: rx pkts=3, bytes=294, drop=\?/);
    // The decapsulated packets hit a datapath flow on the tunnel's port with the tunnel metadata.
    assert.match(appctl(sb, 'dpif/dump-flows', 'int-br'),
      /^tunnel\(tun_id=0x1c8,src=1\.1\.2\.92,dst=1\.1\.2\.88,flags\(\+df-csum\+key\)\),recirc_id\(0\),in_port\(3\),.*packets:2, bytes:196, .*actions:4$/m);
    assert.match(ok(sb, 'ovs-ofctl', ['dump-flows', 'int-br']), /n_packets=3, n_bytes=294, .*tun_id=0x1c8,in_port=3 actions=output:10/);

    // Encapsulation: a packet from p1 to the vxlan port leaves p0 with the outer headers.
    ok(sb, 'ovs-ofctl', ['add-flow', 'int-br', 'in_port=10,actions=2']);
    const before = pcapPackets(join(sb.dir, 'p0.pcap')).length;
    appctl(sb, 'netdev-dummy/receive', 'p1', INNER);
    assert.ok(await until(() => pcapPackets(join(sb.dir, 'p0.pcap')).length > before), 'nothing left p0');
    const out = pcapPackets(join(sb.dir, 'p0.pcap')).pop()!;
    // The next hop's MAC was learned from the GRE packet decapsulated above (as OVS does).
    assert.equal(out.slice(0, 28), '001b213cab64aa55aa5500000800', 'outer Ethernet');
    assert.equal(out.slice(28, 32), '4500');
    assert.equal(Number.parseInt(out.slice(32, 36), 16), out.length / 2 - 14, 'IP total length');
    assert.equal(out.slice(44, 48), '4011', 'ttl 64, UDP');
    assert.equal(out.slice(52, 68), '010102580101025c', 'outer addresses');
    assert.ok(Number.parseInt(out.slice(68, 72), 16) >= 32768, 'UDP source port from the flow hash');
    assert.equal(Number.parseInt(out.slice(72, 76), 16), 4789, 'UDP destination port');
    assert.equal(Number.parseInt(out.slice(76, 80), 16), out.length / 2 - 34, 'UDP length');
    assert.equal(out.slice(84, 100), '0800000000007b00', 'VXLAN header, VNI 123');
    assert.equal(out.slice(100), INNER, 'inner packet');
  } finally {
    await sb.cleanup();
  }
});
