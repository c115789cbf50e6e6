/* ofp-match11: the OpenFlow 1.1 standard ofp_match (88 bytes) and the
 * OF1.1+ match dispatcher.
 *
 * OF1.1's match has wildcard bits plus bitwise masks (inverted: 1 = don't
 * care) for Ethernet and IPv4 addresses and metadata.  pullOfp11Match()
 * reads either that structure (type OFPMT_STANDARD) or an OXM match (type
 * OFPMT_OXM, via nx-match.ts), as OVS's ofputil_pull_ofp11_match does;
 * putOfp11Match() writes the form a protocol version uses.
 */
import { Match } from './match.js';
import {
  FL, get16, get32, put16, put32, ETH_TYPE_IP, ETH_TYPE_ARP, ETH_TYPE_RARP, ETH_TYPE_MPLS,
  ETH_TYPE_MPLS_MCAST, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, VLAN_CFI, VLAN_VID_MASK,
  VLAN_PCP_MASK,
} from './flow.js';
import { portToOfp11 } from './ofp-port-map.js';
import { portFromOfp11Warn } from './ofp-port.js';
import type { OfpWriter } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { oxmPullMatch, oxmPutMatch, OFPMT_OXM, OFPMT_STANDARD, type PullOptions } from './nx-match.js';

export const OFPMT11_STANDARD_LENGTH = 88;
export const OFPFW11_IN_PORT = 1 << 0;
export const OFPFW11_DL_VLAN = 1 << 1;
export const OFPFW11_DL_VLAN_PCP = 1 << 2;
export const OFPFW11_DL_TYPE = 1 << 3;
export const OFPFW11_NW_TOS = 1 << 4;
export const OFPFW11_NW_PROTO = 1 << 5;
export const OFPFW11_TP_SRC = 1 << 6;
export const OFPFW11_TP_DST = 1 << 7;
export const OFPFW11_MPLS_LABEL = 1 << 8;
export const OFPFW11_MPLS_TC = 1 << 9;
export const OFPVID11_ANY = 0xfffe;
export const OFPVID11_NONE = 0xffff;

