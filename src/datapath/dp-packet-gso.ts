/* dp-packet-gso: software segmentation of GSO super-packets, and finding a
 * packet's L4 checksum (the role of OVS's lib/dp-packet-gso.c).
 *
 * A sender with TSO on hands the kernel one TCP "super-packet" of up to 64 KB;
 * a PACKET_VNET_HDR socket (netdev-linux.ts) gives it to us whole, with
 * gsoType/gsoSize in the DpPacketBatch metadata.  A device that takes GSO
 * (NetdevOl.TX_TCP_TSO) gets it as it is; for any other, netdev.ts calls
 * gsoSegment() to cut it into wire-sized segments: the Ethernet/IP/L4 headers
 * are copied in front of every chunk of payload, then per segment the IPv4
 * total length, ID and header checksum (or the IPv6 payload length), the TCP
 * sequence number and flags (FIN/PSH on the last segment only, CWR on the
 * first only) or the UDP length are fixed.  The L4 checksum of each segment
 * is left partial (pseudo-header sum in the field, CSUM_PARTIAL with
 * csumStart/csumOffset) so that netdev.ts completes it only for devices that
 * cannot — exactly as for an unsegmented packet.
 *
 * Nothing is allocated per packet: segments are appended to a caller-owned
 * DpPacketBatch.
 */
import { csumFinish, csumFold, csumPartial } from '../lib/packets/checksum.js';
import { walkExtHeaders } from '../lib/packets/ipv6.js';
import { type DpPacketBatch, GsoType, OlFlags } from './dp-packet.js';

/** virtio-net's UDP segmentation offload type (VIRTIO_NET_HDR_GSO_UDP_L4). */
export const GSO_UDP_L4 = 5;

const v6Out = new Int32Array(3);

/** L3/L4 layout found by parseL4: [l3 offset, l4 offset, IP version (4/6), L4 protocol]
 * (offsets from the frame's first byte). */
export const l4Info = new Int32Array(4);

/** Parses the frame data[off..off+size) as Ethernet (VLAN tags allowed) +
 * IPv4/IPv6 into l4Info; false if it is not IP or is too short. */
export function parseL4(data: Uint8Array, off: number, size: number): boolean {
  const end = off + size;
  let o = off + 12;
  if (o + 2 > end) return false;
  let type = (data[o]! << 8) | data[o + 1]!;
  o += 2;
  while ((type === 0x8100 || type === 0x88a8) && o + 4 <= end) {
    type = (data[o + 2]! << 8) | data[o + 3]!;
    o += 4;
  }
  if (type === 0x0800) {
    if (o + 20 > end) return false;
    const ihl = (data[o]! & 0x0f) * 4;
    if (ihl < 20 || o + ihl > end) return false;
    l4Info[0] = o - off;
    l4Info[1] = o + ihl - off;
    l4Info[2] = 4;
    l4Info[3] = data[o + 9]!;
    return true;
  }
  if (type === 0x86dd) {
    if (o + 40 > end || !walkExtHeaders(data, o + 40, end, data[o + 6]!, v6Out)) return false;
    l4Info[0] = o - off;
    l4Info[1] = v6Out[1]! - off;
    l4Info[2] = 6;
    l4Info[3] = v6Out[0]!;
    return true;
  }
  return false;
}

/** Finds the TCP or UDP checksum of the frame data[off..off+size): out[0] =
 * L4 offset from the frame start, out[1] = checksum offset within L4.  False
 * if the frame is not TCP/UDP over IPv4/IPv6 (VLAN tags allowed). */
export function findL4Checksum(data: Uint8Array, off: number, size: number, out: Int32Array): boolean {
  if (!parseL4(data, off, size)) return false;
  const proto = l4Info[3]!, l4 = l4Info[1]!;
  const field = proto === 6 ? 16 : proto === 17 ? 6 : -1;
  if (field < 0 || l4 + field + 2 > size) return false;
  out[0] = l4;
  out[1] = field;
  return true;
}

/** True if packet i of 'batch' is a GSO super-packet that gsoSegment() can cut
 * (TCP over IPv4/IPv6, or UDP_L4). */
export function gsoSegmentable(batch: DpPacketBatch, i: number): boolean {
  const t = batch.gsoType[i]! & 0x7f;
  return t === GsoType.TCPV4 || t === GsoType.TCPV6 || t === GSO_UDP_L4;
}

/** Appends the segments of GSO packet i of 'src' to 'dst', from segment
 * number 'first' on, as many as 'dst' has room for.  Returns the number of
 * the next segment to append (the segment count once all are in: call again
 * with that number after emptying 'dst' while it is less), or -1 if the
 * packet is malformed or a segment cannot fit in a slot of 'dst'. */
