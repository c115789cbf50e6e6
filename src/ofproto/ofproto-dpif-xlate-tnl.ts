/* ofproto-dpif-xlate-tnl: native (userspace) tunnels in translation.
 *
 * Part of ofproto-dpif-xlate.ts, kept apart: the output side
 * (build_tunnel_send + native_tunnel_output in OVS) and the input side
 * (terminate_native_tunnel).
 *
 * Output to a tunnel port: tunnel.ts fills the flow's tunnel fields from the
 * port; the route to the remote end (ovs-router.ts) gives the underlay
 * device and next hop, the neighbour cache (tnl-neigh-cache.ts) its MAC (on
 * a miss an ARP request goes out of that device and the packet is dropped,
 * as OVS does); then the outer header is built once and the datapath action
 * is tnl_push(tnl_port(N),header(...),out_port(M)), followed by what the
 * underlay bridge does with the encapsulated packet as if its local port had
 * sent it (translated like a patch port, wrapped in clone() unless last).
 *
 * Output to a port with an IP address (the underlay bridge's local port): a
 * packet to one of its addresses and a tunnel's protocol/port becomes
 * tnl_pop(N) (tnl-ports.ts); ARP replies and gratuitous ARPs for it feed the
 * neighbour cache.
 */
import { FL, get16, get32, get64, put16, put32 } from '../openflow/flow.js';
import { wcMask } from '../openflow/mf-flow.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { TraceType } from './ofproto-dpif-trace.js';
import type { XlateCtx, XPort, XBridge } from './ofproto-dpif-xlate.js';
import { tnlPortOf, tnlPortSend, tnlPortBuildHeader } from './tunnel.js';
import { ovsRouterLookup, ovsRouterSourceAddress, formatMapped } from './ovs-router.js';
import { tnlNeighLookup, tnlNeighSet } from './tnl-neigh-cache.js';
import { tnlPortMapLookup, tnlPortMapIsEmpty } from './tnl-ports.js';
import { ipv4Mapped, ipv4FromMapped } from '../datapath/netdev-vport.js';
import { netdevGetEtherAddr, netdevGetAddrList } from '../datapath/netdev.js';
import type { Netdev } from '../datapath/netdev-provider.js';
import type { OdpAction } from '../datapath/odp-actions.js';

const log = vlogModule('tunnel');
const ecnRl = new RateLimit(1, 5);

const ETH_TYPE_IP = 0x0800, ETH_TYPE_IPV6 = 0x86dd, ETH_TYPE_ARP = 0x0806;
const IPPROTO_UDP = 17, IPPROTO_GRE = 47, IPPROTO_ICMPV6 = 58;

/** Bridges translation may route tunnel packets through (xcfg->xbridges). */
const xbridges = new Set<XBridge>();
/** Sends a packet into bridge 'xb' as if received on OpenFlow port 'inPort'
 * (compose_table_xlate); set by ofproto-dpif. */
let packetSender: ((xb: XBridge, inPort: number, packet: Uint8Array) => void) | null = null;

/** Makes a bridge's ports usable as tunnel underlay devices. */
export function xlateTnlBridgeAdd(xb: XBridge): void { xbridges.add(xb); }
/** Forgets a bridge. */
export function xlateTnlBridgeRemove(xb: XBridge): void { xbridges.delete(xb); }
/** Sets how ARP requests for tunnel next hops are sent. */
export function xlateTnlSetPacketSender(fn: (xb: XBridge, inPort: number, packet: Uint8Array) => void): void {
  packetSender = fn;
}

function portNetdev(xport: XPort): Netdev | null {
  return (xport.bridge.ofproto.ports.get(xport.ofpPort)?.netdev as Netdev | undefined) ?? null;
}

function macBytes(mac: number): Uint8Array {
  const b = new Uint8Array(6);
  for (let i = 5; i >= 0; i--) { b[i] = mac % 256; mac = Math.floor(mac / 256); }
  return b;
}

function fmtMac(b: Uint8Array): string { return Array.from(b.subarray(0, 6), (x) => x.toString(16).padStart(2, '0')).join(':'); }

/** The port named 'dev' in the bridge named 'dev', else in any bridge (tnl_route_lookup_flow). */
function findOutDev(dev: string): XPort | null {
  for (const xb of xbridges) {
    if (xb.name !== dev) continue;
    for (const p of xb.ports.values()) if (p.name === dev) return p;
  }
  for (const xb of xbridges) for (const p of xb.ports.values()) if (p.name === dev) return p;
  return null;
}

