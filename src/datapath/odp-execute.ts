/* odp-execute: rewrites packet header fields for the datapath's set and
 * set_masked actions (OVS lib/odp-execute.c, odp_execute_set_action /
 * odp_execute_masked_set_action), in place and with checksums kept valid.
 *
 * The value and mask of an action are in the key attribute's layout
 * (ODP_KEY_LAYOUTS in odp-actions.ts); the table below says where each of
 * those fields lives in the packet and which checksums cover it.  A changed
 * byte updates the IPv4 header checksum and/or the L4 checksum (TCP, UDP when
 * non-zero, ICMP, ICMPv6) incrementally, so nothing is summed again.
 * dpif-netdev.ts calls odpSetField() for each set action of a flow.
 */
import { recalcCsum16 } from '../lib/packets/checksum.js';
import { OdpKey, ODP_KEY_LAYOUTS } from './odp-actions.js';

const enum Base { L2, L3, L4 }
/** Checksums a field is covered by. */
const enum Cs { NONE = 0, IP = 1, L4 = 2 }

/* Packet place of each writable key field: [base, offset from base, checksums]. */
const PLACES: Partial<Record<OdpKey, Record<string, readonly [Base, number, number]>>> = {
  [OdpKey.ETHERNET]: { src: [Base.L2, 6, Cs.NONE], dst: [Base.L2, 0, Cs.NONE] },
  [OdpKey.IPV4]: {
    src: [Base.L3, 12, Cs.IP | Cs.L4], dst: [Base.L3, 16, Cs.IP | Cs.L4],
    tos: [Base.L3, 1, Cs.IP], ttl: [Base.L3, 8, Cs.IP],
  },
  [OdpKey.IPV6]: { src: [Base.L3, 8, Cs.L4], dst: [Base.L3, 24, Cs.L4], hlimit: [Base.L3, 7, Cs.NONE] },
  [OdpKey.TCP]: { src: [Base.L4, 0, Cs.L4], dst: [Base.L4, 2, Cs.L4] },
  [OdpKey.UDP]: { src: [Base.L4, 0, Cs.L4], dst: [Base.L4, 2, Cs.L4] },
  [OdpKey.SCTP]: { src: [Base.L4, 0, Cs.NONE], dst: [Base.L4, 2, Cs.NONE] },
  [OdpKey.ICMP]: { type: [Base.L4, 0, Cs.L4], code: [Base.L4, 1, Cs.L4] },
  [OdpKey.ICMPV6]: { type: [Base.L4, 0, Cs.L4], code: [Base.L4, 1, Cs.L4] },
};

/* Scratch results of locate(): l3 and l4 offsets (-1: absent), L4 checksum offset (-1: none). */
let l3 = -1, l4 = -1, l4Csum = -1;

function locate(p: Uint8Array, off: number, end: number): void {
  l3 = l4 = l4Csum = -1;
  let o = off + 12;
  if (o + 2 > end) return;
  let type = (p[o]! << 8) | p[o + 1]!;
  while ((type === 0x8100 || type === 0x88a8) && o + 6 <= end) { o += 4; type = (p[o]! << 8) | p[o + 1]!; }
  o += 2;
  let proto: number;
  if (type === 0x0800 && o + 20 <= end) {
    l3 = o;
    proto = p[o + 9]!;
    if (((p[o + 6]! << 8) | p[o + 7]!) & 0x1fff) return; // later fragment: no L4 header
    l4 = o + (p[o]! & 15) * 4;
  } else if (type === 0x86dd && o + 40 <= end) {
    l3 = o;
    proto = p[o + 6]!;
    l4 = o + 40;
  } else {
    return;
  }
  const csOff = proto === 6 ? 16 : proto === 17 ? 6 : proto === 1 || proto === 58 ? 2 : -1;
  if (csOff < 0 || l4 + csOff + 2 > end) { if (l4 + 4 > end) l4 = -1; return; }
  if (proto === 17 && p[l4 + 6] === 0 && p[l4 + 7] === 0) return; // UDP without checksum
  l4Csum = l4 + csOff;
}

function fixCsum(p: Uint8Array, at: number, oldW: number, newW: number, udp: boolean): void {
  let c = recalcCsum16((p[at]! << 8) | p[at + 1]!, oldW, newW);
  if (udp && c === 0) c = 0xffff;
  p[at] = c >> 8; p[at + 1] = c & 0xff;
}

/** Applies a set (mask null) or set_masked action of attribute 'key' to the
 * packet at p[off, off+size); false if the packet lacks that header. */
export function odpSetField(p: Uint8Array, off: number, size: number, key: OdpKey,
                            value: Uint8Array, mask: Uint8Array | null): boolean {
  const layout = ODP_KEY_LAYOUTS[key], places = PLACES[key];
  const end = off + size;
  locate(p, off, end);
  if (key === OdpKey.IPV6 && l3 < 0) return false;
  for (const fld of layout.fields) {
    if (!fld.writable) continue;
    if (key === OdpKey.IPV6 && (fld.name === 'label' || fld.name === 'tclass')) { setIpv6Bits(p, fld.name, fld.off, value, mask); continue; }
    const place = places?.[fld.name];
    if (!place) return false;
    const [base, rel, cs] = place;
    const b = base === Base.L2 ? off : base === Base.L3 ? l3 : l4;
    if (b < 0 || b + rel + fld.size > end) return false;
    const udp = l4Csum >= 0 && l4Csum === l4 + 6;
    for (let j = 0; j < fld.size; j++) {
      const m = mask ? mask[fld.off + j]! : 0xff;
      if (!m) continue;
      const at = b + rel + j;
      const nv = (p[at]! & ~m) | (value[fld.off + j]! & m);
      if (nv === p[at]) continue;
      // The 16-bit word holding this byte, aligned to the header start.
      const w = b + ((rel + j) & ~1);
      const oldW = (p[w]! << 8) | p[w + 1]!;
      p[at] = nv;
      const newW = (p[w]! << 8) | p[w + 1]!;
      if (cs & Cs.IP && l3 >= 0 && key === OdpKey.IPV4) fixCsum(p, l3 + 10, oldW, newW, false);
      if (cs & Cs.L4 && l4Csum >= 0) fixCsum(p, l4Csum, oldW, newW, udp);
    }
  }
  return true;
}

function setIpv6Bits(p: Uint8Array, name: string, off: number, value: Uint8Array, mask: Uint8Array | null): void {
  const word = ((p[l3]! << 24) | (p[l3 + 1]! << 16) | (p[l3 + 2]! << 8) | p[l3 + 3]!) >>> 0;
  let v: number, m: number, shift: number;
  if (name === 'label') {
    v = ((value[off]! << 24) | (value[off + 1]! << 16) | (value[off + 2]! << 8) | value[off + 3]!) & 0xfffff;
    m = mask ? ((mask[off]! << 24) | (mask[off + 1]! << 16) | (mask[off + 2]! << 8) | mask[off + 3]!) & 0xfffff : 0xfffff;
    shift = 0;
  } else {
    v = value[off]!; m = mask ? mask[off]! : 0xff; shift = 20;
  }
  const nw = ((word & ~(m << shift)) | ((v & m) << shift)) >>> 0;
  p[l3] = nw >>> 24; p[l3 + 1] = (nw >>> 16) & 0xff; p[l3 + 2] = (nw >>> 8) & 0xff; p[l3 + 3] = nw & 0xff;
}
