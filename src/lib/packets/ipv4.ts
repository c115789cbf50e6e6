/* ipv4: IPv4 header view, checksum and address text (RFC 791; OVS lib/packets.h).
 *
 * Layout: version/IHL (1) | TOS = DSCP<<2|ECN (1) | total length (2) | id (2) |
 * flags/fragment offset (2) | TTL (1) | protocol (1) | header checksum (2) |
 * source (4) | destination (4) | options (IHL*4 - 20) | payload.
 * Ipv4Packet is a reusable view like ethernet.ts's; checked() validates the
 * version, IHL and total length against the bytes available, so afterwards
 * headerLen/payloadOffset/payloadSize are trustworthy.  Addresses are u32
 * numbers.  tcp.ts, udp.ts and icmp.ts view the payload.
 */
import { get16, get32, put16, put32, type WireError } from './byte-order.js';
import { csum, csumPartial, csumFinish } from './checksum.js';

/** Byte offsets of the IPv4 header fields. */
export const FIELD = {
  VER_IHL: 0, TOS: 1, TOT_LEN: 2, ID: 4, FRAG_OFF: 6, TTL: 8, PROTO: 9, CSUM: 10, SRC: 12, DST: 16,
} as const;
/** Size of a header without options. */
export const HEADER_LEN = 20;
/** Flag and mask bits of the flags/fragment-offset field. */
export const IP_DONT_FRAGMENT = 0x4000, IP_MORE_FRAGMENTS = 0x2000, IP_FRAG_OFF_MASK = 0x1fff;

/** IP protocol numbers (IPPROTO_*). */
export const enum IpProto {
  HOPOPTS = 0, ICMP = 1, IGMP = 2, TCP = 6, UDP = 17, ROUTING = 43, FRAGMENT = 44, GRE = 47,
  ESP = 50, AH = 51, ICMPV6 = 58, NONE = 59, DSTOPTS = 60, SCTP = 132,
}

/** A view of an IPv4 packet at buf[off .. off+size). */
export class Ipv4Packet {
  constructor(public buf: Uint8Array, public off = 0, public size = buf.length - off) {}

  /** A view over untrusted bytes: 'truncated' if the header or total length
   * do not fit, 'malformed' if the version is not 4 or the IHL is below 5. */
  static checked(buf: Uint8Array, off = 0, size = buf.length - off): Ipv4Packet | WireError {
    const p = new Ipv4Packet(buf, off, size);
    const e = p.check();
    return e ?? p;
  }

  /** Re-points this view (no allocation). */
  reset(buf: Uint8Array, off: number, size: number): this {
    this.buf = buf; this.off = off; this.size = size;
    return this;
  }

  /** null if the header is sound, else what is wrong with it. */
  check(): WireError | null {
    if (this.size < HEADER_LEN || this.off + this.size > this.buf.length) return 'truncated';
    if (this.version !== 4 || this.ihl < 5) return 'malformed';
    if (this.headerLen > this.size) return 'truncated';
    const tot = this.totalLen;
    if (tot < this.headerLen) return 'malformed';
    if (tot > this.size) return 'truncated';
    return null;
  }

