/* vlan: 802.1Q / 802.1ad tag view (OVS struct vlan_header in lib/packets.h).
 *
 * A tag sits between the Ethernet source address and the EtherType: TPID (2,
 * 0x8100 or 0x88a8 — the view starts at the TCI) | TCI (2: PCP 3 bits, DEI/CFI
 * 1 bit, VID 12 bits) | inner EtherType (2).  The view's offset is the TCI's,
 * so a VlanTag follows an EthernetFrame whose ethertype was a TPID.  flow.ts
 * reads up to two tags; dp-packet.ts pushes a tag the kernel stripped.
 */
import { get16, put16, type WireError } from './byte-order.js';
import { EthType } from './ethernet.js';

/** Byte offsets relative to the TCI. */
export const FIELD = { TCI: 0, ETHERTYPE: 2 } as const;
/** Bytes a tag adds to a frame. */
export const VLAN_HEADER_LEN = 4;
/** TCI bit masks. */
export const VLAN_VID_MASK = 0x0fff, VLAN_PCP_MASK = 0xe000, VLAN_PCP_SHIFT = 13, VLAN_CFI = 0x1000;

/** True for the EtherTypes that introduce a VLAN tag. */
export function ethTypeIsVlan(t: number): boolean {
  return t === EthType.VLAN_8021Q || t === EthType.VLAN_8021AD;
}

/** A view of a tag's TCI and inner EtherType at buf[off .. off+4). */
export class VlanTag {
  constructor(public buf: Uint8Array, public off = 0, public size = buf.length - off) {}

  /** A view over untrusted bytes, or 'truncated'. */
  static checked(buf: Uint8Array, off = 0, size = buf.length - off): VlanTag | WireError {
    const t = new VlanTag(buf, off, size);
    return t.checkLen() ? t : 'truncated';
  }

  /** True if the tag fits. */
  checkLen(): boolean { return this.size >= VLAN_HEADER_LEN && this.off + this.size <= this.buf.length; }
  /** Tag control information. */
  get tci(): number { return get16(this.buf, this.off + FIELD.TCI); }
  set tci(v: number) { put16(this.buf, this.off + FIELD.TCI, v); }
  /** VLAN ID (12 bits). */
  get vid(): number { return this.tci & VLAN_VID_MASK; }
  set vid(v: number) { this.tci = (this.tci & ~VLAN_VID_MASK) | (v & VLAN_VID_MASK); }
  /** Priority code point (3 bits). */
  get pcp(): number { return this.tci >>> VLAN_PCP_SHIFT; }
  set pcp(v: number) { this.tci = (this.tci & ~VLAN_PCP_MASK) | ((v << VLAN_PCP_SHIFT) & VLAN_PCP_MASK); }
  /** EtherType of what follows the tag. */
  get ethertype(): number { return get16(this.buf, this.off + FIELD.ETHERTYPE); }
  set ethertype(v: number) { put16(this.buf, this.off + FIELD.ETHERTYPE, v); }
}
