/* netdev-native-tnl: the userspace datapath's tunnel headers (OVS
 * lib/netdev-native-tnl.c).
 *
 * Encapsulation is split as in OVS: at translation time ofproto builds the
 * whole outer header once (netdevTnlBuildHeader: Ethernet, IPv4 or IPv6, UDP
 * + VXLAN/Geneve, or GRE) and puts it in a tnl_push action
 * (odp-actions.ts); per packet the datapath only prepends it and fixes what
 * depends on the packet (netdevTnlPushHeader: IP length and checksum, UDP
 * source port from the inner flow's hash, UDP length and checksum, GRE
 * checksum).  Decapsulation (netdevTnlPopHeader) checks and strips the outer
 * headers and returns the tunnel metadata the datapath then puts in the
 * packet's flow key (tunnel(tun_id=..,src=..,dst=..,...)) before it looks the
 * inner packet up again with the tunnel's datapath port as in_port.
 *
 * formatTnlPushHeader() prints a header as OVS's format_odp_tnl_push_header.
 * All code works on Uint8Array offsets; no Buffer.
 */
import { get16, get32, put16, put32 } from '../lib/packets/byte-order.js';
import { csum, csumPartial, csumFinish, recalcCsum16, pseudoHeaderSumIpv4, pseudoHeaderSumIpv6 } from '../lib/packets/checksum.js';
import { formatIpv6Addr } from '../lib/packets/ipv6.js';
import { hashAdd, hashFinish } from '../lib/hash.js';
import { TunFlags, W } from './flow.js';
import { type TunnelConfig, VXLAN_EXT_GPE, VXLAN_EXT_GBP, ipv4FromMapped } from './netdev-vport.js';

/** Datapath tunnel types (enum ovs_vport_type) carried in tnl_push. */
export const enum VportType {
  GRE = 3, VXLAN = 4, GENEVE = 5, LISP = 105, STT = 106, ERSPAN = 107, IP6ERSPAN = 108, IP6GRE = 109, GTPU = 110,
}

const ETH_LEN = 14, IP4_LEN = 20, IP6_LEN = 40, UDP_LEN = 8, VXLAN_LEN = 8, GENEVE_LEN = 8;
const ETH_TYPE_IP = 0x0800, ETH_TYPE_IPV6 = 0x86dd, ETH_TYPE_TEB = 0x6558;
const PROTO_UDP = 17, PROTO_GRE = 47;
const GRE_CSUM = 0x8000, GRE_KEY = 0x2000, GRE_SEQ = 0x1000;
const VXLAN_FLAGS = 0x08000000, VXLAN_HF_GPE = 0x04000000, VXLAN_HF_GBP = 0x80000000;
const IP_DF = 0x4000;
/** UDP source ports the datapath picks from (tnl/egress_port_range default). */
export const TNL_UDP_PORT_MIN = 32768, TNL_UDP_PORT_MAX = 61000;

/** Outer tunnel parameters of a packet (the tunnel part of struct flow). */
export interface TnlMetadata {
  /** IPv4 endpoints (0 when IPv6). */
  ipSrc: number;
  ipDst: number;
  /** IPv6 endpoints (16 zero bytes when IPv4). */
  ipv6Src: Uint8Array;
  ipv6Dst: Uint8Array;
  tunId: bigint;
  tos: number;
  ttl: number;
  /** TunFlags bits. */
  flags: number;
  tpSrc: number;
  tpDst: number;
  gbpId: number;
  gbpFlags: number;
}

/** Empty metadata. */
export function tnlMetadataNew(): TnlMetadata {
  return {
    ipSrc: 0, ipDst: 0, ipv6Src: new Uint8Array(16), ipv6Dst: new Uint8Array(16), tunId: 0n, tos: 0, ttl: 0,
    flags: 0, tpSrc: 0, tpDst: 0, gbpId: 0, gbpFlags: 0,
  };
}

