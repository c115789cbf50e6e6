// Tests for odp-util: datapath flow text printed and parsed as OVS's tests/odp.at expects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFlowKey, parseFlowKey } from './odp-util.js';
import { newFlowKey, W } from './flow.js';

const BASE = [
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x1234)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=no)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x81,ttl=128,frag=first)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=later)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80,dst=8080)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=17,tos=0,ttl=128,frag=no),udp(src=81,dst=6632)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=1,tos=0,ttl=128,frag=no),icmp(type=1,code=2)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=10,tclass=0x70,hlimit=128,frag=no)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=6,tclass=0,hlimit=128,frag=no),tcp(src=80,dst=8080)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=17,tclass=0,hlimit=128,frag=no),udp(src=6630,dst=22)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=1,code=2)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3,sll=00:05:06:07:08:09,tll=00:0a:0b:0c:0d:0e)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),arp(sip=1.2.3.4,tip=5.6.7.8,op=1,sha=00:0f:10:11:12:13,tha=00:14:15:16:17:18)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3,sll=00:05:06:07:08:09,tll=00:0a:0b:0c:0d:0e),nd_ext(nd_reserved=0x0,nd_options_type=2)',
];

const WC_BASE = [
  'in_port(1/0xff),eth(src=00:01:02:03:04:05/ff:ff:ff:ff:ff:f0,dst=10:11:12:13:14:15/ff:ff:ff:ff:ff:f0)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x1234/0xfff0)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41/255.255.255.0,dst=172.16.0.20/255.255.255.0,proto=5/0xf0,tos=0x80/0xf0,ttl=128/0xf0,frag=no)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80/0xff00,dst=8080/0xff)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=1,tos=0,ttl=128,frag=no),icmp(type=1/0xf0,code=2)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1/::255,dst=::2/::255,label=0/0xf0,proto=10/0xf0,tclass=0x70/0xf0,hlimit=128/0xf0,frag=no)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=135,code=0),nd(target=::3/::250,sll=00:05:06:07:08:09/ff:ff:ff:ff:ff:00)',
  'in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),arp(sip=1.2.3.4/255.255.255.250,tip=5.6.7.8/255.255.255.250,op=1/0xf0,sha=00:0f:10:11:12:13/ff:ff:ff:ff:ff:00,tha=00:14:15:16:17:18/ff:ff:ff:ff:ff:00)',
  'skb_mark(0x1234/0xfff0),in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3,sll=00:05:06:07:08:09,tll=00:0a:0b:0c:0d:0e)',
];

function roundTripExact(input: string): string {
  const key = newFlowKey(), mask = newFlowKey();
  const e = parseFlowKey(input, key, mask);
  assert.equal(e, null, `${input}: ${e}`);
  return formatFlowKey(key);
}

function roundTripMasked(input: string, verbose = false): string {
  const key = newFlowKey(), mask = newFlowKey();
  const e = parseFlowKey(input, key, mask);
  assert.equal(e, null, `${input}: ${e}`);
  return formatFlowKey(key, 0, mask, 0, { verbose });
}

test('keys without masks print every attribute (odp.at "valid forms")', () => {
  const prefix = 'skb_priority(0),skb_mark(0),recirc_id(0),dp_hash(0),';
  for (const line of BASE) {
    const expected = (prefix + line)
      .replace('skb_mark(0),', 'skb_mark(0),ct_state(0),ct_zone(0),ct_mark(0),ct_label(0),')
      .replace('in_port(1),eth', 'in_port(1),packet_type(ns=0,id=0),eth');
    assert.equal(roundTripExact(prefix + line), expected);
  }
});

test('VLAN and tunnel forms without masks', () => {
  const line = BASE[5]!;
  const vlan = line.replace(/(eth\([^)]*\)),*/, '$1,eth_type(0x8100),vlan(vid=99,pcp=7),encap(') + ')';
  const tun = 'skb_priority(0),tunnel(tun_id=0x7f10354,src=10.10.10.10,dst=20.20.20.20,ttl=64,flags(csum|key)),skb_mark(0x1234),recirc_id(0),dp_hash(0),';
  assert.equal(roundTripExact(tun + vlan),
    tun.replace('skb_mark(0x1234),', 'skb_mark(0x1234),ct_state(0),ct_zone(0),ct_mark(0),ct_label(0),')
    + vlan.replace('in_port(1),eth', 'in_port(1),packet_type(ns=0,id=0),eth'));
  const tun2 = 'skb_priority(0x1234),tunnel(tun_id=0xfedcba9876543210,src=10.0.0.1,dst=10.0.0.2,tos=0x8,ttl=128,flags(key)),';
  assert.ok(roundTripExact(tun2 + vlan).startsWith(tun2));
});

