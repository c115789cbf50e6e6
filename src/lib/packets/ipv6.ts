/* ipv6: IPv6 header view, extension-header walk and address text (RFC 8200,
 * RFC 5952 text form as glibc's inet_ntop prints it; OVS lib/packets.h).
 *
 * Layout: version/traffic class/flow label (4) | payload length (2) |
 * next header (1) | hop limit (1) | source (16) | destination (16) | payload.
 * Addresses are 16 bytes read in place (srcOffset/dstOffset) or copied out;
 * the flow extractor (datapath/flow.ts) copies them into its key directly.
 * walkExtHeaders() skips hop-by-hop, routing, destination-options, fragment
 * and AH headers to the upper-layer protocol, noting fragmentation.
 */
import { get16, get32, put16, put32, type WireError } from './byte-order.js';
import { IpProto } from './ipv4.js';

/** Byte offsets of the IPv6 header fields. */
export const FIELD = { VTC_FLOW: 0, PLEN: 4, NEXT: 6, HLIM: 7, SRC: 8, DST: 24 } as const;
/** Size of the fixed header. */
export const HEADER_LEN = 40;

/** A view of an IPv6 packet at buf[off .. off+size). */
export class Ipv6Packet {
  constructor(public buf: Uint8Array, public off = 0, public size = buf.length - off) {}

  /** A view over untrusted bytes: 'truncated' if the header or payload length
   * do not fit, 'malformed' if the version is not 6. */
  static checked(buf: Uint8Array, off = 0, size = buf.length - off): Ipv6Packet | WireError {
    const p = new Ipv6Packet(buf, off, size);
    return p.check() ?? p;
  }

  /** Re-points this view (no allocation). */
  reset(buf: Uint8Array, off: number, size: number): this {
    this.buf = buf; this.off = off; this.size = size;
    return this;
  }

  /** null if the header is sound, else what is wrong. */
  check(): WireError | null {
    if (this.size < HEADER_LEN || this.off + this.size > this.buf.length) return 'truncated';
    if (this.version !== 6) return 'malformed';
    if (HEADER_LEN + this.payloadLen > this.size) return 'truncated';
    return null;
  }

  /** Version (6). */
  get version(): number { return this.buf[this.off]! >>> 4; }
  /** Traffic class (DSCP << 2 | ECN). */
  get trafficClass(): number { return (get16(this.buf, this.off) >>> 4) & 0xff; }
  set trafficClass(v: number) {
    const w = get16(this.buf, this.off);
    put16(this.buf, this.off, (w & 0xf00f) | ((v & 0xff) << 4));
  }
  /** Flow label (20 bits). */
  get flowLabel(): number { return get32(this.buf, this.off) & 0xfffff; }
  set flowLabel(v: number) {
    put32(this.buf, this.off, ((get32(this.buf, this.off) & 0xfff00000) | (v & 0xfffff)) >>> 0);
  }
  /** Payload length (everything after the fixed header). */
  get payloadLen(): number { return get16(this.buf, this.off + FIELD.PLEN); }
  set payloadLen(v: number) { put16(this.buf, this.off + FIELD.PLEN, v); }
  /** Next header. */
  get nextHeader(): number { return this.buf[this.off + FIELD.NEXT]!; }
  set nextHeader(v: number) { this.buf[this.off + FIELD.NEXT] = v; }
  /** Hop limit. */
  get hopLimit(): number { return this.buf[this.off + FIELD.HLIM]!; }
  set hopLimit(v: number) { this.buf[this.off + FIELD.HLIM] = v; }
  /** Offset of the source address in 'buf'. */
  get srcOffset(): number { return this.off + FIELD.SRC; }
  /** Offset of the destination address in 'buf'. */
  get dstOffset(): number { return this.off + FIELD.DST; }
  /** A copy of the source address. */
  src(): Uint8Array { return this.buf.slice(this.off + FIELD.SRC, this.off + FIELD.SRC + 16); }
  /** A copy of the destination address. */
  dst(): Uint8Array { return this.buf.slice(this.off + FIELD.DST, this.off + FIELD.DST + 16); }
  /** Sets the source address. */
  setSrc(a: Uint8Array): void { this.buf.set(a.subarray(0, 16), this.off + FIELD.SRC); }
  /** Sets the destination address. */
  setDst(a: Uint8Array): void { this.buf.set(a.subarray(0, 16), this.off + FIELD.DST); }
  /** Offset of the payload in 'buf'. */
  get payloadOffset(): number { return this.off + HEADER_LEN; }
}

/** An IPv6 fixed header as a plain value. */
export interface Ipv6Repr {
  src: Uint8Array; dst: Uint8Array; nextHeader: number; hopLimit: number;
  trafficClass: number; flowLabel: number; payloadLen: number;
}

/** The fixed header of a checked packet. */
export function parseIpv6(p: Ipv6Packet): Ipv6Repr {
  return { src: p.src(), dst: p.dst(), nextHeader: p.nextHeader, hopLimit: p.hopLimit,
    trafficClass: p.trafficClass, flowLabel: p.flowLabel, payloadLen: p.payloadLen };
}

