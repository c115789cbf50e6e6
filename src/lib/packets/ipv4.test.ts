// Tests for ipv4: field access, checksum, parse/emit, validation, address text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipv4Packet, parseIpv4, emitIpv4, formatIpv4Addr, parseIpv4Addr, ipv4PrefixMask,
  ipv4MaskPrefix, IpProto } from './ipv4.js';
import { isWireError } from './byte-order.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
// IPv4 + TCP "hello" from 10.0.0.1 to 10.0.0.2, tos 0x28, ttl 64, id 0x1234.
const PKT = hex('4528002d123400004006546d0a0000010a00000204d2005000000001000000025012200032d4000068656c6c6f');

test('deconstruct', () => {
  const p = Ipv4Packet.checked(PKT);
  assert.ok(!isWireError(p));
  assert.equal(p.version, 4);
  assert.equal(p.headerLen, 20);
  assert.equal(p.tos, 0x28);
  assert.equal(p.totalLen, 45);
  assert.equal(p.ident, 0x1234);
  assert.equal(p.ttl, 64);
  assert.equal(p.proto, IpProto.TCP);
  assert.equal(p.src, 0x0a000001);
  assert.equal(p.dst, 0x0a000002);
  assert.equal(p.payloadSize, 25);
  assert.ok(p.verifyChecksum());
  assert.ok(!p.isFragment);
});

test('emit reproduces the header', () => {
  const b = PKT.slice();
  b.fill(0, 0, 20);
  emitIpv4(parseIpv4(new Ipv4Packet(PKT)), new Ipv4Packet(b));
  assert.deepEqual(b, PKT);
});

test('validation', () => {
  assert.equal(Ipv4Packet.checked(PKT.subarray(0, 19)), 'truncated');
  assert.equal(Ipv4Packet.checked(PKT.subarray(0, 44)), 'truncated'); // total length 45
  const bad = PKT.slice(); bad[0] = 0x65;
  assert.equal(Ipv4Packet.checked(bad), 'malformed');
  bad[0] = 0x44;
  assert.equal(Ipv4Packet.checked(bad), 'malformed');
  bad[0] = 0x4f;
  assert.equal(Ipv4Packet.checked(bad), 'truncated');
  const corrupt = PKT.slice(); corrupt[8] = 1;
  assert.ok(!new Ipv4Packet(corrupt).verifyChecksum());
});

test('fragments', () => {
  const b = PKT.slice();
  const p = new Ipv4Packet(b);
  p.fragOff = 0x2000;
  assert.ok(p.isFragment && !p.isLaterFragment);
  p.fragOff = 0x0010;
  assert.ok(p.isFragment && p.isLaterFragment);
});

test('address text and masks', () => {
  assert.equal(formatIpv4Addr(0xc0a80001), '192.168.0.1');
  assert.equal(parseIpv4Addr('192.168.0.1'), 0xc0a80001);
  assert.equal(parseIpv4Addr('192.168.0.256'), null);
  assert.equal(parseIpv4Addr('1.2.3'), null);
  assert.equal(ipv4PrefixMask(24), 0xffffff00);
  assert.equal(ipv4PrefixMask(0), 0);
  assert.equal(ipv4PrefixMask(32), 0xffffffff);
  assert.equal(ipv4MaskPrefix(0xffffff00), 24);
  assert.equal(ipv4MaskPrefix(0xffffffff), 32);
  assert.equal(ipv4MaskPrefix(0), 0);
  assert.equal(ipv4MaskPrefix(0xff00ff00), -1);
});
