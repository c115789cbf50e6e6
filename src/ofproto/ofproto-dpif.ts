/* ofproto-dpif: the ofproto provider built on a datapath.
 *
 * Implements OfprotoClass (ofproto-provider.ts) for datapath types such as
 * "netdev": rules keep packet counters credited by translations and datapath
 * flow statistics; ports map OpenFlow port numbers to datapath ports; the
 * bridge configures bundles (VLAN modes), the MAC table and flood VLANs; a
 * miss upcall is translated (ofproto-dpif-xlate.ts), installed as a megaflow
 * and executed; controller actions come back as userspace upcalls and become
 * packet-ins; packet-outs are translated and executed.
 *
 * The datapath itself is reached through DpifBackend, a small seam the
 * datapath layer implements over its dpif (one backend per datapath type is
 * shared by all bridges of that type, like OVS's dpif_backer).  Flows and
 * masks cross the seam in the flow layout of openflow/flow.ts; actions as
 * datapath/odp-actions.ts lists.
 *
 * The unixctl commands OVS registers here (ofproto/trace, fdb/show...) are
 * plain functions at the end of this file returning their reply text, for
 * vswitchd to register.
 */
import { OfpError } from '../openflow/ofp-errors.js';
import { FL, FLOW_SIZE, get16, get32, put16, put32, put64 } from '../openflow/flow.js';
import { Match } from '../openflow/match.js';
import { flowExtract } from '../openflow/flow-extract.js';
import type { PacketIn, PacketOut } from '../openflow/ofp-packet.js';
import type { MeterConfig, MeterFeatures } from '../openflow/ofp-meter.js';
import type { PhyPort } from '../openflow/ofp-port.js';
import { parseEth } from '../openflow/addr-text.js';
import { formatPort } from '../openflow/ofp-port-map.js';
import { type OdpAction, type UserCookie } from '../datapath/odp-actions.js';
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { Ofproto, ofprotoClassRegister } from './ofproto.js';
import type { OfprotoClass, Rule, PktStats, OfGroup, GroupProviderStats, Ofport } from './ofproto-provider.js';
import { MacLearning, MAC_ENTRY_DEFAULT_IDLE_TIME, MAC_ENTRY_AGE_STATIC_ENTRY, ethToNumber } from './mac-learning.js';
import { RecircIdPool } from './ofproto-dpif-rid.js';
import {
  type XBridge, type XBundle, type XPort, type XlateOut, type XlateStats, type XlateSupport, type VlanMode,
  ODPP_NONE, xlateActions,
} from './ofproto-dpif-xlate.js';
import { ofprotoTrace, parseExactFlow } from './ofproto-dpif-trace.js';
import { Udpif, datapathMask } from './ofproto-dpif-upcall.js';
import { parseActions } from '../openflow/ofp-actions-all.js';
import { hmapOrder, hashInt } from '../lib/hash.js';
import { netdevVportIsTunnel, netdevVportGetDpifPort } from '../datapath/netdev-vport.js';
import { tnlPortAdd, tnlPortDel, tnlPortOf, tnlPortReceive, tnlPortTypeOf } from './tunnel.js';
import { netdevTnlPopHeader } from '../datapath/netdev-native-tnl.js';
import { tnlNeighFlushName, tnlNeighSetChangeHook } from './tnl-neigh-cache.js';
import { ovsRouterSetChangeHook } from './ovs-router.js';
import { parseFlowKey } from '../datapath/odp-util.js';
import { FLOW_WORDS, W } from '../datapath/flow.js';
import { keyToFlow } from '../datapath/flow-convert.js';
import { coverageCounter } from '../lib/coverage.js';
import { xlateTnlBridgeAdd, xlateTnlBridgeRemove, xlateTnlSetPacketSender } from './ofproto-dpif-xlate-tnl.js';

const log = vlogModule('ofproto_dpif');

const OFPP_LOCAL = 0xfffe, OFPP_NONE = 0xffff;

/* ---- The datapath seam. ---- */

/** What ofproto-dpif needs from a datapath (the datapath layer implements it over its dpif). */
export interface DpifBackend {
  /** Datapath name, e.g. "ovs-netdev". */
  readonly name: string;
  readonly support: XlateSupport;
  /** Adds a network device; returns its datapath port number or a negative errno. */
  portAdd(name: string, netdev: unknown, odpPortRequest: number | null): number;
  /** Removes a datapath port; returns 0 or an errno. */
  portDel(odpPort: number): number;
  /** Installs or replaces a megaflow: packets matching 'flow' under 'mask' get
   * 'actions'.  Backends that cache flows return the flow's handle (>= 0), or
   * -1 if the flow was not cached (e.g. actions only the slow path runs). */
  flowPut(flow: Uint8Array, mask: Uint8Array, actions: readonly OdpAction[], ufid: number): number | void;
  /** Removes every megaflow. */
  flowFlush(): void;
  /* Revalidation (ofproto-dpif-upcall.ts), for backends that cache flows: */
  /** Statistics of cached flow 'handle' so far, or null if it is gone. */
  flowStats?(handle: number): DpFlowStats | null;
  /** Deletes cached flow 'handle'; its final statistics, or null if it was gone. */
  flowDel?(handle: number): DpFlowStats | null;
  /** Replaces the actions of cached flow 'handle'; false if it is gone or cannot take them. */
  flowModify?(handle: number, actions: readonly OdpAction[]): boolean;
  /** Number of flows in the datapath. */
  flowCount?(): number;
  /** Every cached flow must be revalidated before its next use: the backend
   * calls 'revalidate(handle)' on the next hit of each, which answers whether
   * the flow may still be used (after flowModify/flowDel as needed). */
  invalidate?(): void;
  /** Sets the function invalidate() hits call. */
  setRevalidate?(revalidate: (handle: number) => boolean): void;
  /** Datapath port 'odpPort' is a tunnel's shared port of 'type' (null: no
   * longer), so that tnl_pop(odpPort) can decapsulate in the datapath. */
  tunnelPortSet?(odpPort: number, type: string | null): void;
  /** Runs 'actions' on one packet whose flow is 'flow'. */
  execute(packet: Uint8Array, flow: Uint8Array, actions: readonly OdpAction[]): void;
  meterFeatures?(): MeterFeatures;
  meterSet?(id: number | null, config: MeterConfig): number | OfpError;
  meterGet?(id: number, nBands: number): { packetsIn: number; bytesIn: number; bands: { packets: number; bytes: number }[] } | null;
  meterDel?(id: number): void;
}

