// Tests for udp: fields, checksum over IPv6, zero checksum, emit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UdpPacket, parseUdp, emitUdp } from './udp.js';
import { pseudoHeaderSumIpv6 } from './checksum.js';
import { isWireError } from './byte-order.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const PKT = hex('61012345000b11ff20010db8000000000000000000000001fe800000000000000000000000000002003514e9000bfa1a616263');
const PSEUDO = pseudoHeaderSumIpv6(PKT, 8, 24, 17, 11);

test('deconstruct and verify', () => {
  const u = UdpPacket.checked(PKT.slice(), 40);
  assert.ok(!isWireError(u));
  assert.equal(u.srcPort, 53);
  assert.equal(u.dstPort, 5353);
  assert.equal(u.length, 11);
  assert.equal(u.checksum, 0xfa1a);
  assert.ok(u.verifyChecksum(PSEUDO));
  u.checksum = 0;
  assert.ok(u.verifyChecksum(PSEUDO)); // zero means "none"
});

test('emit reproduces the datagram', () => {
  const b = PKT.slice(); b.fill(0, 40, 48);
  emitUdp(parseUdp(new UdpPacket(PKT, 40)), new UdpPacket(b, 40), PSEUDO);
  assert.deepEqual(b, PKT);
});

test('validation', () => {
  assert.equal(UdpPacket.checked(PKT, 40, 7), 'truncated');
  assert.equal(UdpPacket.checked(PKT, 40, 10), 'truncated');
  const bad = PKT.slice(); bad[45] = 4;
  assert.equal(UdpPacket.checked(bad, 40), 'malformed');
});
