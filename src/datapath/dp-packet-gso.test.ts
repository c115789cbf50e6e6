// Software segmentation (dp-packet-gso.ts) and netdevSend's use of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DpPacketBatch, GsoType, HEADROOM, OlFlags } from './dp-packet.js';
import { gsoSegment, gsoSegmentable, findL4Checksum, refreshPartialChecksum, GSO_UDP_L4 } from './dp-packet-gso.js';
import { completePartialChecksum, csum, csumPartial, csumFold } from '../lib/packets/checksum.js';
import { netdevDummyRegister, type NetdevDummy } from './netdev-dummy.js';
import { netdevOpen, netdevClose, netdevSend } from './netdev.js';
import { NetdevOl } from './netdev-provider.js';

/** An Ethernet + IPv4/IPv6 + TCP/UDP frame with 'payload' bytes of pattern data. */
function frame(v: 4 | 6, proto: 6 | 17, payload: number, tcpFlags = 0x18): Uint8Array {
  const l3 = 14, ipLen = v === 4 ? 20 : 40, l4Len = proto === 6 ? 20 : 8;
  const b = new Uint8Array(l3 + ipLen + l4Len + payload);
  b.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1], 0);
  b[12] = v === 4 ? 0x08 : 0x86; b[13] = v === 4 ? 0x00 : 0xdd;
  if (v === 4) {
    b[l3] = 0x45; b[l3 + 8] = 64; b[l3 + 9] = proto;
    b[l3 + 4] = 0x12; b[l3 + 5] = 0x34;
    b.set([10, 0, 0, 1, 10, 0, 0, 2], l3 + 12);
  } else {
    b[l3] = 0x60; b[l3 + 6] = proto; b[l3 + 7] = 64;
    b[l3 + 8] = 0xfd; b[l3 + 23] = 1; b[l3 + 24] = 0xfd; b[l3 + 39] = 2;
  }
  const l4 = l3 + ipLen;
  b[l4] = 0x13; b[l4 + 1] = 0x88; b[l4 + 2] = 0xc3; b[l4 + 3] = 0x50;
  if (proto === 6) {
    b.set([0xff, 0xff, 0xff, 0x00], l4 + 4); // sequence number close to wrapping
    b[l4 + 12] = 0x50; b[l4 + 13] = tcpFlags;
  }
  for (let i = 0; i < payload; i++) b[l4 + l4Len + i] = (i * 7 + 3) & 0xff;
  return b;
}

/** True if the L4 checksum of the segment verifies against its pseudo-header. */
function l4ChecksumOk(seg: Uint8Array, v: 4 | 6, proto: number): boolean {
  const l3 = 14, l4 = l3 + (v === 4 ? 20 : 40), len = seg.length - l4;
  let s = proto + len;
  s = v === 4 ? csumPartial(seg, l3 + 12, 8, s) : csumPartial(seg, l3 + 8, 32, s);
  s = csumPartial(seg, l4, len, s);
  return csumFold(s) === 0xffff;
}

