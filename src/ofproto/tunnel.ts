/* tunnel: ofproto's table of tunnel ports (OVS ofproto/tunnel.c).
 *
 * ofproto-dpif registers each tunnel port with its netdev configuration
 * (datapath/netdev-vport.ts TunnelConfig) and the shared datapath port it
 * uses (e.g. vxlan_sys_4789 = datapath port 4789).  Then:
 *  - tnlPortReceive(): a packet the datapath decapsulated arrives with the
 *    shared datapath port as in_port and its tunnel metadata; the port whose
 *    configuration matches it best (key, remote and local IP; "flow" matches
 *    anything) is the OpenFlow port it was received on.
 *  - tnlPortSend(): output to a tunnel port sets the flow's tunnel fields
 *    from the configuration (remote_ip, local_ip, out_key, tos, ttl, csum,
 *    df_default...) unless they are "flow", in which case what actions set
 *    (set_field:...->tun_dst, set_tunnel) is used.
 *  - tnlPortBuildHeader(): the outer header for tnl_push.
 * Listening ports (tnl-ports.ts) are kept in step.
 */
import { FL, get16, get32, put16, put32, put64, get64 } from '../openflow/flow.js';
import { wcMask } from '../openflow/mf-flow.js';
import {
  type NetdevTunnel, type TunnelConfig, netdevVportGetDpifPort, ipv4FromMapped,
} from '../datapath/netdev-vport.js';
import { netdevTnlBuildHeader, tnlMetadataNew, type TnlHeader } from '../datapath/netdev-native-tnl.js';
import { TunFlags } from '../datapath/flow.js';
import { tnlPortMapInsert, tnlPortMapDelete, tnlPortsUnixctlRegister } from './tnl-ports.js';
import { ovsRouterUnixctlRegister } from './ovs-router.js';
import { tnlNeighCacheUnixctlRegister } from './tnl-neigh-cache.js';
import type { XPort } from './ofproto-dpif-xlate.js';

const IP_DSCP_MASK = 0xfc, IP_ECN_MASK = 0x03, IP_ECN_CE = 0x03, IP_ECN_ECT_0 = 0x02;

/** A registered tunnel port (struct tnl_port). */
export interface TnlPort {
  xport: XPort;
  netdev: NetdevTunnel;
  /** Netdev type: "vxlan", "geneve", "gre"... */
  type: string;
  /** Shared datapath port name and number. */
  dpifPort: string;
  odpPort: number;
  /** The datapath the port lives in (one numbering per datapath). */
  dpKey: unknown;
  /** Configuration when registered (a change re-registers the port). */
  cfg: TunnelConfig;
}

const tnlPorts: TnlPort[] = [];

/** Registers a tunnel port (tnl_port_add) and its listening port. */
export function tnlPortAdd(xport: XPort, netdev: NetdevTunnel, odpPort: number, dpKey: unknown): TnlPort {
  tnlPortDel(xport);
  const p: TnlPort = {
    xport, netdev, type: netdev.netdevClass.type, dpifPort: netdevVportGetDpifPort(netdev), odpPort, dpKey,
    cfg: netdev.cfg,
  };
  tnlPorts.push(p);
  tnlPortMapInsert(odpPort, netdev.cfg.dstPort, p.dpifPort, p.type);
  return p;
}

/** Unregisters the tunnel port of 'xport' (tnl_port_del). */
export function tnlPortDel(xport: XPort): void {
  const i = tnlPorts.findIndex((p) => p.xport === xport);
  if (i < 0) return;
  const p = tnlPorts[i]!;
  tnlPorts.splice(i, 1);
  tnlPortMapDelete(p.odpPort, p.type);
}

/** The tunnel port registered for 'xport', if any. */
export function tnlPortOf(xport: XPort): TnlPort | undefined {
  return tnlPorts.find((p) => p.xport === xport);
}

/** The netdev type of datapath port 'odpPort' of datapath 'dpKey' if it is a
 * tunnel's shared port ("vxlan"...), else null (what tnl_pop decapsulates as). */
export function tnlPortTypeOf(dpKey: unknown, odpPort: number): string | null {
  return tnlPorts.find((p) => p.dpKey === dpKey && p.odpPort === odpPort)?.type ?? null;
}

function mappedEq(cfgIp: Uint8Array, flow: Uint8Array, v4Off: number, v6Off: number): boolean {
  const v4 = ipv4FromMapped(cfgIp);
  if (v4 !== null) return get32(flow, v4Off) === v4;
  for (let i = 0; i < 16; i++) if (cfgIp[i] !== flow[v6Off + i]) return false;
  return true;
}

/** The tunnel port a decapsulated packet was received on (tnl_port_receive):
 * 'flow' has the tunnel metadata and IN_PORT = the shared datapath port.
 * Ports with exact settings win over ones with "flow" ones. */
export function tnlPortReceive(dpKey: unknown, flow: Uint8Array): TnlPort | null {
  const odp = get32(flow, FL.IN_PORT);
  const tunId = get64(flow, FL.TUN_ID);
  const hasKey = (get16(flow, FL.TUN_FLAGS) & TunFlags.KEY) !== 0;
  let best: TnlPort | null = null, bestScore = -1;
  for (const p of tnlPorts) {
    if (p.dpKey !== dpKey || p.odpPort !== odp) continue;
    const c = p.cfg;
    let score = 0;
    if (!c.inKeyFlow) {
      if (c.inKeyPresent ? !hasKey || tunId !== c.inKey : hasKey && tunId !== 0n) continue;
      score += 4;
    }
    if (!c.ipDstFlow) {
      // Our remote is the packet's source.
      if (!mappedEq(c.ipDst, flow, FL.TUN_IP_SRC, FL.TUN_IPV6_SRC)) continue;
      score += 2;
    }
    if (!c.ipSrcFlow && c.ipSrc.some((b) => b)) {
      if (!mappedEq(c.ipSrc, flow, FL.TUN_IP_DST, FL.TUN_IPV6_DST)) continue;
      score += 1;
    }
    if (score > bestScore) { best = p; bestScore = score; }
  }
  return best;
}