/** Cumulative statistics of a datapath flow ('used' in the datapath's clock, 0: never). */
export interface DpFlowStats { packets: number; bytes: number; used: number; tcpFlags: number; created: number }

/** The shared datapath ports of tunnels (e.g. vxlan_sys_4789), per backend, with user counts. */
const tunnelDpPorts = new Map<DpifBackend, Map<string, { odp: number; refs: number }>>();

/** The datapath port of tunnel port name 'dpName', added on first use. */
function tunnelDpPortRef(backend: DpifBackend, dpName: string, type: string): number {
  let m = tunnelDpPorts.get(backend);
  if (!m) { m = new Map(); tunnelDpPorts.set(backend, m); }
  const e = m.get(dpName);
  if (e) { e.refs++; return e.odp; }
  const odp = backend.portAdd(dpName, null, null);
  if (odp >= 0) { m.set(dpName, { odp, refs: 1 }); backend.tunnelPortSet?.(odp, type); }
  return odp;
}

/** Drops a use of tunnel datapath port 'dpName'; the last one removes it. */
function tunnelDpPortUnref(backend: DpifBackend, dpName: string): void {
  const m = tunnelDpPorts.get(backend);
  const e = m?.get(dpName);
  if (!e || --e.refs > 0) return;
  m!.delete(dpName);
  backend.tunnelPortSet?.(e.odp, null);
  backend.portDel(e.odp);
}

/** Opens the backend for a datapath type (set by the datapath layer at start-up). */
export type BackerOpener = (type: string) => DpifBackend | null;

let backerOpener: BackerOpener | null = null;
const backers = new Map<string, { backend: DpifBackend; rids: RecircIdPool; udpif: Udpif; refs: number }>();

/** Tells ofproto-dpif how to reach datapaths. */
export function ofprotoDpifSetBackerOpener(fn: BackerOpener): void { backerOpener = fn; }

/* ---- Per-switch state. ---- */

/** Bundle settings from the bridge (struct ofproto_bundle_settings). */
export interface BundleSettings {
  name: string;
  /** OpenFlow ports in the bundle (more than one: a bond). */
  slaves: number[];
  vlanMode: VlanMode;
  vlan: number;
  trunks: number[] | null;
  cvlans?: number[] | null;
  qinqEthtype?: number;
  usePriorityTags?: boolean;
  protected?: boolean;
}

/** Rule counters (struct rule_dpif's stats).  A rule replaced by a flow-mod
 * passes what the datapath still credits it to its replacement ('newRule'):
 * packets and bytes too if the flow-mod forwarded the counts. */
interface RuleDpif { stats: PktStats; newRule?: Rule | null; forwardCounts?: boolean }

/** Group counters. */
interface GroupDpif { packets: number; bytes: number; buckets: { packets: number; bytes: number }[] }

/** ofproto-dpif's state for one switch (struct ofproto_dpif). */
/** The VLANs a bundle trunks: a native-untagged/native-tagged port always
 * trunks its native VLAN and never VLAN 0 (as OVS's bundle_set). */
function bundleTrunks(mode: BundleSettings['vlanMode'], vlan: number, trunks: readonly number[] | null | undefined): Set<number> | null {
  if (mode === 'access') return null;
  const set = trunks ? new Set(trunks) : null;
  if ((mode === 'native-untagged' || mode === 'native-tagged') && vlan !== 0
      && (!set || !set.has(vlan) || set.has(0))) {
    if (!set) {
      // Every VLAN but 0 (an explicit set stands for OVS's all-ones bitmap).
      const all = new Set<number>();
      for (let v = 1; v < 4096; v++) all.add(v);
      return all;
    }
    set.add(vlan);
    set.delete(0);
  }
  return set;
}

export class OfprotoDpif {
  readonly xbridge: XBridge;
  readonly ml: MacLearning<unknown>;
  /** Bridge handle -> bundle. */
  private readonly bundles = new Map<unknown, XBundle>();
  /** Next OpenFlow port number to try when allocating. */
  private allocPortNo = 0;
  /** Counters for ofproto/... and dpif/show. */
  nHit = 0;
  nMissed = 0;
  private ufid = 1;
  /** connmgr's packet-in sink. */
  onPacketIn: ((pin: PacketIn, controllerId: number, maxLen: number) => void) | null = null;
  /** Whether connmgr wants packet-ins on table misses. */
  wantsPacketInOnMiss: () => boolean = () => false;

