// Tests for ethernet and vlan: deconstruct, construct, parse/emit, addresses, truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EthernetFrame, parseEthernet, emitEthernet, formatEthAddr, parseEthAddr, ethAddrIsMulticast,
  EthType } from './ethernet.js';
import { VlanTag, ethTypeIsVlan } from './vlan.js';
import { isWireError } from './byte-order.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((x) => parseInt(x, 16)));
const FRAME = hex('66778899aabb00112233445588a86064810000c808004500001c');

test('deconstruct: addresses, type, two VLAN tags', () => {
  const f = EthernetFrame.checked(FRAME);
  assert.ok(!isWireError(f));
  assert.equal(f.dst, 0x66778899aabb);
  assert.equal(f.src, 0x001122334455);
  assert.equal(f.ethertype, EthType.VLAN_8021AD);
  assert.ok(ethTypeIsVlan(f.ethertype));
  const outer = new VlanTag(FRAME, 14);
  assert.equal(outer.vid, 100);
  assert.equal(outer.pcp, 3);
  assert.equal(outer.ethertype, EthType.VLAN_8021Q);
  const inner = new VlanTag(FRAME, 18);
  assert.equal(inner.vid, 200);
  assert.equal(inner.ethertype, EthType.IP);
});

test('construct and emit give the same bytes', () => {
  const b = new Uint8Array(14);
  emitEthernet(parseEthernet(new EthernetFrame(FRAME)), new EthernetFrame(b));
  assert.deepEqual(b, FRAME.subarray(0, 14));
  const c = new Uint8Array(22);
  const f = new EthernetFrame(c);
  f.dst = 0x66778899aabb; f.src = 0x001122334455; f.ethertype = 0x88a8;
  const t = new VlanTag(c, 14);
  t.tci = 0; t.vid = 100; t.pcp = 3; t.ethertype = 0x8100;
  assert.deepEqual(c.subarray(0, 18), FRAME.subarray(0, 18));
});

test('truncated input is an error value', () => {
  assert.equal(EthernetFrame.checked(FRAME.subarray(0, 13)), 'truncated');
  assert.equal(EthernetFrame.checked(FRAME, 20, 14), 'truncated');
  assert.equal(VlanTag.checked(FRAME, 14, 3), 'truncated');
});

test('address text', () => {
  assert.equal(formatEthAddr(0x001122334455), '00:11:22:33:44:55');
  assert.equal(formatEthAddr(0xffffffffffff), 'ff:ff:ff:ff:ff:ff');
  assert.equal(parseEthAddr('0:1:22:33:44:5'), 0x000122334405);
  assert.equal(parseEthAddr('00:11:22:33:44'), null);
  assert.equal(parseEthAddr('00:11:22:33:44:5g'), null);
  assert.ok(ethAddrIsMulticast(0x333300000001));
  assert.ok(!ethAddrIsMulticast(0x001122334455));
});