/** Prepares a received tunnel packet's flow for translation: the OpenFlow
 * in_port of its tunnel port, and what the datapath does not know (a
 * port without key matches tun_id 0). */
export function tnlPortReceiveFlow(p: TnlPort, flow: Uint8Array): void {
  put32(flow, FL.IN_PORT, p.xport.ofpPort);
  if (p.cfg.ptMode === 'legacy_l3' && get32(flow, FL.PACKET_TYPE) === 0) {
    /* An L3 port delivers packets without their Ethernet header. */
  }
}

/** Sets the flow's tunnel fields for output to 'p' (tnl_port_send); the
 * datapath port to send to. */
export function tnlPortSend(p: TnlPort, flow: Uint8Array, wc: Uint8Array): number {
  const c = p.cfg;
  const setIp = (ip: Uint8Array, v4Off: number, v6Off: number) => {
    const v4 = ipv4FromMapped(ip);
    if (v4 !== null) { put32(flow, v4Off, v4); flow.fill(0, v6Off, v6Off + 16); }
    else { put32(flow, v4Off, 0); flow.set(ip, v6Off); }
  };
  if (!c.ipSrcFlow) setIp(c.ipSrc, FL.TUN_IP_SRC, FL.TUN_IPV6_SRC);
  if (!c.ipDstFlow) setIp(c.ipDst, FL.TUN_IP_DST, FL.TUN_IPV6_DST);
  // An unset IPv4 source stays 0 (the route picks it).
  if (!c.ipSrcFlow && !c.ipSrc.some((b) => b)) { put32(flow, FL.TUN_IP_SRC, 0); flow.fill(0, FL.TUN_IPV6_SRC, FL.TUN_IPV6_SRC + 16); }
  put16(flow, FL.TUN_TP_DST, c.dstPort);
  if (!c.outKeyFlow) put64(flow, FL.TUN_ID, c.outKey);
  const dl = get16(flow, FL.DL_TYPE);
  const isIp = get32(flow, FL.PACKET_TYPE) === 0 ? dl === 0x0800 || dl === 0x86dd
    : get32(flow, FL.PACKET_TYPE) === ((1 << 16) | 0x0800) || get32(flow, FL.PACKET_TYPE) === ((1 << 16) | 0x86dd);
  if (c.ttlInherit && isIp) { wc[FL.NW_TTL] = 0xff; flow[FL.TUN_TTL] = flow[FL.NW_TTL]!; }
  else flow[FL.TUN_TTL] = c.ttl;
  if (c.tosInherit && isIp) { wc[FL.NW_TOS]! |= IP_DSCP_MASK; flow[FL.TUN_TOS] = flow[FL.NW_TOS]! & IP_DSCP_MASK; }
  else flow[FL.TUN_TOS] = c.tos;
  if (isIp) {
    wc[FL.NW_TOS]! |= IP_ECN_MASK;
    const ecn = flow[FL.NW_TOS]! & IP_ECN_MASK;
    flow[FL.TUN_TOS]! |= ecn === IP_ECN_CE ? IP_ECN_ECT_0 : ecn;
  }
  let flags = get16(flow, FL.TUN_FLAGS) & TunFlags.OAM;
  if (c.dontFragment) flags |= TunFlags.DF;
  if (c.csum) flags |= TunFlags.CSUM;
  if (c.outKeyPresent) flags |= TunFlags.KEY;
  put16(flow, FL.TUN_FLAGS, flags);
  if (c.egressPktMark !== null) { put32(flow, FL.PKT_MARK, c.egressPktMark); wcMask(wc, FL.PKT_MARK, 4); }
  return p.odpPort;
}

/** Builds the outer header for the tunnel fields of 'flow' (tnl_port_build_header). */
export function tnlPortBuildHeader(p: TnlPort, flow: Uint8Array, dmac: Uint8Array, smac: Uint8Array,
                                   srcIp: Uint8Array): TnlHeader | null {
  const tun = tnlMetadataNew();
  tun.ipDst = get32(flow, FL.TUN_IP_DST);
  tun.ipv6Dst = flow.slice(FL.TUN_IPV6_DST, FL.TUN_IPV6_DST + 16);
  tun.tunId = get64(flow, FL.TUN_ID);
  tun.tos = flow[FL.TUN_TOS]!;
  tun.ttl = flow[FL.TUN_TTL]!;
  tun.flags = get16(flow, FL.TUN_FLAGS);
  tun.gbpId = get16(flow, FL.TUN_GBP_ID);
  tun.gbpFlags = flow[FL.TUN_GBP_FLAGS]!;
  return netdevTnlBuildHeader(p.type, p.cfg, { dmac, smac, srcIp, tun, packetType: get32(flow, FL.PACKET_TYPE) });
}

/** Registers the native tunnel commands: ovs/route/*, tnl/neigh/* (tnl/arp/*), tnl/ports/show. */
export function tnlUnixctlRegister(): void {
  ovsRouterUnixctlRegister();
  tnlNeighCacheUnixctlRegister();
  tnlPortsUnixctlRegister();
}