  /** Version (4). */
  get version(): number { return this.buf[this.off]! >>> 4; }
  /** Header length in 32-bit words. */
  get ihl(): number { return this.buf[this.off]! & 0x0f; }
  set ihl(v: number) { this.buf[this.off] = 0x40 | (v & 0x0f); }
  /** Header length in bytes. */
  get headerLen(): number { return (this.buf[this.off]! & 0x0f) * 4; }
  /** Type of service byte (DSCP << 2 | ECN). */
  get tos(): number { return this.buf[this.off + FIELD.TOS]!; }
  set tos(v: number) { this.buf[this.off + FIELD.TOS] = v; }
  /** Total length (header + payload). */
  get totalLen(): number { return get16(this.buf, this.off + FIELD.TOT_LEN); }
  set totalLen(v: number) { put16(this.buf, this.off + FIELD.TOT_LEN, v); }
  /** Identification. */
  get ident(): number { return get16(this.buf, this.off + FIELD.ID); }
  set ident(v: number) { put16(this.buf, this.off + FIELD.ID, v); }
  /** Flags and fragment offset, as one 16-bit field. */
  get fragOff(): number { return get16(this.buf, this.off + FIELD.FRAG_OFF); }
  set fragOff(v: number) { put16(this.buf, this.off + FIELD.FRAG_OFF, v); }
  /** True if this is any fragment (more fragments set or nonzero offset). */
  get isFragment(): boolean { return (this.fragOff & (IP_MORE_FRAGMENTS | IP_FRAG_OFF_MASK)) !== 0; }
  /** True if this is a fragment other than the first. */
  get isLaterFragment(): boolean { return (this.fragOff & IP_FRAG_OFF_MASK) !== 0; }
  /** Time to live. */
  get ttl(): number { return this.buf[this.off + FIELD.TTL]!; }
  set ttl(v: number) { this.buf[this.off + FIELD.TTL] = v; }
  /** Protocol of the payload (IpProto). */
  get proto(): number { return this.buf[this.off + FIELD.PROTO]!; }
  set proto(v: number) { this.buf[this.off + FIELD.PROTO] = v; }
  /** Header checksum field. */
  get checksum(): number { return get16(this.buf, this.off + FIELD.CSUM); }
  set checksum(v: number) { put16(this.buf, this.off + FIELD.CSUM, v); }
  /** Source address. */
  get src(): number { return get32(this.buf, this.off + FIELD.SRC); }
  set src(v: number) { put32(this.buf, this.off + FIELD.SRC, v); }
  /** Destination address. */
  get dst(): number { return get32(this.buf, this.off + FIELD.DST); }
  set dst(v: number) { put32(this.buf, this.off + FIELD.DST, v); }
  /** Offset of the payload in 'buf'. */
  get payloadOffset(): number { return this.off + this.headerLen; }
  /** Size of the payload according to the total length. */
  get payloadSize(): number { return this.totalLen - this.headerLen; }

  /** Computes and stores the header checksum. */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = csum(this.buf, this.off, this.headerLen);
  }

  /** True if the header checksum is right. */
  verifyChecksum(): boolean {
    return csumFinish(csumPartial(this.buf, this.off, this.headerLen)) === 0;
  }
}

/** An IPv4 header without options as a plain value. */
export interface Ipv4Repr {
  src: number; dst: number; proto: number; tos: number; ttl: number;
  /** Payload size in bytes. */
  payloadSize: number;
  /** Identification and flags/fragment offset; 0 if omitted. */
  ident?: number; fragOff?: number;
}

/** The header of a checked packet. */
export function parseIpv4(p: Ipv4Packet): Ipv4Repr {
  return { src: p.src, dst: p.dst, proto: p.proto, tos: p.tos, ttl: p.ttl, payloadSize: p.payloadSize,
    ident: p.ident, fragOff: p.fragOff };
}

/** Writes 'r' as a 20-byte header with a correct checksum. */
export function emitIpv4(r: Ipv4Repr, p: Ipv4Packet): void {
  p.ihl = 5;
  p.tos = r.tos;
  p.totalLen = HEADER_LEN + r.payloadSize;
  p.ident = r.ident ?? 0;
  p.fragOff = r.fragOff ?? 0;
  p.ttl = r.ttl;
  p.proto = r.proto;
  p.src = r.src;
  p.dst = r.dst;
  p.fillChecksum();
}

/** Dotted quad for a u32 address (OVS IP_FMT). */
export function formatIpv4Addr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** Parses a dotted quad; null if malformed. */
export function parseIpv4Addr(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let a = 0;
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i]);
    if (b > 255) return null;
    a = a * 256 + b;
  }
  return a;
}

/** Mask of 'bits' leading ones (0..32). */
export function ipv4PrefixMask(bits: number): number {
  return bits <= 0 ? 0 : (0xffffffff << (32 - Math.min(bits, 32))) >>> 0;
}

/** Number of leading ones if 'mask' is a CIDR mask, else -1. */
export function ipv4MaskPrefix(mask: number): number {
  const inv = ~mask >>> 0;
  if ((inv & (inv + 1)) !== 0) return -1;
  return Math.clz32(inv);
}