/** Writes 'r' as the 40-byte fixed header. */
export function emitIpv6(r: Ipv6Repr, p: Ipv6Packet): void {
  put32(p.buf, p.off, (0x60000000 | ((r.trafficClass & 0xff) << 20) | (r.flowLabel & 0xfffff)) >>> 0);
  p.payloadLen = r.payloadLen;
  p.nextHeader = r.nextHeader;
  p.hopLimit = r.hopLimit;
  p.setSrc(r.src);
  p.setDst(r.dst);
}

/** Fragmentation found by walkExtHeaders (out[2]). */
export const enum Ipv6Frag { NONE = 0, FIRST = 1, LATER = 2 }

/** Walks extension headers from next-header 'next' at buf[off] up to 'end'.
 * On success fills out[0] = upper-layer protocol, out[1] = its offset,
 * out[2] = Ipv6Frag, and returns true; false if a header is truncated.
 * After a later fragment the walk stops (the rest is not a header). */
export function walkExtHeaders(buf: Uint8Array, off: number, end: number, next: number,
                               out: Int32Array): boolean {
  let o = off, nh = next, frag = Ipv6Frag.NONE;
  for (;;) {
    if (nh === IpProto.HOPOPTS || nh === IpProto.ROUTING || nh === IpProto.DSTOPTS) {
      if (o + 8 > end) return false;
      const len = (buf[o + 1]! + 1) * 8;
      if (o + len > end) return false;
      nh = buf[o]!;
      o += len;
    } else if (nh === IpProto.AH) {
      if (o + 8 > end) return false;
      const len = (buf[o + 1]! + 2) * 4;
      if (o + len > end) return false;
      nh = buf[o]!;
      o += len;
    } else if (nh === IpProto.FRAGMENT) {
      if (o + 8 > end) return false;
      const fo = get16(buf, o + 2);
      nh = buf[o]!;
      o += 8;
      if ((fo & 0xfff8) !== 0) { frag = Ipv6Frag.LATER; break; }
      if (fo & 1) frag = Ipv6Frag.FIRST;
    } else {
      break;
    }
  }
  out[0] = nh; out[1] = o; out[2] = frag;
  return true;
}

/** Text form of the 16-byte address at b[o], as glibc's inet_ntop writes it. */
export function formatIpv6Addr(b: Uint8Array, o = 0): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(get16(b, o + 2 * i));
  let bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) { curBase = i; curLen = 1; } else curLen++;
      if (curLen > bestLen) { bestBase = curBase; bestLen = curLen; }
    } else {
      curBase = -1;
    }
  }
  if (bestLen < 2) bestBase = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += `${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}`;
      break;
    }
    s += w[i]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ':';
  return s;
}

/** Parses an IPv6 address (with '::' and an optional dotted-quad tail) into 16 bytes; null if malformed. */
export function parseIpv6Addr(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const words: number[] = [];
  let tail = s;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  let v4words: number[] = [];
  if (v4) {
    const q = v4.slice(1).map(Number);
    if (q.some((x) => x > 255)) return null;
    v4words = [(q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!];
    tail = s.slice(0, s.length - v4[0].length);
    if (!tail.endsWith(':')) return null;
    if (!tail.endsWith('::')) tail = tail.slice(0, -1);
  }
  const halves = tail.split('::');
  if (halves.length > 2) return null;
  const part = (h: string): number[] | null => {
    if (h === '') return [];
    const r: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      r.push(parseInt(g, 16));
    }
    return r;
  };
  const head = part(halves[0]!);
  const rest = halves.length === 2 ? part(halves[1]!) : [];
  if (!head || !rest) return null;
  const total = head.length + rest.length + v4words.length;
  if (halves.length === 2) {
    if (total > 7) return null;
    words.push(...head, ...new Array<number>(8 - total).fill(0), ...rest, ...v4words);
  } else {
    if (total !== 8) return null;
    words.push(...head, ...v4words);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) put16(out, 2 * i, words[i]!);
  return out;
}

/** 16-byte mask of 'bits' leading ones. */
export function ipv6PrefixMask(bits: number): Uint8Array {
  const m = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const n = Math.max(0, Math.min(8, bits - 8 * i));
    m[i] = n === 0 ? 0 : (0xff << (8 - n)) & 0xff;
  }
  return m;
}

/** Number of leading ones if the 16 bytes at b[o] are a CIDR mask, else -1. */
export function ipv6MaskPrefix(b: Uint8Array, o = 0): number {
  let bits = 0, i = 0;
  for (; i < 16 && b[o + i] === 0xff; i++) bits += 8;
  if (i < 16) {
    const x = b[o + i]!;
    const inv = ~x & 0xff;
    if ((inv & (inv + 1)) !== 0) return -1;
    bits += 8 - (32 - Math.clz32(inv));
    for (i++; i < 16; i++) if (b[o + i] !== 0) return -1;
  }
  return bits;
}