/** What netdevTnlBuildHeader needs besides the port's configuration. */
export interface TnlBuildParams {
  /** Next hop and our MAC. */
  dmac: Uint8Array;
  smac: Uint8Array;
  /** Source IP, 16 bytes (IPv4 mapped). */
  srcIp: Uint8Array;
  /** The tunnel fields of the flow being sent (tnl_port_send filled them). */
  tun: TnlMetadata;
  /** The inner packet type: 0 for Ethernet, else (1 << 16) | EtherType. */
  packetType: number;
}

/** A built header: the tnl_push action's data without the ports. */
export interface TnlHeader { tnlType: number; header: Uint8Array }

/** Builds the outer header for tunnel type 'type' (netdev_*_build_header);
 * null if the type has no native packet path or cannot carry the packet. */
export function netdevTnlBuildHeader(type: string, cfg: TunnelConfig, p: TnlBuildParams): TnlHeader | null {
  const isIpv6 = ipv4FromMapped(p.srcIp) === null;
  const l3Len = isIpv6 ? IP6_LEN : IP4_LEN;
  const isEth = p.packetType === 0;
  let l4Len: number, proto: number, tnlType: number;
  switch (type) {
    case 'vxlan': l4Len = UDP_LEN + VXLAN_LEN; proto = PROTO_UDP; tnlType = VportType.VXLAN; break;
    case 'geneve': l4Len = UDP_LEN + GENEVE_LEN; proto = PROTO_UDP; tnlType = VportType.GENEVE; break;
    case 'gre': case 'ip6gre': {
      l4Len = 4 + (p.tun.flags & TunFlags.CSUM ? 4 : 0) + (cfg.outKeyPresent ? 4 : 0) + (cfg.setSeq ? 4 : 0);
      proto = PROTO_GRE;
      tnlType = isIpv6 ? VportType.IP6GRE : VportType.GRE;
      break;
    }
    default: return null;
  }
  if (!isEth && (p.packetType >>> 16) !== 1) return null;
  if (!isEth && type !== 'gre' && type !== 'ip6gre' && !(type === 'vxlan' && cfg.exts & VXLAN_EXT_GPE)) return null;
  const h = new Uint8Array(ETH_LEN + l3Len + l4Len);
  h.set(p.dmac.subarray(0, 6), 0);
  h.set(p.smac.subarray(0, 6), 6);
  put16(h, 12, isIpv6 ? ETH_TYPE_IPV6 : ETH_TYPE_IP);
  const l3 = ETH_LEN, l4 = ETH_LEN + l3Len;
  if (!isIpv6) {
    h[l3] = 0x45;
    h[l3 + 1] = p.tun.tos;
    put16(h, l3 + 6, p.tun.flags & TunFlags.DF ? IP_DF : 0);
    h[l3 + 8] = p.tun.ttl;
    h[l3 + 9] = proto;
    h.set(p.srcIp.subarray(12, 16), l3 + 12);
    put32(h, l3 + 16, p.tun.ipDst);
    put16(h, l3 + 10, csum(h, l3, IP4_LEN));
  } else {
    put32(h, l3, ((6 << 28) | (p.tun.tos << 20)) >>> 0);
    h[l3 + 6] = proto;
    h[l3 + 7] = p.tun.ttl;
    h.set(p.srcIp, l3 + 8);
    h.set(p.tun.ipv6Dst, l3 + 24);
  }
  if (proto === PROTO_UDP) {
    put16(h, l4 + 2, cfg.dstPort);
    if (isIpv6 || p.tun.flags & TunFlags.CSUM) put16(h, l4 + 6, 0xffff);
    const t = l4 + UDP_LEN;
    const vni = Number(BigInt.asUintN(24, p.tun.tunId));
    if (type === 'vxlan') {
      let flags = VXLAN_FLAGS;
      if (cfg.exts & VXLAN_EXT_GPE) {
        flags |= VXLAN_HF_GPE;
        const np = isEth ? 3 : (p.packetType & 0xffff) === ETH_TYPE_IP ? 1 : (p.packetType & 0xffff) === ETH_TYPE_IPV6 ? 2 : 0;
        if (!np) return null;
        flags |= np;
      } else if (cfg.exts & VXLAN_EXT_GBP && (p.tun.gbpId || p.tun.gbpFlags)) {
        flags |= VXLAN_HF_GBP | ((p.tun.gbpFlags & 0x7f) << 16) | p.tun.gbpId;
      }
      put32(h, t, flags >>> 0);
      put32(h, t + 4, (vni << 8) >>> 0);
    } else {
      h[t] = 0; // version 0, no options
      h[t + 1] = p.tun.flags & TunFlags.OAM ? 0x80 : 0;
      put16(h, t + 2, ETH_TYPE_TEB);
      put32(h, t + 4, (vni << 8) >>> 0);
    }
  } else {
    let flags = 0, o = l4 + 4;
    put16(h, l4 + 2, isEth ? ETH_TYPE_TEB : p.packetType & 0xffff);
    if (p.tun.flags & TunFlags.CSUM) { flags |= GRE_CSUM; o += 4; }
    if (cfg.outKeyPresent) { flags |= GRE_KEY; put32(h, o, Number(BigInt.asUintN(32, p.tun.tunId))); o += 4; }
    if (cfg.setSeq) { flags |= GRE_SEQ; o += 4; }
    put16(h, l4, flags);
  }
  return { tnlType, header: h };
}

