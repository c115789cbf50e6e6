/* sctp: SCTP common header view and CRC32c checksum (RFC 9260).
 *
 * Layout: source port (2) | destination port (2) | verification tag (4) |
 * checksum (4, CRC32c of the whole packet with this field zero, stored
 * little-endian as RFC 9260 appendix A shows) | chunks.
 */
import { get16, get32, put16, put32, type WireError } from './byte-order.js';

/** Byte offsets of the SCTP common header fields. */
export const FIELD = { SRC_PORT: 0, DST_PORT: 2, VTAG: 4, CSUM: 8 } as const;
/** Size of the common header. */
export const HEADER_LEN = 12;

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32c (Castagnoli) of b[off .. off+len). */
export function crc32c(b: Uint8Array, off: number, len: number, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = off; i < off + len; i++) c = CRC32C_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** A view of an SCTP packet at buf[off .. off+size). */
export class SctpPacket {
  constructor(public buf: Uint8Array, public off = 0, public size = buf.length - off) {}

  /** A view over untrusted bytes, or 'truncated'. */
  static checked(buf: Uint8Array, off = 0, size = buf.length - off): SctpPacket | WireError {
    return size >= HEADER_LEN && off + size <= buf.length ? new SctpPacket(buf, off, size) : 'truncated';
  }

  /** Source port. */
  get srcPort(): number { return get16(this.buf, this.off + FIELD.SRC_PORT); }
  set srcPort(v: number) { put16(this.buf, this.off + FIELD.SRC_PORT, v); }
  /** Destination port. */
  get dstPort(): number { return get16(this.buf, this.off + FIELD.DST_PORT); }
  set dstPort(v: number) { put16(this.buf, this.off + FIELD.DST_PORT, v); }
  /** Verification tag. */
  get vtag(): number { return get32(this.buf, this.off + FIELD.VTAG); }
  set vtag(v: number) { put32(this.buf, this.off + FIELD.VTAG, v); }
  /** Checksum as the CRC value (the field holds it little-endian). */
  get checksum(): number {
    const b = this.buf, o = this.off + FIELD.CSUM;
    return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
  }
  set checksum(v: number) {
    const b = this.buf, o = this.off + FIELD.CSUM;
    b[o] = v; b[o + 1] = v >>> 8; b[o + 2] = v >>> 16; b[o + 3] = v >>> 24;
  }

  /** Computes and stores the CRC32c over the viewed packet. */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = crc32c(this.buf, this.off, this.size);
  }

  /** True if the CRC32c is right. */
  verifyChecksum(): boolean {
    const saved = this.checksum;
    this.checksum = 0;
    const ok = crc32c(this.buf, this.off, this.size) === saved;
    this.checksum = saved;
    return ok;
  }
}
