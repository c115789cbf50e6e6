/* checksum: the Internet checksum (RFC 1071), its incremental update
 * (RFC 1624) and pseudo-header sums, over Uint8Arrays (OVS lib/csum.c).
 *
 * A "partial sum" is an unfolded ones'-complement accumulator (a plain
 * number); csumFinish() folds and complements it into the 16-bit field value.
 * completePartialChecksum() finishes the L4 checksum that a sender left to
 * offload, as a virtio-net header describes it (csum_start, csum_offset):
 * used by the netdevs when a packet goes to a device that cannot do it.
 * ipv4.ts, ipv6.ts, tcp.ts, udp.ts, icmp.ts and icmpv6.ts build on it.
 */
import { get16, put16 } from './byte-order.js';

/** Adds the bytes b[off .. off+len) as big-endian 16-bit words to 'sum'.
 * An odd final byte counts as the high byte of a word. */
export function csumPartial(b: Uint8Array, off: number, len: number, sum = 0): number {
  const end = off + len - 1;
  let o = off;
  let s = sum;
  for (; o < end; o += 2) {
    s += (b[o]! << 8) | b[o + 1]!;
    if (s > 0x3fffffff) s = (s & 0xffff) + (s >>> 16);
  }
  if (o === end) s += b[o]! << 8;
  return s;
}

/** Folds a partial sum to 16 bits (without complementing). */
export function csumFold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value for a partial sum: the complement of its fold. */
export function csumFinish(sum: number): number {
  return ~csumFold(sum) & 0xffff;
}

/** The Internet checksum of b[off .. off+len). */
export function csum(b: Uint8Array, off: number, len: number): number {
  return csumFinish(csumPartial(b, off, len));
}

/** The checksum after one 16-bit word of the summed data changes from
 * 'oldWord' to 'newWord' (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')). */
export function recalcCsum16(oldCsum: number, oldWord: number, newWord: number): number {
  const s = (~oldCsum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~csumFold(s) & 0xffff;
}

/** As recalcCsum16 for a 32-bit value (e.g. an IPv4 address). */
export function recalcCsum32(oldCsum: number, oldValue: number, newValue: number): number {
  return recalcCsum16(recalcCsum16(oldCsum, oldValue >>> 16, newValue >>> 16),
    oldValue & 0xffff, newValue & 0xffff);
}

/** As recalcCsum16 for 'len' bytes (even) that change from old[oo..] to new[no..]. */
export function recalcCsumBytes(oldCsum: number, oldBytes: Uint8Array, oo: number,
                                newBytes: Uint8Array, no: number, len: number): number {
  let c = oldCsum;
  for (let i = 0; i < len; i += 2) c = recalcCsum16(c, get16(oldBytes, oo + i), get16(newBytes, no + i));
  return c;
}

/** Partial sum of the IPv4 pseudo-header (RFC 793 section 3.1). */
export function pseudoHeaderSumIpv4(src: number, dst: number, proto: number, l4Size: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + l4Size;
}

/** Partial sum of the IPv6 pseudo-header (RFC 8200 section 8.1); the
 * addresses are the 16 bytes at b[srcOff] and b[dstOff]. */
export function pseudoHeaderSumIpv6(b: Uint8Array, srcOff: number, dstOff: number,
                                    proto: number, l4Size: number): number {
  let s = csumPartial(b, srcOff, 16);
  s = csumPartial(b, dstOff, 16, s);
  return s + (l4Size >>> 16) + (l4Size & 0xffff) + proto;
}

/** Completes an offloaded checksum in packet b[off .. off+len): the sender
 * put the pseudo-header sum at csumStart+csumOffset; sum from csumStart to the
 * end and store the result there (0 is sent as 0xffff, as Linux does).
 * Returns false if the offsets lie outside the packet. */
export function completePartialChecksum(b: Uint8Array, off: number, len: number,
                                        csumStart: number, csumOffset: number): boolean {
  if (csumStart >= len || csumStart + csumOffset + 2 > len) return false;
  const c = csum(b, off + csumStart, len - csumStart);
  put16(b, off + csumStart + csumOffset, c === 0 ? 0xffff : c);
  return true;
}
