/* udp: UDP header view and checksum (RFC 768; smoltcp's wire/udp.rs pattern).
 *
 * Layout: source port (2) | destination port (2) | length (2) | checksum (2) | payload.
 * The checksum covers an IPv4 or IPv6 pseudo-header (checksum.ts); a computed
 * zero is sent as 0xffff, and over IPv4 a zero field means "no checksum".
 */
import { get16, put16, type WireError } from './byte-order.js';
import { csumFinish, csumPartial } from './checksum.js';

/** Byte offsets of the UDP header fields. */
export const FIELD = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CSUM: 6 } as const;
/** Size of a UDP header. */
export const HEADER_LEN = 8;

/** A view of a UDP datagram at buf[off .. off+size). */
export class UdpPacket {
  constructor(public buf: Uint8Array, public off = 0, public size = buf.length - off) {}

  /** A view over untrusted bytes: 'truncated' if the header or the length field
   * do not fit, 'malformed' if the length field is below 8. */
  static checked(buf: Uint8Array, off = 0, size = buf.length - off): UdpPacket | WireError {
    const p = new UdpPacket(buf, off, size);
    if (size < HEADER_LEN || off + size > buf.length) return 'truncated';
    if (p.length < HEADER_LEN) return 'malformed';
    if (p.length > size) return 'truncated';
    return p;
  }

  /** Re-points this view (no allocation). */
  reset(buf: Uint8Array, off: number, size: number): this {
    this.buf = buf; this.off = off; this.size = size;
    return this;
  }

  /** Source port. */
  get srcPort(): number { return get16(this.buf, this.off + FIELD.SRC_PORT); }
  set srcPort(v: number) { put16(this.buf, this.off + FIELD.SRC_PORT, v); }
  /** Destination port. */
  get dstPort(): number { return get16(this.buf, this.off + FIELD.DST_PORT); }
  set dstPort(v: number) { put16(this.buf, this.off + FIELD.DST_PORT, v); }
  /** Length of header and payload. */
  get length(): number { return get16(this.buf, this.off + FIELD.LENGTH); }
  set length(v: number) { put16(this.buf, this.off + FIELD.LENGTH, v); }
  /** Checksum field. */
  get checksum(): number { return get16(this.buf, this.off + FIELD.CSUM); }
  set checksum(v: number) { put16(this.buf, this.off + FIELD.CSUM, v); }
  /** Offset of the payload in 'buf'. */
  get payloadOffset(): number { return this.off + HEADER_LEN; }

  /** Computes the checksum given the pseudo-header partial sum (checksum.ts). */
  fillChecksum(pseudoSum: number): void {
    this.checksum = 0;
    const c = csumFinish(csumPartial(this.buf, this.off, this.length, pseudoSum));
    this.checksum = c === 0 ? 0xffff : c;
  }

  /** True if the checksum is right (or absent: zero, valid over IPv4 only). */
  verifyChecksum(pseudoSum: number): boolean {
    if (this.checksum === 0) return true;
    return csumFinish(csumPartial(this.buf, this.off, this.length, pseudoSum)) === 0;
  }
}

/** A UDP header as a plain value. */
export interface UdpRepr { srcPort: number; dstPort: number; payloadSize: number }

/** The header of a checked datagram. */
export function parseUdp(p: UdpPacket): UdpRepr {
  return { srcPort: p.srcPort, dstPort: p.dstPort, payloadSize: p.length - HEADER_LEN };
}

/** Writes the header of 'r' (the payload must already be in place) and the checksum. */
export function emitUdp(r: UdpRepr, p: UdpPacket, pseudoSum: number): void {
  p.srcPort = r.srcPort;
  p.dstPort = r.dstPort;
  p.length = HEADER_LEN + r.payloadSize;
  p.fillChecksum(pseudoSum);
}
