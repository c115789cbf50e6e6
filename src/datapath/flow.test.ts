// Tests for flow: key extraction from real frames, printed in the datapath syntax.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowExtract, flowHash, flowEqual, newFlowKey, FLOW_WORDS, W, Layer } from './flow.js';
import { formatFlowKey, parseFlowKey } from './odp-util.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const META = 'skb_priority(0),skb_mark(0),ct_state(0),ct_zone(0),ct_mark(0),ct_label(0),recirc_id(0),dp_hash(0)';
const ETH = 'packet_type(ns=0,id=0),eth(src=00:11:22:33:44:55,dst=66:77:88:99:aa:bb)';

const FRAMES: [string, string][] = [
  ['66778899aabb00112233445508004528002d123400004006546d0a0000010a00000204d2005000000001000000025012200032d4000068656c6c6f',
    `${META},in_port(1),${ETH},eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0x28,ttl=64,frag=no),tcp(src=1234,dst=80),tcp_flags(syn|ack)`],
  ['66778899aabb00112233445586dd61012345000b11ff20010db8000000000000000000000001fe800000000000000000000000000002003514e9000bfa1a616263',
    `${META},in_port(1),${ETH},eth_type(0x86dd),ipv6(src=2001:db8::1,dst=fe80::2,label=0x12345,proto=17,tclass=0x10,hlimit=255,frag=no),udp(src=53,dst=5353)`],
  ['ffffffffffff00112233445508060001080006040001001122334455c0a80101000000000000c0a80102',
    `${META},in_port(1),packet_type(ns=0,id=0),eth(src=00:11:22:33:44:55,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp(sip=192.168.1.1,tip=192.168.1.2,op=1,sha=00:11:22:33:44:55,tha=00:00:00:00:00:00)`],
  ['3333ff00000200112233445586dd6000000000203afffe800000000000000000000000000001ff0200000000000000000001ff000002870015ff00000000fe8000000000000000000000000000020101001122334455',
    `${META},in_port(1),packet_type(ns=0,id=0),eth(src=00:11:22:33:44:55,dst=33:33:ff:00:00:02),eth_type(0x86dd),ipv6(src=fe80::1,dst=ff02::1:ff00:2,label=0,proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=135,code=0),nd(target=fe80::2,sll=00:11:22:33:44:55,tll=00:00:00:00:00:00),nd_ext(nd_reserved=0x0,nd_options_type=1)`],
  ['66778899aabb00112233445588a86064810000c808004500001c0001000040116abd0102030405060708000700090008efba',
    `${META},in_port(1),${ETH},eth_type(0x88a8),vlan(vid=100,pcp=3),encap(eth_type(0x8100),vlan(vid=200,pcp=0),encap(eth_type(0x0800),ipv4(src=1.2.3.4,dst=5.6.7.8,proto=17,tos=0,ttl=64,frag=no),udp(src=7,dst=9)))`],
  ['66778899aabb00112233445586dd600000000018004000000000000000000000000000000001000000000000000000000000000000022c000104000000001100000100000009000100020008ffd8',
    `${META},in_port(1),${ETH},eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=17,tclass=0,hlimit=64,frag=first),udp(src=1,dst=2)`],
  ['66778899aabb00112233445508004500002000010000400174d701010101020202020800192c0001000270696e67',
    `${META},in_port(1),${ETH},eth_type(0x0800),ipv4(src=1.1.1.1,dst=2.2.2.2,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)`],
];

test('extraction from real frames prints as OVS prints the key', () => {
  const key = newFlowKey();
  for (const [h, expected] of FRAMES) {
    const b = hex(h);
    flowExtract(b, 0, b.length, 1, key);
    assert.equal(formatFlowKey(key), expected);
  }
});

test('extraction agrees with parsing the printed key', () => {
  const key = newFlowKey(), parsed = newFlowKey(), mask = newFlowKey();
  for (const [h, text] of FRAMES) {
    const b = hex(h);
    flowExtract(b, 0, b.length, 1, key);
    assert.equal(parseFlowKey(text, parsed, mask), null);
    assert.ok(flowEqual(key, 0, parsed, 0, mask), text);
    assert.equal(flowHash(key, 0, mask), flowHash(parsed, 0, mask));
  }
});

test('truncated frames stop at the last whole layer and never throw', () => {
  const b = hex(FRAMES[0]![0]);
  const key = newFlowKey();
  for (let n = 0; n <= b.length; n++) flowExtract(b, 0, n, 1, key);
  flowExtract(b, 0, 14 + 20 + 10, 1, key); // IPv4 total length says 45: no L3 in the key
  assert.equal(key[W.DL_TYPE], 0x0800);
  assert.equal(key[W.NW_SRC], 0);
  flowExtract(b, 0, b.length + 100, 1, key); // size past the buffer is clamped
  assert.equal(key[W.TP], (1234 << 16) | 80);
});

test('keys of a batch live side by side; layer offsets are reported', () => {
  const keys = new Uint32Array(FLOW_WORDS * 2);
  const layers = new Int32Array(3);
  const b = hex(FRAMES[0]![0]);
  flowExtract(b, 0, b.length, 5, keys, FLOW_WORDS, layers);
  assert.equal(keys[FLOW_WORDS + W.IN_PORT], 5);
  assert.equal(keys[W.IN_PORT], 0);
  assert.deepEqual([...layers], [14, 34, 54]);
  assert.notEqual(flowHash(keys, 0), flowHash(keys, FLOW_WORDS));
  assert.ok(flowEqual(keys, FLOW_WORDS, keys, FLOW_WORDS));
  assert.ok(!flowEqual(keys, 0, keys, FLOW_WORDS));
  assert.equal(Layer.L4, 1);
});