export function gsoSegment(src: DpPacketBatch, i: number, dst: DpPacketBatch, first = 0): number {
  const data = src.data, off = src.offsets[i]!, size = src.sizes[i]!;
  const gsoSize = src.gsoSize[i]!;
  const t = src.gsoType[i]! & 0x7f;
  if (!gsoSize || !parseL4(data, off, size)) return -1;
  const l3 = l4Info[0]!, l4 = l4Info[1]!, v = l4Info[2]!, proto = l4Info[3]!;
  const tcp = t === GsoType.TCPV4 || t === GsoType.TCPV6;
  if (tcp ? proto !== 6 : t !== GSO_UDP_L4 || proto !== 17) return -1;
  const l4Len = tcp ? (l4 + 13 <= size ? (data[off + l4 + 12]! >>> 4) * 4 : 0) : 8;
  if (l4Len < (tcp ? 20 : 8)) return -1;
  const hdrLen = l4 + l4Len;
  const payload = size - hdrLen;
  if (payload <= 0) return -1;
  const nseg = Math.ceil(payload / gsoSize);
  if (hdrLen + gsoSize > dst.capacity) return -1;
  const last = Math.min(nseg, first + dst.maxPackets - dst.count);

  const seq0 = tcp ? ((data[off + l4 + 4]! << 24) | (data[off + l4 + 5]! << 16)
    | (data[off + l4 + 6]! << 8) | data[off + l4 + 7]!) >>> 0 : 0;
  const tcpFlags = tcp ? data[off + l4 + 13]! : 0;
  const ipId0 = v === 4 ? (data[off + l3 + 4]! << 8) | data[off + l3 + 5]! : 0;
  // Pseudo-header sum without the length: addresses and protocol.
  let pseudo = proto;
  if (v === 4) pseudo += csumPartial(data, off + l3 + 12, 8);
  else pseudo += csumPartial(data, off + l3 + 8, 32);

  const out = dst.data;
  for (let k = first; k < last; k++) {
    const pOff = k * gsoSize;
    const chunk = Math.min(gsoSize, payload - pOff);
    const j = dst.count;
    const o = dst.rxOffsets[j]!;
    out.set(data.subarray(off, off + hdrLen), o);
    out.set(data.subarray(off + hdrLen + pOff, off + hdrLen + pOff + chunk), o + hdrLen);
    const segLen = hdrLen + chunk;
    const l4Size = segLen - l4;
    if (v === 4) {
      const totLen = segLen - l3;
      out[o + l3 + 2] = totLen >>> 8; out[o + l3 + 3] = totLen & 0xff;
      const id = (ipId0 + k) & 0xffff;
      out[o + l3 + 4] = id >>> 8; out[o + l3 + 5] = id & 0xff;
      out[o + l3 + 10] = 0; out[o + l3 + 11] = 0;
      const c = csumFinish(csumPartial(out, o + l3, l4 - l3));
      out[o + l3 + 10] = c >>> 8; out[o + l3 + 11] = c & 0xff;
    } else {
      const plen = segLen - l3 - 40;
      out[o + l3 + 4] = plen >>> 8; out[o + l3 + 5] = plen & 0xff;
    }
    let field: number;
    if (tcp) {
      const seq = (seq0 + pOff) >>> 0;
      out[o + l4 + 4] = seq >>> 24; out[o + l4 + 5] = (seq >>> 16) & 0xff;
      out[o + l4 + 6] = (seq >>> 8) & 0xff; out[o + l4 + 7] = seq & 0xff;
      let fl = tcpFlags;
      if (k < nseg - 1) fl &= ~0x09; // FIN, PSH: last segment only
      if (k > 0) fl &= ~0x80; // CWR: first segment only
      out[o + l4 + 13] = fl;
      field = 16;
    } else {
      out[o + l4 + 4] = l4Size >>> 8; out[o + l4 + 5] = l4Size & 0xff;
      field = 6;
    }
    // A partial checksum, as a sender with checksum offload leaves it.
    const ps = csumFold(pseudo + l4Size);
    out[o + l4 + field] = ps >>> 8; out[o + l4 + field + 1] = ps & 0xff;
    dst.offsets[j] = o;
    dst.sizes[j] = segLen;
    dst.olFlags[j] = OlFlags.CSUM_PARTIAL;
    dst.csumStart[j] = l4;
    dst.csumOffset[j] = field;
    dst.gsoSize[j] = 0;
    dst.gsoType[j] = 0;
    dst.inPort[j] = src.inPort[i]!;
    dst.count = j + 1;
  }
  return last;
}

/** The number of segments GSO packet i of 'src' makes (0 if it is not segmentable). */
export function gsoSegmentCount(src: DpPacketBatch, i: number): number {
  const off = src.offsets[i]!, size = src.sizes[i]!, gsoSize = src.gsoSize[i]!;
  if (!gsoSize || !parseL4(src.data, off, size)) return 0;
  const l4 = l4Info[1]!;
  const l4Len = l4Info[3] === 6 ? (l4 + 13 <= size ? (src.data[off + l4 + 12]! >>> 4) * 4 : 0) : 8;
  const payload = size - l4 - l4Len;
  return payload > 0 ? Math.ceil(payload / gsoSize) : 0;
}

/** After header rewrites (set-field actions) on packet i, which has a partial
 * L4 checksum (OlFlags.CSUM_PARTIAL): rewrites the checksum field as a sender
 * leaves it for offload, the pseudo-header sum over the packet's current
 * addresses, protocol and L4 length.  (An incremental update would treat the
 * field as a full checksum, which a partial one is not.)  False if the packet
 * is not IP. */
export function refreshPartialChecksum(batch: DpPacketBatch, i: number): boolean {
  const data = batch.data, off = batch.offsets[i]!, size = batch.sizes[i]!;
  if (!parseL4(data, off, size)) return false;
  const l3 = l4Info[0]!, l4 = l4Info[1]!, field = l4 + batch.csumOffset[i]!;
  if (field + 2 > size) return false;
  let s = l4Info[3]! + (size - l4);
  s = l4Info[2] === 4 ? csumPartial(data, off + l3 + 12, 8, s) : csumPartial(data, off + l3 + 8, 32, s);
  const ps = csumFold(s);
  data[off + field] = ps >>> 8;
  data[off + field + 1] = ps & 0xff;
  return true;
}
