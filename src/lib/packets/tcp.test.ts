// Tests for tcp: fields, flags, checksum with the IPv4 pseudo-header, emit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpPacket, parseTcp, emitTcp, TcpFlags } from './tcp.js';
import { pseudoHeaderSumIpv4 } from './checksum.js';
import { isWireError } from './byte-order.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
// TCP SYN+ACK "hello", 10.0.0.1:1234 -> 10.0.0.2:80 (checksum 0x32d4).
const SEG = hex('04d2005000000001000000025012200032d4000068656c6c6f');
const PSEUDO = pseudoHeaderSumIpv4(0x0a000001, 0x0a000002, 6, SEG.length);

test('deconstruct', () => {
  const t = TcpPacket.checked(SEG);
  assert.ok(!isWireError(t));
  assert.equal(t.srcPort, 1234);
  assert.equal(t.dstPort, 80);
  assert.equal(t.seq, 1);
  assert.equal(t.ack, 2);
  assert.equal(t.headerLen, 20);
  assert.equal(t.flags, TcpFlags.SYN | TcpFlags.ACK);
  assert.equal(t.window, 8192);
  assert.equal(t.checksum, 0x32d4);
  assert.ok(t.verifyChecksum(PSEUDO));
});

test('emit reproduces the segment', () => {
  const b = SEG.slice(); b.fill(0, 0, 20);
  emitTcp(parseTcp(new TcpPacket(SEG)), new TcpPacket(b), PSEUDO);
  assert.deepEqual(b, SEG);
});

test('validation', () => {
  assert.equal(TcpPacket.checked(SEG.subarray(0, 19)), 'truncated');
  const bad = SEG.slice(); bad[12] = 0x40;
  assert.equal(TcpPacket.checked(bad), 'malformed');
  bad[12] = 0xf0;
  assert.equal(TcpPacket.checked(bad), 'truncated');
});