test('wildcarded keys print back as written (odp.at "wildcarded ... valid forms")', () => {
  for (const line of WC_BASE) assert.equal(roundTripMasked(line), line);
  const tun = 'tunnel(tun_id=0x7f10354/0xff,src=10.10.10.10/255.255.255.0,dst=20.20.20.20/255.255.255.0,ttl=64,flags(-df+csum+key)),';
  for (const line of WC_BASE) assert.equal(roundTripMasked(tun + line), tun + line);
  const vlanTun = 'tunnel(tun_id=0xfedcba9876543210,src=10.0.0.1,dst=10.0.0.2,tos=0x8,ttl=128,flags(key)),';
  for (const line of WC_BASE) {
    const l = vlanTun + line.replace(/(eth\([^)]*\)),*/, '$1,eth_type(0x8100),vlan(vid=99/0xff0,pcp=7/0x6),encap(') + ')';
    assert.equal(roundTripMasked(l), l);
  }
  for (const line of WC_BASE) {
    const l = `skb_priority(0x1234/0xff),${line}`;
    assert.equal(roundTripMasked(l), l);
    const later = line.replace(/,frag=no\),.*/, ',frag=later)');
    if (later !== line) assert.equal(roundTripMasked(later), later);
  }
});

test('megaflow dump form: wildcarded attributes and fields are left out', () => {
  const key = newFlowKey(), mask = newFlowKey();
  assert.equal(parseFlowKey('recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:09,dst=50:54:00:00:00:0a),eth_type(0x0800),ipv4(frag=no)', key, mask), null);
  // A key with more values than the mask matches.
  key[W.NW_SRC] = 0x0a000001;
  key[W.SKB_PRIORITY] = 7;
  assert.equal(formatFlowKey(key, 0, mask),
    'recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:09,dst=50:54:00:00:00:0a),eth_type(0x0800),ipv4(frag=no)');
  assert.equal(formatFlowKey(key, 0, mask, 0, { verbose: true }),
    'skb_priority(0x7/0),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),recirc_id(0),dp_hash(0/0),in_port(1),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:09,dst=50:54:00:00:00:0a),eth_type(0x0800),ipv4(src=10.0.0.1/0.0.0.0,dst=0.0.0.0/0.0.0.0,proto=0/0,tos=0/0,ttl=0/0,frag=no)');
  const names = new Map([[1, 'p1']]);
  assert.ok(formatFlowKey(key, 0, mask, 0, { portNames: names }).includes('in_port(p1)'));
  assert.equal(parseFlowKey('in_port(p1)', key, mask, 0, 0, { portNumbers: new Map([['p1', 1]]) }), null);
  assert.equal(key[W.IN_PORT], 1);
});

test('tcp_flags exact and masked', () => {
  assert.ok(roundTripMasked('in_port(1),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=80),tcp_flags(syn|ack)')
    .endsWith('tcp(dst=80),tcp_flags(syn|ack)'));
  assert.ok(roundTripMasked('in_port(1),eth_type(0x0800),ipv4(proto=6,frag=no),tcp_flags(+syn-ack)')
    .endsWith('tcp_flags(+syn-ack)'));
});

test('bad input gives an error message', () => {
  const key = newFlowKey(), mask = newFlowKey();
  assert.match(parseFlowKey('in_port(1),eth(src=00:01:02:03:04)', key, mask)!, /eth: src: bad value/);
  assert.match(parseFlowKey('bogus(1)', key, mask)!, /unknown attribute "bogus"/);
  assert.match(parseFlowKey('ipv4(src=1.2.3.4,dst=300.1.1.1)', key, mask)!, /dst: bad value/);
  assert.match(parseFlowKey('ipv4(frag=maybe)', key, mask)!, /frag: bad value/);
  assert.match(parseFlowKey('in_port(1', key, mask)!, /syntax error/);
  assert.match(parseFlowKey('tcp_flags(syn|bogus)', key, mask)!, /unknown flag/);
  assert.match(parseFlowKey('udp(src=70000)', key, mask)!, /src: bad value/);
});
