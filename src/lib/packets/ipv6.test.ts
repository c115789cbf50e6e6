// Tests for ipv6: fields, extension-header walk, address text as inet_ntop prints it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipv6Packet, parseIpv6, emitIpv6, walkExtHeaders, formatIpv6Addr, parseIpv6Addr,
  ipv6PrefixMask, ipv6MaskPrefix, Ipv6Frag } from './ipv6.js';
import { isWireError } from './byte-order.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
// IPv6/UDP "abc" 2001:db8::1 -> fe80::2, tc 0x10, flow label 0x12345, hop limit 255.
const PKT = hex('61012345000b11ff20010db8000000000000000000000001fe800000000000000000000000000002003514e9000bfa1a616263');
// ::1 -> ::2 with hop-by-hop, then a first fragment, then UDP.
const FRAG = hex('600000000018004000000000000000000000000000000001000000000000000000000000000000022c000104000000001100000100000009000100020008ffd8');

test('deconstruct and emit', () => {
  const p = Ipv6Packet.checked(PKT);
  assert.ok(!isWireError(p));
  assert.equal(p.trafficClass, 0x10);
  assert.equal(p.flowLabel, 0x12345);
  assert.equal(p.payloadLen, 11);
  assert.equal(p.nextHeader, 17);
  assert.equal(p.hopLimit, 255);
  assert.equal(formatIpv6Addr(PKT, p.srcOffset), '2001:db8::1');
  assert.equal(formatIpv6Addr(PKT, p.dstOffset), 'fe80::2');
  const b = PKT.slice(); b.fill(0, 0, 40);
  emitIpv6(parseIpv6(p), new Ipv6Packet(b));
  assert.deepEqual(b, PKT);
});

test('validation', () => {
  assert.equal(Ipv6Packet.checked(PKT.subarray(0, 39)), 'truncated');
  assert.equal(Ipv6Packet.checked(PKT.subarray(0, 50)), 'truncated');
  const bad = PKT.slice(); bad[0] = 0x41;
  assert.equal(Ipv6Packet.checked(bad), 'malformed');
});

test('extension headers and fragments', () => {
  const out = new Int32Array(3);
  assert.ok(walkExtHeaders(FRAG, 40, FRAG.length, 0, out));
  assert.deepEqual([...out], [17, 56, Ipv6Frag.FIRST]);
  const later = FRAG.slice(); later[50] = 0x01; later[51] = 0x00; // offset 32
  assert.ok(walkExtHeaders(later, 40, later.length, 0, out));
  assert.deepEqual([...out], [17, 56, Ipv6Frag.LATER]);
  assert.equal(walkExtHeaders(FRAG, 40, 50, 0, out), false);
  assert.ok(walkExtHeaders(PKT, 40, PKT.length, 17, out));
  assert.deepEqual([...out], [17, 40, Ipv6Frag.NONE]);
});

test('address text', () => {
  const cases = ['::', '::1', '2001:db8::1', 'fe80::2', '1:0:1:0:1:0:1:0', '2001:db8:0:1:1:1:1:1',
    '1::', '::ffff:1.2.3.4', '::1.2.3.4', '1:2:3:4:5:6:7:8', '2001:db8::1:0:0:1'];
  for (const c of cases) {
    const a = parseIpv6Addr(c);
    assert.ok(a, c);
    assert.equal(formatIpv6Addr(a), c);
  }
  assert.equal(formatIpv6Addr(parseIpv6Addr('2001:0db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(formatIpv6Addr(parseIpv6Addr('1:0:2:3:4:5:6:7')!), '1:0:2:3:4:5:6:7');
  for (const bad of ['1:::2', '1:2:3:4:5:6:7:8:9', '12345::', 'g::', '1.2.3.4', '::1:2:3:4:5:6:7:8']) {
    assert.equal(parseIpv6Addr(bad), null, bad);
  }
  assert.equal(ipv6MaskPrefix(ipv6PrefixMask(64)), 64);
  assert.equal(ipv6MaskPrefix(ipv6PrefixMask(0)), 0);
  assert.equal(ipv6MaskPrefix(ipv6PrefixMask(128)), 128);
  assert.equal(ipv6MaskPrefix(ipv6PrefixMask(77)), 77);
  assert.equal(ipv6MaskPrefix(parseIpv6Addr('ffff::ffff')!), -1);
});
