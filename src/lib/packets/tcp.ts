/* tcp: TCP header view, flags and checksum (RFC 9293; OVS lib/packets.h).
 *
 * Layout: source port (2) | destination port (2) | sequence (4) | ack (4) |
 * data offset/reserved/flags (2: offset 4 bits, 12 flag bits) | window (2) |
 * checksum (2) | urgent pointer (2) | options | payload.
 * The flow key keeps the 12 flag bits (OVS's tcp_flags).
 */
import { get16, get32, put16, put32, type WireError } from './byte-order.js';
import { csumFinish, csumPartial } from './checksum.js';

/** Byte offsets of the TCP header fields. */
export const FIELD = { SRC_PORT: 0, DST_PORT: 2, SEQ: 4, ACK: 8, FLAGS: 12, WINDOW: 14, CSUM: 16, URGENT: 18 } as const;
/** Size of a header without options. */
export const HEADER_LEN = 20;

/** TCP flag bits as OVS prints them (tcp_flags). */
export const enum TcpFlags {
  FIN = 0x001, SYN = 0x002, RST = 0x004, PSH = 0x008, ACK = 0x010, URG = 0x020,
  ECE = 0x040, CWR = 0x080, NS = 0x100,
}

/** A view of a TCP segment at buf[off .. off+size). */
export class TcpPacket {
  constructor(public buf: Uint8Array, public off = 0, public size = buf.length - off) {}

  /** A view over untrusted bytes: 'truncated' if the header with its options
   * does not fit, 'malformed' if the data offset is below 5. */
  static checked(buf: Uint8Array, off = 0, size = buf.length - off): TcpPacket | WireError {
    const p = new TcpPacket(buf, off, size);
    if (size < HEADER_LEN || off + size > buf.length) return 'truncated';
    if (p.headerLen < HEADER_LEN) return 'malformed';
    if (p.headerLen > size) return 'truncated';
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
  /** Sequence number. */
  get seq(): number { return get32(this.buf, this.off + FIELD.SEQ); }
  set seq(v: number) { put32(this.buf, this.off + FIELD.SEQ, v); }
  /** Acknowledgment number. */
  get ack(): number { return get32(this.buf, this.off + FIELD.ACK); }
  set ack(v: number) { put32(this.buf, this.off + FIELD.ACK, v); }
  /** Header length in bytes (data offset * 4). */
  get headerLen(): number { return (this.buf[this.off + FIELD.FLAGS]! >>> 4) * 4; }
  set headerLen(v: number) {
    const o = this.off + FIELD.FLAGS;
    this.buf[o] = ((v >>> 2) << 4) | (this.buf[o]! & 0x0f);
  }
  /** The 12 flag bits (TcpFlags). */
  get flags(): number { return get16(this.buf, this.off + FIELD.FLAGS) & 0x0fff; }
  set flags(v: number) {
    const o = this.off + FIELD.FLAGS;
    put16(this.buf, o, (get16(this.buf, o) & 0xf000) | (v & 0x0fff));
  }
  /** Window size. */
  get window(): number { return get16(this.buf, this.off + FIELD.WINDOW); }
  set window(v: number) { put16(this.buf, this.off + FIELD.WINDOW, v); }
  /** Checksum field. */
  get checksum(): number { return get16(this.buf, this.off + FIELD.CSUM); }
  set checksum(v: number) { put16(this.buf, this.off + FIELD.CSUM, v); }
  /** Urgent pointer. */
  get urgent(): number { return get16(this.buf, this.off + FIELD.URGENT); }
  set urgent(v: number) { put16(this.buf, this.off + FIELD.URGENT, v); }
  /** Offset of the payload in 'buf'. */
  get payloadOffset(): number { return this.off + this.headerLen; }

  /** Computes the checksum over the whole viewed segment given the pseudo-header sum. */
  fillChecksum(pseudoSum: number): void {
    this.checksum = 0;
    this.checksum = csumFinish(csumPartial(this.buf, this.off, this.size, pseudoSum));
  }

  /** True if the checksum over the viewed segment is right. */
  verifyChecksum(pseudoSum: number): boolean {
    return csumFinish(csumPartial(this.buf, this.off, this.size, pseudoSum)) === 0;
  }
}

/** Flag names in OVS's order for printing "tcp_flags(syn|ack)". */
export const TCP_FLAG_NAMES: readonly [number, string][] = [
  [TcpFlags.FIN, 'fin'], [TcpFlags.SYN, 'syn'], [TcpFlags.RST, 'rst'], [TcpFlags.PSH, 'psh'],
  [TcpFlags.ACK, 'ack'], [TcpFlags.URG, 'urg'], [TcpFlags.ECE, 'ece'], [TcpFlags.CWR, 'cwr'],
  [TcpFlags.NS, 'ns'], [0x200, '[200]'], [0x400, '[400]'], [0x800, '[800]'],
];

/** A TCP header without options as a plain value. */
export interface TcpRepr { srcPort: number; dstPort: number; seq: number; ack: number; flags: number; window: number }

/** The header of a checked segment. */
export function parseTcp(p: TcpPacket): TcpRepr {
  return { srcPort: p.srcPort, dstPort: p.dstPort, seq: p.seq, ack: p.ack, flags: p.flags, window: p.window };
}

/** Writes 'r' as a 20-byte header (payload already in place) and the checksum. */
export function emitTcp(r: TcpRepr, p: TcpPacket, pseudoSum: number): void {
  p.srcPort = r.srcPort; p.dstPort = r.dstPort; p.seq = r.seq; p.ack = r.ack;
  put16(p.buf, p.off + FIELD.FLAGS, (5 << 12) | (r.flags & 0x0fff));
  p.window = r.window; p.urgent = 0;
  p.fillChecksum(pseudoSum);
}
