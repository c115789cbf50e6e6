/* ofp-match10: the OpenFlow 1.0 ofp_match (40 bytes, wildcard bits).
 *
 * OF1.0 matches a fixed set of fields; each is matched or wildcarded by a
 * bit of 'wildcards', except nw_src/nw_dst which carry a count of
 * wildcarded low bits (CIDR only).  decodeOfp10Match/encodeOfp10Match
 * convert to and from a Match exactly as OVS does (VLAN "none" 0xffff,
 * DSCP masking, implied Ethernet packet_type).  normalizeMatch drops
 * fields a match's protocol makes meaningless, as OVS does before using an
 * OF1.0-derived match.  OF1.1's structure is in ofp-match11.ts; OXM in
 * nx-match.ts.
 */
import { Match } from './match.js';
import {
  FL, get16, get32, put16, put32, isAllZeros, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_ARP, ETH_TYPE_RARP,
  ETH_TYPE_MPLS, ETH_TYPE_MPLS_MCAST, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMP, IPPROTO_ICMPV6,
  VLAN_CFI, VLAN_VID_MASK, VLAN_PCP_MASK, OFP10_VLAN_NONE, ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT,
  OFPHTN_ETHERTYPE, FLOW_SIZE,
} from './flow.js';
import { ipCountCidrBits } from './addr-text.js';
import type { OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';

export const OFP10_MATCH_LEN = 40;

export const OFPFW10_IN_PORT = 1 << 0;
export const OFPFW10_DL_VLAN = 1 << 1;
export const OFPFW10_DL_SRC = 1 << 2;
export const OFPFW10_DL_DST = 1 << 3;
export const OFPFW10_DL_TYPE = 1 << 4;
export const OFPFW10_NW_PROTO = 1 << 5;
export const OFPFW10_TP_SRC = 1 << 6;
export const OFPFW10_TP_DST = 1 << 7;
export const OFPFW10_NW_SRC_SHIFT = 8;
export const OFPFW10_NW_DST_SHIFT = 14;
export const OFPFW10_DL_VLAN_PCP = 1 << 20;
export const OFPFW10_NW_TOS = 1 << 21;
export const OFPFW10_ALL = (1 << 22) - 1;

function wcbitsToNetmask(bits: number): number {
  bits &= 0x3f;
  return bits < 32 ? (~((1 << bits) - 1)) >>> 0 : 0;
}

/** Flow members an ofp10_match sets: [offset, size]. */
const OFP10_MEMBERS: ReadonlyArray<readonly [number, number]> = [
  [FL.IN_PORT, 4], [FL.DL_SRC, 6], [FL.DL_DST, 6], [FL.DL_TYPE, 2], [FL.VLANS + 2, 2], [FL.NW_SRC, 4],
  [FL.NW_DST, 4], [FL.NW_TOS, 1], [FL.NW_PROTO, 1], [FL.TP_SRC, 2], [FL.TP_DST, 2],
];

/** Decodes the 40-byte ofp10_match at d[pos..]; OFPBMC_BAD_LEN if short. */
export function decodeOfp10Match(d: Uint8Array, pos = 0): Match | OfpError {
  if (d.length - pos < OFP10_MATCH_LEN) return new OfpError('OFPBMC_BAD_LEN');
  const wcBits = get32(d, pos) & OFPFW10_ALL;
  const m = new Match();
  const f = m.flow, w = m.wc;
  if (!(wcBits & OFPFW10_IN_PORT)) put32(w, FL.IN_PORT, 0xffff);
  if (!(wcBits & OFPFW10_NW_TOS)) w[FL.NW_TOS] = 0xfc;
  if (!(wcBits & OFPFW10_NW_PROTO)) w[FL.NW_PROTO] = 0xff;
  put32(w, FL.NW_SRC, wcbitsToNetmask(wcBits >>> OFPFW10_NW_SRC_SHIFT));
  put32(w, FL.NW_DST, wcbitsToNetmask(wcBits >>> OFPFW10_NW_DST_SHIFT));
  if (!(wcBits & OFPFW10_TP_SRC)) put16(w, FL.TP_SRC, 0xffff);
  if (!(wcBits & OFPFW10_TP_DST)) put16(w, FL.TP_DST, 0xffff);
  if (!(wcBits & OFPFW10_DL_SRC)) w.fill(0xff, FL.DL_SRC, FL.DL_SRC + 6);
  if (!(wcBits & OFPFW10_DL_DST)) w.fill(0xff, FL.DL_DST, FL.DL_DST + 6);
  if (!(wcBits & OFPFW10_DL_TYPE)) put16(w, FL.DL_TYPE, 0xffff);
  const T = FL.VLANS + 2;
  let tciMask = 0;
  if (!(wcBits & OFPFW10_DL_VLAN_PCP)) tciMask |= VLAN_PCP_MASK | VLAN_CFI;
  if (!(wcBits & OFPFW10_DL_VLAN)) tciMask |= VLAN_VID_MASK | VLAN_CFI;
  put16(w, T, tciMask);

  const dataBits = OFPFW10_NW_TOS | OFPFW10_NW_PROTO | OFPFW10_TP_SRC | OFPFW10_TP_DST | OFPFW10_DL_SRC
    | OFPFW10_DL_DST | OFPFW10_DL_TYPE | OFPFW10_DL_VLAN | OFPFW10_DL_VLAN_PCP;
  if ((wcBits & dataBits) !== dataBits || wcbitsToNetmask(wcBits >>> OFPFW10_NW_SRC_SHIFT)
    || wcbitsToNetmask(wcBits >>> OFPFW10_NW_DST_SHIFT)) {
    m.setDefaultPacketType();
  }

  put32(f, FL.NW_SRC, get32(d, pos + 28));
  put32(f, FL.NW_DST, get32(d, pos + 32));
  put32(f, FL.IN_PORT, get16(d, pos + 4));
  put16(f, FL.DL_TYPE, get16(d, pos + 22));
  put16(f, FL.TP_SRC, get16(d, pos + 36));
  put16(f, FL.TP_DST, get16(d, pos + 38));
  for (let i = 0; i < 6; i++) {
    f[FL.DL_SRC + i] = d[pos + 6 + i]!;
    f[FL.DL_DST + i] = d[pos + 12 + i]!;
  }
  f[FL.NW_TOS] = d[pos + 24]! & 0xfc;
  f[FL.NW_PROTO] = d[pos + 25]!;

  const dlVlan = get16(d, pos + 18), dlVlanPcp = d[pos + 20]!;
  if (!(wcBits & OFPFW10_DL_VLAN) && dlVlan === OFP10_VLAN_NONE) {
    put16(f, T, 0);
    put16(w, T, 0xffff);
  } else {
    const tci = (dlVlan & VLAN_VID_MASK) | ((dlVlanPcp << 13) & VLAN_PCP_MASK) | VLAN_CFI;
    put16(f, T, tci & get16(w, T));
  }
  // Only the members written above can have bits outside their masks.
  for (let k = 0; k < OFP10_MEMBERS.length; k++) {
    const [off, n] = OFP10_MEMBERS[k]!;
    for (let i = off; i < off + n; i++) f[i]! &= w[i]!;
  }
  return m;
}

/** Appends the ofp10_match form of 'm' (fields OF1.0 cannot express are dropped). */
export function encodeOfp10Match(b: OfpWriter, m: Match): void {
  const f = m.flow, w = m.wc;
  let wc = 0;
  if (!(get32(w, FL.IN_PORT) & 0xffff)) wc |= OFPFW10_IN_PORT;
  if (!get16(w, FL.DL_TYPE)) wc |= OFPFW10_DL_TYPE;
  if (!w[FL.NW_PROTO]) wc |= OFPFW10_NW_PROTO;
  wc |= (32 - ipCountCidrBits(get32(w, FL.NW_SRC))) << OFPFW10_NW_SRC_SHIFT;
  wc |= (32 - ipCountCidrBits(get32(w, FL.NW_DST))) << OFPFW10_NW_DST_SHIFT;
  if (!(w[FL.NW_TOS]! & 0xfc)) wc |= OFPFW10_NW_TOS;
  if (!get16(w, FL.TP_SRC)) wc |= OFPFW10_TP_SRC;
  if (!get16(w, FL.TP_DST)) wc |= OFPFW10_TP_DST;
  if (isAllZeros(w, FL.DL_SRC, 6)) wc |= OFPFW10_DL_SRC;
  if (isAllZeros(w, FL.DL_DST, 6)) wc |= OFPFW10_DL_DST;
  const T = FL.VLANS + 2;
  const tm = get16(w, T), tci = get16(f, T);
  let dlVlan = 0, dlVlanPcp = 0;
  if (tm === 0) wc |= OFPFW10_DL_VLAN | OFPFW10_DL_VLAN_PCP;
  else if ((tm & VLAN_CFI) && !(tci & VLAN_CFI)) dlVlan = OFP10_VLAN_NONE;
  else {
    if (!(tm & VLAN_VID_MASK)) wc |= OFPFW10_DL_VLAN; else dlVlan = tci & VLAN_VID_MASK;
    if (!(tm & VLAN_PCP_MASK)) wc |= OFPFW10_DL_VLAN_PCP; else dlVlanPcp = tci >> 13;
  }
  b.u32(wc >>> 0);
  b.u16(get32(f, FL.IN_PORT) & 0xffff);
  b.bytes(f.subarray(FL.DL_SRC, FL.DL_SRC + 6));
  b.bytes(f.subarray(FL.DL_DST, FL.DL_DST + 6));
  b.u16(dlVlan).u8(dlVlanPcp).u8(0);
  b.u16(get16(f, FL.DL_TYPE));
  b.u8(f[FL.NW_TOS]! & 0xfc).u8(f[FL.NW_PROTO]!).u16(0);
  b.u32(get32(f, FL.NW_SRC)).u32(get32(f, FL.NW_DST));
  b.u16(get16(f, FL.TP_SRC)).u16(get16(f, FL.TP_DST));
}

const MAY_NW_ADDR = 1, MAY_TP_ADDR = 2, MAY_NW_PROTO = 4, MAY_IPVX = 8, MAY_ARP_SHA = 16,
  MAY_ARP_THA = 32, MAY_IPV6 = 64, MAY_ND_TARGET = 128, MAY_MPLS = 256, MAY_ETHER = 512;

/** The MAY_* members 'm' can meaningfully match given its protocols. */
function mayOf(m: Match): number {
  const f = m.flow;
  const w = m.wc;
  let may: number, dl: number;
  const ptm = get32(w, FL.PACKET_TYPE), pt = get32(f, FL.PACKET_TYPE);
  if (ptm === 0 || m.hasDefaultPacketType()) { may = MAY_ETHER; dl = get16(f, FL.DL_TYPE); }
  else if (ptm === 0xffffffff && pt >>> 16 === OFPHTN_ETHERTYPE) { may = 0; dl = pt & 0xffff; }
  else { may = 0; dl = 0; }
  const proto = f[FL.NW_PROTO]!;
  if (dl === ETH_TYPE_IP) {
    may |= MAY_NW_PROTO | MAY_IPVX | MAY_NW_ADDR;
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP || proto === IPPROTO_ICMP) may |= MAY_TP_ADDR;
  } else if (dl === ETH_TYPE_IPV6) {
    may |= MAY_NW_PROTO | MAY_IPVX | MAY_IPV6;
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP) may |= MAY_TP_ADDR;
    else if (proto === IPPROTO_ICMPV6) {
      may |= MAY_TP_ADDR;
      const t = get16(f, FL.TP_SRC);
      if (t === ND_NEIGHBOR_SOLICIT) may |= MAY_ND_TARGET | MAY_ARP_SHA;
      else if (t === ND_NEIGHBOR_ADVERT) may |= MAY_ND_TARGET | MAY_ARP_THA;
    }
  } else if (dl === ETH_TYPE_ARP || dl === ETH_TYPE_RARP) {
    may |= MAY_NW_PROTO | MAY_NW_ADDR | MAY_ARP_SHA | MAY_ARP_THA;
  } else if (dl === ETH_TYPE_MPLS || dl === ETH_TYPE_MPLS_MCAST) {
    may |= MAY_MPLS;
  }
  return may;
}