function tunnelDst(flow: Uint8Array): Uint8Array {
  const v4 = get32(flow, FL.TUN_IP_DST);
  return v4 ? ipv4Mapped(v4) : flow.slice(FL.TUN_IPV6_DST, FL.TUN_IPV6_DST + 16);
}

/** An ARP request for 'dst' from 'smac'/'src' (compose_arp). */
function composeArpRequest(smac: Uint8Array, src: number, dst: number): Uint8Array {
  const p = new Uint8Array(42);
  p.fill(0xff, 0, 6);
  p.set(smac, 6);
  put16(p, 12, ETH_TYPE_ARP);
  put16(p, 14, 1); put16(p, 16, ETH_TYPE_IP); p[18] = 6; p[19] = 4; put16(p, 20, 1);
  p.set(smac, 22);
  put32(p, 28, src);
  put32(p, 38, dst);
  return p;
}

/** The tunnel fields a received tunnel packet's megaflow matches (tnl_wc_init):
 * key, endpoints, the df/csum/key flags and tos; not ttl or UDP ports. */
export function xlateTunnelWcInit(flow: Uint8Array, wc: Uint8Array): void {
  wcMask(wc, FL.TUN_ID, 8);
  if (get32(flow, FL.TUN_IP_DST)) { wcMask(wc, FL.TUN_IP_SRC, 4); wcMask(wc, FL.TUN_IP_DST, 4); }
  else { wcMask(wc, FL.TUN_IPV6_SRC, 16); wcMask(wc, FL.TUN_IPV6_DST, 16); }
  put16(wc, FL.TUN_FLAGS, 0x02 | 0x04 | 0x08);
  wc[FL.TUN_TOS] = 0xff;
  const dl = get16(flow, FL.DL_TYPE);
  if ((dl === ETH_TYPE_IP || dl === ETH_TYPE_IPV6) && (flow[FL.TUN_TOS]! & 3) === 3) wc[FL.NW_TOS]! |= 3;
}

/** ECN of a decapsulated packet (tnl_process_ecn): an outer CE mark is
 * copied to an ECN-capable inner packet; false (drop) if it is not capable. */
export function xlateTunnelProcessEcn(flow: Uint8Array): boolean {
  if (!get32(flow, FL.TUN_IP_DST) && !flow.subarray(FL.TUN_IPV6_DST, FL.TUN_IPV6_DST + 16).some((b) => b)) return true;
  const dl = get16(flow, FL.DL_TYPE);
  if ((dl === ETH_TYPE_IP || dl === ETH_TYPE_IPV6) && (flow[FL.TUN_TOS]! & 3) === 3) {
    if ((flow[FL.NW_TOS]! & 3) === 0) {
      log.warnRl(ecnRl, 'dropping tunnel packet marked ECN CE but is not ECN capable');
      return false;
    }
    flow[FL.NW_TOS]! |= 3;
  }
  return true;
}

/** Counts a packet received on tunnel port 'xport' (netdev_vport_inc_rx). */
export function xlateTunnelRxStats(ctx: XlateCtx, xport: XPort): void {
  const st = ctx.xin.resubmitStats, tp = st && tnlPortOf(xport);
  if (tp) { tp.netdev.stats.rx_packets += st.packets; tp.netdev.stats.rx_bytes += st.bytes; }
}

/** True if a cached flow's statistics also count on tunnel ports (received
 * on one, or tnl_push among its actions): they must be credited by translation. */
export function xlateTunnelNeedsStats(xb: XBridge, flow: Uint8Array, actions: readonly OdpAction[]): boolean {
  if (xb.ports.get(get32(flow, FL.IN_PORT))?.isTunnel) return true;
  const walk = (acts: readonly OdpAction[]): boolean => acts.some((a) => a.type === 'tnl_push'
    || ((a.type === 'clone' || a.type === 'sample') && walk(a.actions)));
  return walk(actions);
}

/** Output to tunnel port 'xport' (the tunnel part of compose_output_action__
 * and native_tunnel_output). */
