// Tests for icmp: echo request fields and checksum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IcmpPacket, IcmpType } from './icmp.js';
import { isWireError } from './byte-order.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const MSG = hex('0800192c0001000270696e67');

test('echo request', () => {
  const m = IcmpPacket.checked(MSG);
  assert.ok(!isWireError(m));
  assert.equal(m.type, IcmpType.ECHO_REQUEST);
  assert.equal(m.code, 0);
  assert.equal(m.echoIdent, 1);
  assert.equal(m.echoSeq, 2);
  assert.ok(m.verifyChecksum());
  const b = MSG.slice();
  const n = new IcmpPacket(b);
  n.checksum = 0xdead;
  assert.ok(!n.verifyChecksum());
  n.fillChecksum();
  assert.deepEqual(b, MSG);
  assert.equal(IcmpPacket.checked(MSG, 0, 7), 'truncated');
});
