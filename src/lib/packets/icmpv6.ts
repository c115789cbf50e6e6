/* icmpv6: ICMPv6 header view, Neighbor Discovery fields, checksum (RFC 4443, RFC 4861).
 *
 * Layout: type (1) | code (1) | checksum (2) | body.  Neighbor Solicitation
 * and Advertisement carry reserved/flags (4) | target address (16) | options;
 * each option is type (1) | length in 8-byte units (1) | data, and options 1
 * and 2 carry the source and target link-layer addresses (SLL/TLL) that the
 * flow key records (OVS's nd_target, arp_sha, arp_tha slots).
 */
import { get16, get48, put16, type WireError } from './byte-order.js';
import { csumFinish, csumPartial } from './checksum.js';

/** Byte offsets of the ICMPv6 header and ND fields. */
export const FIELD = { TYPE: 0, CODE: 1, CSUM: 2, ND_RESERVED: 4, ND_TARGET: 8, ND_OPTIONS: 24 } as const;
/** Size of the ICMPv6 header proper. */
export const HEADER_LEN = 4;
/** Size of an NS/NA message without options. */
export const ND_MSG_LEN = 24;

/** ICMPv6 types the datapath looks into. */
export const enum Icmpv6Type {
  DEST_UNREACH = 1, PACKET_TOO_BIG = 2, TIME_EXCEEDED = 3, ECHO_REQUEST = 128, ECHO_REPLY = 129,
  MLD_QUERY = 130, MLD_REPORT = 131, MLD_DONE = 132, ROUTER_SOLICIT = 133, ROUTER_ADVERT = 134,
  NEIGHBOR_SOLICIT = 135, NEIGHBOR_ADVERT = 136, MLD2_REPORT = 143,
}
/** ND option types. */
export const enum NdOpt { SOURCE_LINKADDR = 1, TARGET_LINKADDR = 2 }

/** A view of an ICMPv6 message at buf[off .. off+size). */
export class Icmpv6Packet {
  constructor(public buf: Uint8Array, public off = 0, public size = buf.length - off) {}

  /** A view over untrusted bytes, or 'truncated'. */
  static checked(buf: Uint8Array, off = 0, size = buf.length - off): Icmpv6Packet | WireError {
    return size >= HEADER_LEN && off + size <= buf.length ? new Icmpv6Packet(buf, off, size) : 'truncated';
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
  /** True for a Neighbor Solicitation or Advertisement long enough to hold a target. */
  get isNd(): boolean {
    return this.code === 0 && this.size >= ND_MSG_LEN
      && (this.type === Icmpv6Type.NEIGHBOR_SOLICIT || this.type === Icmpv6Type.NEIGHBOR_ADVERT);
  }
  /** Offset of the ND target address in 'buf'. */
  get ndTargetOffset(): number { return this.off + FIELD.ND_TARGET; }
  /** ND reserved word with the R/S/O flags of an advertisement. */
  get ndReserved(): number { return (get16(this.buf, this.off + 4) * 0x10000 + get16(this.buf, this.off + 6)); }

  /** Finds the SLL and TLL options of an ND message: out[0] = SLL, out[1] = TLL
   * (48-bit numbers, 0 if absent).  Returns false if the options are malformed
   * (zero length, running past the end, or an option repeated). */
  ndLinkAddrs(out: Float64Array): boolean {
    out[0] = 0; out[1] = 0;
    let o = this.off + FIELD.ND_OPTIONS;
    const end = this.off + this.size;
    let seenSll = false, seenTll = false;
    while (o + 8 <= end) {
      const type = this.buf[o]!, len = this.buf[o + 1]! * 8;
      if (len === 0 || o + len > end) return false;
      if (type === NdOpt.SOURCE_LINKADDR && len === 8) {
        if (seenSll) return false;
        seenSll = true;
        out[0] = get48(this.buf, o + 2);
      } else if (type === NdOpt.TARGET_LINKADDR && len === 8) {
        if (seenTll) return false;
        seenTll = true;
        out[1] = get48(this.buf, o + 2);
      }
      o += len;
    }
    return o === end;
  }

  /** Computes the checksum given the IPv6 pseudo-header partial sum. */
  fillChecksum(pseudoSum: number): void {
    this.checksum = 0;
    this.checksum = csumFinish(csumPartial(this.buf, this.off, this.size, pseudoSum));
  }

  /** True if the checksum is right. */
  verifyChecksum(pseudoSum: number): boolean {
    return csumFinish(csumPartial(this.buf, this.off, this.size, pseudoSum)) === 0;
  }
}