export function xlateTunnelOutput(ctx: XlateCtx, xport: XPort, isLast: boolean, truncate: boolean): void {
  const tp = tnlPortOf(xport);
  const flow = ctx.flow;
  if (!tp) { ctx.report(TraceType.WARN, 'Tunneling decided against output'); return; }
  const savedTnl = flow.slice(0, FL.METADATA);
  const odpPort = tnlPortSend(tp, flow, ctx.wc);
  const dst = tunnelDst(flow);
  const orig = tunnelDst(ctx.xin.flow);
  if (orig.some((b) => b) && orig.every((b, i) => b === dst[i])) {
    ctx.report(TraceType.WARN, 'Not tunneling to our own address');
    flow.set(savedTnl, 0);
    return;
  }
  const st = ctx.xin.resubmitStats;
  if (st) { tp.netdev.stats.tx_packets += st.packets; tp.netdev.stats.tx_bytes += st.bytes; }
  if (ctx.xbridge.support.tnlPushPop === false) {
    ctx.report(TraceType.DETAIL, 'output to kernel tunnel');
    commitTunnelAction(ctx);
    ctx.commit();
    ctx.odp.push({ type: 'output', port: odpPort });
  } else {
    ctx.report(TraceType.DETAIL, 'output to native tunnel');
    ctx.commit();
    nativeTunnelOutput(ctx, xport, tp, odpPort, dst, isLast, truncate);
  }
  flow.set(savedTnl, 0);
}

/** set(tunnel(...)) when the flow's tunnel differs from the datapath's
 * (commit_odp_tunnel_action). */
function commitTunnelAction(ctx: XlateCtx): void {
  const f = ctx.flow, b = ctx.baseFlow;
  if (!get32(f, FL.TUN_IP_DST) && !f.subarray(FL.TUN_IPV6_DST, FL.TUN_IPV6_DST + 16).some((x) => x)) return;
  let same = true;
  for (let i = 0; i < FL.TUN_MD_PRESENT; i++) if (f[i] !== b[i]) { same = false; break; }
  if (same) return;
  b.set(f.subarray(0, FL.TUN_MD_PRESENT), 0);
  ctx.odp.push({ type: 'set_tunnel', tun: {
    tunId: get64(f, FL.TUN_ID), ipSrc: get32(f, FL.TUN_IP_SRC), ipDst: get32(f, FL.TUN_IP_DST),
    ipv6Src: f.slice(FL.TUN_IPV6_SRC, FL.TUN_IPV6_SRC + 16), ipv6Dst: f.slice(FL.TUN_IPV6_DST, FL.TUN_IPV6_DST + 16),
    tos: f[FL.TUN_TOS]!, ttl: f[FL.TUN_TTL]!, tpSrc: get16(f, FL.TUN_TP_SRC), tpDst: get16(f, FL.TUN_TP_DST),
    flags: get16(f, FL.TUN_FLAGS),
  } });
}

function nativeTunnelOutput(ctx: XlateCtx, xport: XPort, tp: NonNullable<ReturnType<typeof tnlPortOf>>,
                            tnlOdpPort: number, dst: Uint8Array, isLast: boolean, truncate: boolean): void {
  const flow = ctx.flow;
  const oldFlow = flow.slice(), oldBase = ctx.baseFlow.slice();
  let src: Uint8Array = get32(flow, FL.TUN_IP_SRC) ? ipv4Mapped(get32(flow, FL.TUN_IP_SRC))
    : flow.slice(FL.TUN_IPV6_SRC, FL.TUN_IPV6_SRC + 16);
  const route = ovsRouterLookup(get32(flow, FL.PKT_MARK), dst);
  const outDev = route && findOutDev(route.dev);
  if (!route || !outDev) { ctx.report(TraceType.WARN, 'native tunnel routing failed'); return; }
  if (!src.some((b) => b)) src = route.src;
  const gwSet = route.gw.some((b) => b) && (ipv4FromMapped(route.gw) === null || ipv4FromMapped(route.gw) !== 0);
  const dIp = gwSet ? route.gw : dst;
  const dIpText = formatMapped(dIp);
  ctx.report(TraceType.DETAIL, `tunneling to ${dIpText} via ${outDev.name}`);
  const nd = portNetdev(outDev);
  const mac = nd ? netdevGetEtherAddr(nd) : -1;
  if (mac < 0) { ctx.report(TraceType.WARN, 'tunnel output device lacks Ethernet address'); return; }
  const smac = macBytes(mac);
  const d4 = ipv4FromMapped(dIp);
  const dmac = tnlNeighLookup(outDev.bridge.name, dIp);
  if (!dmac) {
    ctx.report(TraceType.DETAIL, `neighbor cache miss for ${dIpText} on bridge ${outDev.bridge.name}, sending ${d4 !== null ? 'ARP' : 'ND'} request`);
    const nhSrc = ovsRouterSourceAddress(dIp, outDev.bridge.name) ?? src;
    const s4 = ipv4FromMapped(nhSrc);
    if (d4 !== null && s4 !== null && packetSender && ctx.allowSideEffects) {
      packetSender(outDev.bridge, outDev.ofpPort, composeArpRequest(smac, s4, d4));
    }
    return;
  }
  ctx.report(TraceType.DETAIL, `tunneling from ${fmtMac(smac)} ${formatMapped(src)} to ${fmtMac(dmac)} ${dIpText}`);
  const h = tnlPortBuildHeader(tp, flow, dmac, smac, src);
  if (!h) { ctx.report(TraceType.WARN, 'native tunnel header build failed'); return; }
  const isV6 = ipv4FromMapped(src) === null;
  const nwProto = h.tnlType === 4 || h.tnlType === 5 || h.tnlType === 110 ? IPPROTO_UDP : IPPROTO_GRE;
  for (const f of [ctx.baseFlow, flow]) propagateTunnelData(f, flow, dmac, smac, src, isV6, nwProto);
  const outer = ctx.odp;
  ctx.odp = [{ type: 'tnl_push', tnlPort: tnlOdpPort, outPort: outDev.odpPort, tnlType: h.tnlType, header: h.header }];
  if (!truncate) {
    const xin = ctx.xin;
    // The underlay bridge's rules are credited with the packet too (as OVS
    // pushes the tunnel translation's stats); no side effects there.
    const saved = { wc: ctx.wc.slice(), stats: xin.resubmitStats, side: xin.allowSideEffects, packet: xin.packet };
    xin.allowSideEffects = false;
    xin.packet = null;
    try {
      ctx.patchPortOutput(xport, outDev, isLast);
    } finally {
      ctx.wc.set(saved.wc);
      xin.resubmitStats = saved.stats;
      xin.allowSideEffects = saved.side;
      xin.packet = saved.packet;
    }
  } else {
    ctx.odp.push({ type: 'recirc', id: 0 });
  }
  const inner = ctx.odp;
  ctx.odp = outer;
  if (inner.length > 1) {
    if (isLast) outer.push(...inner);
    else outer.push({ type: 'clone', actions: inner });
  }
  flow.set(oldFlow);
  ctx.baseFlow.set(oldBase);
}

