/* dpif-netdev: the userspace datapath — first cut (OVS lib/dpif-netdev.c).
 *
 * Overview
 * --------
 * A datapath owns ports (netdevs numbered by datapath port number) and a
 * table of megaflows.  Packets received on a port go through the pipeline of
 * OVS's dp_netdev_input():
 *
 *   1. flow key extraction (flow.ts) for the whole batch, into one typed array;
 *   2. exact-match cache (dpif-netdev-emc.ts) on the RSS-style hash;
 *   3. megaflow classifier (dpif-netdev-dpcls.ts) for EMC misses;
 *   4. upcall for classifier misses: the UpcallHandler (ofproto-dpif's
 *      translation, next) returns actions and a mask; the megaflow is
 *      installed and the packet executed.  No handler, or null: drop.
 *   5. actions (odp-actions.ts): output, push_vlan, pop_vlan.  A batch whose
 *      packets all hit one flow with a single output is sent as it is (no
 *      copy); otherwise packets are copied into per-port transmit batches.
 *
 * As in OVS the packet that caused an upcall is not counted in the new flow's
 * statistics.  Flows are also managed directly (flowPut/flowDel/flowDump,
 * what dpctl/add-flow and dump-flows do); dump lines are OVS's format.
 *
 * Threads
 * -------
 * Each DpifNetdev runs on one event loop: start() opens receive queue 0 of
 * every port and waits for readiness (no busy polling).  PMD threads
 * (dpif-netdev-thread.ts) are DpifNetdevs in worker_threads that receive
 * from ports the main thread's datapath holds with 'rx' off: the main
 * thread's datapath keeps the authoritative flow table and tells each
 * DpRemote (one per PMD thread) of every flow put, change and deletion;
 * each PMD keeps a replica (flowPut with 'at': the same ids) and counts its
 * hits in a shared 'flowSlab' (FLOW_SLAB_WORDS per flow id) that
 * flowCounters() adds to the main thread's own counts.
 *
 * Actions: output, push/pop_vlan, set/set_masked (odp-execute.ts), trunc,
 * drop, clone, userspace (to the UserspaceHandler); dpExecutable() tells a
 * caller whether a list can run here.
 *
 * Native tunnels: tnl_push prepends the header in the packet's headroom and
 * tnl_pop decapsulates and looks the inner packet up again with the tunnel
 * metadata in its key (tunnelRecirc(); netdev-native-tnl.ts does the bytes).
 * Not yet: recirculation, conntrack, meters, flow
 * expiry (revalidator), multiple rx queues.
 */
import { vlogModule, RateLimit } from '../lib/vlog.js';
import { timeMsec } from '../lib/timeval.js';
import { coverageCounter } from '../lib/coverage.js';
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';
import { DpPacketBatch, HEADROOM, OlFlags, type PacketOffloads } from './dp-packet.js';
import { refreshPartialChecksum } from './dp-packet-gso.js';
import { FLOW_WORDS, W, flowExtract, flowExtractPacket, flowHashRss } from './flow.js';
import { netdevTnlPushHeaderAt, netdevTnlPopHeader, tnlMetadataToKey } from './netdev-native-tnl.js';
import { Emc } from './dpif-netdev-emc.js';
import { Dpcls } from './dpif-netdev-dpcls.js';
import { formatFlowKey } from './odp-util.js';
import { type OdpAction, formatOdpActions } from './odp-actions.js';
import { odpSetField } from './odp-execute.js';
import { type Netdev, type NetdevRxq } from './netdev-provider.js';
import { netdevOpen, netdevRxqOpen, netdevRxqClose, netdevRxqRecv, netdevRxqWait, netdevSend, netdevClose } from './netdev.js';
import { Dpif, type DpifClass, type DpifFlow, DpifFlowPutFlags } from './dpif-provider.js';

const log = vlogModule('dpif_netdev');
const rl = new RateLimit(5, 20);
/** Debug logs of upcalls and flow installs (OVS's upcall_rl). */
const upcallRl = new RateLimit(600, 600);
const tnlPopErrors = coverageCounter('datapath_drop_tunnel_pop_error');
const EEXIST = 17, ENOENT = 2, EBUSY = 16, EINVAL = 22, EFBIG = 27;
/** VLAN ID and CFI bits of a TCI. */
const VLAN_VID_CFI = 0x1fff;

/** Maximum number of flows (OVS MAX_FLOWS). */
export const MAX_FLOWS = 65536;

/** Words per flow in a replica's shared statistics: packets, bytes, used,
 * tcp flags, and the ufid they belong to. */
export const FLOW_SLAB_WORDS = 5;

/** A flow's statistics (main thread and PMD threads together). */
export interface DpFlowCounters { packets: number; bytes: number; used: number; tcpFlags: number }

/** Another thread's replica of this datapath's flows (a PMD thread). */
export interface DpRemote {
  /** The core the thread stands for (pmd-stats-show's core_id). */
  readonly coreId: number;
  /** Datapath ports the thread receives from. */
  readonly rxPorts: ReadonlySet<number>;
  /** Flow 'f' was installed, got new actions, or was deleted. */
  flowPut(f: DpFlow): void;
  flowActions(f: DpFlow): void;
  flowDel(f: DpFlow): void;
  /** Adds what the thread counted for 'f' to 'c'. */
  flowCounters(f: DpFlow, c: DpFlowCounters): void;
  /** Forgets what the thread counted for 'f' so far. */
  flowZeroStats(f: DpFlow): void;
  /** The thread's datapath counters (since clearStats()). */
  stats(): DpStats;
  /** Megaflow subtables probed by the thread's hits (since clearStats()). */
  subtableProbes(): number;
  clearStats(): void;
}

/** A megaflow and its statistics. */
export interface DpFlow {
  /** Index in the flow table (reused after deletion). */
  readonly id: number;
  /** Unique number of this flow, never reused (the role of OVS's ufid). */
  readonly ufid: number;
  /** The key as installed (bits outside the mask included, as OVS keeps them). */
  readonly key: Uint32Array;
  readonly mask: Uint32Array;
  actions: OdpAction[];
  packets: number;
  bytes: number;
  /** Time of last use in ms (0: never). */
  used: number;
  /** OR of the TCP flags seen. */
  tcpFlags: number;
  dead: boolean;
  /** Port of the flow's only action if that is an output, else -1. */
  singleOutput: number;
  /** Revalidation generation the actions are known good for (see invalidate()). */
  gen: number;
  /** Installation time in ms. */
  readonly created: number;
}