  constructor(readonly ofproto: Ofproto, readonly backend: DpifBackend, rids: RecircIdPool,
              /** The datapath flows' upkeep (shared by the backer's bridges). */
              readonly udpif: Udpif = new Udpif(`${ofproto.type}@${backend.name}`, backend)) {
    this.ml = new MacLearning<unknown>(MAC_ENTRY_DEFAULT_IDLE_TIME, () => Math.floor(ofproto.now() / 1000));
    this.xbridge = {
      name: ofproto.name, ofproto, ml: this.ml, bundles: [], ports: new Map(), forwardBpdu: false,
      support: backend.support, rids,
      wantsPacketInOnMiss: () => this.wantsPacketInOnMiss(),
      ruleCredit: (rule, st) => creditRule(rule, st),
      groupCredit: (g, b, st) => creditGroup(g, b, st),
    };
  }

  private refreshFloodOrder(): void {
    this.xbridge.floodOrder = hmapOrder([...this.xbridge.ports.values()], (p) => hashInt(p.ofpPort, 0));
  }

  /** Allocates an OpenFlow port number (alloc_ofp_port): the request if free, else the next free from 1. */
  allocOfpPort(request: number | null): number {
    if (request !== null && request > 0 && request < this.ofproto.maxPorts && !this.ofproto.ports.has(request)) {
      return request;
    }
    const limit = Math.min(this.ofproto.maxPorts, 32768);
    const start = this.allocPortNo;
    for (;;) {
      if (++this.allocPortNo >= limit) this.allocPortNo = 1;
      if (!this.ofproto.ports.has(this.allocPortNo)) return this.allocPortNo;
      if (this.allocPortNo === start) return OFPP_NONE;
    }
  }

  /**
   * Adds a network device as a port (ofproto_port_add): a datapath port and
   * an OpenFlow port.  The bridge's own internal port is OpenFlow LOCAL.
   * Returns the OpenFlow port number or an error text.
   */
  portAdd(name: string, netdev: unknown, pp: Omit<PhyPort, 'portNo' | 'name'>, ofpRequest: number | null,
          odpRequest: number | null = null): number | string {
    const isLocal = name === this.ofproto.name;
    const ofp = isLocal ? OFPP_LOCAL : this.allocOfpPort(ofpRequest);
    if (ofp === OFPP_NONE) return `${this.ofproto.name}: no free OpenFlow port number for ${name}`;
    const tnl = netdevVportIsTunnel(netdev) ? netdev : null;
    const odp = tnl ? tunnelDpPortRef(this.backend, netdevVportGetDpifPort(tnl), tnl.netdevClass.type)
      : this.backend.portAdd(name, netdev, odpRequest);
    if (odp < 0) return `${this.ofproto.name}: could not add ${name} to datapath (${-odp})`;
    const port: Ofport = { ofpPort: ofp, pp: { ...pp, portNo: ofp, name } as PhyPort, netdev, dp: null };
    const xport: XPort = {
      ofpPort: ofp, odpPort: odp, name, bridge: this.xbridge, bundle: null, config: pp.config ?? 0,
      state: pp.state ?? 0, peer: null, isTunnel: !!tnl, mayEnable: true,
    };
    port.dp = xport;
    if (tnl) tnlPortAdd(xport, tnl, odp, this.backend);
    this.xbridge.ports.set(ofp, xport);
    this.refreshFloodOrder();
    this.ofproto.portInstall(port);
    this.flushDatapath();
    return ofp;
  }

  /** Removes a port (ofproto_port_del). */
  portDel(ofpPort: number): number {
    const xport = this.xbridge.ports.get(ofpPort);
    if (!xport) return 19; /* ENODEV */
    if (xport.bundle) {
      xport.bundle.ports = xport.bundle.ports.filter((p) => p !== xport);
      if (!xport.bundle.isBond) this.ml.flushPort(xport.bundle.ofbundle);
    }
    this.xbridge.ports.delete(ofpPort);
    tnlNeighFlushName(xport.name);
    this.refreshFloodOrder();
    this.ofproto.portRemove(ofpPort);
    let err = 0;
    if (xport.isTunnel) {
      const tp = tnlPortOf(xport);
      tnlPortDel(xport);
      if (tp) tunnelDpPortUnref(this.backend, tp.dpifPort);
    } else if (xport.odpPort !== ODPP_NONE) {
      err = this.backend.portDel(xport.odpPort);
    }
    this.flushDatapath();
    return err;
  }

  /** Connects two patch ports (possibly in different bridges). */
  static patch(a: OfprotoDpif, aPort: number, b: OfprotoDpif, bPort: number): void {
    const pa = a.xbridge.ports.get(aPort), pb = b.xbridge.ports.get(bPort);
    if (!pa || !pb) return;
    pa.peer = pb;
    pb.peer = pa;
  }