/** propagate_tunnel_data_to_flow__: 'dst' becomes the outer packet of 'src''s tunnel. */
function propagateTunnelData(dst: Uint8Array, src: Uint8Array, dmac: Uint8Array, smac: Uint8Array,
                             sIp: Uint8Array, isV6: boolean, nwProto: number): void {
  const tIpDst = get32(src, FL.TUN_IP_DST), tIpSrc = get32(src, FL.TUN_IP_SRC);
  const v6dst = src.slice(FL.TUN_IPV6_DST, FL.TUN_IPV6_DST + 16), v6src = src.slice(FL.TUN_IPV6_SRC, FL.TUN_IPV6_SRC + 16);
  const tos = src[FL.TUN_TOS]!, ttl = src[FL.TUN_TTL]!;
  const tpDst = get16(src, FL.TUN_TP_DST), tpSrc = get16(src, FL.TUN_TP_SRC);
  dst.set(dmac, FL.DL_DST);
  dst.set(smac, FL.DL_SRC);
  dst.fill(0, FL.VLANS, FL.VLANS + 8);
  put32(dst, FL.PACKET_TYPE, 0);
  put32(dst, FL.NW_DST, tIpDst);
  put32(dst, FL.NW_SRC, tIpSrc);
  dst.set(v6dst, FL.IPV6_DST);
  dst.set(v6src, FL.IPV6_SRC);
  dst[FL.NW_FRAG] = 0;
  dst[FL.NW_TOS] = tos;
  dst[FL.NW_TTL] = ttl;
  put16(dst, FL.TP_DST, tpDst);
  put16(dst, FL.TP_SRC, tpSrc);
  if (isV6) {
    put16(dst, FL.DL_TYPE, ETH_TYPE_IPV6);
    if (!dst.subarray(FL.IPV6_SRC, FL.IPV6_SRC + 16).some((b) => b)) dst.set(sIp, FL.IPV6_SRC);
  } else {
    put16(dst, FL.DL_TYPE, ETH_TYPE_IP);
    const s4 = ipv4FromMapped(sIp);
    if (get32(dst, FL.NW_SRC) === 0 && s4) put32(dst, FL.NW_SRC, s4);
  }
  dst[FL.NW_PROTO] = nwProto;
}