/** What ofproto answers to a miss: actions for the packet and the megaflow
 * mask to install (null: exact match on every field). */
export interface UpcallResult { actions: OdpAction[]; mask: Uint32Array | null }

/** Called for a packet no flow matches: 'key' is its flow key (FLOW_WORDS
 * words at key[k..]), 'packet' a view of its bytes valid during the call,
 * 'inPort' its port.  Returns the actions and mask; null to drop the packet
 * without a flow; 'pending' if the handler copied the packet and will
 * install a flow and execute() the packet itself later (asynchronous upcalls,
 * dpif-netdev-thread.ts); or 'handled' if it installed the flow (or chose not
 * to) and executed the packet itself. */
export type UpcallHandler = (packet: Uint8Array, key: Uint32Array, k: number, inPort: number)
  => UpcallResult | null | 'pending' | 'handled';

/** Called for a userspace action: 'packet' is a view valid during the call. */
export type UserspaceHandler = (packet: Uint8Array, inPort: number, action: Extract<OdpAction, { type: 'userspace' }>) => void;

/** Called when a packet hits a flow installed before the last invalidate():
 * the handler re-checks the flow (flowSetActions() to change it, flowDelete()
 * to remove it) and returns false if the flow must not be used. */
export type RevalidateHandler = (flow: DpFlow) => boolean;

/** Action types execute() runs; flows with others need the slow path. */
const EXECUTABLE = new Set(['output', 'push_vlan', 'pop_vlan', 'set', 'set_masked', 'trunc', 'drop', 'clone', 'userspace',
  'tnl_push', 'tnl_pop']);

/** True if dpif-netdev can execute every action of 'actions' (clones included). */
export function dpExecutable(actions: readonly OdpAction[]): boolean {
  for (const a of actions) {
    if (!EXECUTABLE.has(a.type)) return false;
    if (a.type === 'clone' && !dpExecutable(a.actions)) return false;
  }
  return true;
}

/** Datapath-wide counters, as `dpctl/show` and pmd-stats-show report them. */
export interface DpStats {
  /** Packets received from ports. */
  received: number;
  emcHits: number;
  megaflowHits: number;
  /** Packets no flow matched (each one an upcall attempt). */
  misses: number;
  /** Misses whose upcall failed (no handler, no answer, error). */
  upcallFails: number;
  /** Packets dropped for lack of a handler, a port or room. */
  lost: number;
  upcallsPending: number;
  /** Output batches sent and the packets in them. */
  txBatches: number;
  txPackets: number;
}

function zeroStats(): DpStats {
  return { received: 0, emcHits: 0, megaflowHits: 0, misses: 0, upcallFails: 0, lost: 0, upcallsPending: 0,
    txBatches: 0, txPackets: 0 };
}

interface Port {
  portNo: number;
  netdev: Netdev;
  rxq: NetdevRxq | null;
  tx: DpPacketBatch;
  armed: boolean;
  /** False if another thread (a PMD) receives from this port. */
  rx: boolean;
}

/** Options for DpifNetdev. */
export interface DpifNetdevOptions {
  /** Bytes a packet may have in the datapath's batches (64 KiB+ for GSO); default 2048. */
  packetCapacity?: number;
  /** Packets per batch; default 32 (OVS NETDEV_MAX_BURST). */
  batchSize?: number;
  /** EMC insertion inverse probability (other_config:emc-insert-inv-prob); default 100. */
  emcInsertInvProb?: number;
  /** Clock for flow 'used' times, in ms (default lib/timeval timeMsec(), which tests may warp). */
  clock?: () => number;
  /** A PMD thread's replica: flow hits are counted here (FLOW_SLAB_WORDS per
   * flow id) instead of in the DpFlow objects. */
  flowSlab?: Float64Array;
}

/** A userspace datapath. */
export class DpifNetdev {
  private readonly ports = new Map<number, Port>();
  private readonly flows: (DpFlow | undefined)[] = [];
  private readonly freeIds: number[] = [];
  private readonly byUfid = new Map<number, DpFlow>();
  /** Bumped whenever a flow id is installed or deleted (the EMC's liveness check). */
  private readonly serials = new Uint32Array(MAX_FLOWS);
  private nFlows = 0;
  private lastUfid = 0;
  private readonly cls = new Dpcls();
  private readonly emc: Emc;
  private readonly rx: DpPacketBatch;
  private readonly keys: Uint32Array;
  private readonly scratchKey = new Uint32Array(FLOW_WORDS);
  private upcall: UpcallHandler | null = null;
  private revalidate: RevalidateHandler | null = null;
  /** Current revalidation generation (see invalidate()). */
  private gen = 0;
  private running = false;
  private readonly slotSize: number;
  /** Counters. */
  readonly stats: DpStats = zeroStats();
  /** Subtable probes already reported before the last clearStats(). */
  private probesBase = 0;
  private execBatch: DpPacketBatch | null = null;
  /** The clock flow times are kept in (ms). */
  readonly clock: () => number;
  /** Replica statistics (options.flowSlab), or null. */
  private readonly flowSlab: Float64Array | null;
  /** PMD threads holding replicas of the flows. */
  readonly remotes: DpRemote[] = [];
  /** Called after each received batch is processed (PMD threads flush upcalls then). */
  afterInput: (() => void) | null = null;

  constructor(readonly name = 'ovs-netdev', opts: DpifNetdevOptions = {}) {
    this.clock = opts.clock ?? (() => Math.max(1, timeMsec()));
    const n = opts.batchSize ?? 32;
    this.slotSize = HEADROOM + (opts.packetCapacity ?? 2048);
    this.rx = new DpPacketBatch(n, this.slotSize);
    this.keys = new Uint32Array(n * FLOW_WORDS);
    this.emc = new Emc(this.serials);
    this.emc.insertInvProb = opts.emcInsertInvProb ?? 100;
    this.flowSlab = opts.flowSlab ?? null;
  }

  /** Adds a PMD thread's replica; it is told of every existing flow. */
  addRemote(r: DpRemote): void {
    this.remotes.push(r);
    for (const f of this.flowDump()) r.flowPut(f);
  }

  /** Removes a replica added with addRemote(). */
  removeRemote(r: DpRemote): void {
    const i = this.remotes.indexOf(r);
    if (i >= 0) this.remotes.splice(i, 1);
  }

  /** Statistics of flow 'f' counted by this thread and every PMD thread. */
  flowCounters(f: DpFlow): DpFlowCounters {
    const c = { packets: f.packets, bytes: f.bytes, used: f.used, tcpFlags: f.tcpFlags };
    for (const r of this.remotes) r.flowCounters(f, c);
    return c;
  }