  /** Creates or changes a bundle for the bridge object 'handle' (bundle_set). */
  bundleSet(handle: unknown, s: BundleSettings): void {
    let b = this.bundles.get(handle);
    const oldVlanMode = b?.vlanMode, oldVlan = b?.vlan;
    if (!b) {
      b = {
        name: s.name, ofbundle: handle, ports: [], vlanMode: s.vlanMode, vlan: s.vlan, trunks: null, cvlans: null,
        qinqEthtype: 0x88a8, usePriorityTags: false, floodable: true, protected: false, isBond: false, mirrorOut: false,
      };
      this.bundles.set(handle, b);
      this.xbridge.bundles.push(b);
    }
    b.name = s.name;
    b.vlanMode = s.vlanMode;
    b.vlan = s.vlanMode === 'trunk' ? -1 : s.vlan >= 0 && s.vlan <= 4095 ? s.vlan : 0;
    b.trunks = bundleTrunks(s.vlanMode, b.vlan, s.trunks);
    b.cvlans = s.cvlans ? new Set(s.cvlans) : null;
    b.qinqEthtype = s.qinqEthtype ?? 0x88a8;
    b.usePriorityTags = !!s.usePriorityTags;
    b.protected = !!s.protected;
    b.isBond = s.slaves.length > 1;
    for (const p of b.ports) if (!s.slaves.includes(p.ofpPort)) p.bundle = null;
    b.ports = s.slaves.map((n) => this.xbridge.ports.get(n)).filter((p): p is XPort => !!p);
    for (const p of b.ports) p.bundle = b;
    b.floodable = b.ports.every((p) => !(p.config & 16));
    if (oldVlanMode !== undefined && (oldVlanMode !== b.vlanMode || oldVlan !== b.vlan)) this.ml.flushPort(handle);
    this.flushDatapath();
  }

  /** Removes a bundle (bundle_remove). */
  bundleRemove(handle: unknown): void {
    const b = this.bundles.get(handle);
    if (!b) return;
    for (const p of b.ports) p.bundle = null;
    this.bundles.delete(handle);
    this.xbridge.bundles.splice(this.xbridge.bundles.indexOf(b), 1);
    this.ml.flushPort(handle);
    this.flushDatapath();
  }

  /** MAC table aging and size (ofproto_set_mac_table_config). */
  setMacTableConfig(idleTime: number, maxEntries: number): void {
    this.ml.setIdleTime(idleTime);
    this.ml.setMaxEntries(maxEntries);
  }

  setFloodVlans(vlans: number[] | null): void {
    if (this.ml.setFloodVlans(vlans ? new Set(vlans) : null)) {
      this.ml.flush();
      this.flushDatapath();
    }
  }

  setForwardBpdu(on: boolean): void {
    if (this.xbridge.forwardBpdu !== on) { this.xbridge.forwardBpdu = on; this.flushDatapath(); }
  }

  /** Something translations depend on changed: the datapath flows are
   * revalidated before they are used again (ofproto-dpif-upcall.ts). */
  flushDatapath(): void {
    this.udpif.invalidate();
  }

  /* ---- Packets. ---- */

  /**
   * Handles a miss upcall: translates the packet's flow, installs the
   * megaflow, runs the actions on the packet.  Returns the translation.
   */
  handleMiss(flow: Uint8Array, packet: Uint8Array, tcpFlags = 0): XlateOut {
    this.nMissed++;
    const stats: XlateStats = { packets: 1, bytes: packet.length, used: this.ofproto.now(), tcpFlags };
    const xout = xlateActions({ bridge: this.xbridge, flow, packet, resubmitStats: stats, tcpFlagsFin: (tcpFlags & 5) !== 0 });
    if (!xout.slow && !xout.error) this.udpif.install(this, flow, datapathMask(flow, xout.wc), xout);
    this.backend.execute(packet, flow, xout.odpActions);
    if (this.ml.run()) this.flushDatapath();
    return xout;
  }

  /**
   * Handles a userspace action's upcall (controller actions): rebuilds the
   * packet-in from the frozen state and passes it to connmgr.
   */
  handleUserspace(cookie: UserCookie, packet: Uint8Array, flow: Uint8Array): void {
    if (cookie.type !== 'controller') return;
    if (cookie.dontSend || !this.onPacketIn) return;
    const state = this.xbridge.rids.find(cookie.recircId);
    /* The flow the packet-in describes: the datapath's view of the packet (pkt_mark,
     * packet_type, conntrack as committed before the action) with the frozen pipeline
     * fields over it (tunnel, metadata, registers, in_port); connmgr keeps what is set. */
    const md = new Match();
    md.flow.set((state?.dpFlow ?? flow).subarray(0, FLOW_SIZE));
    if (state) {
      md.flow.set(state.metadata.subarray(0, FL.METADATA + 8), 0);
      md.flow.set(state.metadata.subarray(FL.REGS, FL.REGS + 64), FL.REGS);
      md.flow.set(state.metadata.subarray(FL.IN_PORT, FL.IN_PORT + 4), FL.IN_PORT);
    }
    if (state && !state.conntracked) {
      md.flow.fill(0, FL.CT_STATE, FL.CT_MARK + 4);
      md.flow.fill(0, FL.CT_LABEL, FL.CT_LABEL + 16);
    }
    md.wc.fill(0xff);
    const pin: PacketIn = {
      packet: cookie.maxLen < packet.length ? packet.slice(0, cookie.maxLen) : packet, totalLen: packet.length,
      bufferId: 0xffffffff, reason: cookie.reason, tableId: state?.tableId ?? 0, cookie: cookie.ruleCookie,
      metadata: md, userdata: state?.userdata ?? null,
      continuation: { bridge: null, stack: [], mirrors: 0, conntracked: false, actions: [], actionSet: null, odpPort: 0 },
    };
    this.onPacketIn(pin, cookie.controllerId, cookie.maxLen);
  }

