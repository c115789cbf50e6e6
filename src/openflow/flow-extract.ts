/* flow-extract: parse a packet's headers into the flow layout of flow.ts,
 * as OVS's flow_extract does for the fields ofp-print shows, and build the
 * "packet match" (flow_format: every header field the packet has, context
 * fields only when nonzero).  Used to print packet-in / packet-out data;
 * the datapath has its own fast path. */
import {
  FL, FLOW_SIZE, ETH_TYPE_IP, ETH_TYPE_ARP, ETH_TYPE_RARP, ETH_TYPE_IPV6, ETH_TYPE_MPLS, ETH_TYPE_MPLS_MCAST,
  FLOW_DL_TYPE_NONE, VLAN_CFI, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6, IPPROTO_SCTP,
  FLOW_NW_FRAG_ANY, FLOW_NW_FRAG_LATER, put16, put32,
} from './flow.js';
import { Match } from './match.js';

const IPPROTO_IGMP = 2;
const ETH_TYPE_VLAN_8021AD = 0x88a8;

/** A parsed packet: the flow and where the L4 header starts (-1: none). */
export interface ExtractedFlow { flow: Uint8Array; l4Ofs: number; l4Size: number }

function g16(p: Uint8Array, o: number): number { return (p[o]! << 8) | p[o + 1]!; }
function g32(p: Uint8Array, o: number): number { return ((p[o]! << 24) | (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!) >>> 0; }

/** Parses Ethernet frame 'p' (packet_type Ethernet) into a flow. */
export function flowExtract(p: Uint8Array, packetType = 0): ExtractedFlow {
  const flow = new Uint8Array(FLOW_SIZE);
  put32(flow, FL.PACKET_TYPE, packetType);
  let end = p.length;
  let ofs = 0;
  let dlType: number;
  const res: ExtractedFlow = { flow, l4Ofs: -1, l4Size: 0 };
  if (packetType === 0) {
    if (end < 14) return res;
    flow.set(p.subarray(0, 6), FL.DL_DST);
    flow.set(p.subarray(6, 12), FL.DL_SRC);
    ofs = 12;
    dlType = g16(p, ofs);
    for (let i = 0; i < 2 && (dlType === 0x8100 || dlType === ETH_TYPE_VLAN_8021AD); i++) {
      if (end - ofs < 6) break;
      put16(flow, FL.VLANS + 4 * i, dlType);
      put16(flow, FL.VLANS + 4 * i + 2, g16(p, ofs + 2) | VLAN_CFI);
      ofs += 4;
      dlType = g16(p, ofs);
    }
    ofs += 2;
    if (dlType < 0x600) {
      // 802.2 LLC; SNAP with a zero OUI carries a real Ethertype.
      if (end - ofs >= 8 && p[ofs] === 0xaa && p[ofs + 1] === 0xaa && p[ofs + 2] === 3
        && p[ofs + 3] === 0 && p[ofs + 4] === 0 && p[ofs + 5] === 0) {
        dlType = g16(p, ofs + 6);
        ofs += 8;
      } else {
        dlType = FLOW_DL_TYPE_NONE;
      }
    }
    put16(flow, FL.DL_TYPE, dlType);
  } else {
    dlType = packetType >>> 16 === 1 ? packetType & 0xffff : 0;
    put16(flow, FL.DL_TYPE, dlType);
  }

  if (dlType === ETH_TYPE_MPLS || dlType === ETH_TYPE_MPLS_MCAST) {
    for (let i = 0; i < 3 && end - ofs >= 4; i++) {
      const lse = g32(p, ofs);
      put32(flow, FL.MPLS_LSE + 4 * i, lse);
      ofs += 4;
      if (lse & 0x100) break;
    }
    return res;
  }

  let nwProto = -1;
  let later = false;
  if (dlType === ETH_TYPE_IP) {
    if (end - ofs < 20) return res;
    const ihl = (p[ofs]! & 0x0f) * 4;
    const totLen = g16(p, ofs + 2);
    if ((p[ofs]! >> 4) !== 4 || ihl < 20 || end - ofs < ihl || totLen < ihl || totLen > end - ofs) return res;
    end = ofs + totLen;
    flow.set(p.subarray(ofs + 12, ofs + 16), FL.NW_SRC);
    flow.set(p.subarray(ofs + 16, ofs + 20), FL.NW_DST);
    const fragOff = g16(p, ofs + 6);
    let frag = 0;
    if (fragOff & 0x3fff) {
      frag = FLOW_NW_FRAG_ANY;
      if (fragOff & 0x1fff) frag |= FLOW_NW_FRAG_LATER;
    }
    flow[FL.NW_FRAG] = frag;
    flow[FL.NW_TOS] = p[ofs + 1]!;
    flow[FL.NW_TTL] = p[ofs + 8]!;
    nwProto = p[ofs + 9]!;
    flow[FL.NW_PROTO] = nwProto;
    later = !!(frag & FLOW_NW_FRAG_LATER);
    ofs += ihl;
  } else if (dlType === ETH_TYPE_IPV6) {
    if (end - ofs < 40) return res;
    const plen = g16(p, ofs + 4);
    if ((p[ofs]! >> 4) !== 6 || plen > end - ofs - 40) return res;
    end = ofs + 40 + plen;
    const vtc = g32(p, ofs);
    put32(flow, FL.IPV6_LABEL, vtc & 0xfffff);
    flow[FL.NW_TOS] = (vtc >>> 20) & 0xff;
    flow[FL.NW_TTL] = p[ofs + 7]!;
    flow.set(p.subarray(ofs + 8, ofs + 24), FL.IPV6_SRC);
    flow.set(p.subarray(ofs + 24, ofs + 40), FL.IPV6_DST);
    let next = p[ofs + 6]!;
    ofs += 40;
    let frag = 0;
    for (;;) {
      if (next === 0 || next === 43 || next === 60) {
        if (end - ofs < 8) return res;
        const len = (p[ofs + 1]! + 1) * 8;
        if (end - ofs < len) return res;
        next = p[ofs]!;
        ofs += len;
      } else if (next === 51) {
        if (end - ofs < 8) return res;
        const len = (p[ofs + 1]! + 2) * 4;
        if (end - ofs < len) return res;
        next = p[ofs]!;
        ofs += len;
      } else if (next === 44) {
        if (end - ofs < 8) return res;
        const off = g16(p, ofs + 2);
        frag = FLOW_NW_FRAG_ANY;
        if (off & 0xfff8) { frag |= FLOW_NW_FRAG_LATER; }
        next = p[ofs]!;
        ofs += 8;
        if (frag & FLOW_NW_FRAG_LATER) break;
      } else break;
    }
    flow[FL.NW_FRAG] = frag;
    nwProto = next;
    flow[FL.NW_PROTO] = nwProto;
    later = !!(frag & FLOW_NW_FRAG_LATER);
  } else if (dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP) {
    if (end - ofs >= 28 && g16(p, ofs) === 1 && g16(p, ofs + 2) === ETH_TYPE_IP && p[ofs + 4] === 6 && p[ofs + 5] === 4) {
      const op = g16(p, ofs + 6);
      if (op <= 0xff) flow[FL.NW_PROTO] = op;
      flow.set(p.subarray(ofs + 14, ofs + 18), FL.NW_SRC);
      flow.set(p.subarray(ofs + 24, ofs + 28), FL.NW_DST);
      flow.set(p.subarray(ofs + 8, ofs + 14), FL.ARP_SHA);
      flow.set(p.subarray(ofs + 18, ofs + 24), FL.ARP_THA);
    }
    return res;
  } else {
    return res;
  }

  if (later) return res;
  res.l4Ofs = ofs;
  res.l4Size = end - ofs;
  const l4 = end - ofs;
  if (nwProto === IPPROTO_TCP) {
    if (l4 >= 20) {
      flow.set(p.subarray(ofs, ofs + 4), FL.TP_SRC);
      put16(flow, FL.TCP_FLAGS, g16(p, ofs + 12) & 0x0fff);
    }
  } else if (nwProto === IPPROTO_UDP) {
    if (l4 >= 8) flow.set(p.subarray(ofs, ofs + 4), FL.TP_SRC);
  } else if (nwProto === IPPROTO_SCTP) {
    if (l4 >= 12) flow.set(p.subarray(ofs, ofs + 4), FL.TP_SRC);
  } else if (nwProto === IPPROTO_ICMP && dlType === ETH_TYPE_IP) {
    if (l4 >= 8) {
      put16(flow, FL.TP_SRC, p[ofs]!);
      put16(flow, FL.TP_DST, p[ofs + 1]!);
    }
  } else if (nwProto === IPPROTO_IGMP && dlType === ETH_TYPE_IP) {
    if (l4 >= 8) {
      put16(flow, FL.TP_SRC, p[ofs]!);
      put16(flow, FL.TP_DST, p[ofs + 1]!);
      flow.set(p.subarray(ofs + 4, ofs + 8), FL.IGMP_GROUP_IP4);
    }
  } else if (nwProto === IPPROTO_ICMPV6 && dlType === ETH_TYPE_IPV6) {
    if (l4 >= 4) {
      const type = p[ofs]!, code = p[ofs + 1]!;
      put16(flow, FL.TP_SRC, type);
      put16(flow, FL.TP_DST, code);
      if ((type === 135 || type === 136) && code === 0 && l4 >= 24) {
        flow.set(p.subarray(ofs + 8, ofs + 24), FL.ND_TARGET);
        let o = ofs + 24;
        while (end - o >= 8) {
          const otype = p[o]!, olen = p[o + 1]! * 8;
          if (!olen || olen > end - o) break;
          if (otype === 1 && olen === 8 && flow.subarray(FL.ARP_SHA, FL.ARP_SHA + 6).every((b) => !b)) {
            flow.set(p.subarray(o + 2, o + 8), FL.ARP_SHA);
          } else if (otype === 2 && olen === 8 && flow.subarray(FL.ARP_THA, FL.ARP_THA + 6).every((b) => !b)) {
            flow.set(p.subarray(o + 2, o + 8), FL.ARP_THA);
          }
          o += olen;
        }
      }
    }
  }
  return res;
}

function mask(wc: Uint8Array, ofs: number, n: number): void { wc.fill(0xff, ofs, ofs + n); }

/** The match ovs-ofctl prints for a packet (OVS's flow_format after
 * flow_extract): header fields the packet has, all exactly matched. */
export function packetMatch(flow: Uint8Array): Match {
  const wc = new Uint8Array(FLOW_SIZE);
  mask(wc, FL.PACKET_TYPE, 4);
  const pt = g32(flow, FL.PACKET_TYPE);
  let dlType: number;
  if (pt === 0) {
    mask(wc, FL.DL_DST, 6);
    mask(wc, FL.DL_SRC, 6);
    mask(wc, FL.DL_TYPE, 2);
    for (let i = 0; i < 2; i++) {
      mask(wc, FL.VLANS + 4 * i, 4);
      if (!g16(flow, FL.VLANS + 4 * i + 2)) break;
    }
    dlType = g16(flow, FL.DL_TYPE);
  } else dlType = pt >>> 16 === 1 ? pt & 0xffff : 0;
  const nwProto = flow[FL.NW_PROTO]!;
  let l3 = false;
  if (dlType === ETH_TYPE_IP) {
    mask(wc, FL.NW_SRC, 4);
    mask(wc, FL.NW_DST, 4);
    l3 = true;
  } else if (dlType === ETH_TYPE_IPV6) {
    mask(wc, FL.IPV6_SRC, 16);
    mask(wc, FL.IPV6_DST, 16);
    mask(wc, FL.IPV6_LABEL, 4);
    const tp = g16(flow, FL.TP_SRC);
    if (nwProto === IPPROTO_ICMPV6 && (tp === 135 || tp === 136) && !g16(flow, FL.TP_DST)) {
      mask(wc, FL.ARP_SHA, 6);
      mask(wc, FL.ARP_THA, 6);
      mask(wc, FL.ND_TARGET, 16);
    }
    l3 = true;
  } else if (dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP) {
    mask(wc, FL.NW_SRC, 4);
    mask(wc, FL.NW_DST, 4);
    mask(wc, FL.NW_PROTO, 1);
    mask(wc, FL.ARP_SHA, 6);
    mask(wc, FL.ARP_THA, 6);
  } else if (dlType === ETH_TYPE_MPLS || dlType === ETH_TYPE_MPLS_MCAST) {
    for (let i = 0; i < 3; i++) {
      mask(wc, FL.MPLS_LSE + 4 * i, 4);
      if (g32(flow, FL.MPLS_LSE + 4 * i) & 0x100) break;
    }
  }
  if (l3) {
    wc[FL.NW_FRAG] = 3;
    mask(wc, FL.NW_TOS, 1);
    mask(wc, FL.NW_TTL, 1);
    mask(wc, FL.NW_PROTO, 1);
    if (!(flow[FL.NW_FRAG]! & FLOW_NW_FRAG_LATER) && [IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_IGMP].includes(nwProto)) {
      mask(wc, FL.TP_SRC, 2);
      mask(wc, FL.TP_DST, 2);
      if (nwProto === IPPROTO_TCP) mask(wc, FL.TCP_FLAGS, 2);
      else if (nwProto === IPPROTO_IGMP) mask(wc, FL.IGMP_GROUP_IP4, 4);
    }
  }
  for (let i = 0; i < FLOW_SIZE; i++) wc[i]! ? (flow[i] = flow[i]! & wc[i]!) : (flow[i] = 0);
  return new Match(flow, wc);
}

/** The L4 checksum suffix OVS appends to a printed packet (" tcp_csum:..."). */
export function l4ChecksumText(p: Uint8Array, ex: ExtractedFlow): string {
  if (ex.l4Ofs < 0) return '';
  const o = ex.l4Ofs, n = ex.l4Size, proto = ex.flow[FL.NW_PROTO]!;
  const h = (v: number): string => v.toString(16);
  if (proto === IPPROTO_TCP && n >= 20) return ` tcp_csum:${h(g16(p, o + 16))}`;
  if (proto === IPPROTO_UDP && n >= 8) return ` udp_csum:${h(g16(p, o + 6))}`;
  if (proto === IPPROTO_SCTP && n >= 12) return ` sctp_csum:${h(g32(p, o + 8))}`;
  if (proto === IPPROTO_ICMP && n >= 8) return ` icmp_csum:${h(g16(p, o + 2))}`;
  if (proto === IPPROTO_ICMPV6 && n >= 4) return ` icmp6_csum:${h(g16(p, o + 2))}`;
  return '';
}
