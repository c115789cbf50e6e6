// Tests for arp: deconstruct, emit, validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArpPacket, parseArp, emitArp, ArpOp } from './arp.js';
import { isWireError } from './byte-order.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const PKT = hex('0001080006040001001122334455c0a80101000000000000c0a80102');

test('request', () => {
  const a = ArpPacket.checked(PKT);
  assert.ok(!isWireError(a));
  assert.deepEqual(parseArp(a), { op: ArpOp.REQUEST, sha: 0x001122334455, spa: 0xc0a80101, tha: 0, tpa: 0xc0a80102 });
  const b = new Uint8Array(28);
  emitArp(parseArp(a), new ArpPacket(b));
  assert.deepEqual(b, PKT);
});

test('validation', () => {
  assert.equal(ArpPacket.checked(PKT, 0, 27), 'truncated');
  const bad = PKT.slice(); bad[4] = 8;
  assert.equal(ArpPacket.checked(bad), 'malformed');
});
