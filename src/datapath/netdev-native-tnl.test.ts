/* Tests of netdev-native-tnl.ts: tunnel headers built, printed, pushed and
 * popped, against byte strings and texts from OVS's tunnel-push-pop.at. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { netdevTnlBuildHeader, netdevTnlPushHeader, netdevTnlPopHeader, formatTnlPushHeader, tnlMetadataNew,
  TNL_UDP_PORT_MIN, TNL_UDP_PORT_MAX } from './netdev-native-tnl.js';
import { parseTunnelConfig, ipv4Mapped } from './netdev-vport.js';
import { csum } from '../lib/packets/checksum.js';
import { TunFlags } from './flow.js';

const mac = (s: string) => Uint8Array.from(s.split(':').map((x) => Number.parseInt(x, 16)));
const ip = (s: string) => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => Number.parseInt(x, 16)));

function build(type: string, opts: Record<string, string>, tunId: bigint, flags: number, dst = '1.1.2.92') {
  const { cfg, error } = parseTunnelConfig('t', type, opts);
  assert.equal(error, false);
  const tun = tnlMetadataNew();
  tun.ipDst = ip(dst); tun.tunId = tunId; tun.ttl = 64; tun.flags = flags;
  return netdevTnlBuildHeader(type, cfg, {
    dmac: mac('f8:bc:12:44:34:b6'), smac: mac('aa:55:aa:55:00:00'), srcIp: ipv4Mapped(ip('1.1.2.88')), tun, packetType: 0,
  })!;
}

test('vxlan, gre and geneve headers print as OVS prints them', () => {
  const v = build('vxlan', { remote_ip: '1.1.2.92', key: '123' }, 123n, TunFlags.DF | TunFlags.KEY);
  assert.equal(formatTnlPushHeader(v.tnlType, v.header),
    'header(size=50,type=4,eth(dst=f8:bc:12:44:34:b6,src=aa:55:aa:55:00:00,dl_type=0x0800),ipv4(src=1.1.2.88,dst=1.1.2.92,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x7b))');
  const c = build('vxlan', { remote_ip: '1.1.2.93', out_key: 'flow', csum: 'true' }, 124n, TunFlags.DF | TunFlags.CSUM | TunFlags.KEY, '1.1.2.93');
  assert.match(formatTnlPushHeader(c.tnlType, c.header), /udp\(src=0,dst=4789,csum=0xffff\),vxlan\(flags=0x8000000,vni=0x7c\)/);
  const g = build('gre', { remote_ip: '1.1.2.92', key: '456' }, 456n, TunFlags.DF | TunFlags.KEY);
  assert.equal(formatTnlPushHeader(g.tnlType, g.header),
    'header(size=42,type=3,eth(dst=f8:bc:12:44:34:b6,src=aa:55:aa:55:00:00,dl_type=0x0800),ipv4(src=1.1.2.88,dst=1.1.2.92,proto=47,tos=0,ttl=64,frag=0x4000),gre((flags=0x2000,proto=0x6558),key=0x1c8))');
  const n = build('geneve', { remote_ip: 'flow', key: '123' }, 123n, TunFlags.DF | TunFlags.KEY);
  assert.equal(formatTnlPushHeader(n.tnlType, n.header),
    'header(size=50,type=5,eth(dst=f8:bc:12:44:34:b6,src=aa:55:aa:55:00:00,dl_type=0x0800),ipv4(src=1.1.2.88,dst=1.1.2.92,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=6081,csum=0x0),geneve(vni=0x7b))');
  // The outer IPv4 header checksum is valid before lengths are filled in.
  assert.equal(csum(v.header, 14, 20), 0);
});

test('push fixes lengths and checksums; pop gives back the packet and metadata', () => {
  const inner = hex('fe71d883724fbeb6f4e1494a080045000054ba200000400184861e0000011e00000200004227e75400030af3195500000000f265010000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637');
  for (const [type, opts, flags] of [
    ['vxlan', { remote_ip: '1.1.2.92', key: '123' }, TunFlags.DF | TunFlags.KEY],
    ['vxlan', { remote_ip: '1.1.2.92', key: '123', csum: 'true' }, TunFlags.DF | TunFlags.KEY | TunFlags.CSUM],
    ['geneve', { remote_ip: '1.1.2.92', key: '123' }, TunFlags.DF | TunFlags.KEY],
    ['gre', { remote_ip: '1.1.2.92', key: '123', csum: 'true' }, TunFlags.DF | TunFlags.KEY | TunFlags.CSUM],
  ] as const) {
    const h = build(type, opts, 123n, flags);
    const pkt = netdevTnlPushHeader(inner, h.tnlType, h.header);
    assert.equal(pkt.length, h.header.length + inner.length);
    assert.equal(csum(pkt, 14, 20), 0, `${type}: ip checksum`);
    assert.equal((pkt[16]! << 8) | pkt[17]!, pkt.length - 14, `${type}: ip total length`);
    if (type !== 'gre') {
      const sport = (pkt[34]! << 8) | pkt[35]!;
      assert.ok(sport >= TNL_UDP_PORT_MIN && sport < TNL_UDP_PORT_MAX, `${type}: source port ${sport}`);
      assert.equal((pkt[38]! << 8) | pkt[39]!, pkt.length - 34, `${type}: udp length`);
    }
    const r = netdevTnlPopHeader(pkt, type);
    assert.ok(typeof r !== 'string', `${type}: ${String(r)}`);
    assert.deepEqual(r.inner, inner);
    assert.equal(r.md.tunId, 123n);
    assert.equal(r.md.ipSrc, ip('1.1.2.88'));
    assert.equal(r.md.ipDst, ip('1.1.2.92'));
    assert.equal(r.md.ttl, 64);
    assert.equal(r.md.flags, flags, `${type}: flags`);
  }
});

test('pop of the GRE packet from tunnel-push-pop.at; damaged packets are refused', () => {
  const pkt = hex('aa55aa550000001b213cab6408004500007e79464000402fba550101025c0101025820006558000001c8fe71d883724fbeb6f4e1494a080045000054ba200000400184861e0000011e00000200004227e75400030af3195500000000f265010000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637');
  const r = netdevTnlPopHeader(pkt, 'gre');
  assert.ok(typeof r !== 'string');
  assert.equal(r.md.tunId, 0x1c8n);
  assert.equal(r.md.ipSrc, ip('1.1.2.92'));
  assert.equal(r.inner.length, 98);
  const bad = pkt.slice();
  bad[24] ^= 1; // IP checksum
  assert.equal(netdevTnlPopHeader(bad, 'gre'), 'ip packet has invalid checksum');
  assert.equal(typeof netdevTnlPopHeader(pkt.subarray(0, 20), 'gre'), 'string');
  assert.equal(typeof netdevTnlPopHeader(pkt, 'vxlan'), 'string');
});

test('tunnel options are checked with OVS messages', () => {
  assert.deepEqual(parseTunnelConfig('t1', 'vxlan', {}).warnings, ["t1: vxlan type requires valid 'remote_ip' argument"]);
  assert.deepEqual(parseTunnelConfig('t1', 'gre', { remote_ip: '224.0.0.1' }).warnings,
    ['t1: multicast remote_ip=224.0.0.1 not allowed']);
  const u = parseTunnelConfig('t1', 'vxlan', { remote_ip: '1.2.3.4', foo: 'x' });
  assert.equal(u.error, false);
  assert.deepEqual(u.warnings, ["t1: unknown vxlan argument 'foo'"]);
  assert.equal(parseTunnelConfig('t1', 'geneve', { remote_ip: '1.2.3.4', packet_type: 'legacy_l3' }).warnings[0],
    't1: legacy_l3 configured on geneve tunnel that cannot carry L3 traffic');
  assert.equal(parseTunnelConfig('t1', 'vxlan', { remote_ip: '1.2.3.4', tos: '3' }).warnings[0], 't1: invalid TOS 3');
  assert.equal(parseTunnelConfig('t1', 'vxlan', { remote_ip: '1.2.3.4', local_ip: '::1' }).warnings[0],
    "t1: 'remote_ip' and 'local_ip' has to be of the same address family");
});
