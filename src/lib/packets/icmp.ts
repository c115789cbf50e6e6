/* icmp: ICMPv4 header view and checksum (RFC 792).
 *
 * Layout: type (1) | code (1) | checksum (2) | rest of header (4) | data.
 * The checksum covers the whole message with no pseudo-header.  The flow key
 * keeps type and code (OVS puts them in the tp_src/tp_dst slots).
 */
import { get16, put16, type WireError } from './byte-order.js';
import { csum, csumFinish, csumPartial } from './checksum.js';

/** Byte offsets of the ICMP header fields. */
export const FIELD = { TYPE: 0, CODE: 1, CSUM: 2, REST: 4 } as const;
/** Size of the ICMP header. */
export const HEADER_LEN = 8;

/** A few ICMPv4 types. */
export const enum IcmpType { ECHO_REPLY = 0, DEST_UNREACH = 3, REDIRECT = 5, ECHO_REQUEST = 8, TIME_EXCEEDED = 11 }

/** A view of an ICMPv4 message at buf[off .. off+size). */
export class IcmpPacket {
  constructor(public buf: Uint8Array, public off = 0, public size = buf.length - off) {}

  /** A view over untrusted bytes, or 'truncated'. */
  static checked(buf: Uint8Array, off = 0, size = buf.length - off): IcmpPacket | WireError {
    return size >= HEADER_LEN && off + size <= buf.length ? new IcmpPacket(buf, off, size) : 'truncated';
  }

  /** Message type. */
  get type(): number { return this.buf[this.off + FIELD.TYPE]!; }
  set type(v: number) { this.buf[this.off + FIELD.TYPE] = v; }
  /** Message code. */
  get code(): number { return this.buf[this.off + FIELD.CODE]!; }
  set code(v: number) { this.buf[this.off + FIELD.CODE] = v; }
  /** Checksum field. */
  get checksum(): number { return get16(this.buf, this.off + FIELD.CSUM); }
  set checksum(v: number) { put16(this.buf, this.off + FIELD.CSUM, v); }
  /** Echo identifier (echo request/reply). */
  get echoIdent(): number { return get16(this.buf, this.off + FIELD.REST); }
  set echoIdent(v: number) { put16(this.buf, this.off + FIELD.REST, v); }
  /** Echo sequence number (echo request/reply). */
  get echoSeq(): number { return get16(this.buf, this.off + FIELD.REST + 2); }
  set echoSeq(v: number) { put16(this.buf, this.off + FIELD.REST + 2, v); }

  /** Computes the checksum over the viewed message. */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = csum(this.buf, this.off, this.size);
  }

  /** True if the checksum is right. */
  verifyChecksum(): boolean {
    return csumFinish(csumPartial(this.buf, this.off, this.size)) === 0;
  }
}