function segmentCase(v: 4 | 6, proto: 6 | 17, payload: number, gsoSize: number) {
  const src = new DpPacketBatch(1, HEADROOM + 70000);
  assert.ok(src.append(frame(v, proto, payload, 0x19 | 0x80)));
  src.olFlags[0] = OlFlags.GSO | OlFlags.CSUM_PARTIAL;
  src.gsoType[0] = proto === 17 ? GSO_UDP_L4 : v === 4 ? GsoType.TCPV4 : GsoType.TCPV6;
  src.gsoSize[0] = gsoSize;
  assert.ok(gsoSegmentable(src, 0));
  const dst = new DpPacketBatch(64, HEADROOM + 2048);
  const n = gsoSegment(src, 0, dst);
  assert.equal(n, Math.ceil(payload / gsoSize));
  assert.equal(dst.count, n);
  const hdr = 14 + (v === 4 ? 20 : 40) + (proto === 6 ? 20 : 8);
  let total = 0;
  for (let k = 0; k < n; k++) {
    assert.equal(dst.olFlags[k], OlFlags.CSUM_PARTIAL);
    assert.ok(completePartialChecksum(dst.data, dst.offsets[k]!, dst.sizes[k]!, dst.csumStart[k]!, dst.csumOffset[k]!));
    const seg = dst.packet(k);
    const chunk = seg.length - hdr;
    assert.equal(chunk, Math.min(gsoSize, payload - k * gsoSize));
    // The payload is the right slice of the original.
    for (let i = 0; i < chunk; i += 97) assert.equal(seg[hdr + i], ((k * gsoSize + i) * 7 + 3) & 0xff);
    total += chunk;
    if (v === 4) {
      assert.equal((seg[16]! << 8) | seg[17]!, seg.length - 14);
      assert.equal((seg[18]! << 8) | seg[19]!, 0x1234 + k);
      assert.equal(csum(seg, 14, 20), 0, 'IPv4 header checksum');
    } else {
      assert.equal((seg[18]! << 8) | seg[19]!, seg.length - 54);
    }
    const l4 = 14 + (v === 4 ? 20 : 40);
    if (proto === 6) {
      const seq = ((seg[l4 + 4]! << 24) | (seg[l4 + 5]! << 16) | (seg[l4 + 6]! << 8) | seg[l4 + 7]!) >>> 0;
      assert.equal(seq, (0xffffff00 + k * gsoSize) >>> 0);
      const fl = seg[l4 + 13]!;
      assert.equal(fl & 0x09, k === n - 1 ? 0x09 : 0, 'FIN/PSH on the last segment only');
      assert.equal(fl & 0x80, k === 0 ? 0x80 : 0, 'CWR on the first segment only');
      assert.equal(fl & 0x10, 0x10);
    } else {
      assert.equal((seg[l4 + 4]! << 8) | seg[l4 + 5]!, seg.length - l4);
    }
    assert.ok(l4ChecksumOk(seg, v, proto), `segment ${k} L4 checksum`);
  }
  assert.equal(total, payload);
}

test('TCP/IPv4 super-packet is cut into MSS segments with valid headers and checksums', () => {
  segmentCase(4, 6, 65000 - 54, 1448);
});

test('TCP/IPv6 and UDP GSO segment too', () => {
  segmentCase(6, 6, 20000, 1428);
  segmentCase(4, 17, 5000, 1472);
});

test('segmentation resumes across a full batch; refuses malformed packets', () => {
  const src = new DpPacketBatch(1, HEADROOM + 70000);
  src.append(frame(4, 6, 10000));
  src.gsoType[0] = GsoType.TCPV4;
  src.gsoSize[0] = 1000;
  const small = new DpPacketBatch(4, HEADROOM + 2048);
  const seqs: number[] = [];
  for (let next = 0; next < 10;) {
    small.count = 0;
    next = gsoSegment(src, 0, small, next);
    assert.ok(next > 0);
    for (let k = 0; k < small.count; k++) {
      const o = small.offsets[k]!;
      seqs.push((small.data[o + 40]! << 8) | small.data[o + 41]!);
    }
  }
  assert.deepEqual(seqs, [...Array(10).keys()].map((k) => (0xff00 + k * 1000) & 0xffff));
  assert.equal(gsoSegment(src, 0, new DpPacketBatch(4, HEADROOM + 512)), -1, 'segment larger than a slot');
  src.gsoType[0] = GsoType.UDP; // UFO: not segmentable here
  assert.equal(gsoSegmentable(src, 0), false);
  src.gsoType[0] = GSO_UDP_L4; // but the packet is TCP
  assert.equal(gsoSegment(src, 0, new DpPacketBatch(16, HEADROOM + 2048)), -1);
});

