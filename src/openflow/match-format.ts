/* match-format: a match as ovs-ofctl prints it (OVS's match_format).
 *
 * The order of the printed fields, the protocol shorthands ("tcp,",
 * "ipv6,", "arp,") that stand for dl_type/nw_proto, the IP prefix
 * notation and every per-field quirk follow match.c, because ovs-ofctl's
 * dump-flows output must be byte-identical.  Ports print through a
 * PortNames map.  The inverse is ofp-match-parse.ts.
 */
import { Match } from './match.js';
import {
  FL, get16, get32, get64, flowDlType, isAllZeros, isAllOnes, ETH_TYPE_IP, ETH_TYPE_IPV6,
  ETH_TYPE_ARP, ETH_TYPE_RARP, ETH_TYPE_MPLS, ETH_TYPE_MPLS_MCAST, ETH_TYPE_NSH, IPPROTO_ICMP,
  IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMPV6, VLAN_VID_MASK, VLAN_PCP_MASK, VLAN_CFI,
  FLOW_NW_FRAG_ANY, FLOW_NW_FRAG_LATER, FLOW_NW_FRAG_MASK, OFPHTN_ETHERTYPE,
} from './flow.js';
import {
  formatEthMasked, formatIpMasked, formatIpv6Masked, formatHexBytes, formatFlagsMasked, formatFlags,
} from './addr-text.js';
import { formatPort, type PortNames } from './ofp-port-map.js';
import { tcpFlagName, tunFlagName, ctStateName, formatPacketTypeMasked } from './meta-flow-format.js';

/** OpenFlow's default flow priority, which match_format leaves out. */
export const OFP_DEFAULT_PRIORITY = 0x8000;

const hex = (v: number): string => (v ? '0x' + v.toString(16) : '0');

class Out {
  s = '';
  put(t: string): void { this.s += t; }
  eth(name: string, f: Uint8Array, w: Uint8Array, off: number): void {
    if (isAllZeros(w, off, 6)) return;
    this.s += `${name}=${formatEthMasked(f.subarray(off, off + 6), w.subarray(off, off + 6))},`;
  }
  ip(name: string, f: Uint8Array, w: Uint8Array, off: number): void {
    const m = get32(w, off);
    if (m) this.s += `${name}=${formatIpMasked(get32(f, off), m)},`;
  }
  ipv6(name: string, f: Uint8Array, w: Uint8Array, off: number): void {
    if (isAllZeros(w, off, 16)) return;
    this.s += `${name}=${formatIpv6Masked(f.subarray(off, off + 16), w.subarray(off, off + 16))},`;
  }
  u8m(name: string, v: number, m: number): void {
    if (!m) return;
    this.s += m === 0xff ? `${name}=${v},`
      : `${name}=0x${v.toString(16).padStart(2, '0')}/0x${m.toString(16).padStart(2, '0')},`;
  }
  u16m(name: string, v: number, m: number): void {
    if (!m) return;
    this.s += m === 0xffff ? `${name}=${v},` : `${name}=0x${v.toString(16)}/0x${m.toString(16)},`;
  }
  be32m(name: string, v: number, m: number): void {
    if (!m) return;
    this.s += m >>> 0 === 0xffffffff ? `${name}=${v >>> 0},`
      : `${name}=0x${(v >>> 0).toString(16).padStart(8, '0')}/0x${(m >>> 0).toString(16).padStart(8, '0')},`;
  }
  be32mHex(name: string, v: number, m: number): void {
    if (!m) return;
    this.s += m >>> 0 === 0xffffffff ? `${name}=0x${(v >>> 0).toString(16)},`
      : `${name}=0x${(v >>> 0).toString(16)}/0x${(m >>> 0).toString(16)},`;
  }
  u32m(name: string, v: number, m: number): void {
    if (!m) return;
    this.s += `${name}=${hex(v >>> 0)}` + (m >>> 0 !== 0xffffffff ? `/${hex(m >>> 0)}` : '') + ',';
  }
  be64m(name: string, f: Uint8Array, w: Uint8Array, off: number): void {
    if (isAllZeros(w, off, 8)) return;
    const m = get64(w, off);
    const v = get64(f, off);
    const h = (x: bigint): string => (x ? '0x' + x.toString(16) : '0');
    this.s += `${name}=${h(v)}` + (m !== 0xffffffffffffffffn ? `/${h(m)}` : '') + ',';
  }
}

