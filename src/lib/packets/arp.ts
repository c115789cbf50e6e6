/* arp: ARP packet view for Ethernet/IPv4 (RFC 826; OVS struct arp_eth_header).
 *
 * Layout: hardware type (2) | protocol type (2) | hardware size (1) |
 * protocol size (1) | opcode (2) | sender MAC (6) | sender IP (4) |
 * target MAC (6) | target IP (4).  Only Ethernet (1) over IPv4 (0x0800) with
 * sizes 6 and 4 is accepted by checked(); the flow key keeps opcode, both IPs
 * and both MACs (OVS's arp(sip,tip,op,sha,tha)).
 */
import { get16, get32, get48, put16, put32, put48, type WireError } from './byte-order.js';

/** Byte offsets of the ARP fields. */
export const FIELD = { HTYPE: 0, PTYPE: 2, HLEN: 4, PLEN: 5, OP: 6, SHA: 8, SPA: 14, THA: 18, TPA: 24 } as const;
/** Size of an Ethernet/IPv4 ARP packet. */
export const HEADER_LEN = 28;
/** ARP opcodes. */
export const enum ArpOp { REQUEST = 1, REPLY = 2 }

/** A view of an ARP packet at buf[off .. off+size). */
export class ArpPacket {
  constructor(public buf: Uint8Array, public off = 0, public size = buf.length - off) {}

  /** A view over untrusted bytes: 'truncated' if short, 'malformed' unless it is Ethernet/IPv4. */
  static checked(buf: Uint8Array, off = 0, size = buf.length - off): ArpPacket | WireError {
    if (size < HEADER_LEN || off + size > buf.length) return 'truncated';
    const p = new ArpPacket(buf, off, size);
    return p.isEthIpv4 ? p : 'malformed';
  }

  /** True for hardware type Ethernet, protocol IPv4, sizes 6 and 4. */
  get isEthIpv4(): boolean {
    return this.htype === 1 && this.ptype === 0x0800 && this.buf[this.off + FIELD.HLEN] === 6
      && this.buf[this.off + FIELD.PLEN] === 4;
  }
  /** Hardware type. */
  get htype(): number { return get16(this.buf, this.off + FIELD.HTYPE); }
  /** Protocol type. */
  get ptype(): number { return get16(this.buf, this.off + FIELD.PTYPE); }
  /** Opcode. */
  get op(): number { return get16(this.buf, this.off + FIELD.OP); }
  set op(v: number) { put16(this.buf, this.off + FIELD.OP, v); }
  /** Sender hardware address. */
  get sha(): number { return get48(this.buf, this.off + FIELD.SHA); }
  set sha(v: number) { put48(this.buf, this.off + FIELD.SHA, v); }
  /** Sender protocol address. */
  get spa(): number { return get32(this.buf, this.off + FIELD.SPA); }
  set spa(v: number) { put32(this.buf, this.off + FIELD.SPA, v); }
  /** Target hardware address. */
  get tha(): number { return get48(this.buf, this.off + FIELD.THA); }
  set tha(v: number) { put48(this.buf, this.off + FIELD.THA, v); }
  /** Target protocol address. */
  get tpa(): number { return get32(this.buf, this.off + FIELD.TPA); }
  set tpa(v: number) { put32(this.buf, this.off + FIELD.TPA, v); }
}

/** An Ethernet/IPv4 ARP packet as a plain value. */
export interface ArpRepr { op: number; sha: number; spa: number; tha: number; tpa: number }

/** The fields of a checked packet. */
export function parseArp(p: ArpPacket): ArpRepr {
  return { op: p.op, sha: p.sha, spa: p.spa, tha: p.tha, tpa: p.tpa };
}

/** Writes 'r' as a 28-byte Ethernet/IPv4 ARP packet. */
export function emitArp(r: ArpRepr, p: ArpPacket): void {
  const b = p.buf, o = p.off;
  put16(b, o + FIELD.HTYPE, 1);
  put16(b, o + FIELD.PTYPE, 0x0800);
  b[o + FIELD.HLEN] = 6;
  b[o + FIELD.PLEN] = 4;
  p.op = r.op; p.sha = r.sha; p.spa = r.spa; p.tha = r.tha; p.tpa = r.tpa;
}
