/* ethernet: Ethernet II frame view and Ethernet address text (OVS lib/packets.h).
 *
 * Layout (IEEE 802.3): destination (6) | source (6) | EtherType (2) | payload.
 * An EthernetFrame is a reusable view over (bytes, offset, size) in the style
 * of smoltcp's wire types: construct it unchecked over a buffer you sized, or
 * with EthernetFrame.checked() over untrusted bytes; after a successful check
 * no accessor can read out of bounds.  Addresses are 48-bit numbers so that
 * reading one allocates nothing.  vlan.ts handles 802.1Q tags that may follow
 * the addresses; ipv4.ts, ipv6.ts and arp.ts view the payload.
 */
import { get16, get48, put16, put48, type WireError } from './byte-order.js';

/** Byte offsets of the Ethernet header fields. */
export const FIELD = { DST: 0, SRC: 6, ETHERTYPE: 12 } as const;
/** Size of an Ethernet header. */
export const HEADER_LEN = 14;
/** Size of an Ethernet address. */
export const ETH_ADDR_LEN = 6;
/** Frames shorter than this (without FCS) are padded on the wire. */
export const ETH_TOTAL_MIN = 60;

/** EtherType values the datapath knows (ETH_TYPE_* in OVS). */
export const enum EthType {
  IP = 0x0800, ARP = 0x0806, TEB = 0x6558, VLAN_8021Q = 0x8100, RARP = 0x8035,
  IPV6 = 0x86dd, LACP = 0x8809, VLAN_8021AD = 0x88a8, MPLS = 0x8847, MPLS_MCAST = 0x8848,
  NSH = 0x894f,
}
/** EtherType values below this are 802.3 lengths, not types. */
export const ETH_TYPE_MIN = 0x600;

/** The broadcast address ff:ff:ff:ff:ff:ff. */
export const ETH_ADDR_BROADCAST = 0xffffffffffff;

/** A view of an Ethernet frame at buf[off .. off+size). */
export class EthernetFrame {
  constructor(public buf: Uint8Array, public off = 0, public size = buf.length - off) {}

  /** A view over untrusted bytes, or 'truncated' if no header fits. */
  static checked(buf: Uint8Array, off = 0, size = buf.length - off): EthernetFrame | WireError {
    const f = new EthernetFrame(buf, off, size);
    return f.checkLen() ? f : 'truncated';
  }

  /** Re-points this view at other bytes (no allocation). */
  reset(buf: Uint8Array, off: number, size: number): this {
    this.buf = buf; this.off = off; this.size = size;
    return this;
  }

  /** True if the header fits in the viewed bytes. */
  checkLen(): boolean {
    return this.size >= HEADER_LEN && this.off + this.size <= this.buf.length;
  }

  /** Destination address. */
  get dst(): number { return get48(this.buf, this.off + FIELD.DST); }
  set dst(v: number) { put48(this.buf, this.off + FIELD.DST, v); }
  /** Source address. */
  get src(): number { return get48(this.buf, this.off + FIELD.SRC); }
  set src(v: number) { put48(this.buf, this.off + FIELD.SRC, v); }
  /** EtherType (or 802.3 length, below ETH_TYPE_MIN). */
  get ethertype(): number { return get16(this.buf, this.off + FIELD.ETHERTYPE); }
  set ethertype(v: number) { put16(this.buf, this.off + FIELD.ETHERTYPE, v); }
  /** Offset of the payload in 'buf'. */
  get payloadOffset(): number { return this.off + HEADER_LEN; }
  /** Size of the payload. */
  get payloadSize(): number { return this.size - HEADER_LEN; }
  /** The payload bytes (a subarray: allocates a view). */
  payload(): Uint8Array { return this.buf.subarray(this.off + HEADER_LEN, this.off + this.size); }
}

/** An Ethernet header as a plain value. */
export interface EthernetRepr { src: number; dst: number; ethertype: number }

/** Ethernet header of a checked frame. */
export function parseEthernet(f: EthernetFrame): EthernetRepr {
  return { src: f.src, dst: f.dst, ethertype: f.ethertype };
}

/** Writes 'r' into frame 'f' (HEADER_LEN bytes). */
export function emitEthernet(r: EthernetRepr, f: EthernetFrame): void {
  f.dst = r.dst; f.src = r.src; f.ethertype = r.ethertype;
}

/** True for a multicast (including broadcast) address. */
export function ethAddrIsMulticast(a: number): boolean {
  return Math.floor(a / 0x10000000000) % 2 === 1;
}

/** "xx:xx:xx:xx:xx:xx" for a 48-bit address (OVS ETH_ADDR_FMT). */
export function formatEthAddr(a: number): string {
  let s = '';
  for (let shift = 40; shift >= 0; shift -= 8) {
    const byte = Math.floor(a / 2 ** shift) % 256;
    s += (shift === 40 ? '' : ':') + (byte < 16 ? '0' : '') + byte.toString(16);
  }
  return s;
}

/** Parses "xx:xx:xx:xx:xx:xx" (1 or 2 hex digits per byte); null if malformed. */
export function parseEthAddr(s: string): number | null {
  const parts = s.split(':');
  if (parts.length !== 6) return null;
  let a = 0;
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    a = a * 256 + parseInt(p, 16);
  }
  return a;
}

/** Copies the 6 bytes of 'a' to b[o]. */
export function putEthAddr(b: Uint8Array, o: number, a: number): void {
  put48(b, o, a);
}