function formatTunnel(o: Out, m: Match): void {
  const f = m.flow, w = m.wc;
  o.be64m('tun_id', f, w, FL.TUN_ID);
  o.ip('tun_src', f, w, FL.TUN_IP_SRC);
  o.ip('tun_dst', f, w, FL.TUN_IP_DST);
  o.ipv6('tun_ipv6_src', f, w, FL.TUN_IPV6_SRC);
  o.ipv6('tun_ipv6_dst', f, w, FL.TUN_IPV6_DST);
  o.u16m('tun_gbp_id', get16(f, FL.TUN_GBP_ID), get16(w, FL.TUN_GBP_ID));
  if (w[FL.TUN_GBP_FLAGS]) o.put(`tun_gbp_flags=${hex(f[FL.TUN_GBP_FLAGS]!)},`);
  if (w[FL.TUN_TOS]) o.put(`tun_tos=${f[FL.TUN_TOS]!.toString(16)},`);
  if (w[FL.TUN_TTL]) o.put(`tun_ttl=${f[FL.TUN_TTL]},`);
  const ver = f[FL.TUN_ERSPAN_VER]!;
  if (w[FL.TUN_ERSPAN_VER]) o.put(`tun_erspan_ver=${ver},`);
  if (get32(w, FL.TUN_ERSPAN_IDX) && ver === 1) o.put(`tun_erspan_idx=${hex(get32(f, FL.TUN_ERSPAN_IDX))},`);
  if (w[FL.TUN_ERSPAN_DIR] && ver === 2) o.put(`tun_erspan_dir=${f[FL.TUN_ERSPAN_DIR]},`);
  if (w[FL.TUN_ERSPAN_HWID] && ver === 2) o.put(`tun_erspan_hwid=${hex(f[FL.TUN_ERSPAN_HWID]!)},`);
  if (w[FL.TUN_GTPU_FLAGS]) o.put(`gtpu_flags=${hex(f[FL.TUN_GTPU_FLAGS]!)},`);
  if (w[FL.TUN_GTPU_MSGTYPE]) o.put(`gtpu_msgtype=${f[FL.TUN_GTPU_MSGTYPE]},`);
  const tm = get16(w, FL.TUN_FLAGS) & 0xf;
  if (tm) o.put(`tun_flags=${formatFlagsMasked(tunFlagName, get16(f, FL.TUN_FLAGS) & 0xf, tm, 0xf)},`);
  for (let i = 0; i < m.tunMd.length; i++) {
    const e = m.tunMd[i];
    if (!e) continue;
    o.put(`tun_metadata${i}`);
    if (!(e.masked && isAllZeros(e.mask))) {
      o.put('=' + formatHexBytes(e.value));
      if (!isAllOnes(e.mask)) o.put('/' + formatHexBytes(e.mask));
    }
    o.put(',');
  }
}

function formatNsh(o: Out, f: Uint8Array, w: Uint8Array): void {
  const ph = get32(f, FL.NSH_PATH_HDR), pm = get32(w, FL.NSH_PATH_HDR);
  let spiMask = pm >>> 8;
  if (spiMask === 0xffffff) spiMask = 0xffffffff;
  o.u8m('nsh_flags', f[FL.NSH_FLAGS]!, w[FL.NSH_FLAGS]!);
  o.u8m('nsh_ttl', f[FL.NSH_TTL]!, w[FL.NSH_TTL]!);
  o.u8m('nsh_mdtype', f[FL.NSH_MDTYPE]!, w[FL.NSH_MDTYPE]!);
  o.u8m('nsh_np', f[FL.NSH_NP]!, w[FL.NSH_NP]!);
  o.be32mHex('nsh_spi', ph >>> 8, spiMask);
  o.u8m('nsh_si', ph & 0xff, pm & 0xff);
  if (w[FL.NSH_MDTYPE] === 0xff && f[FL.NSH_MDTYPE] === 1) {
    for (let i = 0; i < 4; i++) {
      o.be32mHex(`nsh_c${i + 1}`, get32(f, FL.NSH_CONTEXT + 4 * i), get32(w, FL.NSH_CONTEXT + 4 * i));
    }
  }
}