/** Flow members a match may only look at when the MAY_* bit is set: [bit, offset, size]. */
const MAY_MEMBERS: ReadonlyArray<readonly [number, number, number]> = [
  [MAY_ETHER, FL.DL_SRC, 6], [MAY_ETHER, FL.DL_DST, 6],
  [MAY_NW_ADDR, FL.NW_SRC, 4], [MAY_NW_ADDR, FL.NW_DST, 4],
  [MAY_TP_ADDR, FL.TP_SRC, 2], [MAY_TP_ADDR, FL.TP_DST, 2],
  [MAY_NW_PROTO, FL.NW_PROTO, 1], [MAY_IPVX, FL.NW_TOS, 1], [MAY_IPVX, FL.NW_TTL, 1],
  [MAY_ARP_SHA, FL.ARP_SHA, 6], [MAY_ARP_THA, FL.ARP_THA, 6],
  [MAY_IPV6, FL.IPV6_SRC, 16], [MAY_IPV6, FL.IPV6_DST, 16], [MAY_IPV6, FL.IPV6_LABEL, 4],
  [MAY_ND_TARGET, FL.ND_TARGET, 16], [MAY_MPLS, FL.MPLS_LSE, 16],
];

/** True if normalizeMatch() would change 'm'. */
export function matchNeedsNormalization(m: Match): boolean {
  const may = mayOf(m), w = m.wc;
  for (let k = 0; k < MAY_MEMBERS.length; k++) {
    const [bit, off, n] = MAY_MEMBERS[k]!;
    if (!(may & bit) && !isAllZeros(w, off, n)) return true;
  }
  return false;
}

/** Wildcards the members 'm' cannot meaningfully match given its protocols
 * (ofputil_normalize_match); returns true if it changed anything. */
export function normalizeMatch(m: Match): boolean {
  if (!matchNeedsNormalization(m)) return false;
  const may = mayOf(m), f = m.flow, w = m.wc;
  for (const [bit, off, n] of MAY_MEMBERS) if (!(may & bit)) w.fill(0, off, off + n);
  for (let i = 0; i < FLOW_SIZE; i++) f[i]! &= w[i]!;
  return true;
}