/** Decodes the 88-byte ofp11_match at d[pos..] (ofputil_match_from_ofp11_match). */
export function decodeOfp11Match(d: Uint8Array, pos = 0): Match | OfpError {
  if (d.length - pos < OFPMT11_STANDARD_LENGTH) return new OfpError('OFPBMC_BAD_LEN');
  const wc = get32(d, pos + 8) & 0xffff;
  const m = new Match();
  const f = m.flow, w = m.wc;
  if (!(wc & OFPFW11_IN_PORT)) {
    const p = portFromOfp11Warn(get32(d, pos + 4));
    if (p === undefined) return new OfpError('OFPBMC_BAD_VALUE', 'in_port');
    m.setInPort(p);
  }
  const inv = (o: number): Uint8Array => d.subarray(pos + o, pos + o + 6).map((x) => ~x & 0xff);
  const srcMask = inv(18), dstMask = inv(30);
  if (srcMask.some((x) => x) || dstMask.some((x) => x)) {
    for (let i = 0; i < 6; i++) {
      f[FL.DL_SRC + i] = d[pos + 12 + i]! & srcMask[i]!; w[FL.DL_SRC + i] = srcMask[i]!;
      f[FL.DL_DST + i] = d[pos + 24 + i]! & dstMask[i]!; w[FL.DL_DST + i] = dstMask[i]!;
    }
    m.setDefaultPacketType();
  }
  const T = FL.VLANS + 2;
  if (!(wc & OFPFW11_DL_VLAN)) {
    const vid = get16(d, pos + 36);
    if (vid === OFPVID11_NONE) {
      put16(f, T, 0); put16(w, T, 0xffff);
    } else {
      if (vid === OFPVID11_ANY) { put16(f, T, VLAN_CFI); put16(w, T, VLAN_CFI); }
      else if (vid < 4096) { put16(f, T, VLAN_CFI | vid); put16(w, T, VLAN_CFI | VLAN_VID_MASK); }
      else return new OfpError('OFPBMC_BAD_VALUE', 'dl_vlan');
      if (!(wc & OFPFW11_DL_VLAN_PCP)) {
        const pcp = d[pos + 38]!;
        if (pcp > 7) return new OfpError('OFPBMC_BAD_VALUE', 'dl_vlan_pcp');
        put16(f, T, get16(f, T) | (pcp << 13));
        put16(w, T, get16(w, T) | VLAN_PCP_MASK);
      }
    }
    m.setDefaultPacketType();
  }
  if (!(wc & OFPFW11_DL_TYPE)) {
    m.setDlType(get16(d, pos + 40));
    m.setDefaultPacketType();
  }
  const dl = get16(f, FL.DL_TYPE);
  const ipv4 = dl === ETH_TYPE_IP, arp = dl === ETH_TYPE_ARP || dl === ETH_TYPE_RARP;
  if (ipv4 && !(wc & OFPFW11_NW_TOS)) {
    const tos = d[pos + 42]!;
    if (tos & ~0xfc) return new OfpError('OFPBMC_BAD_VALUE', 'nw_tos');
    f[FL.NW_TOS] = (f[FL.NW_TOS]! & 0x03) | (tos & 0xfc);
    w[FL.NW_TOS]! |= 0xfc;
  }
  if (ipv4 || arp) {
    if (!(wc & OFPFW11_NW_PROTO)) m.setNwProto(d[pos + 43]!);
    const sm = ~get32(d, pos + 48) >>> 0, dm = ~get32(d, pos + 56) >>> 0;
    put32(f, FL.NW_SRC, get32(d, pos + 44) & sm); put32(w, FL.NW_SRC, sm);
    put32(f, FL.NW_DST, get32(d, pos + 52) & dm); put32(w, FL.NW_DST, dm);
  }
  const tpAll = OFPFW11_TP_SRC | OFPFW11_TP_DST;
  if (ipv4 && (wc & tpAll) !== tpAll) {
    const proto = f[FL.NW_PROTO]!;
    const tpSrc = get16(d, pos + 60), tpDst = get16(d, pos + 62);
    if (proto === IPPROTO_ICMP) {
      if (!(wc & OFPFW11_TP_SRC)) {
        if (tpSrc >= 0x100) return new OfpError('OFPBMC_BAD_FIELD', 'icmp_type');
        m.setExact(FL.TP_SRC, 2, tpSrc);
      }
      if (!(wc & OFPFW11_TP_DST)) {
        if (tpDst >= 0x100) return new OfpError('OFPBMC_BAD_FIELD', 'icmp_code');
        m.setExact(FL.TP_DST, 2, tpDst);
      }
    } else if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP) {
      if (!(wc & OFPFW11_TP_SRC)) m.setExact(FL.TP_SRC, 2, tpSrc);
      if (!(wc & OFPFW11_TP_DST)) m.setExact(FL.TP_DST, 2, tpDst);
    }
  }
  if (dl === ETH_TYPE_MPLS || dl === ETH_TYPE_MPLS_MCAST) {
    const lse = get32(f, FL.MPLS_LSE), lsem = get32(w, FL.MPLS_LSE);
    let v = lse, mk = lsem;
    if (!(wc & OFPFW11_MPLS_LABEL)) {
      v = (v & ~0xfffff000) | ((get32(d, pos + 64) << 12) & 0xfffff000); mk |= 0xfffff000;
    }
    if (!(wc & OFPFW11_MPLS_TC)) { v = (v & ~0xe00) | ((d[pos + 68]! << 9) & 0xe00); mk |= 0xe00; }
    put32(f, FL.MPLS_LSE, v >>> 0); put32(w, FL.MPLS_LSE, mk >>> 0);
  }
  for (let i = 0; i < 8; i++) {
    const mk = ~d[pos + 80 + i]! & 0xff;
    w[FL.METADATA + i] = mk;
    f[FL.METADATA + i] = d[pos + 72 + i]! & mk;
  }
  return m;
}