function isGarp(flow: Uint8Array, wc: Uint8Array): boolean {
  if (get16(flow, FL.DL_TYPE) !== ETH_TYPE_ARP) return false;
  wcMask(wc, FL.DL_DST, 6);
  if (!flow.subarray(FL.DL_DST, FL.DL_DST + 6).every((b) => b === 0xff)) return false;
  wcMask(wc, FL.NW_SRC, 4); wcMask(wc, FL.NW_DST, 4);
  return get32(flow, FL.NW_SRC) === get32(flow, FL.NW_DST);
}

/** Snoops ARP replies, gratuitous ARPs and neighbour advertisements (tnl_neigh_snoop). */
function tnlNeighSnoop(ctx: XlateCtx, flow: Uint8Array, wc: Uint8Array): void {
  const dl = get16(flow, FL.DL_TYPE);
  if (dl === ETH_TYPE_ARP) {
    wc[FL.NW_PROTO] = 0xff;
    wcMask(wc, FL.ARP_SHA, 6);
    if (!isGarp(flow, wc) && flow[FL.NW_PROTO] !== 2) return;
    if (!flow.subarray(FL.ARP_SHA, FL.ARP_SHA + 6).some((b) => b)) return;
    wcMask(wc, FL.NW_SRC, 4);
    if (ctx.allowSideEffects) tnlNeighSet(ctx.xbridge.name, ipv4Mapped(get32(flow, FL.NW_SRC)), flow.slice(FL.ARP_SHA, FL.ARP_SHA + 6));
  } else if (dl === ETH_TYPE_IPV6 && flow[FL.NW_PROTO] === IPPROTO_ICMPV6 && get16(flow, FL.TP_SRC) === 136) {
    wcMask(wc, FL.ARP_THA, 6);
    if (!flow.subarray(FL.ARP_THA, FL.ARP_THA + 6).some((b) => b)) return;
    wcMask(wc, FL.IPV6_SRC, 16); wcMask(wc, FL.IPV6_DST, 16); wcMask(wc, FL.ND_TARGET, 16);
    if (ctx.allowSideEffects) tnlNeighSet(ctx.xbridge.name, flow.slice(FL.ND_TARGET, FL.ND_TARGET + 16), flow.slice(FL.ARP_THA, FL.ARP_THA + 6));
  }
}

/** Whether an ARP reply or NA is addressed to one of the bridge's addresses
 * (is_neighbor_reply_correct). */
function isNeighborReplyCorrect(xport: XPort, flow: Uint8Array, wc: Uint8Array): boolean {
  const dl = get16(flow, FL.DL_TYPE);
  if (dl === ETH_TYPE_ARP) wcMask(wc, FL.NW_DST, 4);
  else if (dl === ETH_TYPE_IPV6 && flow[FL.NW_PROTO] === IPPROTO_ICMPV6) wcMask(wc, FL.IPV6_DST, 16);
  else return false;
  // (VLANs need no check here: NORMAL delivers only the port's own VLAN.)
  for (const { addr } of netdevGetAddrList(xport.bridge.name)) {
    const v4 = ipv4FromMapped(addr);
    if (dl === ETH_TYPE_ARP ? v4 !== null && v4 === get32(flow, FL.NW_DST)
      : addr.every((x, i) => x === flow[FL.IPV6_DST + i])) return true;
  }
  return false;
}

/** The tunnel datapath port to pop a packet sent to 'xport' with (or -1),
 * snooping neighbours on the way (terminate_native_tunnel). */
export function xlateTerminateTunnel(ctx: XlateCtx, xport: XPort): number {
  if (ctx.xbridge.support.tnlPushPop === false) return -1;
  if (tnlPortMapIsEmpty() || !netdevGetAddrList(xport.name).length) return -1;
  const flow = ctx.flow, wc = ctx.wc;
  const port = tnlPortMapLookup(flow, wc);
  const dl = get16(flow, FL.DL_TYPE);
  if (port < 0) {
    const neigh = (dl === ETH_TYPE_ARP || flow[FL.NW_PROTO] === IPPROTO_ICMPV6) && isNeighborReplyCorrect(xport, flow, wc);
    if (neigh || isGarp(flow, wc)) tnlNeighSnoop(ctx, flow, wc);
  } else if (ctx.allowSideEffects && (dl === ETH_TYPE_IP || dl === ETH_TYPE_IPV6)) {
    const s = dl === ETH_TYPE_IP ? ipv4Mapped(get32(flow, FL.NW_SRC)) : flow.slice(FL.IPV6_SRC, FL.IPV6_SRC + 16);
    tnlNeighSet(ctx.xbridge.name, s, flow.slice(FL.DL_SRC, FL.DL_SRC + 6));
  }
  return port;
}