  /** Zeroes the statistics of flow 'f' (dpctl mod-flow --clear). */
  flowZeroStats(f: DpFlow): void {
    f.packets = 0; f.bytes = 0; f.used = 0; f.tcpFlags = 0;
    for (const r of this.remotes) r.flowZeroStats(f);
  }

  /** The counters of this thread and every PMD thread together. */
  totalStats(): DpStats {
    const t = { ...this.stats };
    for (const r of this.remotes) {
      const s = r.stats();
      for (const k of Object.keys(t) as (keyof DpStats)[]) t[k] += s[k];
    }
    return t;
  }

  /* ---- ports ------------------------------------------------------------ */

  /** Adds 'netdev' (the datapath takes over this reference) as port 'portNo',
   * or the lowest free number from 1; returns the number or -errno. */
  portAdd(netdev: Netdev, portNo?: number, opts: { rx?: boolean } = {}): number {
    for (const p of this.ports.values()) if (p.netdev.name === netdev.name) return -EEXIST;
    let no = portNo ?? 1;
    if (portNo === undefined) while (this.ports.has(no)) no++;
    else if (this.ports.has(no)) return -EBUSY;
    if (!Number.isInteger(no) || no < 0 || no > 0xfffffffe) return -EINVAL;
    const port: Port = { portNo: no, netdev, rxq: null, tx: new DpPacketBatch(this.rx.maxPackets, this.slotSize), armed: false,
      rx: opts.rx ?? true };
    this.ports.set(no, port);
    if (this.running) this.startPort(port);
    return no;
  }

  /** Removes port 'portNo' and closes its netdev; 0 or errno. */
  portDel(portNo: number): number {
    const nd = this.portDetach(portNo);
    if (!nd) return ENOENT;
    netdevClose(nd);
    return 0;
  }

  /** Removes port 'portNo' without closing its netdev (a PMD thread may
   * still use its fd); the netdev, or null if there is no such port. */
  portDetach(portNo: number): Netdev | null {
    const p = this.ports.get(portNo);
    if (!p) return null;
    this.stopPort(p);
    this.ports.delete(portNo);
    return p.netdev;
  }

  /** The ports, by number. */
  portList(): { portNo: number; name: string; type: string }[] {
    return [...this.ports.values()].sort((a, b) => a.portNo - b.portNo)
      .map((p) => ({ portNo: p.portNo, name: p.netdev.name, type: p.netdev.type }));
  }

  /** Port number -> name, for printing keys and actions. */
  portNames(): Map<number, string> {
    return new Map([...this.ports.values()].map((p) => [p.portNo, p.netdev.name]));
  }

  /** Sets the function called on misses (null: drop them). */
  setUpcallHandler(h: UpcallHandler | null): void {
    // While the handler runs, execute() of that same packet keeps its offload
    // metadata (partial checksum, GSO), which the handler's bytes do not carry.
    // Handlers see a packet with a complete checksum (packet-ins, slow-path
    // actions); GSO packets keep their metadata that way too.
    this.upcall = h && ((packet, key, k, inPort) => {
      this.upcallPacket = packet;
      this.completeUpcallChecksum(packet);
      try { return h(packet, key, k, inPort); } finally { this.upcallPacket = null; }
    });
  }

  /** The packet being upcalled (a view into this.rx), during the handler call. */
  private upcallPacket: Uint8Array | null = null;

  private completeUpcallChecksum(packet: Uint8Array): void {
    const rx = this.rx;
    if (packet.buffer !== rx.data.buffer) return;
    for (let i = 0; i < rx.count; i++) if (rx.offsets[i] === packet.byteOffset) { rx.completeChecksum(i); return; }
  }

  /** During an upcall handler call: the offload metadata of the packet being
   * upcalled (null if it has none), for handlers that keep a copy of the
   * packet to execute() later. */
  upcallPacketOffloads(): PacketOffloads | null {
    const u = this.upcallPacket, rx = this.rx;
    if (u !== null && this.remoteUpcallOl !== undefined) return this.remoteUpcallOl;
    if (u === null || u.buffer !== rx.data.buffer) return null;
    for (let i = 0; i < rx.count; i++) if (rx.offsets[i] === u.byteOffset) return rx.getOffloads(i);
    return null;
  }

  /** The offload metadata of the packet being upcalled if 'packet' is a copy of it. */
  private upcallOffloads(packet: Uint8Array): PacketOffloads | null {
    const u = this.upcallPacket;
    if (u === null || u.length !== packet.length) return null;
    const o = this.upcallPacketOffloads();
    if (o === null) return null;
    // Same headers (up to and including the L4 checksum field): same packet.
    const end = Math.min(packet.length, Math.max(o.csumStart + o.csumOffset + 2, 64));
    for (let j = 0; j < end; j++) if (u[j] !== packet[j]) return null;
    return o;
  }

  /** The offloads of a packet upcalled by a PMD thread, during withUpcall(). */
  private remoteUpcallOl: PacketOffloads | null | undefined = undefined;

  /** Runs 'fn' (which handles a miss of 'packet', a PMD thread's upcall with
   * offload metadata 'ol') so that execute() of a copy of 'packet' keeps
   * 'ol', as for this thread's own upcalls. */
  withUpcall(packet: Uint8Array, ol: PacketOffloads | null, fn: () => void): void {
    const su = this.upcallPacket, so = this.remoteUpcallOl;
    this.upcallPacket = packet;
    this.remoteUpcallOl = ol;
    try { fn(); } finally { this.upcallPacket = su; this.remoteUpcallOl = so; }
  }

  private userspace: UserspaceHandler | null = null;

  /** Sets the function called for userspace actions (packet-ins, slow-path actions). */
  setUserspaceHandler(h: UserspaceHandler | null): void {
    this.userspace = h;
  }

  /** Sets the function that re-checks a flow hit after invalidate() (null:
   * flows stay valid). */
  setRevalidateHandler(h: RevalidateHandler | null): void {
    this.revalidate = h;
  }

  /** Marks every installed flow as needing revalidation before its next use
   * (the OpenFlow tables changed): the next packet to hit a flow calls the
   * revalidate handler first, so no packet takes actions from before the
   * change.  Flows installed from now on are current. */
  invalidate(): void {
    this.gen = (this.gen + 1) >>> 0;
  }

  /** The current revalidation generation (flows whose 'gen' differs are stale). */
  get generation(): number { return this.gen; }

  /* ---- flows ------------------------------------------------------------ */

