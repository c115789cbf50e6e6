// Tests for sctp: common header and CRC32c.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SctpPacket, crc32c } from './sctp.js';
import { isWireError } from './byte-order.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const PKT = hex('00010002000000074b8555800100001400000005000000000000000000000000');

test('CRC32c check value', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789'), 0, 9), 0xe3069283);
});

test('common header and checksum', () => {
  const s = SctpPacket.checked(PKT);
  assert.ok(!isWireError(s));
  assert.equal(s.srcPort, 1);
  assert.equal(s.dstPort, 2);
  assert.equal(s.vtag, 7);
  assert.ok(s.verifyChecksum());
  const b = PKT.slice();
  const t = new SctpPacket(b);
  t.checksum = 0;
  t.fillChecksum();
  assert.deepEqual(b, PKT);
  assert.equal(SctpPacket.checked(PKT, 0, 11), 'truncated');
});