  /** Executes a packet-out (ofproto_packet_out): translate its actions for the packet, then run them. */
  packetOut(po: PacketOut): OfpError | null {
    const inPort = get32(po.metadata.flow, FL.IN_PORT) & 0xffff;
    if (inPort >= this.ofproto.maxPorts && inPort !== OFPP_LOCAL && inPort !== OFPP_NONE && inPort !== 0xfffd) {
      return new OfpError('OFPBRC_BAD_PORT');
    }
    const flow = flowExtract(po.packet, get32(po.metadata.flow, FL.PACKET_TYPE)).flow;
    /* Pipeline metadata given with the packet-out (tunnel, metadata, registers, pkt_mark...). */
    for (let i = 0; i < FL.DL_DST; i++) if (po.metadata.wc[i]) flow[i] = po.metadata.flow[i]!;
    put32(flow, FL.IN_PORT, inPort);
    const xout = xlateActions({ bridge: this.xbridge, flow, packet: po.packet, ofpacts: po.ofpacts.decoded,
      inPacketOut: true });
    if (xout.error) return null;
    this.backend.execute(po.packet, flow, xout.odpActions);
    return null;
  }

  /** Sends 'packet' through the tables as if received on 'inPort' (compose_table_xlate). */
  sendFromPort(inPort: number, packet: Uint8Array): void {
    const flow = flowExtract(packet, 0).flow;
    put32(flow, FL.IN_PORT, inPort);
    const xout = xlateActions({ bridge: this.xbridge, flow, packet,
      ofpacts: [{ type: 'OUTPUT', port: 0xfff9 /* OFPP_TABLE */, maxLen: 0 }] });
    if (!xout.error) this.backend.execute(packet, flow, xout.odpActions);
  }

  /** Periodic work: MAC aging. */
  run(): void {
    if (this.ml.run()) this.flushDatapath();
  }
}

export { datapathMask };

function creditRule(rule: Rule, st: XlateStats): void {
  const d = rule.dp as RuleDpif | null;
  if (!d) return;
  if (d.newRule) {
    const n = d.newRule.dp as RuleDpif | null;
    if (n && d.forwardCounts) { creditRule(d.newRule, st); return; }
    if (n && st.used > n.stats.used) n.stats.used = st.used;
    return;
  }
  d.stats.packets += st.packets;
  d.stats.bytes += st.bytes;
  if (st.used > d.stats.used) d.stats.used = st.used;
}

function creditGroup(g: OfGroup, bucket: number, st: XlateStats): void {
  let d = g.dp as GroupDpif | null;
  if (!d) { d = { packets: 0, bytes: 0, buckets: g.buckets.map(() => ({ packets: 0, bytes: 0 })) }; g.dp = d; }
  d.packets += st.packets;
  d.bytes += st.bytes;
  const targets = bucket < 0 ? d.buckets : [d.buckets[bucket]!];
  for (const b of targets) if (b) { b.packets += st.packets; b.bytes += st.bytes; }
}

function state(p: Ofproto): OfprotoDpif { return p.dp as OfprotoDpif; }

/** The ofproto-dpif provider (ofproto_dpif_class). */
export const ofprotoDpifClass: OfprotoClass = {
  types: ['netdev', 'system', 'dummy'],

  construct(ofproto: Ofproto): number {
    if (!backerOpener) { log.err(`${ofproto.name}: no datapath available`); return 95; /* EOPNOTSUPP */ }
    let b = backers.get(ofproto.type);
    if (!b) {
      const backend = backerOpener(ofproto.type);
      if (!backend) return 97; /* EAFNOSUPPORT */
      b = { backend, rids: new RecircIdPool(), udpif: new Udpif(`${ofproto.type}@${backend.name}`, backend), refs: 0 };
      backers.set(ofproto.type, b);
    }
    b.refs++;
    ofproto.dp = new OfprotoDpif(ofproto, b.backend, b.rids, b.udpif);
    return 0;
  },

  destruct(ofproto: Ofproto): void {
    const b = backers.get(ofproto.type);
    if (ofproto.dp) b?.udpif.removeOwner(ofproto.dp as OfprotoDpif);
    if (b && --b.refs === 0) { b.udpif.destroy(); backers.delete(ofproto.type); }
    ofproto.dp = null;
  },

  run(ofproto: Ofproto): number { state(ofproto).run(); return 0; },

  flush(ofproto: Ofproto): void { state(ofproto).flushDatapath(); },

  setTablesVersion(ofproto: Ofproto): void {
    /* New rules take effect for new upcalls; cached megaflows must go. */
    state(ofproto).flushDatapath();
  },

  ruleConstruct(rule: Rule): null {
    rule.dp = { stats: { packets: 0, bytes: 0, used: rule.created } } satisfies RuleDpif;
    return null;
  },

  ruleInsert(rule: Rule, old: Rule | null, forwardCounts: boolean): null {
    if (old && forwardCounts) (rule.dp as RuleDpif).stats = { ...(old.dp as RuleDpif).stats };
    if (old?.dp) { (old.dp as RuleDpif).newRule = rule; (old.dp as RuleDpif).forwardCounts = forwardCounts; }
    return null;
  },

  ruleGetStats(rule: Rule): PktStats { return { ...(rule.dp as RuleDpif).stats }; },

  groupGetStats(group: OfGroup): GroupProviderStats {
    const d = group.dp as GroupDpif | null;
    return d ? { packets: d.packets, bytes: d.bytes, buckets: d.buckets.map((b) => ({ ...b })) }
      : { packets: 0, bytes: 0, buckets: group.buckets.map(() => ({ packets: 0, bytes: 0 })) };
  },

  meterGetFeatures(ofproto: Ofproto): MeterFeatures {
    return state(ofproto).backend.meterFeatures?.() ?? { maxMeters: 0, bandTypes: 0, capabilities: 0, maxBands: 0, maxColor: 0 };
  },
  meterSet(ofproto: Ofproto, id: number | null, config: MeterConfig): number | OfpError {
    const be = state(ofproto).backend;
    return be.meterSet ? be.meterSet(id, config) : new OfpError('OFPMMFC_INVALID_METER');
  },
  meterGet(ofproto: Ofproto, id: number, nBands: number) { return state(ofproto).backend.meterGet?.(id, nBands) ?? null; },
  meterDel(ofproto: Ofproto, id: number): void { state(ofproto).backend.meterDel?.(id); },
};
ofprotoClassRegister(ofprotoDpifClass);