  /** Number of flows. */
  get flowCount(): number { return this.nFlows; }

  /** Installs a megaflow; its id, or -EEXIST if the same (key, mask) exists,
   * -EFBIG if full.  A replica (PMD thread) gives the main thread's flow id
   * and ufid in 'at' (and must have deleted any flow there before). */
  flowPut(key: Uint32Array, k: number, mask: Uint32Array, m: number, actions: OdpAction[],
          at?: { id: number; ufid: number }): number {
    if (this.nFlows >= MAX_FLOWS) return -EFBIG;
    // The key is kept as given (dumps print it so, like OVS); lookups use it masked.
    const mk = key.slice(k, k + FLOW_WORDS), mm = this.adjustMask(mask, m);
    const id = at ? at.id : this.freeIds.pop() ?? this.flows.length;
    if ((at && this.flows[id] !== undefined) || !this.cls.insert(mk, 0, mm, 0, id)) {
      if (!at && id !== this.flows.length) this.freeIds.push(id);
      return -EEXIST;
    }
    const slab = this.flowSlab;
    if (slab !== null && at) {
      const b = id * FLOW_SLAB_WORDS;
      slab[b] = 0; slab[b + 1] = 0; slab[b + 2] = 0; slab[b + 3] = 0; slab[b + 4] = at.ufid;
    }
    const f: DpFlow = { id, ufid: at ? at.ufid : ++this.lastUfid, key: mk, mask: mm, actions, packets: 0, bytes: 0, used: 0,
      tcpFlags: 0, dead: false, singleOutput: singleOutputOf(actions), gen: this.gen, created: this.clock() };
    // OVS's test suite greps these lines ("flow_add: ufid:U mega_ufid:M FLOW, actions:A").
    log.dbgRl(upcallRl, () => `flow_add: ufid:${formatUfid(f.ufid)} mega_ufid:${formatUfid(f.ufid)} `
      + `${formatFlowKey(mk, 0, mm, 0)}, actions:${formatOdpActions(actions)}`);
    this.flows[id] = f;
    this.byUfid.set(f.ufid, f);
    this.serials[id] = (this.serials[id]! + 1) >>> 0;
    this.nFlows++;
    for (const r of this.remotes) r.flowPut(f);
    return id;
  }

  /** 'mask' as flowPut stores it: as OVS, a megaflow that does not mention
   * VLANs matches untagged packets only. */
  private adjustMask(mask: Uint32Array, m: number): Uint32Array {
    const mm = mask.slice(m, m + FLOW_WORDS);
    if ((mm[W.VLAN0]! & 0xffff) === 0) mm[W.VLAN0] = (mm[W.VLAN0]! | VLAN_VID_CFI) >>> 0;
    return mm;
  }

  /** The megaflow (key, mask) exactly, or null. */
  flowFind(key: Uint32Array, k: number, mask: Uint32Array, m: number): DpFlow | null {
    const id = this.cls.find(key, k, this.adjustMask(mask, m), 0);
    return id < 0 ? null : this.flows[id] ?? null;
  }

  /** The flow with id 'id', or null. */
  flowById(id: number): DpFlow | null {
    return this.flows[id] ?? null;
  }

  /** The flow numbered 'ufid', or null once it is gone. */
  flowByUfid(ufid: number): DpFlow | null {
    return this.byUfid.get(ufid) ?? null;
  }

  /** Replaces the actions of megaflow (key, mask); false if there is none. */
  flowModify(key: Uint32Array, k: number, mask: Uint32Array, m: number, actions: OdpAction[]): boolean {
    const f = this.flowFind(key, k, mask, m);
    if (!f) return false;
    this.flowSetActions(f, actions);
    return true;
  }

  /** Replaces the actions of flow 'f' (current from now on). */
  flowSetActions(f: DpFlow, actions: OdpAction[]): void {
    f.actions = actions;
    f.singleOutput = singleOutputOf(actions);
    f.gen = this.gen;
    for (const r of this.remotes) r.flowActions(f);
  }

  /** The netdev of port 'portNo', or null. */
  portNetdev(portNo: number): Netdev | null {
    return this.ports.get(portNo)?.netdev ?? null;
  }

  /** Deletes the megaflow (key, mask); its final state, or null if none. */
  flowDel(key: Uint32Array, k: number, mask: Uint32Array, m: number): DpFlow | null {
    const f = this.flowFind(key, k, mask, m);
    if (!f) return null;
    this.flowDelete(f);
    return f;
  }

  /** Deletes flow 'f' (no-op if it is already gone). */
  flowDelete(f: DpFlow): void {
    if (f.dead) return;
    this.cls.remove(f.key, 0, f.mask, 0);
    f.dead = true;
    this.flows[f.id] = undefined;
    this.freeIds.push(f.id);
    this.serials[f.id] = (this.serials[f.id]! + 1) >>> 0;
    this.byUfid.delete(f.ufid);
    this.nFlows--;
    for (const r of this.remotes) r.flowDel(f);
  }

  /** Deletes every flow. */
  flowFlush(): void {
    for (const f of this.flowDump()) this.flowDelete(f);
    this.emc.clear();
  }

  /** Every flow, in table order. */
  flowDump(): DpFlow[] {
    return this.flows.filter((f): f is DpFlow => f !== undefined);
  }

  /** One dpctl/dump-flows line for 'f' (without ufid); 'now' in the datapath's clock. */
  formatFlow(f: DpFlow, now = this.clock(), verbose = false): string {
    const names = this.portNames();
    const c = this.flowCounters(f);
    let s = `${formatFlowKey(f.key, 0, f.mask, 0, { verbose, portNames: verbose ? names : undefined })}, `;
    s += `packets:${c.packets}, bytes:${c.bytes}, used:${c.used ? `${((now - c.used) / 1000).toFixed(3)}s` : 'never'}`;
    if (c.tcpFlags) s += `, flags:${formatTcpFlagsShort(c.tcpFlags)}`;
    return `${s}, actions:${formatOdpActions(f.actions)}`;
  }

  /** Subtables probed by megaflow hits since clearStats(). */
  get subtableProbes(): number { return this.cls.hitProbes - this.probesBase; }

  /** Number of megaflow subtables (distinct masks). */
  get maskCount(): number { return this.cls.subtableCount; }

  /** Zeroes the counters (dpif-netdev/pmd-stats-clear). */
  clearStats(): void {
    Object.assign(this.stats, zeroStats());
    this.probesBase = this.cls.hitProbes;
    for (const r of this.remotes) r.clearStats();
  }