function isHeaderIpv6(h: Uint8Array): boolean { return get16(h, 12) === ETH_TYPE_IPV6; }

/** The UDP source port for a packet (netdev_tnl_get_src_port): from a hash
 * of the inner addresses and ports, so one inner flow keeps one port. */
export function tnlSrcPort(inner: Uint8Array): number {
  let h = 0;
  const n = Math.min(inner.length, 14 + 40 + 4);
  // Ethernet addresses, and the IP addresses and L4 ports when present.
  for (let i = 0; i + 4 <= 12; i += 4) h = hashAdd(h, get32(inner, i));
  if (inner.length >= 34 && get16(inner, 12) === ETH_TYPE_IP) {
    const ihl = (inner[14]! & 0xf) * 4;
    h = hashAdd(hashAdd(h, get32(inner, 26)), get32(inner, 30));
    if (inner.length >= 14 + ihl + 4) h = hashAdd(h, get32(inner, 14 + ihl));
  } else {
    for (let i = 12; i + 4 <= n; i += 4) h = hashAdd(h, get32(inner, i));
  }
  h = hashFinish(h, 0) >>> 0;
  return Math.floor((h * (TNL_UDP_PORT_MAX - TNL_UDP_PORT_MIN)) / 2 ** 32) + TNL_UDP_PORT_MIN;
}

/** Prepends 'header' (from netdevTnlBuildHeader) to 'inner' and fixes the
 * per-packet fields (netdev_tnl_push_udp_header / netdev_gre_push_header). */
export function netdevTnlPushHeader(inner: Uint8Array, tnlType: number, header: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + inner.length);
  out.set(inner, header.length);
  netdevTnlPushHeaderAt(out, 0, out.length, tnlType, header);
  return out;
}

/** In place: buf[off + header.length .. off + len) holds the inner packet;
 * writes 'header' at buf[off] and fixes lengths, ports and checksums. */