test('findL4Checksum locates TCP and UDP checksums behind VLAN tags', () => {
  const out = new Int32Array(2);
  const f = frame(4, 17, 10);
  assert.ok(findL4Checksum(f, 0, f.length, out));
  assert.deepEqual([...out], [34, 6]);
  const tagged = new Uint8Array(f.length + 4);
  tagged.set(f.subarray(0, 12));
  tagged.set([0x81, 0x00, 0x00, 0x05], 12);
  tagged.set(f.subarray(12), 16);
  assert.ok(findL4Checksum(tagged, 0, tagged.length, out));
  assert.deepEqual([...out], [38, 6]);
  assert.equal(findL4Checksum(f, 0, 20, out), false);
});

test('netdevSend segments GSO packets for a device without TSO, in order, checksums complete', () => {
  netdevDummyRegister('dummy');
  const d = netdevOpen('gso-p1', 'dummy') as NetdevDummy;
  assert.equal(typeof d, 'object');
  try {
    d.keepSent = 100;
    const b = new DpPacketBatch(4, HEADROOM + 70000);
    const small = frame(4, 17, 20);
    b.append(small);
    b.append(frame(4, 6, 4000));
    b.olFlags[1] = OlFlags.GSO | OlFlags.CSUM_PARTIAL;
    b.gsoType[1] = GsoType.TCPV4;
    b.gsoSize[1] = 1448;
    b.csumStart[1] = 34;
    b.csumOffset[1] = 16;
    b.append(small);
    assert.equal(netdevSend(d, 0, b), 0);
    assert.deepEqual(d.sent.map((p) => p.length), [small.length, 54 + 1448, 54 + 1448, 54 + 4000 - 2896, small.length]);
    for (const seg of d.sent.slice(1, 4)) assert.ok(l4ChecksumOk(seg, 4, 6));
    // A device that takes TSO gets the super-packet whole.
    d.olFlags = NetdevOl.TX_L4_CSUM | NetdevOl.TX_TCP_TSO;
    b.count = 0;
    b.append(frame(4, 6, 4000));
    b.olFlags[0] = OlFlags.GSO | OlFlags.CSUM_PARTIAL;
    b.gsoType[0] = GsoType.TCPV4;
    b.gsoSize[0] = 1448;
    netdevSend(d, 0, b);
    assert.equal(d.sent.at(-1)!.length, 54 + 4000);
    // More segments than the scratch batch holds (a small MSS): all go, in order.
    d.olFlags = 0;
    d.sent.length = 0;
    d.keepSent = 1000;
    b.count = 0;
    b.append(frame(4, 6, 20000));
    b.olFlags[0] = OlFlags.GSO | OlFlags.CSUM_PARTIAL;
    b.gsoType[0] = GsoType.TCPV4;
    b.gsoSize[0] = 100;
    assert.equal(netdevSend(d, 0, b), 0);
    assert.equal(d.sent.length, 200);
    d.sent.forEach((seg, k) => {
      const seq = ((seg[38]! << 24) | (seg[39]! << 16) | (seg[40]! << 8) | seg[41]!) >>> 0;
      assert.equal(seq, (0xffffff00 + k * 100) >>> 0);
      assert.ok(l4ChecksumOk(seg, 4, 6));
    });
  } finally {
    netdevClose(d);
  }
});

test('refreshPartialChecksum re-derives a partial checksum after an address rewrite', () => {
  for (const v of [4, 6] as const) {
    const b = new DpPacketBatch(1, HEADROOM + 2048);
    b.append(frame(v, 6, 300));
    b.olFlags[0] = OlFlags.CSUM_PARTIAL;
    b.csumStart[0] = v === 4 ? 34 : 54;
    b.csumOffset[0] = 16;
    const o = b.offsets[0]!;
    b.data[o + (v === 4 ? 29 : 37)] = 0x77; // a new source address byte
    assert.ok(refreshPartialChecksum(b, 0));
    assert.ok(completePartialChecksum(b.data, o, b.sizes[0]!, b.csumStart[0]!, 16));
    assert.ok(l4ChecksumOk(b.packet(0), v, 6), `IPv${v}`);
  }
});
