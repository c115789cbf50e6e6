// Tests for checksum: RFC 1071 sums, RFC 1624 incremental updates, partial completion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csum, csumPartial, csumFinish, recalcCsum16, recalcCsum32, pseudoHeaderSumIpv4,
  completePartialChecksum } from './checksum.js';
import { get16, put16, get32, put32 } from './byte-order.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
// An IPv4 header whose checksum (0xb861) is well known.
const IP_HDR = hex('450000730000400040110000c0a80001c0a800c7');

test('Internet checksum of a known header', () => {
  assert.equal(csum(IP_HDR, 0, 20), 0xb861);
  const withSum = IP_HDR.slice();
  put16(withSum, 10, 0xb861);
  assert.equal(csum(withSum, 0, 20), 0);
});

test('odd sizes pad with a zero byte; partial sums chain', () => {
  const b = Uint8Array.of(0x01, 0x02, 0x03);
  assert.equal(csumFinish(csumPartial(b, 0, 3)), ~(0x0102 + 0x0300) & 0xffff);
  const big = new Uint8Array(65535).fill(0xff);
  assert.equal(csum(big, 0, big.length), csumFinish(csumPartial(big, 1000, big.length - 1000, csumPartial(big, 0, 1000))));
});

test('incremental update equals recomputation', () => {
  const h = IP_HDR.slice();
  put16(h, 10, csum(h, 0, 20));
  const oldTtlProto = get16(h, 8);
  h[8] = 63;
  const c1 = recalcCsum16(get16(h, 10), oldTtlProto, get16(h, 8));
  const oldSrc = get32(h, 12);
  put32(h, 12, 0x0a000001);
  const c2 = recalcCsum32(c1, oldSrc, 0x0a000001);
  put16(h, 10, 0);
  assert.equal(c2, csum(h, 0, 20));
});

test('completing a partial checksum (UDP over IPv4)', () => {
  // 8-byte UDP header + "abc", pseudo-header sum stored as the kernel does.
  const udp = hex('0035053900' + '0b0000' + '616263');
  const src = 0x0a000001, dst = 0x0a000002;
  const pseudo = pseudoHeaderSumIpv4(src, dst, 17, 11);
  put16(udp, 6, (pseudo & 0xffff) + (pseudo >>> 16));
  const frame = new Uint8Array(4 + 11);
  frame.set(udp, 4);
  assert.ok(completePartialChecksum(frame, 0, frame.length, 4, 6));
  const expected = udp.slice();
  put16(expected, 6, 0);
  assert.equal(get16(frame, 10), csumFinish(csumPartial(expected, 0, 11, pseudo)));
  assert.equal(completePartialChecksum(frame, 0, frame.length, 14, 6), false);
});