export function netdevTnlPushHeaderAt(buf: Uint8Array, off: number, len: number, tnlType: number, header: Uint8Array): void {
  const out = buf.subarray(off, off + len);
  const inner = out.subarray(header.length);
  const sport = tnlType === VportType.VXLAN || tnlType === VportType.GENEVE || tnlType === VportType.GTPU
    ? tnlSrcPort(inner) : 0;
  out.set(header, 0);
  const v6 = isHeaderIpv6(header);
  const l3 = ETH_LEN, l4 = ETH_LEN + (v6 ? IP6_LEN : IP4_LEN);
  const l4Size = out.length - l4;
  if (v6) put16(out, l3 + 4, l4Size);
  else {
    const tot = out.length - ETH_LEN;
    put16(out, l3 + 2, tot);
    put16(out, l3 + 10, recalcCsum16(get16(out, l3 + 10), 0, tot));
  }
  if (tnlType === VportType.VXLAN || tnlType === VportType.GENEVE || tnlType === VportType.GTPU) {
    put16(out, l4, sport);
    put16(out, l4 + 4, l4Size);
    if (get16(out, l4 + 6)) {
      put16(out, l4 + 6, 0);
      const ph = v6 ? pseudoHeaderSumIpv6(out, l3 + 8, l3 + 24, PROTO_UDP, l4Size)
        : pseudoHeaderSumIpv4(get32(out, l3 + 12), get32(out, l3 + 16), PROTO_UDP, l4Size);
      const c = csumFinish(csumPartial(out, l4, l4Size, ph));
      put16(out, l4 + 6, c === 0 ? 0xffff : c);
    }
  } else if (tnlType === VportType.GRE || tnlType === VportType.IP6GRE) {
    if (get16(out, l4) & GRE_CSUM) put16(out, l4 + 4, csum(out, l4, l4Size));
  }
}

/** Writes tunnel metadata into the tunnel words of datapath flow key key[k..]
 * (flow.ts W.TUN_*), as the datapath does after tnl_pop. */
export function tnlMetadataToKey(md: TnlMetadata, key: Uint32Array, k: number): void {
  key[k + W.TUN_ID] = Number(md.tunId >> 32n) >>> 0;
  key[k + W.TUN_ID + 1] = Number(md.tunId & 0xffffffffn) >>> 0;
  key[k + W.TUN_SRC] = md.ipSrc;
  key[k + W.TUN_DST] = md.ipDst;
  for (let i = 0; i < 4; i++) {
    key[k + W.TUN_IPV6_SRC + i] = get32(md.ipv6Src, 4 * i);
    key[k + W.TUN_IPV6_DST + i] = get32(md.ipv6Dst, 4 * i);
  }
  key[k + W.TUN_TOS_TTL_FLAGS] = ((md.tos << 24) | (md.ttl << 16) | (md.flags & 0xffff)) >>> 0;
  key[k + W.TUN_TP] = ((md.tpSrc << 16) | md.tpDst) >>> 0;
}

/** Why a packet could not be decapsulated (logged by the caller, counted as
 * datapath_drop_tunnel_pop_error). */
export type TnlPopError = string;

/** Strips the outer headers of 'pkt' (netdev_*_pop_header) for a tunnel of
 * type 'type'; the inner packet and its tunnel metadata, or an error text. */