  /** The flow packets with key (key, k) would hit, or null (no statistics counted). */
  flowLookup(key: Uint32Array, k: number): DpFlow | null {
    const id = this.cls.lookup(key, k);
    return id >= 0 ? this.flows[id] ?? null : null;
  }

  /* ---- the fast path ------------------------------------------------------ */

  /** Processes packets [0, batch.count) of 'batch' received on 'inPort'
   * (the batch may be modified; it is free again on return). */
  input(batch: DpPacketBatch, inPort: number): void {
    const n = batch.count, keys = this.keys;
    if (n * FLOW_WORDS > keys.length) throw new RangeError('batch larger than the datapath batch size');
    const st = this.stats, emc = this.emc, cls = this.cls, flows = this.flows, acts = this.batchActions;
    const data = batch.data, offsets = batch.offsets, sizes = batch.sizes, inPorts = batch.inPort;
    const slab = this.flowSlab;
    const now = this.clock();
    st.received += n;
    // The port every packet goes to if each one's flow is a single output; -2: none yet, -1: mixed.
    let out = -2;
    for (let i = 0; i < n; i++) {
      const k = i * FLOW_WORDS;
      inPorts[i] = inPort;
      flowExtractPacket(data, offsets[i]!, sizes[i]!, inPort, keys, k);
      const h = flowHashRss(keys, k);
      let id = emc.lookup(keys, k, h);
      const emcHit = id >= 0;
      if (!emcHit) {
        id = cls.lookup(keys, k);
        if (id >= 0) emc.probabilisticInsert(keys, k, h, id);
      }
      let f = id >= 0 ? flows[id] : undefined;
      if (f !== undefined && f.gen !== this.gen) f = this.revalidateStale(f);
      if (f === undefined) {
        this.handleMiss(batch, i, k);
        out = -1;
        continue; // not counted in the flow's statistics
      }
      if (emcHit) st.emcHits++; else st.megaflowHits++;
      acts[i] = f.actions;
      if (slab === null) {
        f.packets++;
        f.bytes += sizes[i]!;
        f.used = now;
        f.tcpFlags |= keys[k + W.TCP_FLAGS]!;
      } else {
        const b = f.id * FLOW_SLAB_WORDS;
        slab[b]++;
        slab[b + 1] += sizes[i]!;
        slab[b + 2] = now;
        slab[b + 3] = slab[b + 3]! | keys[k + W.TCP_FLAGS]!;
      }
      const so = f.singleOutput;
      out = out === -2 || out === so ? so : -1;
    }
    // Fast path: every packet to one port, nothing to change in them.
    if (out >= 0) {
      const p = this.ports.get(out);
      if (p) {
        st.txBatches++;
        st.txPackets += n;
        netdevSend(p.netdev, 0, batch);
      } else {
        st.lost += n;
      }
      return;
    }
    // Actions were taken at lookup time: an upcall may have flushed or
    // replaced flows since (ids can be reused).
    for (let i = 0; i < n; i++) {
      const actions = acts[i];
      if (actions !== undefined) this.execute1(batch, i, actions);
      acts[i] = undefined;
    }
    this.flushTx();
  }

  /** Per packet of the batch being processed: its actions (undefined: drop). */
  private readonly batchActions: (OdpAction[] | undefined)[] = [];

  /** A hit on a flow installed before the last invalidate(): asks the
   * revalidate handler; the flow, or undefined if it is gone. */
  private revalidateStale(f: DpFlow): DpFlow | undefined {
    const h = this.revalidate;
    const gen = this.gen;
    if (h !== null) {
      let ok: boolean;
      try {
        ok = h(f);
      } catch (e) {
        log.errRl(rl, `revalidation failed: ${(e as Error).message}`);
        ok = false;
      }
      if (!ok || f.dead) {
        this.flowDelete(f);
        return undefined;
      }
    }
    f.gen = gen;
    return f;
  }

  /** Upcall for packet i: installs the flow the handler asks for and leaves
   * the packet's actions in batchActions[i] (undefined: drop). */
  private handleMiss(batch: DpPacketBatch, i: number, k: number): void {
    const st = this.stats;
    st.misses++;
    this.batchActions[i] = undefined;
    const h = this.upcall;
    log.dbgRl(upcallRl, () => `${this.name}: miss upcall:\n${formatFlowKey(this.keys, k, null, 0)}`);
    if (!h) { st.lost++; st.upcallFails++; return; }
    let r: UpcallResult | null | 'pending' | 'handled';
    try {
      r = h(batch.packet(i), this.keys, k, batch.inPort[i]!);
    } catch (e) {
      log.errRl(rl, `upcall handler failed: ${(e as Error).message}`);
      st.lost++;
      st.upcallFails++;
      return;
    }
    if (!r) { st.lost++; st.upcallFails++; return; }
    if (r === 'pending') { st.upcallsPending++; return; }
    if (r === 'handled') return;
    const mask = r.mask ?? this.scratchKey.fill(0xffffffff);
    const id = this.flowPut(this.keys, k, mask, 0, r.actions);
    if (id === -EFBIG) log.warnRl(rl, `${this.name}: flow table full`);
    // If another packet of this batch installed the same megaflow first,
    // flowPut said EEXIST: the actions are the same either way.
    this.batchActions[i] = r.actions;
  }

  /** Executes 'actions' on a copy of 'packet' as if received on 'inPort'
   * (OVS dpif_execute: packet-out, and packets that waited for an upcall).
   * 'offloads' is the packet's offload metadata; a copy of the packet being
   * upcalled, executed from within the upcall handler, keeps its own. */
  execute(packet: Uint8Array, inPort: number, actions: readonly OdpAction[], offloads?: PacketOffloads | null): void {
    const b = (this.execBatch ??= new DpPacketBatch(1, this.slotSize));
    b.count = 0;
    if (!b.append(packet, inPort)) { this.stats.lost++; return; }
    const ol = offloads ?? this.upcallOffloads(packet);
    if (ol) b.setOffloads(0, ol);
    this.execute1(b, 0, actions);
    this.flushTx();
  }

  private readonly cloneBatches: DpPacketBatch[] = [];
  private cloneDepth = 0;