/* ---- unixctl commands (replies as text; errors as { error }). ---- */

/** A unixctl reply: text, or an error message. */
export type UnixctlReply = { text: string } | { error: string };

/** Switches by bridge name (maintained by the bridge layer through ofprotoDpifRegister). */
const byName = new Map<string, OfprotoDpif>();

/** Makes a switch known to the unixctl commands. */
export function ofprotoDpifRegister(p: OfprotoDpif): void { byName.set(p.ofproto.name, p); xlateTnlBridgeAdd(p.xbridge); }
export function ofprotoDpifUnregister(p: OfprotoDpif): void {
  if (byName.get(p.ofproto.name) === p) byName.delete(p.ofproto.name);
  xlateTnlBridgeRemove(p.xbridge);
}

const tnlPopError = coverageCounter('datapath_drop_tunnel_pop_error');
const tnlRl = new RateLimit(5, 20);

/**
 * A packet the datapath decapsulates with tnl_pop(odpPort) (the datapath side
 * of OVS's tunnel receive): strips the outer headers, puts the tunnel
 * metadata in the inner packet's flow and finds the tunnel port it belongs to
 * (tunnel.ts tnlPortReceive).  Returns the bridge to hand the miss to, with
 * the flow (in_port = the tunnel's OpenFlow port) and inner packet, or null
 * if the packet is dropped.
 */
export function ofprotoDpifTunnelReceive(backend: DpifBackend, odpPort: number, packet: Uint8Array):
  { owner: OfprotoDpif; flow: Uint8Array; packet: Uint8Array } | null {
  const type = tnlPortTypeOf(backend, odpPort);
  const r = type ? netdevTnlPopHeader(packet, type) : 'no tunnel port';
  if (typeof r === 'string') {
    tnlPopError.inc();
    log.warnRl(tnlRl, r);
    return null;
  }
  const flow = flowExtract(r.inner, r.packetType).flow;
  const md = r.md;
  put32(flow, FL.TUN_IP_SRC, md.ipSrc);
  put32(flow, FL.TUN_IP_DST, md.ipDst);
  flow.set(md.ipv6Src, FL.TUN_IPV6_SRC);
  flow.set(md.ipv6Dst, FL.TUN_IPV6_DST);
  put64(flow, FL.TUN_ID, md.tunId);
  put16(flow, FL.TUN_FLAGS, md.flags);
  flow[FL.TUN_TOS] = md.tos;
  flow[FL.TUN_TTL] = md.ttl;
  put16(flow, FL.TUN_TP_SRC, md.tpSrc);
  put16(flow, FL.TUN_TP_DST, md.tpDst);
  put16(flow, FL.TUN_GBP_ID, md.gbpId);
  flow[FL.TUN_GBP_FLAGS] = md.gbpFlags;
  put32(flow, FL.IN_PORT, odpPort);
  const tp = tnlPortReceive(backend, flow);
  const owner = tp && [...byName.values()].find((p) => p.xbridge === tp.xport.bridge);
  if (!tp || !owner) {
    log.dbgRl(tnlRl, `no tunnel port for packet received on datapath port ${odpPort}`);
    return null;
  }
  put32(flow, FL.IN_PORT, tp.xport.ofpPort);
  return { owner, flow, packet: r.inner };
}

/** The bridge and OpenFlow flow of a miss on a tunnel's shared datapath
 * port: 'flow' has the tunnel metadata and IN_PORT = that datapath port; it
 * gets the tunnel's OpenFlow port.  Null if no tunnel port takes it. */
export function ofprotoDpifTunnelOwner(backend: DpifBackend, flow: Uint8Array): OfprotoDpif | null {
  const tp = tnlPortReceive(backend, flow);
  const owner = tp && [...byName.values()].find((p) => p.xbridge === tp.xport.bridge);
  if (!tp || !owner) return null;
  put32(flow, FL.IN_PORT, tp.xport.ofpPort);
  return owner;
}

/* A new or changed tunnel neighbour (or route) changes translations. */
const invalidateAll = (): void => { for (const p of byName.values()) p.flushDatapath(); };
tnlNeighSetChangeHook(invalidateAll);
ovsRouterSetChangeHook(invalidateAll);

/* Native tunnels send ARP requests for their next hops through the underlay bridge. */
xlateTnlSetPacketSender((xb, inPort, packet) => {
  for (const p of byName.values()) if (p.xbridge === xb) p.sendFromPort(inPort, packet);
});
/** The switch named 'name'. */
export function ofprotoDpifLookup(name: string): OfprotoDpif | undefined { return byName.get(name); }

function portNameOf(p: OfprotoDpif, handle: unknown): string {
  const b = p.xbridge.bundles.find((x) => x.ofbundle === handle);
  const port = b?.ports[0];
  return port ? formatPort(port.ofpPort) : '?';
}

/** fdb/show BRIDGE. */
export function unixctlFdbShow(bridge: string): UnixctlReply {
  const p = byName.get(bridge);
  if (!p) return { error: 'no such bridge' };
  return { text: p.ml.formatFdbShow((h) => portNameOf(p, h)) };
}

