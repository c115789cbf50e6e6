/* tnl-ports: which packets arriving on an underlay bridge are tunnel traffic
 * to decapsulate (OVS lib/tnl-ports.c).
 *
 * Each tunnel datapath port (e.g. vxlan_sys_4789, shared by every VXLAN port
 * on UDP 4789) is listed once with a reference count per tunnel port using
 * it.  "IP devices" are the devices routes go out of (ovs-router.ts adds
 * them): a packet whose Ethernet destination is such a device's MAC, untagged,
 * IP to one of its addresses, not a fragment, with the tunnel's IP protocol
 * (and UDP destination port) is the tunnel's: xlate then emits
 * tnl_pop(port) instead of delivering it (tnlPortMapLookup, which also
 * un-wildcards the fields it looked at).  `tnl/ports/show` lists the ports.
 */
import { unixctlCommandRegister } from '../lib/unixctl.js';
import { FL, get16, get32 } from '../openflow/flow.js';
import { wcMask } from '../openflow/mf-flow.js';
import { netdevFromName, netdevGetEtherAddr, netdevGetAddrList } from '../datapath/netdev.js';
import { ipv4FromMapped } from '../datapath/netdev-vport.js';

const IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_GRE = 47;
const FLOW_NW_FRAG_MASK = 3;

interface TnlListenPort { port: number; tpPort: number; nwProto: number; devName: string; refCnt: number }

/** Newest first, as OVS's list. */
const ports: TnlListenPort[] = [];
/** Devices with addresses that can terminate tunnels. */
const ipDevs = new Set<string>();

/** The IP protocol of a tunnel type (tnl_type_to_nw_proto); 0 if none. */
export function tnlTypeToNwProto(type: string): number {
  switch (type) {
    case 'geneve': case 'vxlan': case 'gtpu': return IPPROTO_UDP;
    case 'stt': return IPPROTO_TCP;
    case 'gre': case 'erspan': case 'ip6erspan': case 'ip6gre': return IPPROTO_GRE;
    default: return 0;
  }
}

/** A tunnel port listens on datapath port 'port' (tnl_port_map_insert). */
export function tnlPortMapInsert(port: number, tpPort: number, devName: string, type: string): void {
  const nwProto = tnlTypeToNwProto(type);
  if (!nwProto) return;
  const p = ports.find((x) => x.port === port && x.nwProto === nwProto);
  if (p) { p.refCnt++; return; }
  ports.unshift({ port, tpPort: nwProto === IPPROTO_GRE ? 0 : tpPort, nwProto, devName, refCnt: 1 });
}

/** A tunnel port stops listening (tnl_port_map_delete). */
export function tnlPortMapDelete(port: number, type: string): void {
  const nwProto = tnlTypeToNwProto(type);
  const i = ports.findIndex((x) => x.port === port && x.nwProto === nwProto);
  if (i >= 0 && --ports[i]!.refCnt === 0) ports.splice(i, 1);
}

/** Device 'name' may terminate tunnels with its addresses (tnl_port_map_insert_ipdev). */
export function tnlPortMapInsertIpdev(name: string): void { ipDevs.add(name); }

/** True if no tunnel port listens (nothing can be decapsulated). */
export function tnlPortMapIsEmpty(): boolean { return ports.length === 0; }

/** Forgets every listening port and device (for tests). */
export function tnlPortMapFlush(): void { ports.length = 0; ipDevs.clear(); }

/** The datapath port of the tunnel 'flow' is addressed to (tnl_port_map_lookup),
 * or -1; masks in 'wc' the fields the decision used. */
export function tnlPortMapLookup(flow: Uint8Array, wc: Uint8Array | null): number {
  if (!ports.length || !ipDevs.size) return -1;
  const dlType = get16(flow, FL.DL_TYPE);
  if (wc) wcMask(wc, FL.DL_TYPE, 2);
  if (dlType !== 0x0800 && dlType !== 0x86dd) return -1;
  if (wc) { wcMask(wc, FL.DL_DST, 6); wcMask(wc, FL.VLANS + 2, 2); }
  if (get16(flow, FL.VLANS + 2) !== 0) return -1;
  for (const name of ipDevs) {
    const nd = netdevFromName(name);
    if (!nd) continue;
    const mac = netdevGetEtherAddr(nd);
    if (mac < 0) continue;
    let same = true;
    for (let i = 0; i < 6; i++) if (flow[FL.DL_DST + i] !== Math.floor(mac / 2 ** (8 * (5 - i))) % 256) same = false;
    if (!same) continue;
    for (const { addr } of netdevGetAddrList(name)) {
      const v4 = ipv4FromMapped(addr);
      if (v4 !== null ? dlType !== 0x0800 : dlType !== 0x86dd) continue;
      if (wc) {
        if (v4 !== null) wcMask(wc, FL.NW_DST, 4); else wcMask(wc, FL.IPV6_DST, 16);
      }
      const match = v4 !== null ? get32(flow, FL.NW_DST) === v4
        : addr.every((b, i) => b === flow[FL.IPV6_DST + i]);
      if (!match) continue;
      if (wc) { wc[FL.NW_PROTO] = 0xff; wc[FL.NW_FRAG]! |= FLOW_NW_FRAG_MASK; }
      if (flow[FL.NW_FRAG]! & FLOW_NW_FRAG_MASK) return -1;
      for (const p of ports) {
        if (p.nwProto !== flow[FL.NW_PROTO]) continue;
        if (p.tpPort) {
          if (wc) wcMask(wc, FL.TP_DST, 2);
          if (get16(flow, FL.TP_DST) !== p.tpPort) continue;
        }
        return p.port;
      }
      return -1;
    }
  }
  return -1;
}

/** Registers tnl/ports/show. */
export function tnlPortsUnixctlRegister(): void {
  unixctlCommandRegister('tnl/ports/show', '-v', 0, 1, () => {
    let s = 'Listening ports:\n';
    for (const p of ports) s += `${p.devName} (${p.port}) ref_cnt=${p.refCnt}\n`;
    return s;
  });
}