  private execute1(batch: DpPacketBatch, i: number, actions: readonly OdpAction[]): void {
    for (let j = 0; j < actions.length; j++) {
      const a = actions[j]!;
      switch (a.type) {
        case 'output': {
          const p = this.ports.get(a.port);
          if (!p) { this.stats.lost++; break; }
          if (p.tx.count === p.tx.maxPackets) this.flushPort(p);
          if (!p.tx.appendFrom(batch, i)) this.stats.lost++;
          break;
        }
        case 'push_vlan':
          batch.pushVlan(i, a.tpid, a.tci & ~0x1000); // the CFI bit only marks the tag present
          break;
        case 'pop_vlan':
          batch.popVlan(i);
          break;
        case 'set':
        case 'set_masked':
          odpSetField(batch.data, batch.offsets[i]!, batch.sizes[i]!, a.key, a.value, a.type === 'set' ? null : a.mask);
          if (batch.olFlags[i]! & OlFlags.CSUM_PARTIAL) refreshPartialChecksum(batch, i);
          break;
        case 'trunc':
          if (batch.sizes[i]! > a.maxLen) batch.sizes[i] = a.maxLen;
          break;
        case 'userspace':
          batch.completeChecksum(i); // what goes to a controller has a complete checksum
          if (this.userspace) this.userspace(batch.packet(i), batch.inPort[i]!, a);
          break;
        case 'clone': {
          if (this.cloneDepth >= 8) break;
          const c = (this.cloneBatches[this.cloneDepth] ??= new DpPacketBatch(1, this.slotSize));
          c.count = 0;
          if (!c.appendFrom(batch, i)) { this.stats.lost++; break; }
          this.cloneDepth++;
          try { this.execute1(c, 0, a.actions); } finally { this.cloneDepth--; }
          break;
        }
        case 'drop':
          return;
        case 'tnl_push':
          // GSO packets are not encapsulated (as OVS 3.1); others get complete checksums first.
          if (batch.olFlags[i]! & OlFlags.GSO || !batch.completeChecksum(i) || !batch.pushHeader(i, a.header.length)) {
            this.stats.lost++;
            return;
          }
          netdevTnlPushHeaderAt(batch.data, batch.offsets[i]!, batch.sizes[i]!, a.tnlType, a.header);
          break;
        case 'tnl_pop':
          this.tunnelRecirc(batch, i, a.port);
          break;
        default:
          log.warnRl(rl, `datapath action ${a.type} is not supported here; packet dropped`);
          this.stats.lost++;
          return;
      }
    }
  }

  /* ---- native tunnels -------------------------------------------------- */

  /** Tunnel type of each tunnel datapath port ("vxlan", "gre"...), for tnl_pop. */
  private readonly tunnelTypes = new Map<number, string>();
  private readonly recircBatches: DpPacketBatch[] = [];
  private readonly recircKeys: Uint32Array[] = [];
  private recircDepth = 0;

  /** Declares datapath port 'portNo' a tunnel port of 'type' (null: no longer). */
  setTunnelPort(portNo: number, type: string | null): void {
    if (type) this.tunnelTypes.set(portNo, type); else this.tunnelTypes.delete(portNo);
  }

  /** tnl_pop(portNo) on packet i: decapsulates a copy and processes the inner
   * packet as received on 'portNo' with its tunnel metadata (flow lookup,
   * upcall on a miss), as OVS's datapath recirculates it. */
  private tunnelRecirc(batch: DpPacketBatch, i: number, portNo: number): void {
    const type = this.tunnelTypes.get(portNo);
    const r = type ? netdevTnlPopHeader(batch.packet(i), type) : 'not a tunnel port';
    if (typeof r === 'string' || this.recircDepth >= 4) {
      this.stats.lost++;
      tnlPopErrors.inc();
      log.dbgRl(rl, `${this.name}: tnl_pop(${portNo}): ${typeof r === 'string' ? r : 'too many recirculations'}`);
      return;
    }
    const d = this.recircDepth;
    const b = (this.recircBatches[d] ??= new DpPacketBatch(1, this.slotSize));
    const key = (this.recircKeys[d] ??= new Uint32Array(FLOW_WORDS));
    b.count = 0;
    if (!b.append(r.inner, portNo)) { this.stats.lost++; return; }
    flowExtract(b.data, b.offsets[0]!, b.sizes[0]!, portNo, key, 0);
    tnlMetadataToKey(r.md, key, 0);
    const id = this.cls.lookup(key, 0);
    let f = id >= 0 ? this.flows[id] : undefined;
    if (f !== undefined && f.gen !== this.gen) f = this.revalidateStale(f);
    this.recircDepth++;
    try {
      if (f === undefined) {
        this.stats.misses++;
        const h = this.upcall;
        const res = h ? h(b.packet(0), key, 0, portNo) : null;
        if (!res) { this.stats.lost++; this.stats.upcallFails++; return; }
        if (res === 'pending' || res === 'handled') return;
        this.flowPut(key, 0, res.mask ?? this.scratchKey.fill(0xffffffff), 0, res.actions);
        this.execute1(b, 0, res.actions);
        return;
      }
      this.stats.megaflowHits++;
      f.packets++;
      f.bytes += b.sizes[0]!;
      f.used = this.clock();
      this.execute1(b, 0, f.actions);
    } finally {
      this.recircDepth--;
    }
  }

  private flushPort(p: Port): void {
    if (p.tx.count) {
      this.stats.txBatches++;
      this.stats.txPackets += p.tx.count;
      netdevSend(p.netdev, 0, p.tx);
    }
    p.tx.count = 0;
  }

  private flushTx(): void {
    for (const p of this.ports.values()) if (p.tx.count) this.flushPort(p);
  }

  /* ---- driving the ports ---------------------------------------------------- */

  /** Starts receiving on every port (and on ports added later). */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const p of this.ports.values()) this.startPort(p);
  }

  /** Stops receiving; flows and ports stay. */
  stop(): void {
    this.running = false;
    for (const p of this.ports.values()) this.stopPort(p);
  }

  /** Receives one batch from port 'portNo' and processes it (what the
   * receive loop does on readiness; benchmarks call it directly).  Returns
   * the number of packets, 0 if none were waiting, -1 if the port is not
   * receiving. */
  pollPort(portNo: number): number {
    const p = this.ports.get(portNo);
    if (!p || !p.rxq) return -1;
    const n = netdevRxqRecv(p.rxq, this.rx);
    if (n > 0) {
      this.input(this.rx, p.portNo);
      this.afterInput?.();
    }
    return n;
  }

  private startPort(p: Port): void {
    if (!p.rx) return;
    const rxq = netdevRxqOpen(p.netdev, 0);
    if (typeof rxq === 'number') {
      log.warn(`${this.name}: port ${p.netdev.name} cannot receive (errno ${rxq})`);
      return;
    }
    p.rxq = rxq;
    const pump = (): void => {
      p.armed = false;
      if (!this.running || p.rxq !== rxq) return;
      for (let burst = 0; burst < 64; burst++) {
        if (this.pollPort(p.portNo) <= 0) {
          p.armed = true;
          netdevRxqWait(rxq, pump);
          return;
        }
      }
      setImmediate(pump);
    };
    pump();
  }

  private stopPort(p: Port): void {
    if (p.rxq) netdevRxqClose(p.rxq);
    p.rxq = null;
  }

  /** Removes every port and flow. */
  destroy(): void {
    this.stop();
    for (const no of [...this.ports.keys()]) this.portDel(no);
    this.flowFlush();
  }
}