/** Appends the 88-byte ofp11_match form of 'm' (ofputil_match_to_ofp11_match). */
export function encodeOfp11Match(b: OfpWriter, m: Match): void {
  const f = m.flow, w = m.wc;
  let wc = 0;
  const start = b.len;
  b.u16(OFPMT_STANDARD).u16(OFPMT11_STANDARD_LENGTH);
  if (!(get32(w, FL.IN_PORT) & 0xffff)) { wc |= OFPFW11_IN_PORT; b.u32(0); }
  else b.u32(portToOfp11(get32(f, FL.IN_PORT) & 0xffff));
  const wcOff = b.len;
  b.u32(0);
  const invert = (o: number): Uint8Array => w.subarray(o, o + 6).map((x) => ~x & 0xff);
  b.bytes(f.subarray(FL.DL_SRC, FL.DL_SRC + 6)).bytes(invert(FL.DL_SRC));
  b.bytes(f.subarray(FL.DL_DST, FL.DL_DST + 6)).bytes(invert(FL.DL_DST));
  const T = FL.VLANS + 2;
  const tm = get16(w, T), tci = get16(f, T);
  let vid = 0, pcp = 0;
  if (tm === 0) wc |= OFPFW11_DL_VLAN | OFPFW11_DL_VLAN_PCP;
  else if ((tm & VLAN_CFI) && !(tci & VLAN_CFI)) { vid = OFPVID11_NONE; wc |= OFPFW11_DL_VLAN_PCP; }
  else {
    vid = tm & VLAN_VID_MASK ? tci & VLAN_VID_MASK : OFPVID11_ANY;
    if (!(tm & VLAN_PCP_MASK)) wc |= OFPFW11_DL_VLAN_PCP; else pcp = tci >> 13;
  }
  b.u16(vid).u8(pcp).u8(0);
  if (!get16(w, FL.DL_TYPE)) { wc |= OFPFW11_DL_TYPE; b.u16(0); } else b.u16(get16(f, FL.DL_TYPE));
  if (!(w[FL.NW_TOS]! & 0xfc)) { wc |= OFPFW11_NW_TOS; b.u8(0); } else b.u8(f[FL.NW_TOS]! & 0xfc);
  if (!w[FL.NW_PROTO]) { wc |= OFPFW11_NW_PROTO; b.u8(0); } else b.u8(f[FL.NW_PROTO]!);
  b.u32(get32(f, FL.NW_SRC)).u32(~get32(w, FL.NW_SRC) >>> 0);
  b.u32(get32(f, FL.NW_DST)).u32(~get32(w, FL.NW_DST) >>> 0);
  if (!get16(w, FL.TP_SRC)) { wc |= OFPFW11_TP_SRC; b.u16(0); } else b.u16(get16(f, FL.TP_SRC));
  if (!get16(w, FL.TP_DST)) { wc |= OFPFW11_TP_DST; b.u16(0); } else b.u16(get16(f, FL.TP_DST));
  const lse = get32(f, FL.MPLS_LSE), lsem = get32(w, FL.MPLS_LSE);
  if (!(lsem & 0xfffff000)) { wc |= OFPFW11_MPLS_LABEL; b.u32(0); } else b.u32(lse >>> 12);
  if (!(lsem & 0xe00)) { wc |= OFPFW11_MPLS_TC; b.u8(0); } else b.u8((lse >>> 9) & 7);
  b.zeros(3);
  b.bytes(f.subarray(FL.METADATA, FL.METADATA + 8));
  b.bytes(w.subarray(FL.METADATA, FL.METADATA + 8).map((x) => ~x & 0xff));
  b.set32(wcOff, wc);
  void start;
}

/**
 * Reads an OF1.1+ match at d[pos..]: standard (OF1.1) or OXM.  Returns the
 * match and the bytes it occupies (padded length), or an OfpError.
 */
export function pullOfp11Match(d: Uint8Array, pos: number, opts: PullOptions = {}):
  { match: Match; consumed: number } | OfpError {
  if (d.length - pos < 4) return new OfpError('OFPBMC_BAD_LEN');
  const type = get16(d, pos), len = get16(d, pos + 2);
  if (type === OFPMT_STANDARD) {
    if (len !== OFPMT11_STANDARD_LENGTH || d.length - pos < OFPMT11_STANDARD_LENGTH) return new OfpError('OFPBMC_BAD_LEN');
    const m = decodeOfp11Match(d, pos);
    return m instanceof OfpError ? m : { match: m, consumed: OFPMT11_STANDARD_LENGTH };
  }
  if (type === OFPMT_OXM) return oxmPullMatch(d, pos, opts);
  return new OfpError('OFPBMC_BAD_TYPE');
}

/** Writes 'm' in the form of OpenFlow 'version' (2: OF1.1 standard, 3+: OXM); returns bytes written. */
export function putOfp11Match(b: OfpWriter, m: Match, version: number): number {
  if (version === 2) { encodeOfp11Match(b, m); return OFPMT11_STANDARD_LENGTH; }
  return oxmPutMatch(b, m, version);
}