/**
 * Formats 'm' as ovs-ofctl does.  'priority' is printed first when given
 * and different from the default 0x8000 (as flow dumps do).
 */
export function formatMatch(m: Match, ports?: PortNames, priority: number = OFP_DEFAULT_PRIORITY): string {
  const f = m.flow, w = m.wc;
  const o = new Out();
  let skipType = false, skipProto = false;
  let dl = get16(f, FL.DL_TYPE);
  let isMegaflow = false;

  if (priority !== OFP_DEFAULT_PRIORITY) o.put(`priority=${priority},`);
  o.u32m('pkt_mark', get32(f, FL.PKT_MARK), get32(w, FL.PKT_MARK));
  if (get32(w, FL.RECIRC_ID)) {
    o.u32m('recirc_id', get32(f, FL.RECIRC_ID), get32(w, FL.RECIRC_ID));
    isMegaflow = true;
  }
  o.u32m('dp_hash', get32(f, FL.DP_HASH), get32(w, FL.DP_HASH));
  if (get32(w, FL.CONJ_ID)) o.put(`conj_id=${get32(f, FL.CONJ_ID)},`);
  if (get32(w, FL.SKB_PRIORITY)) o.put(`skb_priority=${hex(get32(f, FL.SKB_PRIORITY))},`);
  if (get32(w, FL.ACTSET_OUTPUT)) o.put(`actset_output=${formatPort(get32(f, FL.ACTSET_OUTPUT), ports)},`);

  const cs = f[FL.CT_STATE]!, csm = w[FL.CT_STATE]!;
  if (csm) {
    if (csm === 0xff) o.put(`ct_state=${cs ? formatFlags(ctStateName, cs, '|') : '0'},`);
    else o.put(`ct_state=${formatFlagsMasked(ctStateName, cs, csm, 0xff)},`);
  }
  o.u16m('ct_zone', get16(f, FL.CT_ZONE), get16(w, FL.CT_ZONE));
  o.u32m('ct_mark', get32(f, FL.CT_MARK), get32(w, FL.CT_MARK));
  if (!isAllZeros(w, FL.CT_LABEL, 16)) {
    o.put('ct_label=' + formatHexBytes(f, FL.CT_LABEL, 16));
    if (!isAllOnes(w, FL.CT_LABEL, 16)) o.put('/' + formatHexBytes(w, FL.CT_LABEL, 16));
    o.put(',');
  }
  o.ip('ct_nw_src', f, w, FL.CT_NW_SRC);
  o.ipv6('ct_ipv6_src', f, w, FL.CT_IPV6_SRC);
  o.ip('ct_nw_dst', f, w, FL.CT_NW_DST);
  o.ipv6('ct_ipv6_dst', f, w, FL.CT_IPV6_DST);
  if (w[FL.CT_NW_PROTO]) {
    o.put(`ct_nw_proto=${f[FL.CT_NW_PROTO]},`);
    o.u16m('ct_tp_src', get16(f, FL.CT_TP_SRC), get16(w, FL.CT_TP_SRC));
    o.u16m('ct_tp_dst', get16(f, FL.CT_TP_DST), get16(w, FL.CT_TP_DST));
  }

  const pt = get32(f, FL.PACKET_TYPE), ptm = get32(w, FL.PACKET_TYPE);
  if (ptm && (!m.hasDefaultPacketType() || isMegaflow)) {
    o.put(formatPacketTypeMasked(pt, ptm) + ',');
    if (pt >>> 16 === OFPHTN_ETHERTYPE) dl = pt & 0xffff;
  }

  const proto = f[FL.NW_PROTO]!;
  if (get16(w, FL.DL_TYPE)) {
    skipType = true;
    if (dl === ETH_TYPE_IP) {
      if (w[FL.NW_PROTO]) {
        skipProto = true;
        const n = { [IPPROTO_ICMP]: 'icmp', [IPPROTO_TCP]: 'tcp', [IPPROTO_UDP]: 'udp', [IPPROTO_SCTP]: 'sctp' }[proto];
        if (n) o.put(n + ','); else { o.put('ip,'); skipProto = false; }
      } else o.put('ip,');
    } else if (dl === ETH_TYPE_IPV6) {
      if (w[FL.NW_PROTO]) {
        skipProto = true;
        const n = { [IPPROTO_ICMPV6]: 'icmp6', [IPPROTO_TCP]: 'tcp6', [IPPROTO_UDP]: 'udp6', [IPPROTO_SCTP]: 'sctp6' }[proto];
        if (n) o.put(n + ','); else { o.put('ipv6,'); skipProto = false; }
      } else o.put('ipv6,');
    } else if (dl === ETH_TYPE_ARP) o.put('arp,');
    else if (dl === ETH_TYPE_RARP) o.put('rarp,');
    else if (dl === ETH_TYPE_MPLS) o.put('mpls,');
    else if (dl === ETH_TYPE_MPLS_MCAST) o.put('mplsm,');
    else skipType = false;
  }

  for (let i = 0; i < 16; i++) o.u32m(`reg${i}`, get32(f, FL.REGS + 4 * i), get32(w, FL.REGS + 4 * i));
  formatTunnel(o, m);
  o.be64m('metadata', f, w, FL.METADATA);
  if (get32(w, FL.IN_PORT) & 0xffff) o.put(`in_port=${formatPort(get32(f, FL.IN_PORT) & 0xffff, ports)},`);

  for (let i = 0; i < 2; i++) {
    const off = FL.VLANS + 4 * i + 2;
    const tm = get16(w, off), tci = get16(f, off);
    if (!tm) break;
    const sfx = i === 0 ? '' : String(i);
    const vidMask = tm & VLAN_VID_MASK, pcpMask = tm & VLAN_PCP_MASK, cfi = tm & VLAN_CFI;
    if (cfi && (tci & VLAN_CFI) && (!vidMask || vidMask === VLAN_VID_MASK)
      && (!pcpMask || pcpMask === VLAN_PCP_MASK) && (vidMask || pcpMask)) {
      if (vidMask) o.put(`dl_vlan${sfx}=${tci & VLAN_VID_MASK},`);
      if (pcpMask) o.put(`dl_vlan_pcp${sfx}=${tci >> 13},`);
    } else if (tm === 0xffff) {
      o.put(`vlan_tci${sfx}=0x${tci.toString(16).padStart(4, '0')},`);
    } else {
      o.put(`vlan_tci${sfx}=0x${tci.toString(16).padStart(4, '0')}/0x${tm.toString(16).padStart(4, '0')},`);
    }
  }

  o.eth('dl_src', f, w, FL.DL_SRC);
  o.eth('dl_dst', f, w, FL.DL_DST);
  if (!skipType && get16(w, FL.DL_TYPE)) o.put(`dl_type=0x${dl.toString(16).padStart(4, '0')},`);

  const isArp = dl === ETH_TYPE_ARP || dl === ETH_TYPE_RARP;
  if (dl === ETH_TYPE_IPV6) {
    o.ipv6('ipv6_src', f, w, FL.IPV6_SRC);
    o.ipv6('ipv6_dst', f, w, FL.IPV6_DST);
    const lm = get32(w, FL.IPV6_LABEL), lv = get32(f, FL.IPV6_LABEL);
    if (lm) {
      const h5 = (x: number): string => x.toString(16).padStart(5, '0');
      o.put(lm === 0xffffffff ? `ipv6_label=0x${h5(lv)},` : `ipv6_label=0x${h5(lv)}/0x${h5(lm)},`);
    }
  } else if (isArp) {
    o.ip('arp_spa', f, w, FL.NW_SRC);
    o.ip('arp_tpa', f, w, FL.NW_DST);
  } else if (dl === ETH_TYPE_NSH) {
    formatNsh(o, f, w);
  } else {
    o.ip('nw_src', f, w, FL.NW_SRC);
    o.ip('nw_dst', f, w, FL.NW_DST);
  }
  if (!skipProto && w[FL.NW_PROTO]) o.put(`${isArp ? 'arp_op' : 'nw_proto'}=${proto},`);
  if (isArp) {
    o.eth('arp_sha', f, w, FL.ARP_SHA);
    o.eth('arp_tha', f, w, FL.ARP_THA);
  }
  const tos = f[FL.NW_TOS]!, tosm = w[FL.NW_TOS]!;
  if (tosm & 0xfc) o.put(`nw_tos=${tos & 0xfc},`);
  if (tosm & 0x03) o.put(`nw_ecn=${tos & 0x03},`);
  if (w[FL.NW_TTL]) o.put(`nw_ttl=${f[FL.NW_TTL]},`);
  const lse = get32(f, FL.MPLS_LSE), lsem = get32(w, FL.MPLS_LSE);
  if (lsem & 0xfffff000) o.put(`mpls_label=${lse >>> 12},`);
  if (lsem & 0xe00) o.put(`mpls_tc=${(lse >>> 9) & 7},`);
  if (lsem & 0xff) o.put(`mpls_ttl=${lse & 0xff},`);
  if (lsem & 0x100) o.put(`mpls_bos=${(lse >>> 8) & 1},`);
  o.be32m('mpls_lse1', get32(f, FL.MPLS_LSE + 4), get32(w, FL.MPLS_LSE + 4));
  o.be32m('mpls_lse2', get32(f, FL.MPLS_LSE + 8), get32(w, FL.MPLS_LSE + 8));

  const frag = f[FL.NW_FRAG]!;
  switch (w[FL.NW_FRAG]! & FLOW_NW_FRAG_MASK) {
    case FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER:
      o.put(`nw_frag=${frag & FLOW_NW_FRAG_ANY ? (frag & FLOW_NW_FRAG_LATER ? 'later' : 'first')
        : (frag & FLOW_NW_FRAG_LATER ? '<error>' : 'no')},`);
      break;
    case FLOW_NW_FRAG_ANY:
      o.put(`nw_frag=${frag & FLOW_NW_FRAG_ANY ? 'yes' : 'no'},`);
      break;
    case FLOW_NW_FRAG_LATER:
      o.put(`nw_frag=${frag & FLOW_NW_FRAG_LATER ? 'later' : 'not_later'},`);
      break;
  }
  const tps = get16(f, FL.TP_SRC), tpsm = get16(w, FL.TP_SRC);
  const tpd = get16(f, FL.TP_DST), tpdm = get16(w, FL.TP_DST);
  if (dl === ETH_TYPE_IP && proto === IPPROTO_ICMP) {
    o.u16m('icmp_type', tps, tpsm);
    o.u16m('icmp_code', tpd, tpdm);
  } else if (dl === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6) {
    o.u16m('icmp_type', tps, tpsm);
    o.u16m('icmp_code', tpd, tpdm);
    o.ipv6('nd_target', f, w, FL.ND_TARGET);
    o.eth('nd_sll', f, w, FL.ARP_SHA);
    o.eth('nd_tll', f, w, FL.ARP_THA);
    o.be32m('nd_reserved', get32(f, FL.IGMP_GROUP_IP4), get32(w, FL.IGMP_GROUP_IP4));
    o.u16m('nd_options_type', get16(f, FL.TCP_FLAGS), get16(w, FL.TCP_FLAGS));
  } else {
    o.u16m('tp_src', tps, tpsm);
    o.u16m('tp_dst', tpd, tpdm);
  }
  const tfm = get16(w, FL.TCP_FLAGS);
  if (flowDlType(f) !== 0x5ff && (flowDlType(f) === ETH_TYPE_IP || flowDlType(f) === ETH_TYPE_IPV6)
    && proto === IPPROTO_TCP && tfm) {
    o.put(`tcp_flags=${formatFlagsMasked(tcpFlagName, get16(f, FL.TCP_FLAGS), tfm & 0x0fff, 0x0fff)},`);
  }
  return o.s.endsWith(',') ? o.s.slice(0, -1) : o.s;
}