/** A flow's ufid number written as OVS writes its 128-bit ufids (a UUID). */
export function formatUfid(ufid: number): string {
  const h = ufid.toString(16).padStart(32, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function singleOutputOf(actions: readonly OdpAction[]): number {
  return actions.length === 1 && actions[0]!.type === 'output' ? actions[0]!.port : -1;
}

/** TCP flags in dump-flows' short form ("S.", "F", "none"). */
export function formatTcpFlagsShort(flags: number): string {
  if (!flags) return 'none';
  let s = '';
  const order: [number, string][] = [[0x002, 'S'], [0x001, 'F'], [0x008, 'P'], [0x004, 'R'], [0x020, 'U'],
    [0x010, '.'], [0x040, 'E'], [0x080, 'C'], [0x100, 'N'], [0x200, '[200]'], [0x400, '[400]'], [0x800, '[800]']];
  for (const [bit, c] of order) if (flags & bit) s += c;
  return s;
}


/* ---- the datapath classes "netdev" and "dummy" ------------------------------- */

/** One datapath shared by every open of TYPE@NAME. */
interface SharedDp { dp: DpifNetdev; refCount: number; destroyed: boolean }

/** An open of a dpif-netdev datapath. */
class DpifNetdevOpen extends Dpif {
  constructor(name: string, cls: DpifClass, readonly shared: SharedDp) { super(name, cls); }
}

/** A dpif class of type 'type' over dpif-netdev datapaths, with the way to
 * adopt a datapath created elsewhere (ovs-vswitchd's backer). */
interface NetdevDpifClass extends DpifClass {
  adopt(dp: DpifNetdev): void;
  unadopt(dp: DpifNetdev): void;
  /** The datapaths of this class. */
  datapaths(): DpifNetdev[];
}

function makeDpifClass(type: string): NetdevDpifClass {
  const dps = new Map<string, SharedDp>();
  const dpOf = (d: Dpif) => (d as DpifNetdevOpen).shared.dp;
  const toFlow = (dp: DpifNetdev, f: DpFlow): DpifFlow => ({ key: f.key, mask: f.mask, actions: f.actions,
    ...dp.flowCounters(f) });
  // dpif-netdev always matches in_port and recirc_id exactly.
  const fixMask = (mask: Uint32Array) => {
    const m = mask.slice(0, FLOW_WORDS);
    m[W.IN_PORT] = 0xffffffff;
    m[W.RECIRC_ID] = 0xffffffff;
    return m;
  };
  const cls: NetdevDpifClass = {
    type,
    adopt(dp) {
      dps.set(dp.name, { dp, refCount: 1, destroyed: false });
    },
    unadopt(dp) {
      if (dps.get(dp.name)?.dp === dp) dps.delete(dp.name);
    },
    datapaths: () => [...dps.values()].map((x) => x.dp),
    enumerate: () => [...dps.keys()].sort(),
    portOpenType: (t) => (t === 'internal' ? (type === 'dummy' ? 'dummy-internal' : 'tap') : t),
    open(name, create) {
      let s = dps.get(name);
      if (s && create) return EEXIST;
      if (!s) {
        if (!create) return 19; // ENODEV
        const dp = new DpifNetdev(name);
        const local = netdevOpen(name, cls.portOpenType('internal'));
        if (typeof local === 'number') return local;
        const e = dp.portAdd(local, 0);
        if (e < 0) { netdevClose(local); return -e; }
        s = { dp, refCount: 0, destroyed: false };
        dps.set(name, s);
        dp.start();
      }
      s.refCount++;
      return new DpifNetdevOpen(name, cls, s);
    },
    close(d) {
      const s = (d as DpifNetdevOpen).shared;
      if (--s.refCount === 0 && s.destroyed) s.dp.destroy();
    },
    destroy(d) {
      const s = (d as DpifNetdevOpen).shared;
      if (!s.destroyed) {
        s.destroyed = true;
        if (dps.get(d.name) === s) dps.delete(d.name);
      }
      return 0;
    },
    getStats(d) {
      const st = dpOf(d).totalStats();
      // As OVS: "missed" counts misses whose upcall succeeded, failed ones are "lost".
      return { hit: st.emcHits + st.megaflowHits, missed: st.misses - st.upcallFails, lost: st.lost,
        flows: dpOf(d).flowCount, maskHit: 0, masks: -1 };
    },
    portAdd: (d, netdev, portNo) => dpOf(d).portAdd(netdev, portNo),
    portDel: (d, portNo) => (portNo === 0 ? EINVAL : dpOf(d).portDel(portNo)),
    portQueryByNumber: (d, portNo) => dpOf(d).portList().find((p) => p.portNo === portNo) ?? null,
    portQueryByName: (d, name) => dpOf(d).portList().find((p) => p.name === name) ?? null,
    portDump: (d) => dpOf(d).portList(),
    portNetdev: (d, portNo) => dpOf(d).portNetdev(portNo),
    flowPut(d, key, mask, actions, flags) {
      if (mask[W.IN_PORT] !== 0xffffffff) { // OVS: in_port must match exactly
        log.errRl(rl, `failed to put${flags & DpifFlowPutFlags.CREATE ? '[create]' : flags & DpifFlowPutFlags.MODIFY ? '[modify]' : '[zero]'} flow: in_port is not an exact match`);
        return EINVAL;
      }
      const dp = dpOf(d), m = fixMask(mask);
      const f = dp.flowFind(key, 0, m, 0);
      if (f) {
        if (!(flags & DpifFlowPutFlags.MODIFY)) return EEXIST;
        dp.flowModify(key, 0, m, 0, actions);
        if (flags & DpifFlowPutFlags.ZERO_STATS) dp.flowZeroStats(f);
        return 0;
      }
      if (!(flags & DpifFlowPutFlags.CREATE)) return ENOENT;
      const id = dp.flowPut(key, 0, m, 0, actions);
      return id < 0 ? -id : 0;
    },
    flowDel(d, key, mask) {
      const dp = dpOf(d);
      if (mask) return dp.flowDel(key, 0, fixMask(mask), 0) ? 0 : ENOENT;
      const f = dp.flowDump().find((x) => x.key.every((w, i) => ((key[i]! ^ w) & x.mask[i]!) === 0));
      return f && dp.flowDel(f.key, 0, f.mask, 0) ? 0 : ENOENT;
    },
    flowFlush(d) {
      dpOf(d).flowFlush();
      return 0;
    },
    flowDump: (d) => dpOf(d).flowDump().map((f) => ({ thread: 'main', flow: toFlow(dpOf(d), f) })),
    execute(d, packet, inPort, actions) {
      dpOf(d).execute(packet, inPort, actions);
      return 0;
    },
    setUpcallHandler: (d, h) => dpOf(d).setUpcallHandler(h),
  };
  return cls;
}

/** The userspace datapath class (datapath_type=netdev). */
export const dpifNetdevClass = makeDpifClass('netdev');

/** The same datapath for tests (ovs-vswitchd --enable-dummy): type "dummy". */
export const dpifDummyClass = makeDpifClass('dummy');

const otherClasses = new Map<string, NetdevDpifClass>();

/** The dpif-netdev class of datapath type 'type' ("netdev", "dummy", or any
 * other type whose datapath is a DpifNetdev, e.g. "system" under
 * --enable-dummy=override); the caller registers it with dpif.ts. */
export function dpifNetdevClassFor(type: string): NetdevDpifClass {
  if (type === 'netdev') return dpifNetdevClass;
  if (type === 'dummy') return dpifDummyClass;
  let c = otherClasses.get(type);
  if (!c) { c = makeDpifClass(type); otherClasses.set(type, c); }
  return c;
}

/* ---- dpif-netdev/* unixctl commands ----------------------------------------- */

/** Every dpif-netdev datapath by name (OVS's dp_netdevs). */
function allNetdevDps(): Map<string, DpifNetdev> {
  const m = new Map<string, DpifNetdev>();
  for (const c of [dpifNetdevClass, dpifDummyClass, ...otherClasses.values()]) {
    for (const dp of c.datapaths()) m.set(dp.name, dp);
  }
  return m;
}

/** The datapath a pmd-* command names and the core "-pmd CORE" picks (null:
 * every thread; the main thread has no core). */
function pmdCommandTarget(args: string[]): { dp: DpifNetdev; core: number | null } {
  const dps = allNetdevDps();
  let dp: DpifNetdev | undefined, core: number | null = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-pmd' && i + 1 < args.length) {
      const c = args[++i]!;
      if (/^\d+$/.test(c)) core = Number(c);
    } else if (args[i] === '-secs' && i + 1 < args.length) {
      i++; // no cycle counts to average here
    } else {
      dp = dps.get(args[i]!);
    }
  }
  if (!dp && dps.size === 1) dp = [...dps.values()][0];
  if (!dp) throw new UnixctlError('please specify an existing datapath');
  return { dp, core };
}