export function netdevTnlPopHeader(pkt: Uint8Array, type: string):
  { inner: Uint8Array; md: TnlMetadata; packetType: number } | TnlPopError {
  if (pkt.length < ETH_LEN) return 'packet too short';
  const et = get16(pkt, 12);
  const md = tnlMetadataNew();
  let l4: number, proto: number;
  if (et === ETH_TYPE_IP) {
    if (pkt.length < ETH_LEN + IP4_LEN) return 'ip packet too short';
    const ihl = (pkt[ETH_LEN]! & 0xf) * 4;
    if (ihl < IP4_LEN || pkt.length < ETH_LEN + ihl) return 'ip packet too short';
    if (csum(pkt, ETH_LEN, ihl) !== 0) return 'ip packet has invalid checksum';
    const tot = get16(pkt, ETH_LEN + 2);
    if (tot > pkt.length - ETH_LEN) return 'ip packet is truncated';
    md.ipSrc = get32(pkt, ETH_LEN + 12);
    md.ipDst = get32(pkt, ETH_LEN + 16);
    md.tos = pkt[ETH_LEN + 1]!;
    md.ttl = pkt[ETH_LEN + 8]!;
    if (get16(pkt, ETH_LEN + 6) & IP_DF) md.flags |= TunFlags.DF;
    proto = pkt[ETH_LEN + 9]!;
    l4 = ETH_LEN + ihl;
    pkt = pkt.subarray(0, ETH_LEN + tot);
  } else if (et === ETH_TYPE_IPV6) {
    if (pkt.length < ETH_LEN + IP6_LEN) return 'ipv6 packet too short';
    md.ipv6Src = pkt.slice(ETH_LEN + 8, ETH_LEN + 24);
    md.ipv6Dst = pkt.slice(ETH_LEN + 24, ETH_LEN + 40);
    md.tos = (get32(pkt, ETH_LEN) >>> 20) & 0xff;
    md.ttl = pkt[ETH_LEN + 7]!;
    proto = pkt[ETH_LEN + 6]!;
    l4 = ETH_LEN + IP6_LEN;
  } else {
    return 'not an ip packet';
  }
  if (type === 'vxlan' || type === 'geneve') {
    if (proto !== PROTO_UDP || pkt.length < l4 + UDP_LEN + 8) return 'udp packet too short';
    md.tpSrc = get16(pkt, l4);
    md.tpDst = get16(pkt, l4 + 2);
    const c = get16(pkt, l4 + 6);
    if (c) {
      const len = pkt.length - l4;
      const ph = et === ETH_TYPE_IP ? pseudoHeaderSumIpv4(md.ipSrc, md.ipDst, PROTO_UDP, len)
        : pseudoHeaderSumIpv6(pkt, ETH_LEN + 8, ETH_LEN + 24, PROTO_UDP, len);
      if (csumFinish(csumPartial(pkt, l4, len, ph)) !== 0) return 'udp packet has invalid checksum';
      md.flags |= TunFlags.CSUM;
    }
    const t = l4 + UDP_LEN;
    if (type === 'vxlan') {
      const flags = get32(pkt, t), vni = get32(pkt, t + 4);
      if ((flags & ~(VXLAN_HF_GBP | 0x00ff7fff)) >>> 0 !== VXLAN_FLAGS || (vni & 0xff)) {
        return `dropping vxlan packet with invalid flags: 0x${flags.toString(16)} vni: 0x${vni.toString(16)}`;
      }
      if (flags & VXLAN_HF_GBP) { md.gbpId = flags & 0xffff; md.gbpFlags = (flags >>> 16) & 0x7f; }
      md.tunId = BigInt(vni >>> 8);
      md.flags |= TunFlags.KEY;
      return { inner: pkt.slice(t + VXLAN_LEN), md, packetType: 0 };
    }
    const optLen = (pkt[t]! & 0x3f) * 4;
    if ((pkt[t]! >> 6) !== 0) return 'geneve: unknown version';
    if (get16(pkt, t + 2) !== ETH_TYPE_TEB) return `geneve: unknown protocol 0x${get16(pkt, t + 2).toString(16)}`;
    if (pkt.length < t + GENEVE_LEN + optLen) return 'geneve packet too short';
    if (pkt[t + 1]! & 0x80) md.flags |= TunFlags.OAM;
    md.tunId = BigInt(get32(pkt, t + 4) >>> 8);
    md.flags |= TunFlags.KEY;
    return { inner: pkt.slice(t + GENEVE_LEN + optLen), md, packetType: 0 };
  }
  if (type === 'gre' || type === 'ip6gre') {
    if (proto !== PROTO_GRE || pkt.length < l4 + 4) return 'gre packet too short';
    const flags = get16(pkt, l4), gp = get16(pkt, l4 + 2);
    if (flags & ~(GRE_CSUM | GRE_KEY | GRE_SEQ)) return 'gre: unsupported flags';
    let o = l4 + 4;
    if (flags & GRE_CSUM) {
      if (csum(pkt, l4, pkt.length - l4) !== 0) return 'gre packet has invalid checksum';
      md.flags |= TunFlags.CSUM;
      o += 4;
    }
    if (flags & GRE_KEY) { md.tunId = BigInt(get32(pkt, o)); md.flags |= TunFlags.KEY; o += 4; }
    if (flags & GRE_SEQ) o += 4;
    if (o > pkt.length) return 'gre packet too short';
    md.tpSrc = 0; md.tpDst = 0;
    const packetType = gp === ETH_TYPE_TEB ? 0 : ((1 << 16) | gp) >>> 0;
    return { inner: pkt.slice(o), md, packetType };
  }
  return `${type}: no native tunnel support`;
}