/** fdb/flush [BRIDGE]. */
export function unixctlFdbFlush(bridge?: string): UnixctlReply {
  const targets = bridge === undefined ? [...byName.values()] : [byName.get(bridge)];
  if (targets.some((t) => !t)) return { error: 'no such bridge' };
  for (const t of targets) { t!.ml.flush(); t!.flushDatapath(); }
  return { text: 'table successfully flushed\n' };
}

/** fdb/stats-show BRIDGE. */
export function unixctlFdbStatsShow(bridge: string): UnixctlReply {
  const p = byName.get(bridge);
  if (!p) return { error: 'no such bridge' };
  return { text: p.ml.formatStats(bridge) };
}

/** fdb/stats-clear [BRIDGE]. */
export function unixctlFdbStatsClear(bridge?: string): UnixctlReply {
  const targets = bridge === undefined ? [...byName.values()] : [byName.get(bridge)];
  if (targets.some((t) => !t)) return { error: 'no such bridge' };
  for (const t of targets) t!.ml.clearStatistics();
  return { text: bridge === undefined ? 'statistics successfully cleared\n' : `statistics successfully cleared\n` };
}

/** fdb/add BRIDGE PORT VLAN MAC. */
export function unixctlFdbAdd(bridge: string, portName: string, vlan: string, mac: string): UnixctlReply {
  const p = byName.get(bridge);
  if (!p) return { error: 'no such bridge' };
  const m = parseEth(mac);
  if (!m) return { error: 'bad MAC address' };
  const xport = [...p.xbridge.ports.values()].find((x) => x.name === portName);
  if (!xport || !xport.bundle) return { error: 'software error, odp port is present but no ofp port' };
  const v = Number.parseInt(vlan, 10) || 0;
  const macNum = ethToNumber(m);
  let text = '';
  const old = p.ml.lookup(macNum, v);
  if (old && old.port !== null) {
    const isStatic = old.expires === MAC_ENTRY_AGE_STATIC_ENTRY;
    const oldB = p.xbridge.bundles.find((b) => b.ofbundle === old.port);
    if (oldB && (oldB.name !== portName || !isStatic)) {
      text = `Overriding already existing ${isStatic ? 'static' : 'dynamic'} entry on ${portNameOf(p, old.port)}\n`;
    }
  }
  p.ml.addStaticEntry(macNum, v, xport.bundle.ofbundle);
  p.flushDatapath();
  return { text };
}

/** fdb/del BRIDGE VLAN MAC. */
export function unixctlFdbDel(bridge: string, vlan: string, mac: string): UnixctlReply {
  const p = byName.get(bridge);
  if (!p) return { error: 'no such bridge' };
  const m = parseEth(mac);
  if (!m) return { error: 'bad MAC address' };
  if (!p.ml.delStaticEntry(ethToNumber(m), Number.parseInt(vlan, 10) || 0)) {
    return { error: 'could not find static mac entry\n' };
  }
  p.flushDatapath();
  return { text: '' };
}

/** ofproto/list: the switches, one per line. */
export function unixctlOfprotoList(): UnixctlReply {
  return { text: [...byName.keys()].map((n) => n + '\n').join('') };
}

interface TraceArgs { p: OfprotoDpif; flow: Uint8Array; packet: Uint8Array | null; nextCt: number[] }

/** Parses "[BRIDGE] FLOW [-generate|PACKET] [--ct-next STATE]..." (parse_flow_and_packet). */
function parseTraceArgs(args: readonly string[], parseCtState?: (s: string) => number | string): TraceArgs | string {
  const rest: string[] = [];
  const nextCt: number[] = [];
  let generate = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-generate' || a === '--generate') generate = true;
    else if (a === '--ct-next') {
      if (i + 1 >= args.length) return `Missing argument for option ${a}`;
      const st = parseCtState ? parseCtState(args[++i]!) : Number(args[++i]);
      if (typeof st === 'string') return st;
      nextCt.push(st);
    } else if (a === '-names' || a === '--names' || a === '-consistent' || a === '--consistent') {
      /* Accepted; port names are printed as numbers. */
    } else if (a.startsWith('-')) {
      return `${a}: unknown option`;
    } else {
      rest.push(a);
    }
  }
  let packet: Uint8Array | null = null;
  if (!generate && rest.length > 1 && /^[0-9a-fA-F\s]+$/.test(rest[rest.length - 1]!)) packet = hexToBytes(rest.pop()!);
  if (rest.length > 2 || !rest.length) return 'Syntax error';
  if (rest.length === 1 && !rest[0]!.includes('(')) return 'Cannot find the datapath (or the bridge name was omitted)';
  let p: OfprotoDpif | undefined, flow: Uint8Array | string;
  const odpForm = rest.length === 1 || (!byName.has(rest[0]!) && rest[1]!.includes('('));
  if (odpForm) {
    const r = resolveOdpFlow(rest.length === 2 ? rest[0]! : null, rest[rest.length - 1]!);
    if (typeof r === 'string') return r;
    p = r.p;
    flow = r.flow;
  } else {
    p = byName.get(rest[0]!);
    if (!p) return `${rest[0]}: unknown bridge`;
    // Port names of the bridge may stand for port numbers (in_port=p7).
    flow = parseExactFlow(rest[1]!, new Map([...p.xbridge.ports.values()].map((x) => [x.ofpPort, x.name])));
    if (typeof flow === 'string') return `Bad openflow flow syntax: ${flow}`;
  }
  if (packet) {
    /* The packet's headers, with the flow's metadata. */
    const ex = flowExtract(packet).flow;
    for (let i = 0; i < FL.DL_DST; i++) ex[i] = flow[i]!;
    flow.set(ex);
  }
  return { p, flow, packet, nextCt };
}