/** dpif-netdev/pmd-stats-show for 'dp': a paragraph per PMD thread (those on
 * core 'core' only, if given), then the main thread's. */
export function dpifNetdevPmdStatsShow(dp: DpifNetdev, core: number | null = null): string {
  let s = '';
  for (const r of [...dp.remotes].sort((a, b) => a.coreId - b.coreId)) {
    if (core === null || core === r.coreId) {
      s += pmdStatsParagraph(`pmd thread numa_id 0 core_id ${r.coreId}:`, r.stats(), r.subtableProbes());
    }
  }
  if (core === null) s += pmdStatsParagraph('main thread:', dp.stats, dp.subtableProbes);
  return s;
}

/** dpif-netdev/pmd-rxq-show for 'dp': each PMD thread and the ports it
 * receives from (one queue each; no cycle counts, so usage is NOT AVAIL). */
export function dpifNetdevPmdRxqShow(dp: DpifNetdev, core: number | null = null): string {
  const names = dp.portNames();
  let s = '';
  for (const r of [...dp.remotes].sort((a, b) => a.coreId - b.coreId)) {
    if (core !== null && core !== r.coreId) continue;
    s += `pmd thread numa_id 0 core_id ${r.coreId}:\n  isolated : false\n`;
    const ports = [...r.rxPorts].sort((a, b) => a - b);
    for (const no of ports) {
      s += `  port: ${(names.get(no) ?? String(no)).padEnd(16)}  queue-id:  0 (enabled)   pmd usage: NOT AVAIL\n`;
    }
    if (ports.length) s += '  overhead: NOT AVAIL\n';
  }
  return s;
}

function pmdStatsParagraph(title: string, st: DpStats, probes: number): string {
  const received = st.received, masked = st.megaflowHits;
  const f2 = (x: number) => x.toFixed(2);
  return `${title}\n`
    + `  packets received: ${received}\n`
    + '  packet recirculations: 0\n'
    + `  avg. datapath passes per packet: ${f2(received ? 1 : 0)}\n`
    + '  phwol hits: 0\n'
    + '  mfex opt hits: 0\n'
    + '  simple match hits: 0\n'
    + `  emc hits: ${st.emcHits}\n`
    + '  smc hits: 0\n'
    + `  megaflow hits: ${masked}\n`
    + `  avg. subtable lookups per megaflow hit: ${f2(masked ? probes / masked : 0)}\n`
    + `  miss with success upcall: ${st.misses - st.upcallFails}\n`
    + `  miss with failed upcall: ${st.upcallFails}\n`
    + `  avg. packets per output batch: ${f2(st.txBatches ? st.txPackets / st.txBatches : 0)}\n`;
}

/** Registers dpif-netdev/pmd-stats-show, pmd-stats-clear and pmd-rxq-show. */
export function dpifNetdevUnixctlRegister(): void {
  unixctlCommandRegister('dpif-netdev/pmd-stats-show', '[-pmd core] [dp]', 0, 3, (args) => {
    const t = pmdCommandTarget(args);
    return dpifNetdevPmdStatsShow(t.dp, t.core);
  });
  unixctlCommandRegister('dpif-netdev/pmd-rxq-show', '[-pmd core] [-secs secs] [dp]', 0, 5, (args) => {
    const t = pmdCommandTarget(args);
    return dpifNetdevPmdRxqShow(t.dp, t.core);
  });
  unixctlCommandRegister('dpif-netdev/pmd-stats-clear', '[-pmd core] [dp]', 0, 3, (args) => {
    const t = pmdCommandTarget(args);
    t.dp.clearStats();
    return '';
  });
}