/* ---- Text. ---- */

function eth(b: Uint8Array, o: number): string {
  const p: string[] = [];
  for (let i = 0; i < 6; i++) p.push(b[o + i]!.toString(16).padStart(2, '0'));
  return p.join(':');
}
function ip4(v: number): string { return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`; }
const hx = (v: number): string => v.toString(16);
/** C's %#x: "0" for zero. */
const hxAlt = (v: number): string => (v ? `0x${v.toString(16)}` : '0');

/** Prints a tnl_push header as OVS's format_odp_tnl_push_header. */
export function formatTnlPushHeader(tnlType: number, h: Uint8Array): string {
  let s = `header(size=${h.length},type=${tnlType},eth(dst=${eth(h, 0)},src=${eth(h, 6)},dl_type=0x${get16(h, 12).toString(16).padStart(4, '0')}),`;
  let l4: number;
  if (get16(h, 12) === ETH_TYPE_IP) {
    const o = ETH_LEN;
    s += `ipv4(src=${ip4(get32(h, o + 12))},dst=${ip4(get32(h, o + 16))},proto=${h[o + 9]},tos=${hxAlt(h[o + 1]!)},`
      + `ttl=${h[o + 8]},frag=0x${hx(get16(h, o + 6))}),`;
    l4 = o + IP4_LEN;
  } else {
    const o = ETH_LEN, fl = get32(h, o);
    s += `ipv6(src=${formatIpv6Addr(h, o + 8)},dst=${formatIpv6Addr(h, o + 24)},label=${fl & 0xfffff},proto=${h[o + 6]},`
      + `tclass=0x${hx((fl >>> 20) & 0xff)},hlimit=${h[o + 7]}),`;
    l4 = o + IP6_LEN;
  }
  const udp = () => `udp(src=${get16(h, l4)},dst=${get16(h, l4 + 2)},csum=0x${hx(get16(h, l4 + 6))}),`;
  const t = l4 + UDP_LEN;
  if (tnlType === VportType.VXLAN) {
    s += udp() + `vxlan(flags=0x${hx(get32(h, t))},vni=0x${hx(get32(h, t + 4) >>> 8)})`;
  } else if (tnlType === VportType.GENEVE) {
    s += udp() + `geneve(${h[t + 1]! & 0x80 ? 'oam,' : ''}${h[t + 1]! & 0x40 ? 'crit,' : ''}vni=0x${hx(get32(h, t + 4) >>> 8)})`;
  } else if (tnlType === VportType.GRE || tnlType === VportType.IP6GRE) {
    const flags = get16(h, l4);
    s += `gre((flags=0x${hx(flags)},proto=0x${hx(get16(h, l4 + 2))})`;
    let o = l4 + 4;
    if (flags & GRE_CSUM) { s += `,csum=0x${hx(get16(h, o))}`; o += 4; }
    if (flags & GRE_KEY) { s += `,key=0x${hx(get32(h, o))}`; o += 4; }
    if (flags & GRE_SEQ) { s += `,seq=0x${hx(get32(h, o))}`; o += 4; }
    s += ')';
  }
  return s + ')';
}