/** A datapath flow "in_port(N),eth(...),..." of datapath 'dpName' ("ovs-dummy",
 * "dummy@ovs-dummy", or null for any) as the bridge and OpenFlow flow it
 * belongs to (xlate_lookup_ofproto): the bridge whose port is datapath port
 * N, or for a tunnel's shared port the tunnel port its metadata selects. */
function resolveOdpFlow(dpName: string | null, text: string): { p: OfprotoDpif; flow: Uint8Array } | string {
  const key = new Uint32Array(FLOW_WORDS), mask = new Uint32Array(FLOW_WORDS);
  const err = parseFlowKey(text, key, mask);
  if (err) return `Bad datapath flow syntax: ${err}`;
  const flow = keyToFlow(key, 0, new Uint8Array(FLOW_SIZE));
  const odp = key[W.IN_PORT]!;
  const name = dpName?.replace(/^[^@]*@/, '') ?? null;
  const dps = [...byName.values()].filter((x) => name === null || x.backend.name === name);
  if (!dps.length) return 'Cannot find the datapath';
  for (const p of dps) {
    for (const xp of p.xbridge.ports.values()) {
      if (xp.odpPort === odp && !xp.isTunnel) { put32(flow, FL.IN_PORT, xp.ofpPort); return { p, flow }; }
    }
  }
  for (const backend of new Set(dps.map((x) => x.backend))) {
    put32(flow, FL.IN_PORT, odp);
    const tp = tnlPortReceive(backend, flow);
    const p = tp && dps.find((x) => x.xbridge === tp.xport.bridge);
    if (tp && p) { put32(flow, FL.IN_PORT, tp.xport.ofpPort); return { p, flow }; }
  }
  if (dps.some((x) => tnlPortTypeOf(x.backend, odp))) return 'no OpenFlow tunnel port for this packet';
  return 'no OpenFlow port for datapath port ' + odp;
}

/** Datapath features dpif/set-dp-features can turn off (and on again): name,
 * title, XlateSupport member. */
const DP_FEATURES: [string, string, keyof XlateSupport][] = [
  ['clone', 'Clone action', 'clone'], ['ct_state', 'Conntrack state match', 'ctState'],
  ['masked_set_action', 'Masked set action', 'maskedSet'], ['recirc', 'Recirc', 'recirc'],
  ['sample_nesting', 'Sample nesting', 'clone'], ['check_pkt_len', 'Check pkt length action', 'checkPktLen'],
  ['trunc', 'Truncate action', 'trunc'], ['tnl_push_pop', 'Tunnel push pop', 'tnlPushPop'],
];

/** dpif/set-dp-features BRIDGE [FEATURE [true|false]] (the boolean features above). */
export function unixctlSetDpFeatures(args: readonly string[]): UnixctlReply {
  const p = byName.get(args[0]!);
  if (!p) return { error: 'no such bridge' };
  const sup = p.backend.support as unknown as Record<string, boolean | undefined>;
  const show = (f: [string, string, keyof XlateSupport]) =>
    `${f[0]} (${f[1]}) : [run time]:${sup[f[2]] !== false}, [boot time]:true\n`;
  if (args.length < 2) return { text: [...DP_FEATURES].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(show).join('') };
  const f = DP_FEATURES.find((x) => x[0] === args[1]);
  if (!f) return { text: 'Unexpected support field' };
  if (args.length < 3) return { text: show(f) };
  const v = args[2]!.toLowerCase();
  if (v !== 'true' && v !== 'false') return { text: `Bad value for ${f[0]}` };
  if ((sup[f[2]] !== false) !== (v === 'true')) {
    sup[f[2]] = v === 'true';
    for (const x of byName.values()) if (x.backend === p.backend) x.flushDatapath();
  }
  return { text: '' };
}

/** ofproto/trace [BRIDGE] FLOW [-generate|PACKET] [--ct-next STATE]... */
export function unixctlTrace(args: readonly string[], parseCtState?: (s: string) => number | string): UnixctlReply {
  const t = parseTraceArgs(args, parseCtState);
  if (typeof t === 'string') return { error: t };
  return { text: ofprotoTrace(t.p.xbridge, t.flow, { packet: t.packet, nextCtStates: t.nextCt }) };
}

/** ofproto/trace-packet-out [-consistent] [BRIDGE] FLOW [-generate|PACKET] ACTIONS */
export function unixctlTracePacketOut(args: readonly string[], parseCtState?: (s: string) => number | string): UnixctlReply {
  if (!args.length) return { error: 'Syntax error' };
  const acts = parseActions(args[args.length - 1]!);
  if (typeof acts === 'string') return { error: acts };
  const t = parseTraceArgs(args.slice(0, -1), parseCtState);
  if (typeof t === 'string') return { error: t };
  const inPort = get32(t.flow, FL.IN_PORT);
  if (inPort >= t.p.ofproto.maxPorts && inPort < 0xff00) return { error: 'invalid in_port' };
  return { text: ofprotoTrace(t.p.xbridge, t.flow, { packet: t.packet, nextCtStates: t.nextCt, ofpacts: acts.ofpacts }) };
}

function hexToBytes(s: string): Uint8Array {
  const h = s.replace(/\s+/g, '');
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
